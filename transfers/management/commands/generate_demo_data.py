from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from transfers.demo_data import generate


class Command(BaseCommand):
    help = (
        "Create plausible synthetic actors, systems, sources and N transfers, each with a "
        "status history and a citation per event. Reproducible for a given --seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--transfers", type=int, required=True, help="how many transfers")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, transfers, seed, batch_size, no_progress, **options):
        if transfers < 1:
            raise CommandError("--transfers must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        bars = {
            name: tqdm(
                total=transfers,
                unit="transfer",
                desc=name,
                disable=no_progress,
                file=self.stderr._out,
            )
            for name in ("generating", "indexing")
        }
        try:
            counts = generate(
                transfers=transfers,
                seed=seed,
                batch_size=batch_size,
                progress=bars["generating"].update,
                index_progress=bars["indexing"].update,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write(", ".join(f"{value} {name}" for name, value in counts.items()))
        if connection.vendor == "postgresql":
            # A server may run without autovacuum (these machines' does): with no
            # statistics for what was just written, the planner guesses, and a
            # benchmark then compares plans, not code.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.stdout.write("Planner statistics updated (ANALYZE).")
