import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sources.models import Source, SourceText
from transfers.models import Citation

# Only what copying a quote by hand or through an editor changes without
# changing the words: typographic single and double quotes, and whitespace.
TYPOGRAPHIC_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
WHITESPACE = re.compile(r"\s+")
QUOTE_START_LENGTH = 60


def normalise(text: str) -> str:
    """Typographic quotes made straight, runs of whitespace made one space."""
    return WHITESPACE.sub(" ", text.translate(TYPOGRAPHIC_QUOTES)).strip()


def quote_start(quote: str) -> str:
    quote = normalise(quote)
    if len(quote) <= QUOTE_START_LENGTH:
        return quote
    return quote[: QUOTE_START_LENGTH - 1] + "…"


class Command(BaseCommand):
    help = (
        "Check every citation's quote against its source's text. By default from the "
        "database alone: the quote must be exactly the passage its anchor points at in the "
        "stored text (text[start:end]), in the source's current version. With a folder, "
        "against the archived files instead, <folder>/<document_key>.txt (or "
        "<folder>/<document_key>), after normalising whitespace and typographic quotes "
        "only. Exits non-zero if any quote is not found, a citation is orphaned or "
        "unanchored, or a document is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            nargs="?",
            help="Folder holding the archived source documents; omit it to check the stored texts.",
        )
        parser.add_argument(
            "--source",
            action="append",
            metavar="SLUG",
            help="Check only the citations of this source (repeat for several).",
        )

    def handle(self, *args, folder=None, source=None, **options):
        if folder is not None:
            folder = Path(folder)
            if not folder.exists():
                raise CommandError(f"The document folder {folder} does not exist.")
            if not folder.is_dir():
                raise CommandError(
                    f"{folder} is not a folder; give the folder of source documents."
                )

        citations = Citation.objects.select_related("source", "transfer", "document").order_by("id")
        if source:
            unknown = sorted(
                set(source)
                - set(Source.objects.filter(slug__in=source).values_list("slug", flat=True))
            )
            if unknown:
                raise CommandError(f"No source with slug {', '.join(unknown)}.")
            citations = citations.filter(source__slug__in=source)

        documents = {}  # document_key -> (normalised text, error)
        current_versions = dict(SourceText.objects.current().values_list("source_id", "version"))
        checked = failed = 0
        for citation in citations:
            checked += 1
            problem = (
                self._check(citation, folder, documents)
                if folder is not None
                else self._check_stored(citation, current_versions)
            )
            if problem is None:
                if options["verbosity"] >= 2:
                    self.stdout.write(f"ok      citation #{citation.pk} ({citation.source.slug})")
                continue
            failed += 1
            self.stdout.write(
                self.style.ERROR("FAILED")
                + f"  citation #{citation.pk}, source {citation.source.slug}, "
                f"transfer {citation.transfer.slug}: {problem}\n"
                f"        quote: “{quote_start(citation.quote)}”"
            )

        summary = f"checked {checked} citations: {checked - failed} ok, {failed} failed"
        self.stdout.write(summary)
        if failed:
            against = folder if folder is not None else "the stored texts"
            raise CommandError(
                f"{failed} of {checked} citations could not be verified against {against}."
            )

    @staticmethod
    def _check_stored(citation, current_versions):
        """None if the anchor holds in the source's current text, else what is wrong."""
        if citation.source_id not in current_versions:
            return "the source has no stored text, so there is nothing to check the quote against"
        document = citation.document
        if document is None:
            return "the quote is not anchored in the source's stored text"
        if document.source_id != citation.source_id:
            return f"the anchor points into another source's text ({document})"
        if document.text[citation.start : citation.end] != citation.quote:
            return (
                f"the quote is not what stands at {citation.start}–{citation.end} in version "
                f"{document.version} of the text"
            )
        if document.version != current_versions[citation.source_id]:
            return (
                f"orphaned: anchored in version {document.version}, not found in the current "
                f"version {current_versions[citation.source_id]}"
            )
        return None

    def _check(self, citation, folder, documents):
        """None if the quote is found, else what went wrong."""
        key = citation.source.document_key
        if not key:
            return "the source has no document_key, so there is no document to check against"
        # A key names a file in the folder, never a path out of it.
        if Path(key).name != key or key in (".", ".."):
            return f"the document_key {key!r} is not a plain file name"
        if key not in documents:
            documents[key] = self._read(folder, key)
        text, error = documents[key]
        if error:
            return error
        quote = normalise(citation.quote)
        if not quote:
            return "the quote is empty"
        if quote not in text:
            return f"the quote does not occur in {key}"
        return None

    @staticmethod
    def _read(folder, key):
        """(normalised text, None), or (None, why it could not be read)."""
        for path in (folder / f"{key}.txt", folder / key):
            if path.is_file():
                try:
                    return normalise(path.read_text(encoding="utf-8")), None
                except (OSError, UnicodeDecodeError) as exc:
                    return None, f"cannot read {path}: {exc}"
        return None, f"document not found: neither {folder / (key + '.txt')} nor {folder / key}"
