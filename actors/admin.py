from django.contrib import admin

from common.admin import CuratedModelAdmin, merge_action

from .models import Actor
from .services import actor_merge


@admin.register(Actor)
class ActorAdmin(CuratedModelAdmin):
    list_display = ["name", "slug", "kind", "country", "parent", "updated"]
    list_filter = ["kind", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["created", "updated"]
    actions = [merge_action(actor_merge, "actors")]
    # The survivor takes over the duplicate's transfers, affiliates and systems.
    merge_rewrites = ("transfers.change_transfer", "actors.change_actor", "transfers.change_system")
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "country", "aliases"]}),
        ("Affiliation", {"fields": ["parent", "parent_relation"]}),
        ("More", {"fields": ["wikidata_id", "description", "created", "updated"]}),
    ]
