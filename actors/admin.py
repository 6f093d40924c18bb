from django import forms
from django.contrib import admin

from common.admin import CuratedModelAdmin
from common.forms import PartialDateFormField, PartialDateFormMixin

from .models import Actor, ActorRelation


class ActorRelationForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {
        "start": ("start_date", "start_date_precision"),
        "end": ("end_date", "end_date_precision"),
    }
    start = PartialDateFormField(label="Since")
    end = PartialDateFormField(label="Until")

    class Meta:
        model = ActorRelation
        fields = ["actor", "kind", "related", "start", "end", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 40})}


class ActorRelationInline(admin.TabularInline):
    """The actor's own relations ("this actor <kind> <related>")."""

    model = ActorRelation
    form = ActorRelationForm
    fk_name = "actor"
    extra = 0
    autocomplete_fields = ["related"]
    verbose_name = "relation"
    verbose_name_plural = "relations (this actor is part of, sponsored by, … the related actor)"


@admin.register(Actor)
class ActorAdmin(CuratedModelAdmin):
    list_display = ["name", "slug", "kind", "country", "updated"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created", "updated"]
    inlines = [ActorRelationInline]
    # The merge action is added by editorial.admin.
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "country", "aliases"]}),
        ("More", {"fields": ["wikidata_id", "description", "created", "updated"]}),
    ]


@admin.register(ActorRelation)
class ActorRelationAdmin(CuratedModelAdmin):
    form = ActorRelationForm
    list_display = ["actor", "kind", "related", "since", "until", "updated"]
    list_filter = ["kind"]
    list_select_related = ["actor", "related"]
    search_fields = ["actor__name", "actor__slug", "related__name", "related__slug"]
    autocomplete_fields = ["actor", "related"]
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["actor", "kind", "related", "start", "end", "note"]}),
        ("More", {"fields": ["created", "updated"]}),
    ]

    @admin.display(description="since", ordering="start_date")
    def since(self, relation):
        return relation.start_date_display or "–"

    @admin.display(description="until", ordering="end_date")
    def until(self, relation):
        return relation.end_date_display or "–"
