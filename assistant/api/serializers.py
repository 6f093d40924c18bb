from rest_framework import serializers

from actors.api.serializers import ActorBriefSerializer
from actors.models import Actor
from common.api.fields import DetailUrlField, IdOrSlugRelatedField, PartialDateField, PrecisionField
from common.api.serializers import FullCleanModelSerializer
from sources.api.serializers import SourceBriefSerializer
from transfers.api.serializers import SystemBriefSerializer, TransferBriefSerializer
from transfers.models import System

from ..models import Candidate


def _actor(help_text, **kwargs):
    return IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        required=False,
        allow_null=True,
        help_text=help_text,
        **kwargs,
    )


class CandidateSerializer(FullCleanModelSerializer):
    """A claim the reading assistant proposes from a passage of a source's
    text, for an editor to correct, then accept or reject. The passage is
    `start`–`end` of the text version `document`."""

    url = DetailUrlField(view_name="api:candidate-detail")
    source = SourceBriefSerializer(source="reading.document.source", read_only=True)
    document = serializers.IntegerField(
        source="reading.document_id",
        read_only=True,
        help_text="The text version read (/source-texts/).",
    )
    supplier = _actor("The supplier: an actor's id or slug.")
    recipient = _actor("The recipient: an actor's id or slug.")
    attributed_to_actor = _actor("The actor the claim is attributed to, if any.")
    intermediaries = IdOrSlugRelatedField(
        many=True,
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        required=False,
        help_text="Actors the materiel passes through: ids or slugs.",
    )
    system = IdOrSlugRelatedField(
        queryset=System.objects.all(),
        brief_serializer=SystemBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The system: its id or slug.",
    )
    date = PartialDateField("date", "date_precision", required=False, allow_null=True)
    date_precision = PrecisionField()
    # Null until the candidate is accepted (and again if its transfer is deleted).
    transfer = TransferBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "url",
            "source",
            "document",
            "start",
            "end",
            "quote",
            "supplier",
            "recipient",
            "intermediaries",
            "system",
            "proposed_names",
            "stage",
            "transfer_type",
            "stance",
            "hedges",
            "attributed_to",
            "attributed_to_actor",
            "date",
            "date_precision",
            "date_is_inferred",
            "date_text",
            "state",
            "review_note",
            "transfer",
            "citation",
            "reviewed_at",
            "created",
            "updated",
        ]
        read_only_fields = [
            "start",
            "end",
            "quote",
            "proposed_names",
            "hedges",
            "date_text",
            "state",
            "citation",
            "reviewed_at",
            "created",
            "updated",
        ]

    def update(self, instance, validated_data):
        intermediaries = validated_data.pop("intermediaries", None)
        instance = super().update(instance, validated_data)
        if intermediaries is not None:
            instance.intermediaries.set(intermediaries)
        return instance


class ReviewSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, help_text="Why, for the record.")
