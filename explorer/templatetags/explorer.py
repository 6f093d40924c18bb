"""Labels for the values the API gives as codes (a stage, a grade)."""

from django import template

from transfers.choices import Credibility, Stage, Stance, SystemCategory

register = template.Library()

_STAGES = dict(Stage.choices)
_CREDIBILITIES = dict(Credibility.choices)
_CATEGORIES = dict(SystemCategory.choices)
_STANCES = dict(Stance.choices)


@register.filter
def stage_label(value):
    return _STAGES.get(value, value)


@register.filter
def credibility_label(value):
    return _CREDIBILITIES.get(value, value)


@register.filter
def category_label(value):
    return _CATEGORIES.get(value, value)


@register.filter
def stance_label(value):
    return _STANCES.get(value, value)
