"""Citations anchored in their source's stored text.

A citation of a source whose text is stored says where its quote stands:
the text version, the offsets, the text around it (`sources.anchoring`). Its
`clean()` anchors it (`anchor_citation`), so every write path, API, admin,
services and the assistant, checks that the quote is really there: the
quote must be `text[start:end]` of that version. When a source gets a new
version of its text, `reanchor_citations` moves each of its citations to it,
found again by quote, context and expected position; a quote that is no
longer in the text stays anchored in the old version and is flagged
orphaned, for an editor. Nothing is dropped."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver

from common.history import save_with_reason
from sources.anchoring import anchor_at, location, occurrences, reanchor
from sources.models import SourceText
from sources.services import text_version_added

from .choices import AnchorState

EXCERPT = 80


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _place(citation, document: SourceText, start: int, end: int, current: SourceText) -> None:
    anchor = anchor_at(document.text, start, end)
    citation.document = document
    citation.start, citation.end = anchor.start, anchor.end
    citation.prefix, citation.suffix = anchor.prefix, anchor.suffix
    citation.quote = document.text[start:end]
    citation.location = location(document.text, start, title=citation.source.title)
    citation.anchor_state = (
        AnchorState.ANCHORED if current.pk == document.pk else AnchorState.ORPHANED
    )


def _unanchor(citation) -> None:
    citation.document = None
    citation.start = citation.end = None
    citation.prefix = citation.suffix = ""
    citation.anchor_state = AnchorState.UNANCHORED


def _stored(citation) -> dict | None:
    """The citation as the database holds it (None for a new one)."""
    if citation.pk is None:
        return None
    from .models import Citation

    return Citation.objects.filter(pk=citation.pk).values("quote", "start", "end").first()


def _quote_edited(stored: dict | None, citation) -> bool:
    """Whether an editor changed the quote of a stored citation and left its
    anchor as it was: then the new quote is looked for, not refused."""
    return (
        stored is not None
        and stored["quote"] != citation.quote
        and (stored["start"], stored["end"]) == (citation.start, citation.end)
    )


def anchor_citation(citation) -> None:
    """Tie the citation's quote to its place in the source's stored text,
    or refuse it (ValidationError keyed by field) when it is not there.

    - The source has no stored text: the citation is not anchored (its
      offsets, if given, are refused: there is nothing to point into).
    - Offsets are given (a selection in the document page, the assistant,
      the API) on the current text: the quote is what stands there; an
      empty quote is filled in from the text, a different one refused.
    - Only the quote is given, or it was edited: it is looked for in the
      current text; it must occur there, once, or be told apart by its
      context or offsets.
    - An anchored citation whose quote did not change keeps its anchor, in
      an older version too (an orphan stays an orphan until it is fixed)."""
    source = citation.source
    current = source.current_text
    if current is None:
        if citation.start is not None or citation.end is not None:
            raise ValidationError(
                {"start": "This source has no stored text, so a quote cannot be anchored in it."}
            )
        _unanchor(citation)
        return

    if "\r\n" in citation.quote and "\r" not in current.text:
        # A browser sends a textarea's line breaks as CRLF (HTML's form
        # encoding); the stored text has LF.
        citation.quote = citation.quote.replace("\r\n", "\n")
    document = citation.document if citation.document_id else None
    if document is not None and document.source_id != source.pk:
        document = None  # the citation moved to another source: anchor it anew
    start, end = citation.start, citation.end
    stored = _stored(citation)
    edited = _quote_edited(stored, citation)
    if (start is None) != (end is None):
        raise ValidationError({"end" if end is None else "start": "Give both offsets, or neither."})

    if start is not None and not edited:
        document = document or current
        if not 0 <= start < end <= len(document.text):
            raise ValidationError(
                {
                    "end": f"{start}–{end} is not a passage of version {document.version} of the "
                    f"text, which has {len(document.text)} characters."
                }
            )
        standing = document.text[start:end]
        if citation.quote and citation.quote != standing:
            raise ValidationError(
                {
                    "quote": f"The quote is not what stands at {start}–{end} in version "
                    f"{document.version} of the text: “{_excerpt(standing)}”."
                }
            )
        _place(citation, document, start, end, current)
        return

    quote = citation.quote
    found = occurrences(current.text, quote)
    if not found and stored is not None and stored["quote"] == quote and start is None:
        # A citation made before its source's text was stored, whose quote
        # is not in it: left as it was (the audit lists it for an editor),
        # so that editing its note or its transfer is not refused for it.
        _unanchor(citation)
        return
    if not found:
        raise ValidationError(
            {
                "quote": f"The quote does not occur in the stored text of this source (version "
                f"{current.version}); copy it exactly, or select it in the document."
            }
        )
    if len(found) > 1 and not (citation.prefix or citation.suffix or start is not None):
        raise ValidationError(
            {
                "quote": f"The quote occurs {len(found)} times in the text; select the one "
                "meant in the document, or give its start offset."
            }
        )
    anchor = reanchor(
        current.text,
        quote,
        prefix=citation.prefix,
        suffix=citation.suffix,
        expected_start=start or 0,
    )
    _place(citation, current, anchor.start, anchor.end, current)


def reanchor_citations(new_version: SourceText) -> dict[str, int]:
    """Move the source's citations from its older versions to `new_version`:
    each quote found again (context first, then the nearest place to where
    it stood, scaled to the new length) is re-anchored; one that is gone is
    left in its old version and flagged orphaned. Citations made before the
    source had any text are anchored where their quote occurs. Saved with
    history, in the caller's transaction. Returns how many of each."""
    from .models import Citation

    counts = {"reanchored": 0, "orphaned": 0, "anchored": 0}
    source_citations = Citation.objects.filter(source_id=new_version.source_id).select_related(
        "document", "source"
    )
    # Those made before the source had a text: anchored where their quote is.
    for citation in source_citations.filter(document__isnull=True).order_by("id"):
        anchor = reanchor(new_version.text, citation.quote)
        if anchor is not None:
            _place(citation, new_version, anchor.start, anchor.end, new_version)
            save_with_reason(citation, f"Anchored in version {new_version.version} of the text")
            counts["anchored"] += 1
    citations = (
        source_citations.filter(document__isnull=False).exclude(document=new_version).order_by("id")
    )
    for citation in citations:
        old = citation.document.text
        expected = round(citation.start * len(new_version.text) / max(len(old), 1))
        anchor = reanchor(
            new_version.text,
            citation.quote,
            prefix=citation.prefix,
            suffix=citation.suffix,
            expected_start=expected,
        )
        if anchor is None:
            if citation.anchor_state == AnchorState.ORPHANED:
                continue
            citation.anchor_state = AnchorState.ORPHANED
            reason = f"Orphaned: the quote is not in version {new_version.version} of the text"
            counts["orphaned"] += 1
        else:
            _place(citation, new_version, anchor.start, anchor.end, new_version)
            reason = f"Re-anchored in version {new_version.version} of the text"
            counts["reanchored"] += 1
        save_with_reason(citation, reason)
    return counts


@receiver(text_version_added, dispatch_uid="transfers.anchors.reanchor")
def _reanchor_on_new_version(sender, text: SourceText, previous=None, **kwargs):
    with transaction.atomic():
        reanchor_citations(text)
