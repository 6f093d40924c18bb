from django.contrib import admin

from common.admin import CuratedModelAdmin

from .models import Actor


@admin.register(Actor)
class ActorAdmin(CuratedModelAdmin):
    list_display = ["name", "slug", "kind", "country", "parent", "updated"]
    list_filter = ["kind", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["created", "updated"]
    # The merge action is added by editorial.admin.
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "country", "aliases"]}),
        ("Affiliation", {"fields": ["parent", "parent_relation"]}),
        ("More", {"fields": ["wikidata_id", "description", "created", "updated"]}),
    ]
