"""The shapes of the analytics responses, for the OpenAPI schema only.

These serializers describe; they build nothing: transfers.aggregates makes
the data (`flow_row`, `network_node`, the network's edges, `actor_profile`)
and the views return it as it is. Their names end in "Serializer" because
drf-spectacular names the schema's components after them (`Flow`, …).
"""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers


class FlowPartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class FlowSerializer(serializers.Serializer):
    """Transfers from one supplier to one recipient (in one start year, with
    `per_year`)."""

    supplier = FlowPartySerializer()
    recipient = FlowPartySerializer()
    year = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Start year (only with `per_year=true`); null for undated transfers.",
    )
    transfers = serializers.IntegerField(help_text="Number of transfers.")
    known_quantity = serializers.IntegerField(
        help_text="Sum of the quantities of the transfers whose quantity is known."
    )
    unknown_quantity = serializers.IntegerField(
        help_text="Number of transfers whose quantity is unknown (not counted above)."
    )


class NetworkNodeSerializer(serializers.Serializer):
    """An actor that supplies or receives at least one of the transfers."""

    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    country = serializers.CharField(help_text="ISO 3166 code; empty if none.")


class NetworkEdgeSerializer(serializers.Serializer):
    """One transfer, from its supplier (`source`) to its recipient (`target`)."""

    id = serializers.IntegerField(help_text="The transfer's id.")
    transfer = serializers.CharField(help_text="The transfer's slug.")
    source = serializers.IntegerField(help_text="The supplier's id (a node).")
    target = serializers.IntegerField(help_text="The recipient's id (a node).")
    stage = serializers.CharField()
    transfer_type = serializers.CharField()
    system = serializers.CharField(help_text="The system's slug.")
    system_designation = serializers.CharField()
    category = serializers.CharField()
    start_year = serializers.IntegerField(allow_null=True)
    end_year = serializers.IntegerField(allow_null=True)
    quantity = serializers.IntegerField(allow_null=True)


# One object, though the view is a (filtered) list view.
@extend_schema_serializer(many=False)
class NetworkSerializer(serializers.Serializer):
    nodes = NetworkNodeSerializer(many=True)
    edges = NetworkEdgeSerializer(many=True)


class ProfileCountsSerializer(serializers.Serializer):
    transfers = serializers.IntegerField(help_text="Number of transfers.")
    known_quantity = serializers.IntegerField(help_text="Sum of the known quantities.")
    unknown_quantity = serializers.IntegerField(
        help_text="Number of transfers whose quantity is unknown."
    )


class ProfileSystemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    designation = serializers.CharField()
    category = serializers.CharField()


class ProfilePartnerSerializer(ProfileCountsSerializer):
    actor = FlowPartySerializer()


class ProfileCategorySerializer(ProfileCountsSerializer):
    category = serializers.CharField()


class ProfileYearSerializer(ProfileCountsSerializer):
    year = serializers.IntegerField(allow_null=True, help_text="Start year; null if undated.")


class ProfileSystemCountsSerializer(ProfileCountsSerializer):
    system = ProfileSystemSerializer()


class ProfileRoleSerializer(ProfileCountsSerializer):
    works_cited = serializers.IntegerField(
        help_text="Works the citations of these transfers quote; a copy counts as its original."
    )
    by_partner = ProfilePartnerSerializer(many=True)
    by_category = ProfileCategorySerializer(many=True)
    by_year = ProfileYearSerializer(many=True)
    systems = ProfileSystemCountsSerializer(many=True)


@extend_schema_serializer(many=False)
class ActorProfileSerializer(serializers.Serializer):
    actor = FlowPartySerializer()
    supplied = ProfileRoleSerializer(help_text="Transfers in which the actor is the supplier.")
    received = ProfileRoleSerializer(help_text="Transfers in which the actor is the recipient.")
