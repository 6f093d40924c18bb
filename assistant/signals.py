"""The assistant reads every new version of a source's text as it is stored
(a tool posts an article, then asks for its candidates)."""

from django.dispatch import receiver

from sources.services import text_version_added


@receiver(text_version_added, dispatch_uid="assistant.read_new_text")
def _read_new_text(sender, text, **kwargs):
    from .services import read_document

    read_document(text)
