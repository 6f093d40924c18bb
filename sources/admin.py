from django import forms
from django.contrib import admin

from common.admin import CuratedModelAdmin, year_list_filter
from common.forms import PartialDateFormField, PartialDateFormMixin

from .document_intake_admin import DocumentIntakeMixin
from .models import Source


class SourceForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {"published": ("publication_date", "publication_date_precision")}
    published = PartialDateFormField(label="Publication date")

    class Meta:
        model = Source
        fields = [
            "title",
            "slug",
            "publisher",
            "authors",
            "published",
            "publication_date_is_inferred",
            "url",
            "kind",
            "language",
            "reliability",
            "copy_of",
            "document_key",
            "notes",
        ]


@admin.register(Source)
class SourceAdmin(DocumentIntakeMixin, CuratedModelAdmin):
    form = SourceForm
    change_list_template = "admin/sources/source/change_list.html"
    list_display = [
        "display_title",
        "publisher",
        "publication_date_display",
        "kind",
        "reliability",
        "copy_of",
    ]
    list_filter = [
        "kind",
        "reliability",
        year_list_filter("publication_date", "publication year"),
        "language",
    ]
    list_select_related = ["copy_of"]
    search_fields = ["title", "slug", "publisher", "authors", "document_key"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["copy_of"]
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "publisher",
                    "authors",
                    "published",
                    "publication_date_is_inferred",
                    "url",
                ]
            },
        ),
        ("Assessment", {"fields": ["kind", "language", "reliability", "copy_of"]}),
        ("Archive", {"fields": ["document_key", "notes", "created", "updated"]}),
    ]

    @admin.display(description="title", ordering="title")
    def display_title(self, obj):
        return obj.title or f"(untitled: {obj.document_key or obj.slug})"

    @admin.display(description="published", ordering="publication_date")
    def publication_date_display(self, obj):
        return obj.publication_date_display or "unknown"

    def get_urls(self):
        return [*self.intake_urls(), *super().get_urls()]
