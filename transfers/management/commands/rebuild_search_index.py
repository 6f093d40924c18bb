from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from transfers import citation_search_index, search_index
from transfers.models import Citation, Transfer


class Command(BaseCommand):
    help = (
        "Recompute every transfer's and citation's stored search document (PostgreSQL), "
        "one id range at a time. Needed only after writes that bypass the application, "
        "or a change to what search covers (transfers.search.TRANSFER_SEARCH, "
        "transfers.search.CITATION_SEARCH)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=20000, help="transfers per UPDATE (default 20000)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, batch_size, no_progress, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if connection.vendor != "postgresql":
            self.stdout.write("No stored search documents on this database; nothing to do.")
            return

        def rebuild(index, model, unit):
            total = model.objects.count()
            with tqdm(total=total, unit=unit, disable=no_progress, file=self.stderr._out) as bar:
                return index.rebuild(batch_size=batch_size, progress=bar.update)

        count = rebuild(search_index, Transfer, "transfer")
        citations = rebuild(citation_search_index, Citation, "citation")
        with connection.cursor() as cursor:
            # Fresh statistics for the planner's estimates of matches.
            for model in (Transfer, Citation):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(
            f"Rebuilt the search documents of {count} transfers and {citations} citations."
        )
