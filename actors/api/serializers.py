from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import (
    DetailUrlField,
    IdOrSlugRelatedField,
    PartialDateField,
    PrecisionField,
)
from common.api.serializers import (
    BriefSerializer,
    FullCleanModelSerializer,
    filtered_list_url,
)

from ..models import Actor, ActorRelation


class ActorBriefSerializer(BriefSerializer):
    """An actor in brief, as nested in other records."""

    class Meta:
        model = Actor
        fields = ["id", "url", "slug", "name", "display"]


#: A relation's dates and note, as shown everywhere a relation is.
RELATION_DETAIL_FIELDS = [
    "start_date",
    "start_date_precision",
    "end_date",
    "end_date_precision",
    "note",
]


class ActorOwnRelationSerializer(serializers.ModelSerializer):
    """One of the actor's relations: "this actor `kind` `related`", e.g. the
    IRGC part of Iran."""

    url = DetailUrlField(view_name="api:actorrelation-detail")
    related = ActorBriefSerializer(read_only=True)
    start_date = PartialDateField("start_date", "start_date_precision", read_only=True)
    start_date_precision = PrecisionField()
    end_date = PartialDateField("end_date", "end_date_precision", read_only=True)
    end_date_precision = PrecisionField()

    class Meta:
        model = ActorRelation
        fields = ["id", "url", "kind", "related", *RELATION_DETAIL_FIELDS]
        read_only_fields = fields


class ActorRelatedRelationSerializer(serializers.ModelSerializer):
    """A relation of another actor to this one: "`actor` `kind` this actor",
    e.g. the IRGC part of Iran, shown on Iran."""

    url = DetailUrlField(view_name="api:actorrelation-detail")
    actor = ActorBriefSerializer(read_only=True)
    start_date = PartialDateField("start_date", "start_date_precision", read_only=True)
    start_date_precision = PrecisionField()
    end_date = PartialDateField("end_date", "end_date_precision", read_only=True)
    end_date_precision = PrecisionField()

    class Meta:
        model = ActorRelation
        fields = ["id", "url", "actor", "kind", *RELATION_DETAIL_FIELDS]
        read_only_fields = fields


class ActorTransferLinksSerializer(serializers.Serializer):
    """Links to the transfers list filtered to this actor, by role."""

    as_supplier = serializers.URLField(help_text="Transfers this actor supplied.")
    as_recipient = serializers.URLField(help_text="Transfers this actor received.")
    as_intermediary = serializers.URLField(help_text="Transfers that passed through this actor.")
    any_role = serializers.URLField(help_text="Transfers with this actor on any side.")


class CountryCodeField(serializers.ChoiceField):
    """An ISO 3166-1 alpha-2 code, read as plain text ("" when none) and
    accepted in either case."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("required", False)
        super().__init__(choices=list(countries), **kwargs)

    def to_internal_value(self, data):
        return super().to_internal_value(data.upper() if isinstance(data, str) else data)

    def to_representation(self, value):
        return str(value or "")


class ActorSerializer(FullCleanModelSerializer):
    """A state, state organ, armed group, company or organisation that supplies,
    receives or passes on arms."""

    country = CountryCodeField(
        help_text=(
            "ISO 3166-1 alpha-2 code (e.g. RU): the state itself, or where an organ or group "
            "is based; empty if none."
        )
    )
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Other names and spellings.",
    )
    relations = ActorOwnRelationSerializer(
        many=True,
        read_only=True,
        help_text=(
            'How this actor stands to others: "this actor `kind` `related`" (part of a '
            "state, sponsored by a patron, …), dated where known. Read-only here: write them "
            "at /api/v1/actor-relations/."
        ),
    )
    related_relations = ActorRelatedRelationSerializer(
        many=True,
        read_only=True,
        help_text=(
            'Others\' relations to this actor: "`actor` `kind` this actor", e.g. the organs '
            "part of a state or the groups it sponsors. Read-only here."
        ),
    )
    transfers = serializers.SerializerMethodField(
        help_text="Links to this actor's transfers, by role."
    )

    class Meta:
        model = Actor
        fields = [
            "id",
            "url",
            "display",
            "slug",
            "name",
            "kind",
            "country",
            "aliases",
            "relations",
            "related_relations",
            "wikidata_id",
            "description",
            "transfers",
            "created",
            "updated",
        ]

    @extend_schema_field(ActorTransferLinksSerializer)
    def get_transfers(self, obj):
        request = self.context.get("request")
        name = "api:transfer-list"
        return {
            "as_supplier": filtered_list_url(request, name, supplier=obj.slug),
            "as_recipient": filtered_list_url(request, name, recipient=obj.slug),
            "as_intermediary": filtered_list_url(request, name, intermediary=obj.slug),
            "any_role": filtered_list_url(request, name, party=obj.slug),
        }


class ActorRelationSerializer(FullCleanModelSerializer):
    """How one actor stands to another, read "`actor` `kind` `related`": the
    IRGC part of Iran; the Hashd al-Sha'bi part of Iraq and sponsored by Iran.
    Dated as precisely as the evidence allows, where known."""

    actor = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        help_text="The actor the relation is of (the subject): an id or slug.",
    )
    related = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        help_text="The other actor: the state an organ is part of, a proxy's sponsor, …",
    )
    start_date = PartialDateField(
        "start_date", "start_date_precision", help_text="Since when, if known."
    )
    start_date_precision = PrecisionField()
    end_date = PartialDateField("end_date", "end_date_precision", help_text="Until when, if known.")
    end_date_precision = PrecisionField()

    class Meta:
        model = ActorRelation
        fields = [
            "id",
            "url",
            "display",
            "actor",
            "kind",
            "related",
            *RELATION_DETAIL_FIELDS,
            "created",
            "updated",
        ]
