import datetime

import pytest

from actors.factories import ActorFactory
from common.dates import DatePrecision
from sources.factories import SourceFactory
from tests.helpers import API, documented_transfer, results
from transfers.choices import Stage, SystemCategory, TransferType
from transfers.factories import CitationFactory, StatusEventFactory, SystemFactory, TransferFactory
from transfers.models import StatusEvent, Transfer, TransferIntermediary

pytestmark = pytest.mark.django_db

TRANSFERS = f"{API}/transfers/"
EVENTS = f"{API}/status-events/"


def ids(response):
    return [item["id"] for item in results(response)]


# --- representation ------------------------------------------------------------


def test_transfer_shows_parties_and_system_as_brief_objects(api_client, russia, iran, s300):
    transfer = documented_transfer(supplier=russia, recipient=iran, system=s300)
    body = api_client.get(f"{TRANSFERS}{transfer.slug}/").json()
    assert body["supplier"] == {
        "id": russia.pk,
        "url": f"http://testserver{API}/actors/{russia.pk}/",
        "slug": "russia",
        "name": "Russia",
        "display": "Russia",
    }
    assert body["recipient"]["slug"] == "iran"
    assert body["system"] == {
        "id": s300.pk,
        "url": f"http://testserver{API}/systems/{s300.pk}/",
        "slug": "s-300",
        "name": "S-300",
        "display": "S-300",
    }
    intermediary = transfer.intermediary_links.get().actor
    assert [i["slug"] for i in body["intermediaries"]] == [intermediary.slug]
    assert body["transfer_type"] == "sale"
    assert body["display"] == "Russia → Iran: S-300 (agreed)"


def test_dates_carry_their_precision_so_a_year_is_not_a_day(api_client):
    transfer = TransferFactory(
        start_date=datetime.date(2016, 1, 1),
        start_date_precision=DatePrecision.YEAR,
        end_date=datetime.date(2017, 3, 1),
        end_date_precision=DatePrecision.MONTH,
    )
    body = api_client.get(f"{TRANSFERS}{transfer.pk}/").json()
    assert (body["start_date"], body["start_date_precision"]) == ("2016", "year")
    assert (body["end_date"], body["end_date_precision"]) == ("2017-03", "month")


def test_an_undated_transfer_has_null_dates_and_precisions(api_client):
    transfer = TransferFactory(start_date=None, start_date_precision="")
    body = api_client.get(f"{TRANSFERS}{transfer.pk}/").json()
    assert body["start_date"] is None
    assert body["start_date_precision"] is None


def test_transfer_shows_its_status_history_and_citations(api_client):
    transfer = documented_transfer()
    body = api_client.get(f"{TRANSFERS}{transfer.pk}/").json()
    assert body["stage"] == "agreed"
    assert [(e["stage"], e["date"], e["date_precision"]) for e in body["status_history"]] == [
        ("under_discussion", "2015", "year"),
        ("agreed", "2016-05", "month"),
    ]
    citation = transfer.citations.order_by("id").last()
    shown = body["citations"][-1]
    assert shown["quote"] == citation.quote
    assert shown["status_event"] == citation.status_event_id
    assert shown["source"]["title"] == citation.source.title
    assert shown["source"]["publication_date"] == "2024-05"
    assert shown["source"]["publication_date_precision"] == "month"
    assert shown["url"] == f"http://testserver{API}/citations/{citation.pk}/"


# --- filters -------------------------------------------------------------------


@pytest.fixture
def three_transfers(russia, iran, irgc, s300):
    """Russia → Iran (S-300, 2016, confirmed), Iran → IRGC via Syria (Shahed, 2020-2022),
    Russia → Syria (undated, licensed production of an artillery system)."""
    syria = ActorFactory(slug="syria", name="Syria", country="SY")
    shahed = SystemFactory(slug="shahed-136", designation="Shahed-136", category="uav")
    howitzer = SystemFactory(slug="d-30", designation="D-30", category="artillery")
    s300_deal = TransferFactory(supplier=russia, recipient=iran, system=s300)
    StatusEventFactory(transfer=s300_deal, stage=Stage.AGREED)
    drones = TransferFactory(
        supplier=iran,
        recipient=irgc,
        system=shahed,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2022, 6, 1),
        end_date_precision=DatePrecision.MONTH,
        transfer_type=TransferType.AID,
        notes="Delivered by air through Latakia.",
    )
    TransferIntermediary.objects.create(transfer=drones, actor=syria, position=1)
    guns = TransferFactory(
        supplier=russia,
        recipient=syria,
        system=howitzer,
        start_date=None,
        start_date_precision="",
        transfer_type=TransferType.LICENSED_PRODUCTION,
    )
    StatusEventFactory(transfer=guns, stage=Stage.CANCELLED)
    return {"s300": s300_deal.pk, "drones": drones.pk, "guns": guns.pk}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"supplier": "russia"}, ["s300", "guns"]),
        ({"supplier": ["iran", "russia"]}, ["s300", "drones", "guns"]),
        ({"recipient": "iran"}, ["s300"]),
        ({"intermediary": "syria"}, ["drones"]),
        ({"party": "syria"}, ["drones", "guns"]),
        ({"party": "irgc"}, ["drones"]),
        ({"system": "shahed-136"}, ["drones"]),
        ({"category": "air_defence"}, ["s300"]),
        ({"category": ["uav", "artillery"]}, ["drones", "guns"]),
        ({"stage": "agreed"}, ["s300"]),
        ({"stage": ["agreed", "cancelled"]}, ["s300", "guns"]),
        ({"stage": "under_discussion"}, ["drones"]),
        ({"transfer_type": "aid"}, ["drones"]),
        ({"year_from": 2016, "year_to": 2016}, ["s300"]),
        ({"year_from": 2021}, ["drones"]),
        ({"year_to": 2020}, ["s300", "drones"]),
        ({"year_from": 2023}, []),
        ({"search": "Latakia"}, ["drones"]),
    ],
)
def test_each_filter_narrows_to_what_it_says(api_client, three_transfers, params, expected):
    response = api_client.get(TRANSFERS, {**params, "ordering": "id"})
    assert ids(response) == [three_transfers[name] for name in expected]


def test_id_filters_match_the_slug_filters(api_client, three_transfers, russia, iran, s300):
    by_id = api_client.get(TRANSFERS, {"supplier_id": russia.pk, "ordering": "id"})
    assert ids(by_id) == [three_transfers["s300"], three_transfers["guns"]]
    assert ids(api_client.get(TRANSFERS, {"recipient_id": iran.pk})) == [three_transfers["s300"]]
    assert ids(api_client.get(TRANSFERS, {"system_id": s300.pk})) == [three_transfers["s300"]]
    assert ids(api_client.get(TRANSFERS, {"party_id": iran.pk, "ordering": "id"})) == [
        three_transfers["s300"],
        three_transfers["drones"],
    ]


def test_source_filter_finds_transfers_citing_it_once_each(api_client, three_transfers):
    source = SourceFactory(slug="reuters-2016")
    for _ in range(2):
        CitationFactory(source=source, transfer_id=three_transfers["s300"])
    assert ids(api_client.get(TRANSFERS, {"source": "reuters-2016"})) == [three_transfers["s300"]]
    assert ids(api_client.get(TRANSFERS, {"source_id": source.pk})) == [three_transfers["s300"]]


def test_updated_since_returns_only_later_changes(api_client, three_transfers):
    cutoff = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    Transfer.objects.filter(pk=three_transfers["guns"]).update(updated=cutoff)
    assert ids(api_client.get(TRANSFERS, {"updated_since": "2030-01-01T00:00:00Z"})) == [
        three_transfers["guns"]
    ]
    assert ids(api_client.get(TRANSFERS, {"updated_since": "2030-01-01"})) == [
        three_transfers["guns"]
    ]


def test_ordering_by_supplier_then_newest(api_client, three_transfers):
    response = api_client.get(TRANSFERS, {"ordering": "supplier,-id"})
    assert ids(response) == [
        three_transfers["drones"],
        three_transfers["guns"],
        three_transfers["s300"],
    ]


def test_undated_transfers_sort_last_whichever_the_direction(api_client, three_transfers):
    # The S-300 deal starts in 2016, the drones in 2020, the guns are undated.
    expected = [three_transfers[name] for name in ("s300", "drones", "guns")]
    assert ids(api_client.get(TRANSFERS)) == expected
    assert ids(api_client.get(TRANSFERS, {"ordering": "start_date"})) == expected
    assert ids(api_client.get(TRANSFERS, {"ordering": "-start_date"})) == [
        three_transfers[name] for name in ("drones", "s300", "guns")
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "rumoured"}, "stage"),
        ({"category": "spaceships"}, "category"),
        ({"supplier": "atlantis"}, "supplier"),
        ({"supplier_id": "russia"}, "supplier_id"),
        ({"supplier_id": "99999999999999999999999"}, "supplier_id"),
        ({"party": "Not A Slug!"}, "party"),
        ({"year_from": "2016a"}, "year_from"),
        ({"year_to": "20000"}, "year_to"),
        ({"year_from": "-5"}, "year_from"),
        ({"transfer_type": "theft"}, "transfer_type"),
        ({"ordering": "-colour"}, "ordering"),
    ],
)
def test_a_bad_filter_value_is_a_400_naming_the_parameter(api_client, russia, params, field):
    response = api_client.get(TRANSFERS, params)
    assert response.status_code == 400
    assert field in response.json()


# --- create --------------------------------------------------------------------


def test_editor_creates_a_transfer_from_slugs_with_its_first_status(editor, russia, iran, s300):
    ActorFactory(slug="syria", name="Syria", country="SY")
    belarus = ActorFactory(slug="belarus", name="Belarus", country="BY")
    response = editor.post(
        TRANSFERS,
        {
            "supplier": "russia",
            "recipient": iran.pk,
            "system": "s-300",
            "intermediaries": ["syria", belarus.pk],
            "transfer_type": "sale",
            "start_date": "2016",
            "end_date": "2016-11",
            "quantity": 4,
            "quantity_max": 6,
            "initial_stage": {"stage": "agreed", "date": "2016-05-03", "note": "TASS"},
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "russia-iran-s-300-2016"
    assert body["stage"] == "agreed"
    assert [i["slug"] for i in body["intermediaries"]] == ["syria", "belarus"]
    assert (body["start_date"], body["start_date_precision"]) == ("2016", "year")
    assert (body["end_date"], body["end_date_precision"]) == ("2016-11", "month")
    assert (body["quantity"], body["quantity_max"]) == (4, 6)
    assert (body["package"], body["values"]) == (None, [])
    assert body["status_history"][0]["date"] == "2016-05-03"
    transfer = Transfer.objects.get(pk=body["id"])
    assert transfer.start_date == datetime.date(2016, 1, 1)
    assert transfer.start_date_precision == "year"
    assert list(transfer.intermediary_links.values_list("actor__slug", "position")) == [
        ("syria", 1),
        ("belarus", 2),
    ]
    assert transfer.status_events.get().note == "TASS"


def test_intermediaries_carry_their_role(editor, api_client, russia, iran, s300):
    syria = ActorFactory(slug="syria", name="Syria", country="SY")
    belarus = ActorFactory(slug="belarus", name="Belarus", country="BY")
    ActorFactory(slug="maersk", name="Maersk", kind="company", country="DK")
    response = editor.post(
        TRANSFERS,
        {
            **VALID,
            "intermediaries": [
                {"slug": "syria", "role": "transit"},
                {"id": belarus.pk, "role": "re_exporter"},
                "maersk",
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(i["slug"], i["role"]) for i in body["intermediaries"]] == [
        ("syria", "transit"),
        ("belarus", "re_exporter"),
        ("maersk", ""),
    ]
    assert body["intermediaries"][0] == {
        "id": syria.pk,
        "url": f"http://testserver{API}/actors/{syria.pk}/",
        "slug": "syria",
        "name": "Syria",
        "display": "Syria",
        "role": "transit",
    }
    transfer = Transfer.objects.get(pk=body["id"])
    assert list(transfer.intermediary_links.values_list("actor__slug", "role", "position")) == [
        ("syria", "transit", 1),
        ("belarus", "re_exporter", 2),
        ("maersk", "", 3),
    ]
    # What was read goes back unchanged; a role changes on its own.
    url = f"{TRANSFERS}{transfer.pk}/"
    read = api_client.get(url).json()["intermediaries"]
    read[2]["role"] = "carrier"
    response = editor.patch(url, {"intermediaries": read}, format="json")
    assert response.status_code == 200, response.json()
    assert [i["role"] for i in response.json()["intermediaries"]] == [
        "transit",
        "re_exporter",
        "carrier",
    ]
    assert transfer.intermediary_links.get(position=3).role == "carrier"
    # Given as an id or slug, a stop's role is unknown.
    response = editor.patch(url, {"intermediaries": ["syria"]}, format="json")
    assert [i["role"] for i in response.json()["intermediaries"]] == [""]


@pytest.mark.parametrize("role", ["smuggler", 7, ["transit"]])
def test_an_unknown_intermediary_role_is_a_400(editor, russia, iran, s300, role):
    ActorFactory(slug="syria", name="Syria", country="SY")
    response = editor.post(
        TRANSFERS,
        {**VALID, "intermediaries": [{"slug": "syria", "role": role}]},
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert "is not a role" in response.json()["intermediaries"]["0"][0]
    assert not Transfer.objects.exists()


def test_an_intermediary_role_is_checked_by_the_database_too(russia, iran, s300):
    from django.db import IntegrityError, transaction

    transfer = TransferFactory(supplier=russia, recipient=iran, system=s300)
    with pytest.raises(IntegrityError), transaction.atomic():
        TransferIntermediary.objects.create(
            transfer=transfer, actor=ActorFactory(), position=1, role="smuggler"
        )


def test_a_new_transfer_without_initial_stage_starts_reported(editor, russia, iran, s300):
    response = editor.post(
        TRANSFERS, {"supplier": "russia", "recipient": "iran", "system": "s-300"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["stage"] == "under_discussion"
    assert [e["stage"] for e in response.json()["status_history"]] == ["under_discussion"]


VALID = {"supplier": "russia", "recipient": "iran", "system": "s-300"}


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**VALID, "recipient": "russia"}, "recipient", "must differ from the supplier"),
        ({**VALID, "start_date": "2016-13"}, "start_date", "is not a valid date"),
        ({**VALID, "start_date": "May 2016"}, "start_date", "YYYY, YYYY-MM or YYYY-MM-DD"),
        ({**VALID, "start_date": 2016}, "start_date", "Give the date as text"),
        (
            {**VALID, "start_date": "2016-05-03", "end_date": "2015"},
            "end_date",
            "The end (2015) is before the start (2016-05-03).",
        ),
        ({**VALID, "quantity_max": 3}, "quantity", "give the quantity too"),
        ({**VALID, "quantity": 4, "quantity_max": 3}, "quantity_max", "is below its low end"),
        ({**VALID, "package": "no-such-package"}, "package", "There is no package"),
        ({**VALID, "quantity": -1}, "quantity", "greater than or equal to 0"),
        ({**VALID, "quantity_is_estimate": True}, "quantity_is_estimate", "known quantity"),
        ({**VALID, "system": "atlantis-9"}, "system", "There is no system with the slug"),
        ({**VALID, "intermediaries": ["russia"]}, "intermediaries", "supplier or recipient"),
        ({**VALID, "intermediaries": "syria"}, "intermediaries", "Expected a list"),
        ({**VALID, "initial_stage": {"stage": "rumoured"}}, "initial_stage", "valid choice"),
        ({**VALID, "transfer_type": "theft"}, "transfer_type", "valid choice"),
    ],
)
def test_invalid_transfers_are_400s_with_field_messages(
    editor, russia, iran, s300, body, field, message
):
    response = editor.post(TRANSFERS, body, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert message in str(errors[field]), errors
    assert not Transfer.objects.exists()


def test_a_malformed_json_body_is_a_400(editor, db):
    response = editor.post(TRANSFERS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


# --- update and status ---------------------------------------------------------


def test_patch_changes_only_the_given_fields(editor):
    transfer = documented_transfer(quantity=4)
    response = editor.patch(
        f"{TRANSFERS}{transfer.pk}/", {"quantity": 6, "end_date": "2017"}, format="json"
    )
    assert response.status_code == 200, response.json()
    transfer.refresh_from_db()
    assert transfer.quantity == 6
    assert (transfer.end_date, transfer.end_date_precision) == (datetime.date(2017, 1, 1), "year")
    assert transfer.intermediary_links.count() == 1
    assert transfer.start_date_precision == "year"


def test_patch_with_intermediaries_replaces_them_in_order(editor):
    transfer = documented_transfer()
    a, b = ActorFactory(slug="a-stop"), ActorFactory(slug="b-stop")
    response = editor.patch(
        f"{TRANSFERS}{transfer.pk}/", {"intermediaries": ["b-stop", "a-stop"]}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [i["slug"] for i in response.json()["intermediaries"]] == ["b-stop", "a-stop"]
    response = editor.patch(f"{TRANSFERS}{transfer.pk}/", {"intermediaries": []}, format="json")
    assert response.json()["intermediaries"] == []
    assert a.pk and b.pk


def test_a_new_supplier_may_not_be_a_current_intermediary(editor):
    transfer = documented_transfer()
    stop = transfer.intermediary_links.get().actor
    response = editor.patch(f"{TRANSFERS}{transfer.pk}/", {"supplier": stop.slug}, format="json")
    assert response.status_code == 400
    assert "intermediaries" in response.json()


def test_null_clears_a_date_and_its_precision(editor):
    transfer = documented_transfer()
    response = editor.patch(f"{TRANSFERS}{transfer.pk}/", {"start_date": None}, format="json")
    assert response.status_code == 200, response.json()
    transfer.refresh_from_db()
    assert (transfer.start_date, transfer.start_date_precision) == (None, "")


def test_status_cannot_be_written_on_the_transfer(editor):
    transfer = documented_transfer()
    response = editor.patch(
        f"{TRANSFERS}{transfer.pk}/",
        {"initial_stage": {"stage": "cancelled"}},
        format="json",
    )
    assert response.status_code == 400
    assert "status-events" in response.json()["initial_stage"][0]
    # A read-only `status` in the body is ignored, as DRF does for read-only fields.
    editor.patch(f"{TRANSFERS}{transfer.pk}/", {"stage": "cancelled"}, format="json")
    transfer.refresh_from_db()
    assert transfer.stage == "agreed"


def test_adding_a_status_event_changes_the_transfers_status(editor):
    transfer = documented_transfer()
    response = editor.post(
        EVENTS,
        {"transfer": transfer.slug, "stage": "cancelled", "date": "2017-02", "note": "Deal off."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["transfer"]["slug"] == transfer.slug
    assert (response.json()["date"], response.json()["date_precision"]) == ("2017-02", "month")
    body = editor.get(f"{TRANSFERS}{transfer.pk}/").json()
    assert body["stage"] == "cancelled"
    assert [e["stage"] for e in body["status_history"]][-1] == "cancelled"


def test_an_event_dated_earlier_does_not_become_the_status(editor):
    transfer = documented_transfer()
    editor.post(
        EVENTS, {"transfer": transfer.pk, "stage": "requested", "date": "2010"}, format="json"
    )
    transfer.refresh_from_db()
    assert transfer.stage == "agreed"


def test_deleting_the_latest_event_falls_back_and_the_last_one_cannot_go(editor):
    transfer = documented_transfer()
    first, latest = transfer.status_events.order_by(*StatusEvent.CHRONOLOGICAL)
    assert editor.delete(f"{EVENTS}{latest.pk}/").status_code == 204
    transfer.refresh_from_db()
    assert transfer.stage == "under_discussion"
    response = editor.delete(f"{EVENTS}{first.pk}/")
    assert response.status_code == 409
    assert "only status event" in response.json()["detail"]
    assert transfer.status_events.count() == 1


def test_an_event_cannot_move_to_another_transfer(editor):
    transfer, other = documented_transfer(), TransferFactory()
    event = transfer.status_events.first()
    response = editor.patch(f"{EVENTS}{event.pk}/", {"transfer": other.pk}, format="json")
    assert response.status_code == 400
    assert "another transfer" in response.json()["transfer"][0]


def test_editing_an_events_status_updates_the_transfer(editor):
    transfer = documented_transfer()
    latest = transfer.status_events.order_by(*StatusEvent.CHRONOLOGICAL).last()
    response = editor.patch(f"{EVENTS}{latest.pk}/", {"stage": "denied"}, format="json")
    assert response.status_code == 200, response.json()
    transfer.refresh_from_db()
    assert transfer.stage == "denied"


def test_status_events_filter_by_transfer(api_client):
    transfer, other = documented_transfer(), documented_transfer()
    listed = results(api_client.get(EVENTS, {"transfer": transfer.slug}))
    assert {e["transfer"]["id"] for e in listed} == {transfer.pk}
    assert len(results(api_client.get(EVENTS, {"transfer_id": other.pk}))) == 2
    assert len(results(api_client.get(EVENTS, {"stage": "agreed"}))) == 2


def test_a_viewer_cannot_change_the_status(viewer):
    transfer = documented_transfer()
    response = viewer.post(EVENTS, {"transfer": transfer.pk, "stage": "cancelled"}, format="json")
    assert response.status_code == 403
    assert transfer.status_events.count() == 2


def test_editor_deletes_a_transfer_with_its_events_and_citations(editor):
    transfer = documented_transfer()
    assert editor.delete(f"{TRANSFERS}{transfer.slug}/").status_code == 204
    assert not Transfer.objects.filter(pk=transfer.pk).exists()
    assert not StatusEvent.objects.filter(transfer_id=transfer.pk).exists()


def test_category_choices_are_in_the_schema_enum():
    # Guard against a category added to the model but not to the API's filter.
    from transfers.filters import TransferFilterSet

    choices = dict(TransferFilterSet.base_filters["category"].extra["choices"])
    assert set(choices) == set(SystemCategory.values)
