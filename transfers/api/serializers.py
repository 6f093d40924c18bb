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

from .. import services
from ..choices import TransferStatus
from ..models import Citation, Package, StatusEvent, System, Transfer, Value
from .representation import (
    CITATION_FIELDS,
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
