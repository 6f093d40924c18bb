from django.contrib import admin

from .models import Actor


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "country", "parent", "updated"]
    list_filter = ["kind", "country"]
    list_select_related = ["parent"]
    search_fields = ["name", "slug", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "country", "aliases"]}),
        ("Affiliation", {"fields": ["parent", "parent_relation"]}),
        ("More", {"fields": ["wikidata_id", "description", "created", "updated"]}),
    ]
