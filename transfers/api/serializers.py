from django.utils.encoding import smart_str
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
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
from common.api.schema import SLUG_PATTERN
from common.api.serializers import (
    BriefSerializer,
    FullCleanModelSerializer,
    RejectUnknownFieldsMixin,
    filtered_list_url,
)
from sources.api.serializers import SourceBriefSerializer
from sources.models import Source

from .. import contradictions, services
from ..choices import Credibility, IntermediaryRole, Stage
from ..models import (
    Citation,
    Contradiction,
    Package,
    StatusEvent,
    System,
    Transfer,
    TransferIntermediary,
    Value,
)
from .representation import (
    CITATION_FIELDS,
    INTERMEDIARY_FIELDS,
    PACKAGE_BRIEF_FIELDS,
    STATUS_HISTORY_FIELDS,
    SYSTEM_BRIEF_FIELDS,
    TRANSFER_FIELDS,
    VALUE_FIELDS,
    TransferRows,
)


class SystemBriefSerializer(BriefSerializer):
    """A weapon system in brief; `name` is its designation."""

    name = serializers.CharField(source="designation", read_only=True)

    class Meta:
        model = System
        fields = SYSTEM_BRIEF_FIELDS


class PackageBriefSerializer(BriefSerializer):
    """A package of transfers in brief; its values are at /api/v1/packages/{id}/."""

    class Meta:
        model = Package
        fields = PACKAGE_BRIEF_FIELDS


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
        fields = ["id", "url", "stage", "date", "date_precision", "display"]


class IntermediarySerializer(ActorBriefSerializer):
    """An intermediary of a transfer: the actor in brief and what it did."""

    # For the schema and nothing else: TransferSerializer's output is TransferShape's.

    role = serializers.ChoiceField(
        choices=IntermediaryRole.choices,
        allow_blank=True,
        help_text='What it did: broker, transit, re_exporter or carrier; "" when unknown.',
    )

    class Meta(ActorBriefSerializer.Meta):
        fields = INTERMEDIARY_FIELDS


class IntermediaryField(IdOrSlugRelatedField):
    """One stop of a transfer, written as its actor's id or slug (role
    unknown) or as an object with the actor's `id` or `slug` and a `role`
    (the intermediary as read is accepted back); read as the actor in brief
    with its `role`."""

    default_error_messages = {
        **IdOrSlugRelatedField.default_error_messages,
        "invalid_role": "'{role}' is not a role: broker, transit, re_exporter, carrier or \"\".",
    }

    def __init__(self, **kwargs):
        super().__init__(
            queryset=Actor.objects.all(), brief_serializer=ActorBriefSerializer, **kwargs
        )

    def to_internal_value(self, data):
        role = ""
        if isinstance(data, dict):
            role = data.get("role") or ""
            if not isinstance(role, str) or role not in ("", *IntermediaryRole.values):
                self.fail("invalid_role", role=smart_str(role))
        return services.Stop(super().to_internal_value(data), role)

    def to_representation(self, value):
        if isinstance(value, TransferIntermediary):
            return {**super().to_representation(value.actor), "role": value.role}
        return super().to_representation(value)


class IntermediaryFieldExtension(OpenApiSerializerFieldExtension):
    """Read: the actor in brief with its role. Write: an id, a slug, or an
    object with either and a role."""

    target_class = IntermediaryField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return auto_schema.resolve_serializer(IntermediarySerializer, direction).ref
        role = {
            "type": "string",
            "enum": [*IntermediaryRole.values, ""],
            "description": 'What it did; "" or null (or left out) when unknown.',
            "nullable": True,
        }
        return {
            "oneOf": [
                {**build_basic_type(OpenApiTypes.INT), "description": "The actor's id."},
                {"type": "string", "pattern": SLUG_PATTERN, "description": "The actor's slug."},
                {
                    "type": "object",
                    "properties": {
                        "id": build_basic_type(OpenApiTypes.INT),
                        "slug": {"type": "string", "pattern": SLUG_PATTERN},
                        "role": role,
                    },
                    "description": (
                        "The actor by `id` or `slug` (the intermediary as read is accepted) "
                        "and its `role`."
                    ),
                },
            ]
        }


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


CREDIBILITY_HELP = (
    "How sure we can be of this claim, on the Admiralty scale (1 confirmed by independent "
    "sources … 5 improbable, 6 cannot be judged): the editor's override if there is one, "
    "else the one computed from the evidence."
)
FIRST_REPORTED_HELP = (
    "When the claim was first reported: the earliest date of its citations' documents and "
    "the reports they relay (derived)."
)


class StatusHistoryEntrySerializer(serializers.ModelSerializer):
    """One event of a transfer's status history, as shown inside the transfer."""

    # For the schema and nothing else: TransferSerializer's output is TransferShape's.

    url = DetailUrlField(view_name="api:statusevent-detail")
    date = PartialDateField("date", "date_precision", read_only=True)
    date_precision = PrecisionField()
    first_reported = PartialDateField(
        "first_reported", "first_reported_precision", read_only=True, help_text=FIRST_REPORTED_HELP
    )
    first_reported_precision = PrecisionField(read_only=True)
    credibility = serializers.ChoiceField(
        choices=Credibility.choices, read_only=True, help_text=CREDIBILITY_HELP
    )

    class Meta:
        model = StatusEvent
        fields = STATUS_HISTORY_FIELDS


class InitialStatusSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The first event of a new transfer's status history."""

    stage = serializers.ChoiceField(choices=Stage.choices)
    date = PartialDateField("date", "date_precision")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferCitationSerializer(serializers.ModelSerializer):
    """A piece of evidence for the transfer: a verbatim quote and its source."""

    # For the schema and nothing else: TransferSerializer's output is TransferShape's.

    url = DetailUrlField(view_name="api:citation-detail")
    source = SourceBriefSerializer(read_only=True)
    attributed_to_actor = ActorBriefSerializer(read_only=True, allow_null=True)
    relays = serializers.ListField(
        child=SourceBriefSerializer(),
        read_only=True,
        help_text="The earlier reports the quote passes on, from the original to this document.",
    )
    document = serializers.IntegerField(
        source="document_id",
        allow_null=True,
        help_text="The id of the source text version the quote is anchored in (/source-texts/).",
    )

    class Meta:
        model = Citation
        fields = CITATION_FIELDS


class TransferValueSerializer(serializers.ModelSerializer):
    """One of the transfer's own values (a package's value is shown with the package)."""

    # For the schema and nothing else: TransferSerializer's output is TransferShape's.

    url = DetailUrlField(view_name="api:value-detail")
    citation = serializers.IntegerField(
        source="citation_id", allow_null=True, help_text="The id of the citation that gives it."
    )
    package = serializers.IntegerField(
        source="package_id", allow_null=True, help_text="Null: a transfer's own value."
    )

    class Meta:
        model = Value
        fields = VALUE_FIELDS


class TransferSerializer(FullCleanModelSerializer):
    """A deal or flow of arms from a supplier to a recipient, with its status
    history and the evidence for it. `stage` is the stage of the latest event
    of `status_history` and `credibility` how sure we can be of it; set the
    first with `initial_stage` on create and add later ones at
    /api/v1/status-events/."""

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
        target_attr=None,
        child=IntermediaryField(),
        required=False,
        help_text=(
            "Actors the transfer passed through, in order, each with its `role` (broker, "
            'transit, re_exporter, carrier; "" when unknown). Write ids or slugs, or '
            'objects such as {"slug": "syria", "role": "transit"}. Writing the list replaces '
            "the previous one; omit it to leave it as it is."
        ),
    )
    system = IdOrSlugRelatedField(
        queryset=System.objects.all(),
        brief_serializer=SystemBriefSerializer,
        help_text="What is transferred: a system's id or slug.",
    )
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        read_only=True,
        help_text=(
            "How far the deal got: the stage of the latest event in `status_history`. "
            "Read-only: change it by adding a status event (POST /api/v1/status-events/)."
        ),
    )
    initial_stage = InitialStatusSerializer(
        write_only=True,
        required=False,
        help_text=(
            "On create only: the first status event (default: stage `under_discussion`, "
            "undated). Later stages are new events at /api/v1/status-events/."
        ),
    )
    credibility = serializers.ChoiceField(
        choices=Credibility.choices,
        read_only=True,
        help_text="The credibility of the current stage's claim (see `status_history`).",
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
    package = IdOrSlugRelatedField(
        queryset=Package.objects.all(),
        brief_serializer=PackageBriefSerializer,
        required=False,
        allow_null=True,
        help_text=(
            "The package this transfer was agreed or reported in, with others: an id or slug. "
            "The package's value is the package's, at /api/v1/packages/."
        ),
    )
    values = TransferValueSerializer(
        many=True,
        read_only=True,
        help_text=(
            "The transfer's own values (contract value, payments), oldest entry first. Read-only "
            "here: write them at /api/v1/values/."
        ),
    )

    class Meta:
        model = Transfer
        # The fields a transfer is read with (TransferShape's), and, where the
        # schema shows it beside `status`, the write-only `initial_stage`.
        fields = [
            *TRANSFER_FIELDS[: TRANSFER_FIELDS.index("stage") + 1],
            "initial_stage",
            *TRANSFER_FIELDS[TRANSFER_FIELDS.index("stage") + 1 :],
        ]
        extra_kwargs = {"slug": {"required": False}}

    def validate(self, attrs):
        if self.instance is not None and "initial_stage" in attrs:
            raise serializers.ValidationError(
                {
                    "initial_stage": [
                        "Only a new transfer takes an initial stage; to change the stage, "
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
    """A claim that a transfer reached a stage, dated (when it happened) as
    precisely as the evidence allows, with how sure we can be of it. Writing
    one updates the transfer's `stage` (the stage of its latest event)."""

    transfer = IdOrSlugRelatedField(
        queryset=Transfer.objects.all(),
        brief_serializer=TransferBriefSerializer,
        help_text="The transfer this event belongs to: an id or slug. Fixed once created.",
    )
    date = PartialDateField("date", "date_precision")
    date_precision = PrecisionField()
    first_reported = PartialDateField(
        "first_reported", "first_reported_precision", read_only=True, help_text=FIRST_REPORTED_HELP
    )
    first_reported_precision = PrecisionField(read_only=True)
    credibility = serializers.ChoiceField(
        choices=Credibility.choices, read_only=True, help_text=CREDIBILITY_HELP
    )

    class Meta:
        model = StatusEvent
        # An event as shown in a transfer's history, with its transfer and times.
        fields = [
            "id",
            "url",
            "display",
            "transfer",
            *STATUS_HISTORY_FIELDS[STATUS_HISTORY_FIELDS.index("stage") :],
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
        help_text="The status event this quote bears on, if any: its id.",
    )
    attributed_to_actor = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The actor the claim is attributed to, where there is one: an id or slug.",
    )
    relays = IntermediaryListField(
        link_attr="relays",
        target_attr="source",
        child=IdOrSlugRelatedField(
            queryset=Source.objects.all(), brief_serializer=SourceBriefSerializer
        ),
        required=False,
        help_text=(
            "The earlier reports the quote passes on, from the original to the one this "
            "document took it from: sources' ids or slugs. Writing the list replaces the "
            "previous one; omit it to leave it as it is."
        ),
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
            "anchor_state",
            "document",
            "start",
            "end",
            "prefix",
            "suffix",
            "stance",
            "attributed_to",
            "attributed_to_actor",
            "relays",
            "note",
            "created",
            "updated",
        ]
        read_only_fields = ["anchor_state", "document", "prefix", "suffix"]
        extra_kwargs = {
            "start": {
                "help_text": "Offset of the quote's first character in the source's current "
                "text. Optional: the quote is looked for in the text; give the offsets to "
                "choose among several places, or leave the quote empty to take it from them."
            },
            "end": {"help_text": "Offset just past the quote's last character."},
        }

    def create(self, validated_data):
        relays = validated_data.pop("relays", [])
        return services.citation_save(Citation(**validated_data), relays=relays)

    def update(self, instance, validated_data):
        relays = validated_data.pop("relays", None)
        for attr, value in validated_data.items():
            setattr(instance, attr, value)
        return services.citation_save(instance, relays=relays)

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


class PackageValueSerializer(serializers.ModelSerializer):
    """A value of the package as a whole, as shown inside the package."""

    url = DetailUrlField(view_name="api:value-detail")
    citation = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Value
        fields = [f for f in VALUE_FIELDS if f != "package"]


class PackageSerializer(FullCleanModelSerializer):
    """Transfers agreed or reported together, e.g. the 2016 "six billion dollar
    shopping list", with the value of the whole (recorded once, here, not on
    each transfer). A transfer joins a package with its own `package` field."""

    transfers = TransferBriefSerializer(
        many=True, read_only=True, help_text="The transfers in the package."
    )
    values = PackageValueSerializer(
        many=True,
        read_only=True,
        help_text="The values of the package as a whole (write them at /api/v1/values/).",
    )

    class Meta:
        model = Package
        fields = [
            "id",
            "url",
            "display",
            "slug",
            "name",
            "notes",
            "transfers",
            "values",
            "created",
            "updated",
        ]


class ValueSerializer(FullCleanModelSerializer):
    """A sum a source gives for a transfer (kind contract, payment or other)
    or for a package of transfers as a whole (kind package), with whether it
    is an estimate or hedged and the citation that gives it. Give exactly one
    of `transfer` and `package`."""

    transfer = IdOrSlugRelatedField(
        queryset=Transfer.objects.all(),
        brief_serializer=TransferBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The transfer this is the value of: an id or slug (or give `package`).",
    )
    package = IdOrSlugRelatedField(
        queryset=Package.objects.all(),
        brief_serializer=PackageBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The package this is the value of, as a whole: an id or slug.",
    )
    citation = IdOrSlugRelatedField(
        queryset=Citation.objects.all(),
        brief_serializer=None,
        slug_field=None,
        required=False,
        allow_null=True,
        help_text=(
            "The id of the citation that gives the value: one of the transfer's, or for a "
            "package's value one of the package's transfers'."
        ),
    )

    class Meta:
        model = Value
        fields = [
            "id",
            "url",
            "display",
            "transfer",
            "package",
            "kind",
            "amount",
            "currency",
            "is_estimate",
            "is_hedged",
            "citation",
            "note",
            "created",
            "updated",
        ]
        extra_kwargs = {"kind": {"required": False}}

    def validate(self, attrs):
        # A package's value is of kind package: the default when a package is given.
        if self.instance is None and "kind" not in attrs and attrs.get("package") is not None:
            attrs["kind"] = "package"
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
