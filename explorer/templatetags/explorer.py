"""Labels for the values the API gives as codes (a stage, a grade)."""

from django import template

from transfers.choices import Credibility, Stage, Stance, SystemCategory

register = template.Library()


def _label_filter(name, choices):
    labels = dict(choices)
    register.filter(name, lambda value: labels.get(value, value))


_label_filter("stage_label", Stage.choices)
_label_filter("credibility_label", Credibility.choices)
_label_filter("category_label", SystemCategory.choices)
_label_filter("stance_label", Stance.choices)
