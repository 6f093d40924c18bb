from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from actors.api.serializers import ActorBriefSerializer
from actors.models import Actor
from common.api.fields import (
    DetailUrlField,
    IdOrSlugRelatedField,
    IntermediaryListField,
    PartialDateField,
    PrecisionField,
)
from common.api.serializers import (
    BriefSerializer,
    FullCleanModelSerializer,
    RejectUnknownFieldsMixin,
    filtered_list_url,
)
from sources.api.serializers import SourceBriefSerializer
from sources.models import Source

from .. import contradictions, services
from ..choices import TransferStatus
from ..models import Citation, Contradiction, StatusEvent, System, Transfer
from .representation import (
    CITATION_FIELDS,
    STATUS_HISTORY_FIELDS,
    SYSTEM_BRIEF_FIELDS,
    TRANSFER_FIELDS,
    TransferRows,
)


class SystemBriefSerializer(BriefSerializer):
    """A weapon system in brief; `name` is its designation."""

    name = serializers.CharField(source="designation", read_only=True)

    class Meta:
        model = System
        fields = SYSTEM_BRIEF_FIELDS


class TransferBriefSerializer(BriefSerializer):
    """A transfer in brief, as nested in other records."""

    class Meta:
        model = Transfer
        fields = ["id", "url", "slug", "display"]


class StatusEventBriefSerializer(BriefSerializer):
    """A status event in brief, as nested in other records."""

    date = PartialDateField("date", "date_precision", read_only=True)
    date_precision = PrecisionField()

    class Meta:
        model = StatusEvent
        fields = ["id", "url", "status", "date", "date_precision", "display"]


class SystemTransferLinksSerializer(serializers.Serializer):
    """Links to the transfers list filtered to this system."""

    all = serializers.URLField(help_text="Transfers of this system.")


class SystemSerializer(FullCleanModelSerializer):
    """A weapon system or class of systems, e.g. the S-300 or the Shahed-136."""

    origin = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The country (or company) the system comes from: an id or slug.",
    )
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Other designations, e.g. Geran-2 for the Shahed-136.",
    )
    transfers = serializers.SerializerMethodField(help_text="Links to this system's transfers.")

    class Meta:
        model = System
        fields = [
            "id",
            "url",
            "display",
            "slug",
            "designation",
            "category",
            "nato_reporting_name",
            "aliases",
            "origin",
            "description",
            "transfers",
            "created",
            "updated",
        ]

    @extend_schema_field(SystemTransferLinksSerializer)
    def get_transfers(self, obj):
        request = self.context.get("request")
        return {"all": filtered_list_url(request, "api:transfer-list", system=obj.slug)}


class StatusHistoryEntrySerializer(serializers.ModelSerializer):
    """One event of a transfer's status history, as shown inside the transfer."""

    # For the schema and nothing else: TransferSerializer's output is TransferShape's.

    url = DetailUrlField(view_name="api:statusevent-detail")
    date = PartialDateField("date", "date_precision", read_only=True)
    date_precision = PrecisionField()

    class Meta:
        model = StatusEvent
        fields = STATUS_HISTORY_FIELDS


class InitialStatusSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The first event of a new transfer's status history."""

    status = serializers.ChoiceField(choices=TransferStatus.choices)
    date = PartialDateField("date", "date_precision")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferCitationSerializer(serializers.ModelSerializer):
    """A piece of evidence for the transfer: a verbatim quote and its source."""

    # For the schema and nothing else: TransferSerializer's output is TransferShape's.

    url = DetailUrlField(view_name="api:citation-detail")
    source = SourceBriefSerializer(read_only=True)

    class Meta:
        model = Citation
        fields = CITATION_FIELDS


class TransferSerializer(FullCleanModelSerializer):
    """A deal or flow of arms from a supplier to a recipient, with its status
    history and the evidence for it. `status` is the status of the latest event
    of `status_history`; set the first with `initial_status` on create and add
    later ones at /api/v1/status-events/."""

    supplier = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        help_text="Who supplies: an actor's id or slug.",
    )
    recipient = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        help_text="Who receives: an actor's id or slug.",
    )
    intermediaries = IntermediaryListField(
        link_attr="intermediary_links",
        target_attr="actor",
        child=IdOrSlugRelatedField(
            queryset=Actor.objects.all(), brief_serializer=ActorBriefSerializer
        ),
        required=False,
        help_text=(
            "Actors the transfer passed through, in order: ids or slugs. Writing the list "
            "replaces the previous one; omit it to leave it as it is."
        ),
    )
    system = IdOrSlugRelatedField(
        queryset=System.objects.all(),
        brief_serializer=SystemBriefSerializer,
        help_text="What is transferred: a system's id or slug.",
    )
    status = serializers.ChoiceField(
        choices=TransferStatus.choices,
        read_only=True,
        help_text=(
            "The status of the latest event in `status_history`. Read-only: change it by "
            "adding a status event (POST /api/v1/status-events/)."
        ),
    )
    initial_status = InitialStatusSerializer(
        write_only=True,
        required=False,
        help_text=(
            "On create only: the first status event (default: status `reported`, undated). "
            "Later changes of status are new events at /api/v1/status-events/."
        ),
    )
    start_date = PartialDateField("start_date", "start_date_precision")
    start_date_precision = PrecisionField()
    end_date = PartialDateField("end_date", "end_date_precision")
    end_date_precision = PrecisionField()
    status_history = StatusHistoryEntrySerializer(
        source="status_events",
        many=True,
        read_only=True,
        help_text="Every status event, oldest first (undated ones first of all).",
    )
    citations = TransferCitationSerializer(
        many=True, read_only=True, help_text="The evidence: verbatim quotes and their sources."
    )

    class Meta:
        model = Transfer
        # The fields a transfer is read with (TransferShape's), and, where the
        # schema shows it beside `status`, the write-only `initial_status`.
        fields = [
            *TRANSFER_FIELDS[: TRANSFER_FIELDS.index("status") + 1],
            "initial_status",
            *TRANSFER_FIELDS[TRANSFER_FIELDS.index("status") + 1 :],
        ]
        extra_kwargs = {"slug": {"required": False}}

    def validate(self, attrs):
        if self.instance is not None and "initial_status" in attrs:
            raise serializers.ValidationError(
                {
                    "initial_status": [
                        "Only a new transfer takes an initial status; to change the status, "
                        "add an event at /api/v1/status-events/."
                    ]
                }
            )
        return attrs

    def to_representation(self, instance):
        # One way to show a transfer: the rows' (the fields above describe it
        # for the schema and take writes).
        return TransferRows.for_request(self.context["request"]).of(instance)

    def create(self, validated_data):
        return services.transfer_create(
            intermediaries=validated_data.pop("intermediaries", []), **validated_data
        )

    def update(self, instance, validated_data):
        return services.transfer_update(
            instance,
            intermediaries=validated_data.pop("intermediaries", None),
            **validated_data,
        )


class StatusEventSerializer(FullCleanModelSerializer):
    """A change in a transfer's status, dated as precisely as the evidence allows.
    Writing one updates the transfer's `status` (the status of its latest event)."""

    transfer = IdOrSlugRelatedField(
        queryset=Transfer.objects.all(),
        brief_serializer=TransferBriefSerializer,
        help_text="The transfer this event belongs to: an id or slug. Fixed once created.",
    )
    date = PartialDateField("date", "date_precision")
    date_precision = PrecisionField()

    class Meta:
        model = StatusEvent
        fields = [
            "id",
            "url",
            "display",
            "transfer",
            "status",
            "date",
            "date_precision",
            "note",
            "created",
            "updated",
        ]

    def create(self, validated_data):
        return services.status_event_create(**validated_data)

    def update(self, instance, validated_data):
        return services.status_event_update(instance, **validated_data)


class CitationSerializer(FullCleanModelSerializer):
    """A verbatim quote from a source, about a transfer and optionally supporting
    one of its status events."""

    source = IdOrSlugRelatedField(
        queryset=Source.objects.all(),
        brief_serializer=SourceBriefSerializer,
        help_text="The document quoted: a source's id or slug.",
    )
    transfer = IdOrSlugRelatedField(
        queryset=Transfer.objects.all(),
        brief_serializer=TransferBriefSerializer,
        required=False,
        help_text=(
            "The transfer the quote is about: an id or slug. May be left out when "
            "`status_event` is given (the event's transfer is taken)."
        ),
    )
    status_event = IdOrSlugRelatedField(
        queryset=StatusEvent.objects.all(),
        brief_serializer=StatusEventBriefSerializer,
        slug_field=None,
        required=False,
        allow_null=True,
        help_text="The status event this quote supports, if any: its id.",
    )

    class Meta:
        model = Citation
        fields = [
            "id",
            "url",
            "source",
            "transfer",
            "status_event",
            "quote",
            "location",
            "stance",
            "note",
            "created",
            "updated",
        ]

    def validate(self, attrs):
        transfer = attrs.get("transfer", getattr(self.instance, "transfer", None))
        event = attrs.get("status_event", getattr(self.instance, "status_event", None))
        if transfer is None and event is None:
            raise serializers.ValidationError(
                {"transfer": ["Give the transfer the quote is about, or a status event of it."]}
            )
        if transfer is None:
            attrs["transfer"] = event.transfer
        return attrs


class CitationBriefSerializer(BriefSerializer):
    """A citation in brief, as nested in other records."""

    class Meta:
        model = Citation
        fields = ["id", "url", "stance", "display"]


class ContradictionSerializer(FullCleanModelSerializer):
    """Claims about one transfer that cannot all be true: open until resolved.

    Resolve one with `state` resolved and a `resolution` (PATCH); who and when
    are set then. Setting `state` back to open reopens it and clears them.
    Ones of kind `stance` with `detected` true are found by the database
    itself (citations for and against one status event) and close themselves
    when the conflict goes; their transfer, kind and links are the rule's."""

    transfer = IdOrSlugRelatedField(
        queryset=Transfer.objects.all(),
        brief_serializer=TransferBriefSerializer,
        help_text="The transfer the claims are about: an id or slug.",
    )
    citations = IdOrSlugRelatedField(
        many=True,
        queryset=Citation.objects.select_related("source"),
        brief_serializer=CitationBriefSerializer,
        slug_field=None,
        required=False,
        help_text="The citations in conflict, of this transfer: their ids.",
    )
    status_events = IdOrSlugRelatedField(
        many=True,
        queryset=StatusEvent.objects.all(),
        brief_serializer=StatusEventBriefSerializer,
        slug_field=None,
        required=False,
        help_text="The status events in conflict, of this transfer: their ids.",
    )
    resolved_by = serializers.SerializerMethodField(
        help_text=(
            "Who resolved it: shown to staff only (null for everyone else), and null "
            "while open or when it resolved itself."
        )
    )

    class Meta:
        model = Contradiction
        fields = [
            "id",
            "url",
            "display",
            "transfer",
            "kind",
            "state",
            "description",
            "citations",
            "status_events",
            "resolution",
            "resolved_by",
            "resolved_at",
            "detected",
            "created",
            "updated",
        ]
        read_only_fields = ["resolved_at", "detected"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_resolved_by(self, obj):
        request = self.context.get("request")
        if obj.resolved_by is None or request is None or not request.user.is_staff:
            return None
        return obj.resolved_by.get_username()

    def _save(self, instance, validated_data):
        citations = validated_data.pop("citations", None)
        status_events = validated_data.pop("status_events", None)
        for name, value in validated_data.items():
            setattr(instance, name, value)
        request = self.context.get("request")
        return contradictions.contradiction_save(
            instance,
            citations=citations,
            status_events=status_events,
            user=getattr(request, "user", None),
        )

    def create(self, validated_data):
        return self._save(Contradiction(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)
