"""`manage.py evaluate_assistant`: the reading assistant measured (issue 15 §5).

Prints, per seed document and in all, the fixture's transfers cited there,
how many the candidates find (recall), how many candidates find one
(precision) and the time taken; the same for the assistant's own articles;
and the time to read a 100 kB document. Reads files only: it runs without
a database (no system checks, no migrations needed).
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from assistant.evaluation import ARTICLES_DIR, Score, evaluate

HEADER = (
    f"{'document':<34}{'transfers':>10}{'found':>7}{'recall':>8}"
    f"{'candidates':>12}{'matching':>10}{'precision':>11}{'ms':>9}"
)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def format_row(row: Score) -> str:
    """One line of the table."""
    return (
        f"{row.name[:33]:<34}{row.transfers:>10}{row.found:>7}{_percent(row.recall):>8}"
        f"{row.candidates:>12}{row.matching:>10}{_percent(row.precision):>11}"
        f"{row.milliseconds:>9.1f}"
    )


class Command(BaseCommand):
    help = (
        "Measure the reading assistant on the seed documents (against the fixture's "
        "transfers, with its actors and systems known) and on its own articles: recall, "
        "precision and time per document, and the time for a 100 kB document."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixture",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures" / "seed.json",
            help="The fixture whose actors and systems are known and whose transfers are "
            "the answer (default: fixtures/seed.json).",
        )
        parser.add_argument(
            "--documents",
            type=Path,
            default=None,
            help="Read the seed documents from this folder, one <document_key>.txt each "
            "(default: the texts stored in the fixture).",
        )
        parser.add_argument(
            "--missed",
            action="store_true",
            help="Also list the transfers the candidates did not find.",
        )

    def handle(self, *args, **options):
        fixture, documents = options["fixture"], options["documents"]
        if not fixture.is_file():
            raise CommandError(f"No fixture at {fixture}.")
        if documents is not None and not documents.is_dir():
            raise CommandError(f"No folder of documents at {documents}.")
        try:
            result = evaluate(fixture, documents, ARTICLES_DIR)
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"Cannot evaluate: {error}") from error
        self._table(
            "Seed documents (fixture actors and systems known, transfers removed)",
            result.documents,
            result.total,
        )
        self._table("Own articles (new actors and systems)", result.articles, result.articles_total)
        self.stdout.write(
            f"\n{result.large_document_chars:,} characters (the seeds repeated) read in "
            f"{result.large_document_milliseconds:.0f} ms."
        )
        if options["missed"]:
            self.stdout.write("\nNot found:")
            for line in [*result.total.missed, *result.articles_total.missed]:
                self.stdout.write(f"  {line}")

    def _table(self, title: str, rows: list[Score], total: Score) -> None:
        self.stdout.write(f"\n{title}\n{HEADER}\n{'-' * len(HEADER)}")
        for row in rows:
            self.stdout.write(format_row(row))
        self.stdout.write(f"{'-' * len(HEADER)}\n{format_row(total)}")
