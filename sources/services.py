"""Writes of sources that span more than one row."""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .choices import TextFormat, TextOrigin
from .models import Source, SourceText, text_sha256

#: Sent, inside the transaction, when a source gets a new version of its
#: text (`text`; `previous` is the version before it, or None): the
#: citations anchored in the older one follow it (transfers.anchors), and
#: the reading assistant reads it (assistant.signals). Sources knows
#: nothing of either.
text_version_added = Signal()


@transaction.atomic
def source_text_add(
    source: Source,
    text: str,
    *,
    format: str = TextFormat.TEXT,
    received: str = "",
    origin: str = TextOrigin.PASTED,
    retrieved_from: str = "",
    retrieved_at=None,
    note: str = "",
) -> tuple[SourceText, bool]:
    """Store `text` as the source's next version of its text, or keep the
    current one when it is the same text (same SHA-256): (version, created).
    A stored version is never changed; its citations move to the new one."""
    current = (
        SourceText.objects.select_for_update().filter(source=source).order_by("-version").first()
    )
    if current is not None and current.sha256 == text_sha256(text):
        return current, False
    version = SourceText(
        source=source,
        version=(current.version + 1) if current else 1,
        text=text,
        format=format,
        received=received,
        origin=origin,
        retrieved_from=retrieved_from,
        retrieved_at=retrieved_at or timezone.now(),
        note=note,
    )
    version.full_clean()
    version.save()
    text_version_added.send(sender=SourceText, text=version, previous=current)
    return version, True
