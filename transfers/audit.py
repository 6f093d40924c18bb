"""Data-quality audit: what needs an editor's attention.

Each check yields findings with a severity. An *error* breaks a rule of the
database's evidence model (a claim without a citation); a *warning* is worth
a look (an unused actor, a probable duplicate).
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import asdict, dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q

from actors.models import Actor
from sources.models import SourceText

from .choices import AnchorState, ContradictionState, Stance
from .models import Citation, Contradiction, StatusEvent, System, Transfer

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    check: str
    model: str
    object_id: int
    label: str
    message: str

    def as_dict(self):
        return asdict(self)


def _transfers():
    return Transfer.objects.with_parties().order_by("id")


def transfers_without_citation():
    cited = Citation.objects.filter(transfer=OuterRef("pk"))
    for transfer in _transfers().filter(~Exists(cited)):
        yield Finding(
            ERROR,
            "transfer_without_citation",
            "transfer",
            transfer.pk,
            str(transfer),
            "No citation supports this transfer.",
        )


def transfers_without_status_event():
    events = StatusEvent.objects.filter(transfer=OuterRef("pk"))
    for transfer in _transfers().filter(~Exists(events)):
        yield Finding(
            ERROR,
            "transfer_without_status_event",
            "transfer",
            transfer.pk,
            str(transfer),
            "No status event: the stage is not backed by any history.",
        )


def status_events_without_citation():
    cited = Citation.objects.filter(status_event=OuterRef("pk"))
    events = StatusEvent.objects.with_parties().filter(~Exists(cited)).order_by("id")
    for event in events:
        yield Finding(
            ERROR,
            "status_event_without_citation",
            "statusevent",
            event.pk,
            f"{event.transfer}: {event}",
            "No citation supports this status event.",
        )


def status_out_of_step():
    chronological = StatusEvent.objects.order_by(*StatusEvent.CHRONOLOGICAL)
    for transfer in _transfers().prefetch_related(Prefetch("status_events", chronological)):
        events = list(transfer.status_events.all())
        if events and events[-1].stage != transfer.stage:
            yield Finding(
                ERROR,
                "status_out_of_step",
                "transfer",
                transfer.pk,
                str(transfer),
                f"The stage is {transfer.stage} but the latest event says {events[-1].stage}.",
            )


def citations_on_another_transfers_event():
    citations = Citation.objects.filter(status_event__isnull=False).exclude(
        status_event__transfer=F("transfer")
    )
    for citation in citations.order_by("id"):
        yield Finding(
            ERROR,
            "citation_event_mismatch",
            "citation",
            citation.pk,
            str(citation),
            "Cites a status event of another transfer.",
        )


def citations_off_their_anchor():
    """The anchor's rule, text[start:end] == quote, checked in the database's
    rows (a write that bypassed the models would break it), and citations
    of a source with a stored text that are not anchored in it."""
    anchored = Citation.objects.filter(document__isnull=False).select_related("document", "source")
    for citation in anchored.order_by("id"):
        if citation.document.source_id != citation.source_id:
            problem = "Its anchor points into another source's text."
        elif citation.document.text[citation.start : citation.end] != citation.quote:
            problem = (
                f"Its quote is not what stands at {citation.start}–{citation.end} in version "
                f"{citation.document.version} of the text."
            )
        else:
            continue
        yield Finding(ERROR, "citation_off_anchor", "citation", citation.pk, str(citation), problem)
    unanchored = Citation.objects.filter(
        document__isnull=True, source__in=SourceText.objects.values("source")
    ).select_related("source")
    for citation in unanchored.order_by("id"):
        yield Finding(
            ERROR,
            "citation_not_anchored",
            "citation",
            citation.pk,
            str(citation),
            "The source's text is stored, but the quote is not anchored in it.",
        )


def orphaned_citations():
    """Quotes not found again in a corrected text: an editor re-selects them."""
    orphans = Citation.objects.filter(anchor_state=AnchorState.ORPHANED).select_related(
        "source", "document"
    )
    for citation in orphans.order_by("id"):
        yield Finding(
            WARNING,
            "citation_orphaned",
            "citation",
            citation.pk,
            str(citation),
            f"Orphaned: anchored in version {citation.document.version} of the text, its quote "
            "is not in the current one.",
        )


def claims_on_one_root():
    """Claims whose support, however many citations, goes back to one report."""
    events = StatusEvent.objects.with_parties().filter(independent_sources=1).order_by("id")
    for event in events:
        yield Finding(
            WARNING,
            "claim_on_one_root",
            "statusevent",
            event.pk,
            f"{event.transfer}: {event}",
            "Every citation supporting this claim goes back to one report.",
        )


def credibility_overrides():
    """Every editor's override of a computed credibility, with its reason, to
    review. An override without a reason cannot be stored (a constraint)."""
    events = (
        StatusEvent.objects.with_parties().filter(credibility_override__isnull=False).order_by("id")
    )
    for event in events:
        yield Finding(
            WARNING,
            "credibility_override",
            "statusevent",
            event.pk,
            f"{event.transfer}: {event}",
            f"Credibility {event.credibility_override} overrides the computed "
            f"{event.computed_credibility}: {event.credibility_override_reason}",
        )


def contradicting_citations():
    contested = (
        _transfers()
        .annotate(
            supporting=Count("citations", filter=~Q(citations__stance=Stance.CONTRADICTS)),
            contradicting=Count("citations", filter=Q(citations__stance=Stance.CONTRADICTS)),
        )
        .filter(supporting__gt=0, contradicting__gt=0)
    )
    for transfer in contested:
        yield Finding(
            WARNING,
            "contradicting_citations",
            "transfer",
            transfer.pk,
            str(transfer),
            f"{transfer.supporting} citations support it and "
            f"{transfer.contradicting} contradict it.",
        )


def open_contradictions():
    """Every open contradiction: claims that cannot all be true, waiting for
    an editor to resolve them (the audit's summary counts them)."""
    records = Contradiction.objects.with_parties().filter(state=ContradictionState.OPEN)
    for contradiction in records.order_by("id"):
        origin = "detected" if contradiction.detected else "entered"
        yield Finding(
            WARNING,
            OPEN_CONTRADICTION,
            "contradiction",
            contradiction.pk,
            str(contradiction),
            f"Open ({origin}): {contradiction.description}",
        )


OPEN_CONTRADICTION = "open_contradiction"


def open_contradiction_count(findings) -> int:
    return sum(1 for finding in findings if finding.check == OPEN_CONTRADICTION)


def unused_actors():
    actors = Actor.objects.filter(
        transfers_supplied__isnull=True,
        transfers_received__isnull=True,
        intermediary_links__isnull=True,
    ).order_by("id")
    for actor in actors:
        yield Finding(
            WARNING,
            "actor_without_transfers",
            "actor",
            actor.pk,
            str(actor),
            "No transfer names this actor as supplier, recipient or intermediary.",
        )


def unused_systems():
    for system in System.objects.filter(transfers__isnull=True).order_by("id"):
        yield Finding(
            WARNING,
            "system_without_transfers",
            "system",
            system.pk,
            str(system),
            "No transfer is of this system.",
        )


def normalise_name(name: str) -> str:
    """Fold case, accents, punctuation and a leading "the" so that
    "The Houthis", "houthis" and "Houthis." compare equal."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"^the\s+", "", text.strip())
    return re.sub(r"[^a-z0-9]+", "", text)


def _probable_duplicates(model_name, records):
    owners = defaultdict(set)
    for pk, label, names in records:
        for name in names:
            key = normalise_name(name)
            if key:
                owners[key].add((pk, label))
    reported = set()
    for key, found in sorted(owners.items()):
        if len(found) < 2:
            continue
        group = tuple(sorted(found))
        if group in reported:
            continue
        reported.add(group)
        first_pk, first_label = group[0]
        others = ", ".join(f"{label} (#{pk})" for pk, label in group[1:])
        yield Finding(
            WARNING,
            "probable_duplicate",
            model_name,
            first_pk,
            first_label,
            f"Shares the name '{key}' with {others}.",
        )


def duplicate_actors():
    records = (
        (actor.pk, actor.name, [actor.name, actor.slug, *actor.aliases])
        for actor in Actor.objects.order_by("id")
    )
    yield from _probable_duplicates("actor", records)


def duplicate_systems():
    records = (
        (system.pk, system.designation, [system.designation, system.slug, *system.aliases])
        for system in System.objects.order_by("id")
    )
    yield from _probable_duplicates("system", records)


CHECKS = [
    transfers_without_citation,
    transfers_without_status_event,
    status_events_without_citation,
    status_out_of_step,
    citations_on_another_transfers_event,
    citations_off_their_anchor,
    orphaned_citations,
    claims_on_one_root,
    credibility_overrides,
    contradicting_citations,
    open_contradictions,
    unused_actors,
    unused_systems,
    duplicate_actors,
    duplicate_systems,
]


#: The models findings are about, by their `Finding.model` (the model's
#: `model_name`), so a report can link each finding to its record.
AUDITED_MODELS = {
    model._meta.model_name: model
    for model in (Transfer, StatusEvent, Citation, Contradiction, Actor, System)
}


def run_audit() -> list[Finding]:
    return [finding for check in CHECKS for finding in check()]
