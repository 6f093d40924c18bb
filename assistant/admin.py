"""The review queue: the assistant's candidates, to accept (after correcting
them, if need be) or reject."""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from common.forms import PartialDateFormField, PartialDateFormMixin

from . import services
from .models import Candidate, CandidateState

#: Where a new record of each kind is added, and the field its name fills.
ADD_PAGES = {
    "system": ("admin:transfers_system_add", "designation"),
    "actor": ("admin:actors_actor_add", "name"),
}


def may_accept(user, candidate: Candidate) -> bool:
    """Accepting writes a citation, maybe a status event, maybe a transfer:
    the reviewer needs the permission of each write as well as the review's."""
    needed = ["assistant.change_candidate", "transfers.add_citation", "transfers.add_statusevent"]
    if services.matching_transfer(candidate) is None:
        needed.append("transfers.add_transfer")
    return user.has_perms(needed)


class CandidateForm(PartialDateFormMixin, forms.ModelForm):
    partial_dates = {"when": ("date", "date_precision")}
    when = PartialDateFormField(label="Date", required=False)

    class Meta:
        model = Candidate
        fields = [
            "supplier",
            "recipient",
            "intermediaries",
            "system",
            "stage",
            "transfer_type",
            "stance",
            "attributed_to",
            "attributed_to_actor",
            "when",
            "date_is_inferred",
            "review_note",
        ]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    form = CandidateForm
    change_form_template = "admin/assistant/candidate/change_form.html"
    list_display = ["__str__", "source", "stage", "stance", "state", "short_quote"]
    list_filter = ["state", "stage", "stance"]
    list_select_related = ["supplier", "recipient", "system", "reading__document__source"]
    search_fields = ["quote", "attributed_to", "reading__document__source__slug"]
    autocomplete_fields = [
        "supplier",
        "recipient",
        "intermediaries",
        "system",
        "attributed_to_actor",
    ]
    readonly_fields = [
        "passage",
        "names_in_passage",
        "new_records",
        "hedges",
        "date_text",
        "state",
        "evidence_for",
        "transfer",
        "citation",
        "reviewed_by",
        "reviewed_at",
    ]
    fieldsets = [
        (None, {"fields": ["passage", "state", "evidence_for"]}),
        (
            "The claim (correct it before accepting)",
            {
                "fields": [
                    "supplier",
                    "recipient",
                    "intermediaries",
                    "system",
                    "names_in_passage",
                    "new_records",
                    "stage",
                    "transfer_type",
                    "stance",
                    "hedges",
                    "attributed_to",
                    "attributed_to_actor",
                    "when",
                    "date_text",
                    "date_is_inferred",
                ]
            },
        ),
        (
            "Review",
            {"fields": ["review_note", "transfer", "citation", "reviewed_by", "reviewed_at"]},
        ),
    ]
    actions = ["reject_selected"]

    def has_add_permission(self, request):
        return False  # the assistant proposes them

    def has_delete_permission(self, request, obj=None):
        return False  # rejected, not deleted: reading the text again proposes no twin

    def has_change_permission(self, request, obj=None):
        pending = obj is None or obj.state == CandidateState.PENDING
        return pending and super().has_change_permission(request, obj)

    @admin.display(description="source")
    def source(self, obj):
        return obj.reading.document.source

    @admin.display(description="quote")
    def short_quote(self, obj):
        return obj.quote if len(obj.quote) <= 90 else obj.quote[:87] + "…"

    @admin.display(description="passage")
    def passage(self, obj):
        document = obj.reading.document
        url = reverse("admin:sources_source_document", args=[document.source_id])
        return format_html(
            '“{}” — <a href="{}?version={}">{}, version {}, {}–{}</a>',
            obj.quote,
            url,
            document.version,
            document.source,
            document.version,
            obj.start,
            obj.end,
        )

    @admin.display(description="names found here")
    def names_in_passage(self, obj):
        found = [
            mention
            for mention in obj.reading.mentions
            if obj.start <= mention["start"] and mention["end"] <= obj.end
        ]
        if not found:
            return "—"
        return format_html_join(
            "; ",
            "“{}” ({}: {})",
            ((m["text"], m["kind"], m["key"] or "not in the database") for m in found),
        )

    @admin.display(description="new records offered")
    def new_records(self, obj):
        """Names the assistant found but the database does not have, each with
        a link to add it (the name filled in); then choose it above."""
        links = []
        for role, names in obj.proposed_names.items():
            for name in names if isinstance(names, list) else [names]:
                page, field = ADD_PAGES["system" if role == "system" else "actor"]
                links.append((role, name, f"{reverse(page)}?{urlencode({field: name})}"))
        if not links:
            return "—"
        return format_html_join("; ", '{}: “{}” (<a href="{}" target="_blank">add it</a>)', links)

    @admin.display(description="accepting")
    def evidence_for(self, obj):
        if obj.state != CandidateState.PENDING:
            return "—"
        if not (obj.supplier_id and obj.recipient_id and obj.system_id):
            return "Choose the supplier, recipient and system first."
        match = services.matching_transfer(obj)
        if match is None:
            return "creates a new transfer"
        url = reverse("admin:transfers_transfer_change", args=[match.pk])
        return format_html('adds evidence to <a href="{}">{}</a>', url, match)

    def response_change(self, request, obj):
        if "_accept" in request.POST or "_reject" in request.POST:
            return self._review(request, obj, accept="_accept" in request.POST)
        return super().response_change(request, obj)

    def _review(self, request, candidate, *, accept: bool):
        here = reverse("admin:assistant_candidate_change", args=[candidate.pk])
        if accept and not may_accept(request.user, candidate):
            raise PermissionDenied
        try:
            if accept:
                citation = services.candidate_accept(candidate, user=request.user)
            else:
                services.candidate_reject(candidate, user=request.user)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(here)
        if accept:
            url = reverse("admin:transfers_transfer_change", args=[citation.transfer_id])
            self.message_user(
                request,
                format_html('Accepted: cited for <a href="{}">{}</a>.', url, citation.transfer),
                messages.SUCCESS,
            )
        else:
            self.message_user(request, "Rejected.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:assistant_candidate_changelist"))

    @admin.action(description="Reject the selected candidates", permissions=["change"])
    def reject_selected(self, request, queryset):
        rejected = 0
        for candidate in queryset.filter(state=CandidateState.PENDING):
            services.candidate_reject(candidate, user=request.user)
            rejected += 1
        self.message_user(request, f"Rejected {rejected} candidate(s).", messages.SUCCESS)
