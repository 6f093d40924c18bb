#!/usr/bin/env python3
"""Measure the API against a raw baseline, side by side, on PostgreSQL.

    DATABASE_URL=postgres://… python bench/benchmark.py [--runs 30] [--only list,detail]
                                                        [--json out.json]

Each case is requested through the whole Django/DRF stack in-process
(django.test.Client), and the same rows are fetched by a raw baseline:
psycopg 3 directly, serialised with orjson. For the transfer list and
detail the baseline reads the same rows with the same number of round trips:
the count and the page (their SQL is compiled once, at start-up, from the
view's own filtered queryset, so the filters, ordering and LIMIT are the
API's), then intermediaries, values, status history, citations and the
reports they relay by `= ANY(ids)`;
it builds the JSON with the API's own TransferShape
(transfers/api/representation.py), so the ratio is the cost of the ORM and
the request cycle; tests/deploy/test_benchmark.py checks it equals the API's.
Flows and the actor profile are compared with the equivalent aggregate
SQL; the CSV export with psycopg streaming the same columns (and the same
per-chunk related reads) to csv.writer. Both CSV sides run in a subprocess that reports its own peak
RSS (VmHWM).

Settings are production-like unless the environment says otherwise:
DEBUG=0 (DEBUG=1 logs every query, which distorts timings).

For each case: runs, median and p95 latency (ms) for the project and the
baseline, their ratios, queries per request (one extra request under
CaptureQueriesContext) and response bytes; then PASS/FAIL per target.
"""

import argparse
import csv
import datetime
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_LIKE = {
    "DEBUG": "0",
    # Production refuses a weak key; this one is thrown away with the run.
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    # One client asking as fast as it can: throttling would answer 429s.
    "ANON_THROTTLE_RATE": "",
    "USER_THROTTLE_RATE": "",
    "LOGIN_THROTTLE_RATE": "",
    "CACHE_URL": "locmemcache://",
}

BASE = "http://testserver"
API = "/api/v1"
PAGE_SIZE = 100


def setup_django():
    for key, value in PRODUCTION_LIKE.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- the raw baseline: transfer list and detail -------------------------------------

# The related rows, in the column order transfers.api.representation names
# (INTERMEDIARY_COLUMNS, VALUE_COLUMNS, EVENT_COLUMNS, CITATION_COLUMNS).
INTERMEDIARIES_SQL = """
SELECT i.transfer_id, a.id, a.slug, a.name, i.role
FROM transfers_transferintermediary i JOIN actors_actor a ON a.id = i.actor_id
WHERE i.transfer_id = ANY(%s) ORDER BY i.transfer_id, i.position"""
VALUES_SQL = """
SELECT v.transfer_id, v.id, v.kind, v.amount, v.currency, v.is_estimate, v.is_hedged,
       v.citation_id, v.package_id, v.note
FROM transfers_value v
WHERE v.transfer_id = ANY(%s) ORDER BY v.transfer_id, v.id"""
STATUS_EVENTS_SQL = """
SELECT e.transfer_id, e.id, e.stage, e.date, e.date_precision, e.date_is_inferred,
       e.first_reported, e.first_reported_precision, e.computed_credibility,
       e.credibility_override, e.credibility_override_reason, e.independent_sources, e.note
FROM transfers_statusevent e
WHERE e.transfer_id = ANY(%s) ORDER BY e.date ASC NULLS FIRST, e.id"""
CITATIONS_SQL = """
SELECT c.transfer_id, c.id, s.id, s.slug, s.title, s.document_key, s.publisher,
       s.publication_date, s.publication_date_precision,
       c.quote, c.location, c.anchor_state, c.document_id, c.start, c."end",
       c.stance, c.attributed_to, a.id, a.slug, a.name,
       c.status_event_id, c.note
FROM sources_citation c JOIN sources_source s ON s.id = c.source_id
LEFT JOIN actors_actor a ON a.id = c.attributed_to_actor_id
WHERE c.transfer_id = ANY(%s) ORDER BY c.transfer_id, c.id"""
RELAYS_SQL = """
SELECT r.citation_id, s.id, s.slug, s.title, s.document_key, s.publisher,
       s.publication_date, s.publication_date_precision
FROM transfers_citationrelay r JOIN sources_source s ON s.id = r.source_id
WHERE r.citation_id = ANY(%s) ORDER BY r.citation_id, r.position"""


def view_queryset(path: str, params: dict):
    """The transfer list's queryset after the view's filters, as the view builds it."""
    from django.test import RequestFactory
    from rest_framework.request import Request

    from transfers.api.views import TransferViewSet

    view = TransferViewSet(action="list", kwargs={}, format_kwarg=None)
    view.request = Request(RequestFactory().get(path, params))
    return view.filter_queryset(view.get_queryset())


def compiled(queryset):
    return queryset.query.get_compiler(using=queryset.db).as_sql()


class ListPlan:
    """The SQL of one list page (count and page), compiled once."""

    def __init__(self, params: dict):
        from common.search import is_ranked, unranked

        self.params = dict(params)
        queryset = view_queryset(f"{API}/transfers/", self.params)
        self.page_size = int(self.params.get("page_size", PAGE_SIZE))
        self.page = int(self.params.get("page", 1))
        offset = (self.page - 1) * self.page_size
        self.offset = offset
        # As the API pages: one row more than the page (is there a next?),
        # and a count capped at COUNT_LIMIT, run only when the page is not the last.
        inner, inner_params = compiled(queryset.order_by().values("pk")[: count_limit() + 1])
        self.count_sql = f"SELECT COUNT(*) FROM ({inner}) AS counted"
        self.count_params = inner_params
        self.page_sql, self.page_params = compiled(page_rows(queryset, offset, self.page_size + 1))
        # A ranked search counts first, and past RANK_LIMIT matches reads its
        # page in the default order instead (as the API's paginator does).
        self.ranked = is_ranked(queryset)
        if self.ranked:
            self.unranked_sql, self.unranked_params = compiled(
                page_rows(unranked(queryset), offset, self.page_size + 1)
            )

    def link(self, page):
        if page is None:
            return None
        query = {**self.params}
        if page == 1:
            query.pop("page", None)
        else:
            query["page"] = str(page)
        return f"{BASE}{API}/transfers/?{urlencode(sorted(query.items()))}"


def as_rows(queryset):
    """`queryset` read as the API reads a page's rows (TransferRows.columns)."""
    from transfers.api.representation import TransferRows

    return TransferRows.columns(queryset)


def _rows_as_tuples(queryset):
    """A page read as the API reads it, as tuples of `page_columns()`."""
    return as_rows(queryset).values_list(*page_columns())


def page_rows(queryset, offset, size):
    """The page's query as the API's paginator builds it (a deep page finds
    its keys first, then reads their rows)."""
    from common.api.pagination import ApiPagination

    return ApiPagination._rows(queryset, _rows_as_tuples, offset, size)


def page_columns():
    """The page query's columns (the API's, compiled from the view's queryset)."""
    from transfers.api.representation import TRANSFER_COLUMNS

    return TRANSFER_COLUMNS


def transfer_records(cursor, rows) -> list[dict]:
    """Transfer records for page rows (tuples of `page_columns()`): five more
    queries, for all the rows at once, built by the API's own TransferShape,
    so the baseline differs from the API in how it reads, not in what it
    writes."""
    from transfers.api.representation import TransferShape

    ids = [row[0] for row in rows]
    if not ids:
        return []
    columns = page_columns()
    citations = cursor.execute(CITATIONS_SQL, (ids,)).fetchall()
    return TransferShape(BASE).assemble(
        [dict(zip(columns, row, strict=True)) for row in rows],
        cursor.execute(INTERMEDIARIES_SQL, (ids,)).fetchall(),
        cursor.execute(VALUES_SQL, (ids,)).fetchall(),
        cursor.execute(STATUS_EVENTS_SQL, (ids,)).fetchall(),
        citations,
        cursor.execute(RELAYS_SQL, ([citation_id for _, citation_id, *_ in citations],)).fetchall(),
    )


def baseline_list(cursor, plan: ListPlan) -> dict:
    """A list page as the API shapes it: count, page, then the five related reads
    (a ranked search counts before the page)."""
    matches = None
    sql, params = plan.page_sql, plan.page_params
    if plan.ranked:
        [matches] = cursor.execute(plan.count_sql, plan.count_params).fetchone()
        if matches > rank_limit():
            sql, params = plan.unranked_sql, plan.unranked_params
    rows = cursor.execute(sql, params).fetchall()
    has_next = len(rows) > plan.page_size
    rows = rows[: plan.page_size]
    count, exact = capped_count(
        cursor, plan.count_sql, plan.count_params, plan.offset, len(rows), has_next, matches
    )
    return {
        "count": count,
        "count_is_exact": exact,
        "next": plan.link(plan.page + 1 if has_next else None),
        "previous": plan.link(plan.page - 1 if plan.page > 1 else None),
        "results": transfer_records(cursor, rows),
    }


def capped_count(cursor, sql, params, offset, on_page, has_next, count=None):
    """The API's count: none needed on the last page, a lower bound past the
    cap; `count`, if given, is the capped count already made."""
    if not has_next:
        return offset + on_page, True
    if offset + on_page >= count_limit():
        return offset + on_page + 1, False
    if count is None:
        [count] = cursor.execute(sql, params).fetchone()
    return (count_limit(), False) if count > count_limit() else (count, True)


def rank_limit() -> int:
    from common import search

    return search.RANK_LIMIT


def count_limit() -> int:
    from common.api.pagination import COUNT_LIMIT

    return COUNT_LIMIT


class DetailPlan:
    def __init__(self, transfer_id: int):
        queryset = view_queryset(f"{API}/transfers/", {}).filter(pk=transfer_id)
        self.sql, self.params = compiled(as_rows(queryset).values_list(*page_columns()))


def baseline_detail(cursor, plan: DetailPlan) -> dict:
    rows = cursor.execute(plan.sql, plan.params).fetchall()
    return transfer_records(cursor, rows)[0]


# --- the raw baseline: flows and the actor profile ---------------------------------

FLOW_FILTERS = {
    "supplier": "s.slug = %s",
    "recipient": "r.slug = %s",
    "stage": "t.stage = %s",
    # As the API's year_from: the transfer's dates overlap that year or later.
    "year_from": (
        "(t.end_date >= make_date(%s, 1, 1) "
        "OR (t.end_date IS NULL AND t.start_date >= make_date(%s, 1, 1)))"
    ),
}


def _where(filters: dict) -> tuple[str, list]:
    # As the API counts by default: only transfers that reached agreement.
    clauses, params = ["t.reached_agreement"], []
    for name, value in filters.items():
        clauses.append(FLOW_FILTERS[name])
        params.extend([int(value)] * 2 if name == "year_from" else [value])
    return " WHERE " + " AND ".join(clauses), params


def baseline_flows(cursor, filters: dict, page_size: int = PAGE_SIZE) -> dict:
    where, params = _where(filters)
    grouped = (
        "FROM transfers_transfer t JOIN actors_actor s ON s.id = t.supplier_id "
        f"JOIN actors_actor r ON r.id = t.recipient_id{where} "
        "GROUP BY t.supplier_id, s.slug, s.name, t.recipient_id, r.slug, r.name"
    )
    rows = cursor.execute(
        "SELECT t.supplier_id, s.slug, s.name, t.recipient_id, r.slug, r.name, COUNT(*), "
        f"COALESCE(SUM(t.quantity), 0), COUNT(*) FILTER (WHERE t.quantity IS NULL) {grouped} "
        "ORDER BY s.name, t.supplier_id, r.name, t.recipient_id LIMIT %s",
        [*params, page_size + 1],
    ).fetchall()
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    # Flows are counted as the API counts them: distinct (supplier, recipient) ids.
    keys = (
        "SELECT DISTINCT t.supplier_id, t.recipient_id FROM transfers_transfer t "
        f"JOIN actors_actor s ON s.id = t.supplier_id JOIN actors_actor r ON r.id = t.recipient_id"
        f"{where} LIMIT {count_limit() + 1}"
    )
    count, exact = capped_count(
        cursor, f"SELECT COUNT(*) FROM ({keys}) k", params, 0, len(rows), has_next
    )
    return {
        "count": count,
        "count_is_exact": exact,
        "next": None,
        "previous": None,
        "results": [
            {
                "supplier": {"id": row[0], "slug": row[1], "name": row[2]},
                "recipient": {"id": row[3], "slug": row[4], "name": row[5]},
                "transfers": row[6],
                "known_quantity": row[7],
                "unknown_quantity": row[8],
            }
            for row in rows
        ],
    }


def baseline_profile(cursor, slug: str) -> dict:
    [actor] = cursor.execute(
        "SELECT id, slug, name FROM actors_actor WHERE slug = %s", (slug,)
    ).fetchall()
    profile = {"actor": {"id": actor[0], "slug": actor[1], "name": actor[2]}}
    counts = "COUNT(*), COALESCE(SUM(t.quantity), 0), COUNT(*) FILTER (WHERE t.quantity IS NULL)"

    def tally(row):
        return {"transfers": row[0], "known_quantity": row[1], "unknown_quantity": row[2]}

    for role, own, partner in (
        ("supplied", "supplier_id", "recipient_id"),
        ("received", "recipient_id", "supplier_id"),
    ):
        mine = "FROM transfers_transfer t JOIN transfers_system y ON y.id = t.system_id"
        where = f"WHERE t.{own} = %s AND t.reached_agreement"
        total = cursor.execute(f"SELECT {counts} {mine} {where}", (actor[0],)).fetchone()
        # Works, not copies: a syndicated copy counts as its original.
        [works] = cursor.execute(
            "SELECT COUNT(DISTINCT COALESCE(s.copy_of_id, s.id)) FROM sources_citation c "
            "JOIN sources_source s ON s.id = c.source_id "
            f"WHERE c.transfer_id IN (SELECT t.id FROM transfers_transfer t {where})",
            (actor[0],),
        ).fetchone()
        partners = cursor.execute(
            f"SELECT a.id, a.slug, a.name, {counts} {mine} "
            f"JOIN actors_actor a ON a.id = t.{partner} {where} "
            "GROUP BY a.id, a.slug, a.name ORDER BY a.name, a.id",
            (actor[0],),
        ).fetchall()
        categories = cursor.execute(
            f"SELECT y.category, {counts} {mine} {where} GROUP BY y.category ORDER BY y.category",
            (actor[0],),
        ).fetchall()
        years = cursor.execute(
            f"SELECT EXTRACT(YEAR FROM t.start_date)::int AS year, {counts} {mine} {where} "
            "GROUP BY 1 ORDER BY 1 NULLS LAST",
            (actor[0],),
        ).fetchall()
        systems = cursor.execute(
            f"SELECT y.id, y.slug, y.designation, y.category, {counts} {mine} {where} "
            "GROUP BY y.id ORDER BY y.designation, y.id",
            (actor[0],),
        ).fetchall()
        profile[role] = {
            **tally(total),
            "works_cited": works,
            "by_partner": [
                {"actor": {"id": r[0], "slug": r[1], "name": r[2]}, **tally(r[3:])}
                for r in partners
            ],
            "by_category": [{"category": r[0], **tally(r[1:])} for r in categories],
            "by_year": [{"year": r[0], **tally(r[1:])} for r in years],
            "systems": [
                {
                    "system": {"id": r[0], "slug": r[1], "designation": r[2], "category": r[3]},
                    **tally(r[4:]),
                }
                for r in systems
            ],
        }
    return profile


# --- the raw baseline: CSV ----------------------------------------------------------

# The register's rows, of what it counts by default: the transfers that reached agreement.
CSV_MAIN_SQL = """
SELECT t.id, s.name, r.name, y.designation, y.description, y.category, t.start_date,
       t.start_date_precision, t.end_date, t.end_date_precision, t.condition, t.transfer_type,
       t.slug, t.quantity, t.quantity_is_estimate, t.quantity_max, t.stage, t.credibility,
       t.independent_sources, p.name
FROM transfers_transfer t JOIN actors_actor s ON s.id = t.supplier_id
JOIN actors_actor r ON r.id = t.recipient_id JOIN transfers_system y ON y.id = t.system_id
LEFT JOIN transfers_package p ON p.id = t.package_id
WHERE t.reached_agreement
ORDER BY t.id"""


def baseline_csv(dsn: str, output: str, chunk_size: int = 2000) -> int:
    """Stream the register's columns with psycopg to csv.writer: the transfers
    from a server-side cursor, and per chunk their intermediaries, deliveries,
    contract values and cited sources (four queries). Returns the number of
    data rows."""
    import psycopg

    written = 0
    with (
        psycopg.connect(dsn) as connection,
        open(output, "w", encoding="utf-8", newline="") as handle,
    ):
        writer = csv.writer(handle)
        writer.writerow(["columns"] * 32)
        related = connection.cursor()
        with connection.transaction(), connection.cursor(name="register") as cursor:
            cursor.execute(CSV_MAIN_SQL)
            while chunk := cursor.fetchmany(chunk_size):
                low, high = chunk[0][0], chunk[-1][0]
                names, deliveries, values, sources = {}, {}, {}, {}
                for tid, name, role in related.execute(
                    "SELECT i.transfer_id, a.name, i.role FROM transfers_transferintermediary i "
                    "JOIN actors_actor a ON a.id = i.actor_id WHERE i.transfer_id "
                    "BETWEEN %s AND %s ORDER BY 1, i.position",
                    (low, high),
                ):
                    # As the register writes a known role: "Syria (transit)".
                    label = f"{name} ({role.replace('_', '-')})" if role else name
                    names.setdefault(tid, []).append(label)
                for tid, *cells in related.execute(
                    "SELECT transfer_id, quantity, quantity_is_estimate, year, year_is_estimate "
                    "FROM transfers_delivery WHERE transfer_id BETWEEN %s AND %s ORDER BY 1, 4",
                    (low, high),
                ):
                    deliveries.setdefault(tid, []).append(cells)
                for tid, *cells in related.execute(
                    "SELECT transfer_id, amount, currency, is_estimate FROM transfers_value "
                    "WHERE kind = 'contract' AND transfer_id BETWEEN %s AND %s ORDER BY 1, id",
                    (low, high),
                ):
                    values.setdefault(tid, cells)
                for tid, title, url in related.execute(
                    "SELECT c.transfer_id, COALESCE(NULLIF(s.title, ''), s.slug), s.url "
                    "FROM sources_citation c JOIN sources_source s ON s.id = c.source_id "
                    "WHERE c.transfer_id BETWEEN %s AND %s ORDER BY 1, c.id",
                    (low, high),
                ):
                    sources.setdefault(tid, []).append((title, url))
                for row in chunk:
                    cited = sources.get(row[0], ())
                    tail = [
                        *row[1:],
                        *values.get(row[0], ("", "", "")),
                        "; ".join(names.get(row[0], ())),
                        "; ".join(t for t, _u in cited),
                        "; ".join(u for _t, u in cited if u),
                    ]
                    for cells in deliveries.get(row[0]) or [["", "", "", ""]]:
                        writer.writerow([*cells, *tail])
                        written += 1
    return written


# --- measuring ---------------------------------------------------------------------


class Case:
    """`baseline(cursor)` builds the raw reference; or `reference` is another
    URL of the project that `project` is compared with (the explorer's
    pages against the API's answer to the same query)."""

    def __init__(self, name, group, project, baseline, target=None, reference=None):
        self.name, self.group = name, group
        self.project, self.baseline = project, baseline
        self.target = target
        self.reference = reference


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def timed_runs(function, runs, deadline):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() > deadline:
            break
    return times


def measure_case(client, cursor, case, runs, seconds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def project():
        response = client.get(case.project)
        if response.status_code != 200:
            raise RuntimeError(f"{case.project}: HTTP {response.status_code}")
        return response

    def baseline():
        import orjson

        return orjson.dumps(case.baseline(cursor))

    # Warm up both (caches, plans, connection).
    for _ in range(2):
        response = project()
        raw = baseline()
    with CaptureQueriesContext(connection) as queries:
        project()
    # Read now: the next request's request_started resets the query log.
    query_count = len(queries.captured_queries)
    deadline = time.perf_counter() + seconds / 2
    project_ms = timed_runs(project, runs, deadline)
    deadline = time.perf_counter() + seconds / 2
    baseline_ms = timed_runs(baseline, runs, deadline)
    return compared(case, project_ms, baseline_ms, query_count, len(response.content), len(raw))


def compared(case, project_ms, baseline_ms, queries, project_bytes, baseline_bytes) -> dict:
    """The figures of `case` timed against its baseline, and their ratios."""
    result = {
        "case": case.name,
        "group": case.group,
        "url": case.project,
        "runs": len(project_ms),
        "baseline_runs": len(baseline_ms),
        "project_median_ms": statistics.median(project_ms),
        "project_p95_ms": percentile(project_ms, 0.95),
        "baseline_median_ms": statistics.median(baseline_ms),
        "baseline_p95_ms": percentile(baseline_ms, 0.95),
        "queries": queries,
        "bytes": project_bytes,
        "baseline_bytes": baseline_bytes,
    }
    result["ratio_median"] = result["project_median_ms"] / result["baseline_median_ms"]
    result["ratio_p95"] = result["project_p95_ms"] / result["baseline_p95_ms"]
    return result


#: Runs a script (argv[1:]) and reports its peak RSS (VmHWM) on stderr at exit.
#: Measured inside the child: the exec'd program has a memory map of its own,
#: whereas wait4's ru_maxrss would carry over this (large) parent's peak.
PEAK_WRAPPER = """
import atexit, runpy, sys
def peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                sys.stderr.write(f"PEAK_KB {line.split()[1]}\\n")
atexit.register(peak)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def run_child(args) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stderr of a Python script run in a child."""
    start = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-c", PEAK_WRAPPER, *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    wall = time.perf_counter() - start
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {completed.stderr[-2000:]}")
    peaks = [
        line.split()[1] for line in completed.stderr.splitlines() if line.startswith("PEAK_KB")
    ]
    return wall, int(peaks[-1]) / 1024 if peaks else None, completed.stderr


def count_lines(path) -> int:
    with open(path, newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def measure_csv(dsn, filters):
    """The CSV export in a subprocess (`manage.py export_transfers`), and the
    psycopg baseline in another; rows/s from data rows over wall seconds, peak
    RSS from the child's own VmHWM."""
    out = Path(os.environ.get("TMPDIR", "/tmp"))
    project_file = out / f"bench-export-{os.getpid()}.csv"
    baseline_file = out / f"bench-baseline-{os.getpid()}.csv"
    options = [f"--{k.replace('_', '-')}={v}" for k, v in filters.items()]
    try:
        wall, peak, _ = run_child(
            [
                "manage.py",
                "export_transfers",
                "--format",
                "csv",
                "--no-progress",
                "--output",
                str(project_file),
                *options,
            ]
        )
        rows = count_lines(project_file)
        size = project_file.stat().st_size
        if filters:
            base_wall = base_peak = base_rows = None
        else:
            base_wall, base_peak, _ = run_child(
                [__file__, "--csv-baseline-child", str(baseline_file)]
            )
            base_rows = count_lines(baseline_file)
    finally:
        for path in (project_file, baseline_file):
            path.unlink(missing_ok=True)
    return {
        "case": "csv",
        "group": "csv",
        "rows": rows,
        "project_seconds": wall,
        "project_rows_per_s": rows / wall,
        # A row's width changes with the register's columns: MB/s compares
        # exports of different widths (rows/s alone would not).
        "bytes": size,
        "project_mb_per_s": size / 1e6 / wall,
        "project_peak_rss_mb": peak,
        "baseline_rows": base_rows,
        "baseline_seconds": base_wall,
        "baseline_rows_per_s": base_rows / base_wall if base_rows else None,
        "baseline_peak_rss_mb": base_peak,
        "ratio": (wall / base_wall) if base_wall else None,
    }


# --- the cases ---------------------------------------------------------------------


def pick_subjects(cursor) -> dict:
    """Deterministic subjects from the data: the biggest supplier, the most
    transferred system's designation, and transfer ids spread over the table."""
    biggest = cursor.execute(
        "SELECT a.slug, a.name FROM transfers_transfer t JOIN actors_actor a "
        "ON a.id = t.supplier_id GROUP BY a.id ORDER BY COUNT(*) DESC, a.id LIMIT 1"
    ).fetchone()
    system = cursor.execute(
        "SELECT y.designation FROM transfers_transfer t JOIN transfers_system y "
        "ON y.id = t.system_id GROUP BY y.id, y.designation ORDER BY COUNT(*) DESC, y.id LIMIT 1"
    ).fetchone()
    [total] = cursor.execute("SELECT COUNT(*) FROM transfers_transfer").fetchone()
    ids = []
    for fraction in (0, 0.25, 0.5, 0.75, 0.999):
        row = cursor.execute(
            "SELECT id FROM transfers_transfer ORDER BY id OFFSET %s LIMIT 1",
            (int(total * fraction),),
        ).fetchone()
        if row:
            ids.append(row[0])
    return {
        "supplier": biggest[0] if biggest else None,
        "supplier_name": biggest[1] if biggest else None,
        "designation": system[0] if system else None,
        "transfers": total,
        "ids": ids,
    }


def list_case(name, group, params, target=None):
    plan = ListPlan(params)
    return Case(
        name,
        group,
        f"{API}/transfers/?{urlencode(params)}",
        lambda cursor: baseline_list(cursor, plan),
        target,
    )


def build_cases(client, subjects) -> list[Case]:
    cases = [list_case("list", "list", {"page_size": PAGE_SIZE})]
    if subjects["supplier"]:
        cases.append(
            list_case(
                "list_filtered",
                "list",
                {
                    "supplier": subjects["supplier"],
                    "stage": "agreed",
                    "year_from": "1990",
                    "page_size": PAGE_SIZE,
                },
            )
        )
    if subjects["designation"]:
        cases.append(
            list_case(
                "search", "search", {"search": subjects["designation"], "page_size": PAGE_SIZE}
            )
        )
    if subjects["supplier"]:
        # A word in more transfers than are ranked (the biggest supplier's name).
        cases.append(
            list_case(
                "search_common",
                "search",
                {"search": subjects["supplier_name"], "page_size": PAGE_SIZE},
            )
        )
    from common.api.pagination import MAX_PAGE_DEPTH

    # The deepest numbered page there is (deeper ones are a 400 that points to the cursor).
    last_page = max(1, -(-subjects["transfers"] // PAGE_SIZE))
    deepest = min(last_page, MAX_PAGE_DEPTH // PAGE_SIZE)
    cases.append(list_case("deep_page", "list", {"page": str(deepest), "page_size": PAGE_SIZE}))
    cursor_case = deep_cursor_case(client)
    if cursor_case:
        cases.append(cursor_case)
    for transfer_id in subjects["ids"]:
        plan = DetailPlan(transfer_id)
        cases.append(
            Case(
                f"detail_{transfer_id}",
                "detail",
                f"{API}/transfers/{transfer_id}/",
                lambda cursor, plan=plan: baseline_detail(cursor, plan),
            )
        )
    cases.append(
        Case(
            "flows",
            "flows",
            f"{API}/flows/?page_size={PAGE_SIZE}",
            lambda cursor: baseline_flows(cursor, {}),
        )
    )
    if subjects["supplier"]:
        filters = {"supplier": subjects["supplier"], "year_from": "1990"}
        cases.append(
            Case(
                "flows_filtered",
                "flows",
                f"{API}/flows/?{urlencode({**filters, 'page_size': PAGE_SIZE})}",
                lambda cursor: baseline_flows(cursor, filters),
            )
        )
        slug = subjects["supplier"]
        cases.append(
            Case(
                "profile",
                "profile",
                f"{API}/actors/{slug}/profile/",
                lambda cursor: baseline_profile(cursor, slug),
            )
        )
    cases.extend(bounded_cases())
    cases.extend(explorer_cases(subjects))
    return cases


def explorer_cases(subjects) -> list[Case]:
    """The explorer's register (its first page, by cursor, with the count of
    matches) against the API's list for the same query, both through the
    whole stack; its flows page against the API's flows. The facets are a
    fragment of their own, timed alone."""
    queries = [("explorer_register", {"page_size": PAGE_SIZE})]
    if subjects["supplier"]:
        queries.append(
            (
                "explorer_register_filtered",
                {"supplier": subjects["supplier"], "stage": "agreed", "page_size": PAGE_SIZE},
            )
        )
    if subjects["designation"]:
        queries.append(
            (
                "explorer_register_search",
                {"search": subjects["designation"], "page_size": PAGE_SIZE},
            )
        )
    cases = [
        Case(
            name,
            "explorer",
            f"/?{urlencode(q)}",
            None,
            reference=f"{API}/transfers/?{urlencode(q)}",
        )
        for name, q in queries
    ]
    if subjects["supplier"]:
        narrowed = urlencode({"supplier": subjects["supplier"]})
        cases.append(
            Case(
                "explorer_flows_filtered",
                "explorer",
                f"/flows/?{narrowed}",
                None,
                reference=f"{API}/flows/?{narrowed}&page_size=500",
            )
        )
        cases.append(Case("explorer_facets_filtered", "explorer", f"/facets/?{narrowed}", None))
    cases.append(Case("explorer_facets", "explorer", "/facets/", None))
    return cases


def measure_against_reference(client, case, runs, seconds):
    """`case.project` and `case.reference` timed in turn, run after run, so
    that the machine's drift falls on both alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get(url):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return response

    for _ in range(2):
        response = get(case.project)
        reference = get(case.reference)
    with CaptureQueriesContext(connection) as queries:
        get(case.project)
    query_count = len(queries.captured_queries)
    project_ms, reference_ms = [], []
    deadline = time.perf_counter() + seconds
    for _ in range(runs):
        for url, times in ((case.project, project_ms), (case.reference, reference_ms)):
            start = time.perf_counter()
            get(url)
            times.append((time.perf_counter() - start) * 1000)
        if time.perf_counter() > deadline:
            break
    return {
        **compared(
            case,
            project_ms,
            reference_ms,
            query_count,
            len(response.content),
            len(reference.content),
        ),
        "reference": case.reference,
    }


def bounded_cases() -> list[Case]:
    """What an anonymous client could make expensive (found at 200,000
    transfers): citation search, a search with the most words allowed, deep
    pages of citations, the deletions feed from long ago. Project only: the
    point is that each stays bounded, not its overhead over raw SQL."""
    from common.api.pagination import MAX_PAGE_DEPTH
    from common.search import MAX_SEARCH_TERMS

    ored = " OR ".join(["missile", "drone", "tank", "rifle", "radar", "frigate"] * 3)
    ored = " ".join(ored.split()[: 2 * MAX_SEARCH_TERMS - 1])
    cases = [
        ("citation_search", {"search": "missile"}),
        ("citation_search_common", {"search": "deal"}),
        ("citation_search_max", {"search": ored}),
        ("citation_page_max", {"page": str(MAX_PAGE_DEPTH // PAGE_SIZE)}),
        ("citation_page_deeper", {"page": "7000"}),
        ("citation_cursor", {"cursor": ""}),
    ]
    built = [
        Case(
            name,
            "bounded",
            f"{API}/citations/?{urlencode({**params, 'page_size': PAGE_SIZE})}",
            None,
        )
        for name, params in cases
    ]
    built.append(
        Case("deleted_since_2000", "bounded", f"{API}/deleted/?since=2000-01-01T00:00:00Z", None)
    )
    return built


#: How many `next` links to follow for the deep cursor page.
CURSOR_DEPTH = 20


def cursor_of(url):
    from urllib.parse import parse_qs, urlsplit

    return (parse_qs(urlsplit(url or "").query).get("cursor") or [""])[0]


def deep_cursor_case(client):
    """A page reached by following cursor links, if the list gives them."""
    from urllib.parse import urlsplit

    response = client.get(f"{API}/transfers/", {"page_size": PAGE_SIZE, "cursor": ""})
    url = response.json().get("next") if response.status_code == 200 else None
    if not cursor_of(url):
        print("deep_cursor: skipped — the transfer list gives no cursor links (yet).")
        return None
    depth = 1
    while depth < CURSOR_DEPTH:
        parts = urlsplit(url)
        following = client.get(f"{parts.path}?{parts.query}").json().get("next")
        if not cursor_of(following):
            break
        url, depth = following, depth + 1
    parts = urlsplit(url)
    print(f"deep_cursor: page {depth + 1} by cursor; no raw baseline (the cursor is opaque).")
    return Case("deep_cursor", "list", f"{parts.path}?{parts.query}", None)


def _of(results, *groups):
    """The results of `groups`; KeyError (reported "not measured") if none."""
    chosen = [r for r in results.values() if r.get("group") in groups]
    if not chosen:
        raise KeyError(groups)
    return chosen


TARGETS = [
    (
        "HTTP: full CSV and JSONL complete, byte for byte as export_transfers writes them",
        lambda r: (
            r["http"]["http_csv"]["status"] == r["http"]["http_jsonl"]["status"] == 200
            and r["http"]["csv_identical"]
            and r["http"]["jsonl_identical"]
        ),
    ),
    (
        "HTTP: list p95 while both exports run <= 2x idle, no errors",
        lambda r: (
            r["http"]["p95_ratio"] <= 2
            and r["http"]["idle"]["errors"] == r["http"]["during_exports"]["errors"] == 0
        ),
    ),
    (
        "HTTP: the network (JSON) is a 200 and adds < 100 MB to the workers' peak RSS",
        lambda r: (
            r["http"]["network"]["status"] == 200
            and r["http"]["worker_peak_rss_mb_network"] - r["http"]["worker_peak_rss_mb_idle"] < 100
        ),
    ),
    (
        "bounded: every case < 500 ms (p95), deeper pages refused with 400",
        lambda r: all(
            v["project_p95_ms"] < 500
            and (v["status"] == 400) == (v["case"] == "citation_page_deeper")
            for v in _of(r, "bounded")
        ),
    ),
    ("filtered list p95 < 50 ms", lambda r: r["list_filtered"]["project_p95_ms"] < 50),
    (
        "list and detail p95 ratio <= 3x",
        lambda r: all(
            v["ratio_p95"] <= 3 for v in _of(r, "list", "detail") if v.get("ratio_p95") is not None
        ),
    ),
    ("search p95 < 100 ms", lambda r: r["search"]["project_p95_ms"] < 100),
    (
        "flows and profile < 300 ms (p95)",
        lambda r: all(v["project_p95_ms"] < 300 for v in _of(r, "flows", "profile")),
    ),
    (
        "CSV >= 50,000 rows/s with peak RSS < 300 MB",
        lambda r: (
            r["csv"]["project_rows_per_s"] >= 50_000 and r["csv"]["project_peak_rss_mb"] < 300
        ),
    ),
    (
        "explorer: the register's first page within 2x of the API's list for the same query (p95)",
        lambda r: all(
            v["ratio_p95"] <= 2
            for v in _of(r, "explorer")
            if v["case"].startswith("explorer_register")
        ),
    ),
    (
        # The page, its capped count and five parts (intermediaries, values,
        # status events, citations, relays); before values and relays, 5.
        "queries per list request <= 7",
        lambda r: all(v["queries"] <= 7 for v in _of(r, "list", "search")),
    ),
]


def fmt(value, spec=".1f"):
    return "—" if value is None else format(value, spec)


def print_table(results):
    header = (
        f"{'case':<24} {'runs':>4} {'proj med':>9} {'proj p95':>9} {'base med':>9} "
        f"{'base p95':>9} {'x med':>6} {'x p95':>6} {'queries':>7} {'bytes':>9} {'status':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in results.values():
        if r.get("case") in ("csv", None):
            continue
        print(
            f"{r['case']:<24} {r['runs']:>4} {fmt(r['project_median_ms']):>9} "
            f"{fmt(r['project_p95_ms']):>9} {fmt(r.get('baseline_median_ms')):>9} "
            f"{fmt(r.get('baseline_p95_ms')):>9} {fmt(r.get('ratio_median')):>6} "
            f"{fmt(r.get('ratio_p95')):>6} {r['queries']:>7} {r['bytes']:>9} "
            f"{r.get('status', 200):>6}"
        )
    if "csv" in results:
        r = results["csv"]
        print(
            f"\ncsv export of {r['rows']:,} rows, {r['bytes'] / 1e6:,.1f} MB "
            "(subprocesses; peak RSS = their VmHWM):\n"
            f"  project  {fmt(r['project_seconds'], '.2f')} s, "
            f"{fmt(r['project_rows_per_s'], ',.0f')} rows/s, "
            f"{fmt(r['project_mb_per_s'], '.1f')} MB/s, "
            f"peak {fmt(r['project_peak_rss_mb'])} MB"
            f"\n  baseline {fmt(r['baseline_seconds'], '.2f')} s, "
            f"{fmt(r['baseline_rows_per_s'], ',.0f')} rows/s, "
            f"peak {fmt(r['baseline_peak_rss_mb'])} MB; ratio (time) {fmt(r['ratio'], '.2f')}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case (default 30)")
    parser.add_argument(
        "--only",
        help="comma-separated case names or groups (list, search, detail, flows, "
        "profile, csv, bounded, explorer, or e.g. list_filtered; `http` — only when named — serves "
        "the app under gunicorn and downloads the full exports while timing other lists)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--seconds", type=float, default=60, help="time bound per case, both sides (default 60)"
    )
    parser.add_argument(
        "--csv-filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="export only matching transfers (export_transfers filters); no baseline then",
    )
    parser.add_argument(
        "--http-idle-seconds",
        type=float,
        default=30,
        help="with --only http: how long to time list requests on the idle server (default 30)",
    )
    parser.add_argument(
        "--http-workers", type=int, default=3, help="with --only http: gunicorn workers (default 3)"
    )
    parser.add_argument(
        "--http-jsonl-filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="with --only http: narrow the JSON Lines download (export_transfers filters)",
    )
    parser.add_argument(
        "--http-busy-seconds",
        type=float,
        help="with --only http: time list requests during the exports for at most this long "
        "(default: until the first download ends)",
    )
    parser.add_argument(
        "--http-max-seconds",
        type=float,
        default=3600,
        help="with --only http: the longest a download or reference export may take (3600)",
    )
    parser.add_argument("--csv-baseline-child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    dsn = os.environ.get("DATABASE_URL", "")
    if options.csv_baseline_child:
        baseline_csv(dsn, options.csv_baseline_child)
        return 0
    if not dsn.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to the PostgreSQL database to measure")

    setup_django()
    import psycopg
    from django.core.management import call_command
    from django.test import Client

    # DEBUG=0 serves hashed static names (the explorer's pages link them),
    # as the entrypoint does: collect them first.
    call_command("collectstatic", "--noinput", verbosity=0)

    wanted = set(options.only.split(",")) if options.only else None

    def selected(name, group):
        return wanted is None or name in wanted or group in wanted

    results = {}
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as raw:
        cursor = psycopg.ClientCursor(raw)
        subjects = pick_subjects(cursor)
        print(
            f"{subjects['transfers']:,} transfers; supplier {subjects['supplier']}, "
            f"search {subjects['designation']!r}, detail ids {subjects['ids']}"
        )
        client = Client()
        for case in build_cases(client, subjects):
            if not selected(case.name, case.group):
                continue
            if case.reference is not None:
                result = measure_against_reference(client, case, options.runs, options.seconds)
            elif case.baseline is None:
                result = measure_project_only(client, case, options.runs, options.seconds)
            else:
                result = measure_case(client, cursor, case, options.runs, options.seconds)
            results[case.name] = result
            print(f"  measured {case.name}", flush=True)
    if selected("csv", "csv"):
        filters = dict(item.split("=", 1) for item in options.csv_filter)
        results["csv"] = measure_csv(dsn, filters)
    if wanted and "http" in wanted:  # minutes at a million transfers: only when asked
        results["http"] = measure_http(
            dsn,
            idle_seconds=options.http_idle_seconds,
            workers=options.http_workers,
            jsonl_filters=dict(item.split("=", 1) for item in options.http_jsonl_filter),
            busy_seconds=options.http_busy_seconds,
            max_seconds=options.http_max_seconds,
        )
    print()
    print_table(results)
    print()
    verdicts = {}
    for label, check in TARGETS:
        try:
            verdicts[label] = "PASS" if check(results) else "FAIL"
        except KeyError:
            verdicts[label] = "not measured"
        print(f"{verdicts[label]:<12} {label}")
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    if options.json:
        Path(options.json).write_text(
            json.dumps(
                {
                    "when": datetime.datetime.now(datetime.UTC).isoformat(),
                    "subjects": subjects,
                    "results": results,
                    "targets": verdicts,
                },
                indent=2,
            )
        )
    return 0


def measure_project_only(client, case, runs, seconds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):
        response = client.get(case.project)
    with CaptureQueriesContext(connection) as queries:
        client.get(case.project)
    query_count = len(queries.captured_queries)
    times = timed_runs(lambda: client.get(case.project), runs, time.perf_counter() + seconds)
    return {
        "case": case.name,
        "group": case.group,
        "url": case.project,
        "status": response.status_code,
        "runs": len(times),
        "project_median_ms": statistics.median(times),
        "project_p95_ms": percentile(times, 0.95),
        "queries": query_count,
        "bytes": len(response.content),
    }


# --- over HTTP, under gunicorn: full exports while others read ------------------------

#: What the other clients ask for while the exports run: short list pages.
HTTP_LISTS = [
    f"{API}/transfers/?page_size=20",
    f"{API}/actors/?page_size=20",
    f"{API}/citations/?page_size=20",
    f"{API}/transfers/?stage=agreed&page_size=20",
]


def list_load(port, stop_at, stop_event, clients=2):
    """`clients` threads asking for HTTP_LISTS in turn, one request at a time
    each, until `stop_at` (monotonic) or `stop_event`; returns the latencies
    (ms) and the statuses that were not 200."""
    import http.client
    import threading

    from bench import harness

    times, errors, lock = [], [], threading.Lock()

    def client(offset):
        connection = http.client.HTTPConnection(harness.LOOPBACK, port, timeout=60)
        n = offset
        while time.monotonic() < stop_at and not stop_event.is_set():
            path = HTTP_LISTS[n % len(HTTP_LISTS)]
            n += 1
            start = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Accept": "application/json"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection(harness.LOOPBACK, port, timeout=60)
                status = type(exc).__name__
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                times.append(elapsed)
                if status != 200:
                    errors.append(status)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times, errors


def sha256_of(path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def worker_peak_rss_mb(server) -> float | None:
    """The largest VmHWM among the gunicorn workers (children of `server`)."""
    peaks = []
    for child in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
        try:
            status = Path(f"/proc/{child}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks) if peaks else None


def measure_http(
    dsn,
    idle_seconds=30,
    max_seconds=3600,
    workers=3,
    clients=2,
    jsonl_filters=None,
    busy_seconds=None,
):
    """Serve the app under gunicorn with the deployment's settings
    (docker/gunicorn.conf.py, DEBUG off) and: time list requests from
    `clients` threads on an idle server; download the full CSV and JSON
    Lines exports at once with curl while the same clients go on; download
    the JSON network; then write both exports with `export_transfers` and
    compare them to the downloads byte for byte (sha256). Every wait is
    bounded (`max_seconds` per download). `jsonl_filters` (export_transfers
    filter names) narrow the JSON Lines download and its reference alike, for
    a quicker run: the full one renders about 500 records a second, so half an
    hour at a million. The list requests during the exports are timed until the
    first download ends, or for `busy_seconds` if that is sooner: the exports
    yield the CPU to them, so under a load that never stops they take far
    longer than on their own."""
    import tempfile
    import threading

    from bench import harness

    scratch = Path(tempfile.mkdtemp(prefix="bench-http-"))
    port = harness.free_port()
    base = f"http://{harness.LOOPBACK}:{port}"
    env = harness.production_env(
        dsn,
        ANON_THROTTLE_RATE="",
        USER_THROTTLE_RATE="",
        LOGIN_THROTTLE_RATE="",
        CACHE_URL="locmemcache://",
    )
    figures = {"workers": workers, "clients": clients, "scratch": str(scratch)}
    command = harness.gunicorn_command(port, workers, "--timeout", "30")
    print(f"gunicorn on {base}, {workers} workers (docker/gunicorn.conf.py); files in {scratch}")
    with harness.running(command, env, f"{base}/api/v1/", scratch / "gunicorn.log") as server:
        never = threading.Event()
        list_load(port, time.monotonic() + 3, never, clients)  # warm every worker
        idle, idle_errors = list_load(port, time.monotonic() + idle_seconds, never, clients)
        figures["idle"] = summary(idle, idle_errors)
        figures["worker_peak_rss_mb_idle"] = worker_peak_rss_mb(server)
        print(
            f"  idle: {describe(figures['idle'])}; largest worker peak RSS "
            f"{fmt(figures['worker_peak_rss_mb_idle'])} MB",
            flush=True,
        )

        network = curl(f"{base}{API}/network/", scratch / "network.json", max_seconds)
        figures["network"] = curl_figures(network, max_seconds)
        figures["worker_peak_rss_mb_network"] = worker_peak_rss_mb(server)
        print(
            f"  network: {figures['network']}; "
            f"largest worker peak RSS {fmt(figures['worker_peak_rss_mb_network'])} MB",
            flush=True,
        )

        downloads = {
            "csv": (f"{base}{API}/exports/trade-register.csv", scratch / "http.csv"),
            "jsonl": (
                f"{base}{API}/exports/transfers.jsonl?{urlencode(jsonl_filters or {})}",
                scratch / "http.jsonl",
            ),
        }
        figures["jsonl_filters"] = jsonl_filters or {}
        started = time.monotonic()
        curls = {name: curl(url, target, max_seconds) for name, (url, target) in downloads.items()}
        done = threading.Event()
        result = {}

        busy_until = started + (busy_seconds or max_seconds)

        def busy():
            result["times"], result["errors"] = list_load(port, busy_until, done, clients)

        load = threading.Thread(target=busy)
        load.start()
        # Timed only while both downloads run.
        while all(p.poll() is None for p in curls.values()) and time.monotonic() < busy_until:
            time.sleep(0.2)
        done.set()
        load.join()
        figures["busy_seconds"] = time.monotonic() - started
        print(f"  list requests timed for the first {figures['busy_seconds']:.0f} s", flush=True)
        for name, process in curls.items():
            figures[f"http_{name}"] = curl_figures(process, max_seconds)
            print(f"  {name} over HTTP: {figures[f'http_{name}']}", flush=True)
        figures["during_exports"] = summary(result["times"], result["errors"])
        print(f"  during the exports: {describe(figures['during_exports'])}", flush=True)
        ratio = figures["during_exports"]["p95_ms"] / figures["idle"]["p95_ms"]
        figures["p95_ratio"] = ratio
        figures["worker_peak_rss_mb_exports"] = worker_peak_rss_mb(server)
        print(
            f"  p95 during / idle: {ratio:.2f}; largest worker peak RSS "
            f"{fmt(figures['worker_peak_rss_mb_exports'])} MB",
            flush=True,
        )

    # The references are written after the server stopped, both at once (a
    # million JSON Lines records take half an hour): no latency is timed then.
    def reference(name):
        target = scratch / f"command.{name}"
        start = time.perf_counter()
        harness.manage(
            env,
            "export_transfers",
            "--format",
            name,
            "--output",
            str(target),
            "--base-url",
            base,
            "--no-progress",
            *[
                f"--{key.replace('_', '-')}={value}"
                for key, value in (jsonl_filters or {}).items()
                if name == "jsonl"
            ],
            timeout=max_seconds,
        )
        figures[f"command_{name}"] = {
            "seconds": time.perf_counter() - start,
            "bytes": target.stat().st_size,
            "sha256": sha256_of(target),
        }

    with ThreadPoolExecutor(len(downloads)) as pool:
        list(pool.map(reference, downloads))  # list(): re-raise a failure
    for name, (_url, target) in downloads.items():
        figures[f"http_{name}"]["sha256"] = sha256_of(target)
        same = figures[f"http_{name}"]["sha256"] == figures[f"command_{name}"]["sha256"]
        figures[f"{name}_identical"] = same
        print(
            f"  {name}: export_transfers {figures[f'command_{name}']}; "
            f"byte for byte {'identical' if same else 'DIFFERENT'}",
            flush=True,
        )
    return figures


def curl(url, target, max_seconds) -> subprocess.Popen:
    """curl downloading `url` to `target`, reporting status, size and time."""
    return subprocess.Popen(
        ["curl", "-sS", "--max-time", str(max_seconds), "-o", str(target), "-w", CURL_OUT, url],
        stdout=subprocess.PIPE,
        text=True,
    )


CURL_OUT = "%{http_code} %{size_download} %{time_total}"


def curl_figures(process, max_seconds) -> dict:
    out, _ = process.communicate(timeout=max_seconds + 60)
    status, size, seconds = out.split()
    return {
        "status": int(status),
        "bytes": int(size),
        "seconds": float(seconds),
        "curl_exit": process.returncode,
    }


def summary(times, errors) -> dict:
    return {
        "requests": len(times),
        "errors": len(errors),
        "median_ms": statistics.median(times) if times else None,
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
    }


def describe(stats) -> str:
    return (
        f"{stats['requests']} list requests, {stats['errors']} errors, median "
        f"{fmt(stats['median_ms'])} ms, p95 {fmt(stats['p95_ms'])} ms, "
        f"p99 {fmt(stats['p99_ms'])} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
