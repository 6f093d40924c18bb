"""The merge action, added to the admins of the records that can be merged.

The actors and transfers apps do not import this one (it imports them), so
it extends their admins the way Django extends another app's ModelAdmin (as
one does with UserAdmin): unregister, then register a subclass with the
action. Their own admin modules are imported first, so that their
registration is there to replace whatever the order of INSTALLED_APPS.
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from actors import admin as actors_admin
from actors.models import Actor
from transfers import admin as transfers_admin
from transfers.models import System

from .services import actor_merge, system_merge


def merge_action(merge, plural_label):
    """An admin action that merges two selected records with `merge(keep=, duplicate=, user=)`,
    after the editor has chosen which one survives.

    Offered (and run) only where `has_merge_permission` holds: Django leaves an
    action without `permissions` open to anyone who can see the list."""

    @admin.action(description=f"Merge the two selected {plural_label}", permissions=["merge"])
    def merge_selected(modeladmin, request, queryset):
        records = list(queryset.order_by("pk")[:3])
        if len(records) != 2:
            modeladmin.message_user(
                request, f"Select exactly two {plural_label} to merge.", messages.ERROR
            )
            return None
        chosen = request.POST.get("keep")
        if chosen is None:
            return TemplateResponse(
                request,
                "admin/editorial/merge_confirmation.html",
                {
                    **modeladmin.admin_site.each_context(request),
                    "title": f"Merge two {plural_label}",
                    "opts": modeladmin.model._meta,
                    "records": records,
                    "action": request.POST.get("action", "merge_selected"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        keep = next((record for record in records if str(record.pk) == chosen), None)
        if keep is None:
            modeladmin.message_user(request, "Choose which record survives.", messages.ERROR)
            return None
        duplicate = records[1] if keep is records[0] else records[0]
        try:
            merge(keep=keep, duplicate=duplicate, user=request.user)
        except ValidationError as error:
            modeladmin.message_user(request, " ".join(error.messages), messages.ERROR)
            return None
        modeladmin.message_user(
            request,
            f"Merged “{duplicate}” into “{keep}”: its records now point at “{keep}”, "
            "its names are aliases, and its old id and slug redirect.",
            messages.SUCCESS,
        )
        return None

    return merge_selected


class MergeAdminMixin:
    """What a merge needs: change and delete on the merged model, and change on
    every model whose records the merge rewrites (`merge_rewrites`, as
    "app_label.change_model")."""

    merge_rewrites: tuple[str, ...] = ()

    def has_merge_permission(self, request):
        return (
            self.has_change_permission(request)
            and self.has_delete_permission(request)
            and request.user.has_perms(self.merge_rewrites)
        )


admin.site.unregister(Actor)


@admin.register(Actor)
class ActorAdmin(MergeAdminMixin, actors_admin.ActorAdmin):
    actions = [*(actors_admin.ActorAdmin.actions or ()), merge_action(actor_merge, "actors")]
    # The survivor takes over the duplicate's transfers, relations (those
    # that would repeat one of its own, or relate it to itself, are deleted),
    # systems and the citations attributed to it.
    merge_rewrites = (
        "transfers.change_transfer",
        "actors.change_actor",
        "actors.change_actorrelation",
        "actors.delete_actorrelation",
        "transfers.change_system",
        "transfers.change_citation",
    )


admin.site.unregister(System)


@admin.register(System)
class SystemAdmin(MergeAdminMixin, transfers_admin.SystemAdmin):
    actions = [*(transfers_admin.SystemAdmin.actions or ()), merge_action(system_merge, "systems")]
    # The survivor takes over the duplicate's transfers.
    merge_rewrites = ("transfers.change_transfer",)
