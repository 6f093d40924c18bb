"""Export transfers as the API does, to a file or standard output.

manage.py export_transfers --format csv --output register.csv --supplier russia
manage.py export_transfers --format jsonl --query 'supplier=russia&year_from=2013'
manage.py export_transfers --format csv --output out/register.csv --datapackage --bom

The API's full exports run this command in a child process (`--query` is the
request's own query string), so a download is what the command writes.
"""

import json
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from tqdm import tqdm

from transfers import aggregates
from transfers.api.representation import TransferShape
from transfers.exports import annotations, datapackage, ftm, gexf, graphml, jsonl, register
from transfers.filters import AnalyticsFilterSet, RecordsFilterSet
from transfers.models import Transfer

#: Command-line option → transfer-list filter; each may be repeated.
FILTER_OPTIONS = {
    "supplier": "supplier",
    "recipient": "recipient",
    "party": "party",
    "system": "system",
    "category": "category",
    "stage": "stage",
    "credibility": "credibility",
    "min_credibility": "min_credibility",
    "all_stages": "all_stages",
    "transfer_type": "transfer_type",
    "year_from": "year_from",
    "year_to": "year_to",
    "search": "search",
}


def origin(base_url: str) -> str:
    """ "scheme://host[:port]" of `base_url`, which the records' URLs start with."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


class Command(BaseCommand):
    help = (
        "Export transfers as CSV (SIPRI trade-register layout), JSON Lines, FollowTheMoney "
        "entities (ftm), citations as W3C Web Annotations (annotations), GraphML or GEXF, "
        "with the transfer list's filters. Writes to standard output unless --output is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            required=True,
            choices=["csv", "jsonl", "ftm", "annotations", "graphml", "gexf"],
            dest="fmt",
        )
        parser.add_argument("--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="where the API lives, for the URLs in JSON Lines records",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")
        parser.add_argument(
            "--bom",
            action="store_true",
            help="csv: start the file with a UTF-8 byte-order mark, for Excel",
        )
        parser.add_argument(
            "--datapackage",
            action="store_true",
            dest="datapackage_too",
            help="csv: write datapackage.json (its Frictionless Table Schema) beside --output",
        )
        parser.add_argument(
            "--query",
            default="",
            help="filters as the API takes them, a URL query string (with the options below)",
        )
        for option in FILTER_OPTIONS:
            parser.add_argument(
                f"--{option.replace('_', '-')}",
                action="append",
                dest=option,
                help=f"transfer-list filter `{option}`; repeat for several where it allows",
            )

    def handle(
        self, *args, fmt, output, base_url, no_progress, query, bom, datapackage_too, **options
    ):
        if (bom or datapackage_too) and fmt != "csv":
            raise CommandError("--bom and --datapackage are for --format csv")
        if datapackage_too and not output:
            raise CommandError("--datapackage writes beside the file: give --output")
        params = QueryDict(query, mutable=True)
        for option, name in FILTER_OPTIONS.items():
            for value in options.get(option) or []:
                params.appendlist(name, value)
        # JSON Lines is the records themselves (every stage); the register and
        # the networks count, by default, only what reached agreement.
        filters = RecordsFilterSet if fmt in ("jsonl", "ftm", "annotations") else AnalyticsFilterSet
        filterset = filters(params, queryset=Transfer.objects.all())
        if not filterset.is_valid():
            errors = "; ".join(
                f"--{name.replace('_', '-')}: {' '.join(messages)}"
                for name, messages in filterset.errors.items()
            )
            raise CommandError(errors)
        transfers = filterset.qs
        show_progress = bool(output) and not no_progress

        def progress(items, unit):
            """`items` counted by a progress bar; with None, the bar itself
            (to update by hand), or None if there is no bar."""
            if not show_progress:
                return items
            total = aggregates.narrowed(transfers).count()
            return tqdm(items, total=total, unit=unit, file=self.stderr._out)

        bar = None
        if fmt == "csv":
            bar = progress(None, "transfer")
            rows = register.trade_register(transfers, progress=bar.update if bar else None)
            chunks = register.write_csv(rows, bom=bom)
        elif fmt == "jsonl":
            bar = progress(None, "transfer")
            chunks = jsonl.write_jsonl(
                transfers, TransferShape(origin(base_url)), progress=bar.update if bar else None
            )
        elif fmt == "ftm":
            chunks = ftm.write_ftm(transfers, origin(base_url))
        elif fmt == "annotations":
            url = annotations.collection_url(origin(base_url), params.urlencode())
            chunks = annotations.write_annotations(transfers, origin(base_url), url)
        else:
            nodes = aggregates.network_nodes(transfers, intermediaries=True)
            nodes = map(aggregates.network_node, nodes)
            edges = progress(aggregates.network_file_edges(transfers), "edge")
            writer = graphml.write_graphml if fmt == "graphml" else gexf.write_gexf
            chunks = writer(nodes, edges)

        if output:
            # newline="": the CSV writer already ends rows with \r\n.
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.writelines(chunks)
            if datapackage_too:
                descriptor = Path(output).with_name("datapackage.json")
                package = datapackage.datapackage(Path(output).name, bom=bom)
                descriptor.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
        if bar is not None:
            bar.close()
