"""Adding a document in the admin: a source from a pasted text, an uploaded
.txt/.md/.html file or a URL (its metadata extracted and shown to confirm),
or a corrected version of a source's text. Two steps: what was given is
read (sources.intake) and shown; on confirmation it is stored
(sources.services.source_text_add), the source with it when it is new.

Between the two steps the document travels in a signed field, so what is
stored is what was read and shown, with its true origin."""

import datetime

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.text import slugify

from common.dates import format_partial_date

from . import intake
from .choices import TextFormat
from .models import Source
from .services import source_text_add

SIGNING_SALT = "sources.document-intake"


class DocumentForm(forms.Form):
    """One of the three ways in: a pasted text, a file or a URL."""

    text = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"rows": 12, "cols": 100})
    )
    format = forms.ChoiceField(
        choices=TextFormat.choices,
        initial=TextFormat.TEXT,
        help_text="What the pasted text is (an HTML page's source is read for its main text).",
    )
    file = forms.FileField(required=False, help_text="A .txt, .md or saved .html page.")
    url = forms.URLField(required=False, assume_scheme="https", max_length=1000)

    def clean(self):
        cleaned = super().clean()
        given = [name for name in ("text", "file", "url") if cleaned.get(name)]
        if len(given) != 1:
            raise ValidationError("Give one of them: a pasted text, a file or a URL.")
        try:
            if cleaned.get("file"):
                cleaned["received"] = intake.from_upload(cleaned["file"])
            elif cleaned.get("url"):
                cleaned["received"] = intake.from_url(cleaned["url"])
            else:
                cleaned["received"] = intake.from_paste(cleaned["text"], format=cleaned["format"])
        except intake.IntakeError as error:
            raise ValidationError(str(error)) from None
        return cleaned


def sign(received: intake.Received) -> str:
    metadata = received.metadata
    return signing.dumps(
        {
            "text": received.text,
            "format": received.format,
            "received": received.received,
            "origin": received.origin,
            "retrieved_from": received.retrieved_from,
            "retrieved_at": received.retrieved_at.isoformat(),
            "metadata": {
                "title": metadata.title,
                "authors": list(metadata.authors),
                "date": format_partial_date(metadata.date, metadata.date_precision) or "",
                "site": metadata.site,
                "url": metadata.url,
                "language": metadata.language,
            },
        },
        salt=SIGNING_SALT,
        compress=True,
    )


def unsign(token: str) -> dict:
    try:
        return signing.loads(token, salt=SIGNING_SALT)
    except signing.BadSignature:
        raise ValidationError("The document was altered on its way back; read it again.") from None


def store(source: Source, payload: dict, note: str = ""):
    return source_text_add(
        source,
        payload["text"],
        format=payload["format"],
        received=payload["received"],
        origin=payload["origin"],
        retrieved_from=payload["retrieved_from"][:1000],
        retrieved_at=datetime.datetime.fromisoformat(payload["retrieved_at"]),
        note=note,
    )


def initial_source_fields(payload: dict) -> dict:
    """What the document says of itself, as the source form's first values."""
    metadata = payload["metadata"]
    return {
        "title": metadata["title"],
        "slug": slugify(metadata["title"])[:100],
        "publisher": metadata["site"],
        "authors": "\n".join(metadata["authors"]),
        "published": metadata["date"],
        "url": metadata["url"],
        "language": metadata["language"] or "en",
    }


class DocumentIntakeMixin:
    """The two pages, for SourceAdmin (which provides `form`)."""

    def _page(self, request, template, context):
        return TemplateResponse(
            request,
            f"admin/sources/{template}",
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def add_from_document_view(self, request):
        if not (
            self.has_add_permission(request) and request.user.has_perm("sources.add_sourcetext")
        ):
            raise PermissionDenied
        if request.method == "POST" and "document" in request.POST:
            return self._confirm_new_source(request)
        form = DocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = sign(form.cleaned_data["received"])
            payload = unsign(token)
            return self._page(
                request,
                "document_confirm.html",
                {
                    "title": "Confirm the new source",
                    "payload": payload,
                    "token": token,
                    "source_form": self.form(initial=initial_source_fields(payload)),
                },
            )
        return self._page(
            request, "document_form.html", {"title": "Add a source from a document", "form": form}
        )

    def _confirm_new_source(self, request):
        try:
            payload = unsign(request.POST["document"])
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return redirect("admin:sources_source_add_from_document")
        source_form = self.form(request.POST)
        if source_form.is_valid():
            with transaction.atomic():
                source = source_form.save(commit=False)
                source._history_user = request.user
                source.save()
                store(source, payload)
            self.message_user(request, f"Added “{source}” with its text.", messages.SUCCESS)
            return redirect("admin:sources_source_document", source.pk)
        return self._page(
            request,
            "document_confirm.html",
            {
                "title": "Confirm the new source",
                "payload": payload,
                "token": request.POST["document"],
                "source_form": source_form,
            },
        )

    def add_text_version_view(self, request, object_id):
        source = get_object_or_404(Source, pk=object_id)
        if not (
            self.has_change_permission(request, source)
            and request.user.has_perm("sources.add_sourcetext")
        ):
            raise PermissionDenied
        current = source.current_text
        if request.method == "POST" and "document" in request.POST:
            try:
                payload = unsign(request.POST["document"])
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return redirect("admin:sources_source_add_text", source.pk)
            with transaction.atomic():
                version, created = store(source, payload, note=request.POST.get("note", "")[:2000])
            if not created:
                self.message_user(request, "That is the text already stored.", messages.INFO)
            else:
                orphans = source.citations.filter(anchor_state="orphaned").count()
                self.message_user(
                    request,
                    f"Stored version {version.version}. Citations not found in it: {orphans} "
                    "(orphaned, for an editor to re-select).",
                    messages.WARNING if orphans else messages.SUCCESS,
                )
            return redirect("admin:sources_source_document", source.pk)
        form = DocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            token = sign(form.cleaned_data["received"])
            return self._page(
                request,
                "document_confirm.html",
                {
                    "title": f"Confirm a new version of the text of “{source}”",
                    "payload": unsign(token),
                    "token": token,
                    "source": source,
                    "current": current,
                },
            )
        return self._page(
            request,
            "document_form.html",
            {
                "title": f"Store a corrected version of the text of “{source}”",
                "form": form,
                "source": source,
                "current": current,
            },
        )

    def intake_urls(self):
        return [
            path(
                "add-from-document/",
                self.admin_site.admin_view(self.add_from_document_view),
                name="sources_source_add_from_document",
            ),
            path(
                "<path:object_id>/text/add/",
                self.admin_site.admin_view(self.add_text_version_view),
                name="sources_source_add_text",
            ),
        ]
