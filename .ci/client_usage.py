"""What an API client does, through the Python client openapi-python-client
generates from the served schema (the package `armstransfers_client`, made
by .ci/generated_client.py, which also type-checks this file with mypy
--strict and runs it against a live server with the seed loaded).

    python .ci/client_usage.py BASE_URL TOKEN

Anonymous: a filtered list (repeated filters), a record by slug, the
network as JSON and as GraphML. With a token: a source with its text, an
actor and a transfer (each with an `X-Change-Reason`), and a citation of the
transfer quoting the source; then the actor's history holds the reason.
Every call must answer what the schema says it answers: any other outcome
exits non-zero."""

import sys
import xml.etree.ElementTree as ElementTree
from typing import TypeVar, cast

from armstransfers_client import AuthenticatedClient, Client
from armstransfers_client.api.actors import actors_create, actors_history_list, actors_retrieve
from armstransfers_client.api.citations import citations_create
from armstransfers_client.api.network import network_list
from armstransfers_client.api.network_graphml import network_graphml
from armstransfers_client.api.sources import sources_create
from armstransfers_client.api.transfers import transfers_create, transfers_list
from armstransfers_client.models import (
    Actor,
    ActorKindEnum,
    ActorRequest,
    Citation,
    CitationRequest,
    InitialStatusRequest,
    Network,
    PaginatedTransferList,
    PaginatedVersionList,
    Source,
    SourceKindEnum,
    SourceRequest,
    StageEnum,
    StanceEnum,
    Transfer,
    TransferRequest,
    TransfersListStageItem,
)
from armstransfers_client.types import File

T = TypeVar("T")

QUOTE = "agreed to supply two client-test drones"
TEXT = f"A test report. The client test maker {QUOTE} to Iran in 2020."
REASON = "Written by the generated client's CI run"


def expect(value: object, kind: type[T], what: str) -> T:
    """`value` as `kind`, or exit: the generated calls return the parsed body
    of whatever status came (an Error, None), and only `kind` is success."""
    if not isinstance(value, kind):
        raise SystemExit(f"FAIL {what}: got {value!r}")
    print(f"ok   {what}")
    return value


def reads(anonymous: AuthenticatedClient) -> None:
    page = expect(
        transfers_list.sync(
            client=anonymous,
            supplier=["russia", "iran"],
            stage=[TransfersListStageItem.AGREED, TransfersListStageItem.DELIVERED],
            page_size=5,
        ),
        PaginatedTransferList,
        "a list filtered by two suppliers and two stages",
    )
    suppliers = {transfer.supplier.slug for transfer in page.results}
    if not page.results or not suppliers <= {"russia", "iran"}:
        raise SystemExit(f"FAIL the filter: {page.count} transfers from {suppliers}")
    print(f"     {page.count} transfers, from {sorted(suppliers)}")

    russia = expect(actors_retrieve.sync("russia", client=anonymous), Actor, "an actor by slug")
    if russia.slug != "russia":
        raise SystemExit(f"FAIL by slug: got {russia.slug}")

    network = expect(
        network_list.sync(client=anonymous, supplier=["russia"]), Network, "the network as JSON"
    )
    print(f"     {len(network.nodes)} nodes, {len(network.edges)} edges")
    graphml = expect(
        network_graphml.sync(client=anonymous, supplier=["russia"]), File, "the network as GraphML"
    )
    root = ElementTree.fromstring(graphml.payload.read())
    if not root.tag.endswith("graphml"):
        raise SystemExit(f"FAIL GraphML: the root is {root.tag}")


def writes(editor: AuthenticatedClient, run: str) -> None:
    source = expect(
        sources_create.sync(
            client=editor,
            body=SourceRequest(
                slug=f"client-test-report-{run}",
                kind=SourceKindEnum.NEWS,
                title="Client test report",
                text=TEXT,
            ),
            x_change_reason=REASON,
        ),
        Source,
        "a source with its text",
    )
    actor = expect(
        actors_create.sync(
            client=editor,
            body=ActorRequest(
                slug=f"client-test-maker-{run}",
                name=f"Client Test Maker {run}",
                kind=ActorKindEnum.COMPANY,
            ),
            x_change_reason=REASON,
        ),
        Actor,
        "an actor",
    )
    transfer = expect(
        transfers_create.sync(
            client=editor,
            body=TransferRequest(
                supplier=actor.slug,
                recipient="iran",
                system="drone-unspecified",
                quantity=2,
                initial_stage=InitialStatusRequest(stage=StageEnum.AGREED, date="2020"),
            ),
            x_change_reason=REASON,
        ),
        Transfer,
        "a transfer from it",
    )
    citation = expect(
        citations_create.sync(
            client=editor,
            body=CitationRequest(
                source=source.id, transfer=transfer.id, quote=QUOTE, stance=StanceEnum.SUPPORTS
            ),
            x_change_reason=REASON,
        ),
        Citation,
        "a citation of the transfer, quoting the source",
    )
    if citation.start is None or TEXT[citation.start : citation.end] != QUOTE:
        raise SystemExit(f"FAIL the citation is not anchored: {citation.start}-{citation.end}")

    history = expect(
        actors_history_list.sync(actor.slug, client=editor),
        PaginatedVersionList,
        "the actor's history",
    )
    reasons = [version.change_reason for version in history.results]
    if REASON not in reasons:
        raise SystemExit(f"FAIL X-Change-Reason is not in the history: {reasons}")


def main() -> int:
    base_url, token = sys.argv[1], sys.argv[2]
    run = sys.argv[3] if len(sys.argv) > 3 else "1"
    # openapi-python-client types every operation with a `security` list as
    # needing an AuthenticatedClient, though the list's `{}` says anonymous
    # access is allowed (upstream issue #1372); the calls take a plain Client.
    anonymous = cast(
        AuthenticatedClient, Client(base_url=base_url, raise_on_unexpected_status=True)
    )
    reads(anonymous)
    editor = AuthenticatedClient(
        base_url=base_url, token=token, prefix="Token", raise_on_unexpected_status=True
    )
    writes(editor, run)
    print("== the generated client works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
