"""The document page of a source in the admin: its stored text with every
cited passage highlighted and linked to the claim it supports, and citing a
passage by selecting it (the quote and its anchor come from the selection,
never retyped).

It extends the sources app's SourceAdmin (sources knows nothing of
citations), as editorial extends the admins it builds on: transfers.admin
registers this subclass in its place."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from sources import admin as sources_admin
from sources.anchoring import segments
from sources.models import SourceText

from .models import Citation, Transfer


class DocumentSourceAdmin(sources_admin.SourceAdmin):
    readonly_fields = [*sources_admin.SourceAdmin.readonly_fields, "read_document"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [list(fieldset) for fieldset in super().get_fieldsets(request, obj)]
        if obj is not None:
            fieldsets.insert(0, ["Document", {"fields": ["read_document"]}])
        return fieldsets

    @admin.display(description="stored text")
    def read_document(self, obj):
        current = obj.current_text if obj.pk else None
        add = reverse("admin:sources_source_add_text", args=[obj.pk])
        if current is None:
            return format_html('No text stored. <a href="{}">Store its text</a>', add)
        url = reverse("admin:sources_source_document", args=[obj.pk])
        return format_html(
            '<a href="{}">Read the document and cite from it</a> (version {}, SHA-256 {}…) · '
            '<a href="{}">Store a corrected version</a>',
            url,
            current.version,
            current.sha256[:12],
            add,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/document/",
                self.admin_site.admin_view(self.document_view),
                name="sources_source_document",
            ),
            *super().get_urls(),
        ]

    def document_view(self, request, object_id):
        source = self.get_object(request, object_id)
        if source is None:
            raise Http404("No such source.")
        # Its citations are shown too: whoever may see or change them (as the
        # admin lets whoever may change a record see it).
        sees_citations = request.user.has_perm("transfers.view_citation") or request.user.has_perm(
            "transfers.change_citation"
        )
        if not (self.has_view_or_change_permission(request, source) and sees_citations):
            raise PermissionDenied
        versions = list(source.texts.order_by("version"))
        if not versions:
            raise Http404("This source has no stored text.")
        chosen = request.GET.get("version")
        document = next((v for v in versions if str(v.version) == chosen), versions[-1])
        return TemplateResponse(
            request,
            "admin/transfers/document.html",
            {
                **self.admin_site.each_context(request),
                **document_context(request, source, document, versions),
                "opts": self.model._meta,
                "original": source,
                "title": f"Document: {source}",
            },
        )


def document_context(request, source, document: SourceText, versions) -> dict:
    """What the document page shows: the text cut into highlighted pieces,
    the citations anchored in this version, and where a selection is cited."""
    citations = list(
        Citation.objects.filter(document=document)
        .select_related("transfer", "status_event")
        .order_by("start", "id")
    )
    pieces = [
        {"text": piece, "citations": keys, "first": keys[0] if keys else None}
        for piece, keys in segments(document.text, [(c.start, c.end, c.pk) for c in citations])
    ]
    cited_transfers = (
        Transfer.objects.filter(citations__source=source).distinct().order_by("slug")
        if request.user.has_perm("transfers.add_citation")
        else Transfer.objects.none()
    )
    return {
        "source": source,
        "document": document,
        "versions": versions,
        "is_current": document.pk == versions[-1].pk,
        "pieces": pieces,
        "citations": citations,
        "cited_transfers": cited_transfers,
        "can_cite": request.user.has_perm("transfers.add_citation")
        and document.pk == versions[-1].pk,
        "can_add_transfer": request.user.has_perm("transfers.add_transfer"),
        "citation_add_url": reverse("admin:transfers_citation_add"),
        "transfer_add_url": reverse("admin:transfers_transfer_add"),
    }


def passage_from_query(query, prefix: str = "") -> tuple | None:
    """(source id, start, end) of a passage named in a query string (the
    document page's links: `source`, `start`, `end`, each after `prefix`),
    or None when it names none or a malformed one."""
    try:
        source, start, end = (int(query[prefix + name]) for name in ("source", "start", "end"))
    except (KeyError, ValueError):
        return None
    return (source, start, end) if 0 <= start < end else None


def quote_of_passage(source_id: int, start: int, end: int) -> str:
    """The current text's words at start–end, or "" if there are none."""
    current = SourceText.objects.filter(source_id=source_id).order_by("-version").first()
    if current is None or end > len(current.text):
        return ""
    return current.text[start:end]
