from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import IdOrSlugRelatedField
from common.api.serializers import (
    BriefSerializer,
    FullCleanModelSerializer,
    filtered_list_url,
)

from ..models import Actor


class ActorBriefSerializer(BriefSerializer):
    """An actor in brief, as nested in other records."""

    class Meta:
        model = Actor
        fields = ["id", "url", "slug", "name", "display"]


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

    parent = IdOrSlugRelatedField(
        queryset=Actor.objects.all(),
        brief_serializer=ActorBriefSerializer,
        required=False,
        allow_null=True,
        help_text="The state an organ belongs to, or the sponsor of a proxy: an id or slug.",
    )
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
            "parent",
            "parent_relation",
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
