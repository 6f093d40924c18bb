from common.api.filters import ApiFilterSet, ChoicesFilter, reference_filters
from sources.models import Source
from transfers.choices import Stage

from .models import Candidate, CandidateState


class CandidateFilterSet(ApiFilterSet):
    source, source_id = reference_filters(
        "reading__document__source",
        Source.objects.all(),
        "Source",
        slug_help="Candidates read from this source's texts, by its slug; repeat for several.",
        id_help="Candidates read from this source's texts, by its id; repeat for several.",
    )
    state = ChoicesFilter(
        choices=[
            (CandidateState.PENDING, "Waiting for review"),
            (CandidateState.ACCEPTED, "Accepted"),
        ],
        label="State",
        help_text="pending or accepted (rejected candidates are never shown).",
    )
    stage = ChoicesFilter(choices=Stage.choices, label="Stage", help_text="The stage proposed.")

    class Meta:
        model = Candidate
        fields = []
