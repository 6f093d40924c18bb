"""Export transfers as the API does, to a file or standard output.

manage.py export_transfers --format csv --output register.csv --supplier russia
manage.py export_transfers --format jsonl --query 'supplier=russia&year_from=2013'
manage.py export_transfers --format csv --output out/register.csv --datapackage --bom

The API's full exports run this command in a child process (`--query` is the
request's own query string), so a download is what the command writes.
"""

import contextlib
import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import django_filters
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from tqdm import tqdm

from common.api.filters import ReferenceFilter
from transfers import aggregates
from transfers.api.representation import TransferShape
from transfers.exports import annotations, datapackage, ftm, gexf, graphml, jsonl, register
from transfers.filters import AnalyticsFilterSet, RecordsFilterSet
from transfers.models import Transfer

#: The filters the command takes, one option each (`--year-from` for
#: `year_from`): the API's own for these exports (RecordsFilterSet, for JSON
#: Lines, has the same ones), so a value the API refuses is refused here with
#: the same message.
FILTERS = AnalyticsFilterSet.base_filters

#: Help where the API's own would not be true of the command.
HELP = {
    "search": (
        "Words in the names and aliases of the supplier, recipient and intermediaries, the "
        "system's designations, aliases and NATO name, the notes and the quotes of the "
        "citations, as the API's `search` takes them (too many words or characters is an "
        "error). It narrows the export, which keeps its own order."
    ),
    "all_stages": (
        "`true`: export transfers at every stage. By default the CSV and the networks have "
        "only those that reached agreement (agreed, delivering, delivered, observed in "
        "possession, interdicted); JSON Lines has every stage either way."
    ),
}


def repeatable(flt) -> bool:
    """Whether the filter takes several values (OR), given by repeating it."""
    return isinstance(flt, ReferenceFilter | django_filters.MultipleChoiceFilter)


def option(name: str) -> str:
    return f"--{name.replace('_', '-')}"


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
            help=(
                "filters as the API takes them, a URL query string; the options below add to "
                "it (for a filter that takes one value, the option wins)"
            ),
        )
        for name, flt in FILTERS.items():
            text = HELP.get(name, flt.extra.get("help_text", ""))
            # argparse formats help with %: a literal one is doubled.
            parser.add_argument(
                option(name),
                action="append" if repeatable(flt) else "store",
                dest=name,
                metavar=name.upper(),
                help=text.replace("%", "%%"),
            )

    def handle(
        self, *args, fmt, output, base_url, no_progress, query, bom, datapackage_too, **options
    ):
        if (bom or datapackage_too) and fmt != "csv":
            raise CommandError("--bom and --datapackage are for --format csv")
        if datapackage_too and not output:
            raise CommandError("--datapackage writes beside the file: give --output")
        params = QueryDict(query, mutable=True)
        for name, flt in FILTERS.items():
            given = options.get(name)
            if given is None:
                continue
            if repeatable(flt):
                for value in given:
                    params.appendlist(name, value)
            else:
                params[name] = given
        # JSON Lines is the records themselves (every stage); the register and
        # the networks count, by default, only what reached agreement.
        filters = RecordsFilterSet if fmt in ("jsonl", "ftm", "annotations") else AnalyticsFilterSet
        filterset = filters(params, queryset=Transfer.objects.all())
        # As the API's downloads do (check_filter_references): a slug or id
        # naming no record is an error, not an empty export.
        errors = filterset.errors if not filterset.is_valid() else filterset.unknown_references()
        if errors:
            raise CommandError(
                "; ".join(
                    f"{option(name)}: {' '.join(messages)}" for name, messages in errors.items()
                )
            )
        transfers = filterset.qs
        options = {"bom": bom, "query": params.urlencode()}
        if not output:
            self.export(
                fmt,
                transfers,
                base_url,
                lambda chunk: self.stdout.write(chunk, ending=""),
                **options,
            )
            return
        # The file is opened before anything is read, so a place it cannot
        # go is an error at once.
        with atomic_output(output) as handle:
            self.export(
                fmt, transfers, base_url, handle.write, show_progress=not no_progress, **options
            )
        if datapackage_too:
            descriptor = Path(output).with_name("datapackage.json")
            package = datapackage.datapackage(Path(output).name, bom=bom)
            with atomic_output(str(descriptor)) as handle:
                handle.write(json.dumps(package, indent=2, ensure_ascii=False) + "\n")

    def export(self, fmt, transfers, base_url, write, *, bom, query, show_progress=False):
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
            url = annotations.collection_url(origin(base_url), query)
            chunks = annotations.write_annotations(transfers, origin(base_url), url)
        else:
            nodes = aggregates.network_nodes(transfers, intermediaries=True)
            nodes = map(aggregates.network_node, nodes)
            edges = progress(aggregates.network_file_edges(transfers), "edge")
            writer = graphml.write_graphml if fmt == "graphml" else gexf.write_gexf
            chunks = writer(nodes, edges)
        for chunk in chunks:
            write(chunk)
        if bar is not None:
            bar.close()


@contextlib.contextmanager
def atomic_output(output: str):
    """A text file to write `output` through, whole or not at all: a new file
    beside it, renamed over it once the block ends without error (os.replace
    is atomic within a directory), removed if it raises. So a failure part-way
    leaves no partial file, and an earlier file of that name as it was."""
    target = Path(output)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        # O_EXCL: never write through a file or link that is already there;
        # 0o666: the umask decides, as for open().
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise CommandError(f"--output {output}: cannot write there ({exc.strerror}).") from None
    try:
        # newline="": the CSV writer already ends rows with \r\n.
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise CommandError(f"--output {output}: cannot write there ({exc.strerror}).") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
