"""Values, packages and quantity ranges (issue 14): a value says what it is,
whether it is an estimate or hedged and which citation gives it; a package's
value is recorded once, on the package; a quantity can be a range. The rules
in clean() and in the database, what deleting takes or refuses, the data
migration from Transfer.value, the API and the admin."""

import decimal
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError, RestrictedError
from django.urls import reverse

from tests.admin.forms import form_data
from tests.helpers import API, documented_transfer
from transfers.factories import (
    CitationFactory,
    DeliveryFactory,
    PackageFactory,
    TransferFactory,
    ValueFactory,
)
from transfers.models import Delivery, Package, Transfer, Value
from transfers.restore import transfer_restore

pytestmark = pytest.mark.django_db

VALUES = f"{API}/values/"
PACKAGES = f"{API}/packages/"


def errors_of(record) -> dict:
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    return caught.value.message_dict


# --- the rules in clean() ----------------------------------------------------------


def test_a_transfers_value_is_valid_and_its_currency_upper_cased():
    transfer = documented_transfer()
    value = Value(
        transfer=transfer,
        kind="contract",
        amount=decimal.Decimal("800000000"),
        currency="usd",
        citation=transfer.citations.first(),
        is_hedged=True,
    )
    value.full_clean()
    assert value.currency == "USD"
    value.save()
    assert str(value) == "Contract value: 800000000 USD"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"transfer": None}, "transfer", "either the transfer or the package"),
        ({"package": "PACKAGE", "kind": "package"}, "transfer", "either the transfer or"),
        ({"kind": "package"}, "kind", "record it on the package, once"),
        ({"kind": "bribe"}, "kind", "not a valid choice"),
        ({"amount": decimal.Decimal("-1")}, "amount", "greater than or equal to 0"),
        ({"amount": None}, "amount", "cannot be null"),
        ({"currency": ""}, "currency", "cannot be blank"),
        ({"currency": "US"}, "currency", "three-letter ISO 4217"),
        ({"currency": "U$D"}, "currency", "three-letter ISO 4217"),
        ({"currency": "ÜSD"}, "currency", "three-letter ISO 4217"),
        ({"citation": "ELSEWHERE"}, "citation", "one of this transfer's"),
    ],
)
def test_a_transfers_value_breaking_a_rule_is_a_field_error(changes, field, message):
    transfer = TransferFactory()
    fields = {"transfer": transfer, "kind": "contract", "amount": 5, "currency": "USD"}
    for name, change in changes.items():
        if change == "PACKAGE":
            change = PackageFactory()
        elif change == "ELSEWHERE":
            change = CitationFactory()  # of another transfer
        fields[name] = change
    errors = errors_of(Value(**fields))
    assert field in errors, errors
    assert message in " ".join(errors[field])


def test_a_packages_value_is_of_kind_package_and_cites_one_of_its_transfers():
    package = PackageFactory()
    member = documented_transfer(package=package)
    outsider = documented_transfer()
    value = Value(
        package=package, kind="package", amount=6_000_000_000, currency="USD", is_estimate=True
    )
    value.citation = member.citations.first()
    value.full_clean()
    value.citation = outsider.citations.first()
    assert "one of this package's transfers'" in errors_of(value)["citation"][0]
    value.citation, value.kind = None, "contract"
    assert "of kind “package”" in errors_of(value)["kind"][0]


def test_a_package_needs_a_name_and_an_addressable_slug():
    assert set(errors_of(Package(name="", slug="2016"))) == {"name", "slug"}
    Package(name="Shopping list", slug="shopping-list-2016").full_clean()


@pytest.mark.parametrize("model", [Transfer, Delivery])
@pytest.mark.parametrize(
    ("quantity", "quantity_max", "field"),
    [(None, 12, "quantity"), (12, 11, "quantity_max"), (12, 12, None), (24, 36, None)],
)
def test_a_quantity_range_has_its_low_end_first(model, quantity, quantity_max, field):
    record = TransferFactory() if model is Transfer else DeliveryFactory()
    record.quantity, record.quantity_max = quantity, quantity_max
    if field is None:
        record.full_clean()
    else:
        assert field in errors_of(record)


# --- the same rules in the database ------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    [
        {"transfer": None},
        {"package": "PACKAGE"},
        {"kind": "package"},
        {"kind": "bribe"},
        {"amount": -1},
        {"currency": "usd"},
        {"currency": "USDX"},
        {"currency": "US"},
    ],
    ids=str,
)
def test_a_value_written_past_clean_that_breaks_a_rule_fails(broken):
    transfer = TransferFactory()
    fields = {"transfer": transfer, "kind": "contract", "amount": 5, "currency": "USD"}
    Value.objects.create(**fields)  # the same without the break goes in
    fields.update(broken)
    if fields.get("package") == "PACKAGE":
        fields["package"] = PackageFactory()
    # PostgreSQL's varchar(3) refuses a fourth letter before the check constraint.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        Value.objects.create(**fields)


def test_a_package_value_with_another_kind_fails_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Value.objects.create(package=PackageFactory(), kind="contract", amount=1, currency="USD")


@pytest.mark.parametrize("model", [Transfer, Delivery])
@pytest.mark.parametrize(("quantity", "quantity_max"), [(None, 3), (5, 4)])
def test_a_range_written_past_clean_that_is_out_of_order_fails(model, quantity, quantity_max):
    record = TransferFactory() if model is Transfer else DeliveryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=record.pk).update(quantity=quantity, quantity_max=quantity_max)


# --- deleting ------------------------------------------------------------------------


def test_deleting_a_transfer_takes_its_values_even_one_citing_its_citation():
    transfer = documented_transfer()
    ValueFactory(transfer=transfer, citation=transfer.citations.first())
    ValueFactory(transfer=transfer, kind="payment")
    transfer.delete()
    assert not Value.objects.exists()


def test_a_citation_a_value_rests_on_cannot_be_deleted():
    transfer = documented_transfer()
    citation = transfer.citations.first()
    ValueFactory(transfer=transfer, citation=citation)
    with pytest.raises(RestrictedError):
        citation.delete()


def test_a_transfer_whose_citation_gives_its_packages_value_cannot_be_deleted():
    package = PackageFactory()
    transfer = documented_transfer(package=package)
    ValueFactory(
        transfer=None, package=package, kind="package", citation=transfer.citations.first()
    )
    with pytest.raises(RestrictedError):
        transfer.delete()
    assert Transfer.objects.filter(pk=transfer.pk).exists()


def test_a_package_with_transfers_cannot_be_deleted_and_one_without_takes_its_values():
    package = PackageFactory()
    TransferFactory(package=package)
    with pytest.raises(ProtectedError):
        package.delete()
    empty = PackageFactory()
    ValueFactory(transfer=None, package=empty, kind="package")
    empty.delete()
    assert not Value.objects.filter(package_id=empty.pk).exists()


def test_a_restored_transfer_gets_its_values_back():
    transfer = documented_transfer()
    value = ValueFactory(transfer=transfer, citation=transfer.citations.first(), is_hedged=True)
    transfer_id = transfer.pk
    transfer.delete()
    transfer_restore(transfer_id=transfer_id)
    restored = Value.objects.get(pk=value.pk)
    assert (restored.transfer_id, restored.citation_id, restored.is_hedged) == (
        transfer_id,
        value.citation_id,
        True,
    )


def test_a_transfer_whose_package_was_deleted_comes_back_without_one():
    package = PackageFactory()
    transfer = documented_transfer(package=package)
    transfer_id = transfer.pk
    transfer.delete()
    package.delete()
    assert transfer_restore(transfer_id=transfer_id).package_id is None


# --- the data migration from Transfer.value ------------------------------------------

MIGRATION = importlib.import_module("transfers.migrations.0017_values_from_transfer_value")
BEFORE = ("transfers", "0016_values_and_packages")
AFTER = ("transfers", MIGRATION.__name__.rpartition(".")[2])


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_transfers_value_into_a_value_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    old = executor.loader.project_state([BEFORE]).apps
    actor, system = old.get_model("actors", "Actor"), old.get_model("transfers", "System")
    russia = actor.objects.create(name="Russia", slug="russia", kind="state", country="RU")
    iran = actor.objects.create(name="Iran", slug="iran", kind="state", country="IR")
    s300 = system.objects.create(designation="S-300", slug="s-300", category="air_defence")
    old_transfer = old.get_model("transfers", "Transfer")
    common = {"supplier": russia, "recipient": iran, "system": s300}
    valued = old_transfer.objects.create(
        slug="valued", value=decimal.Decimal("800000000.00"), value_currency="usd", **common
    )
    old_transfer.objects.create(slug="unvalued", **common)

    executor = MigrationExecutor(connection)
    executor.migrate([AFTER])
    new = executor.loader.project_state([AFTER]).apps
    carried = new.get_model("transfers", "Value").objects.values_list(
        "transfer_id", "kind", "amount", "currency", "is_estimate", "is_hedged", "citation_id"
    )
    assert list(carried) == [
        (valued.pk, "other", decimal.Decimal("800000000.00"), "USD", False, False, None)
    ]

    # Backwards: the transfer takes its first value back.
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    back = executor.loader.project_state([BEFORE]).apps.get_model("transfers", "Transfer")
    assert list(back.objects.order_by("slug").values_list("slug", "value", "value_currency")) == [
        ("unvalued", None, ""),
        ("valued", decimal.Decimal("800000000.00"), "USD"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- the API -------------------------------------------------------------------------


def test_an_editor_records_a_transfers_contract_value_and_it_shows_on_the_transfer(editor):
    transfer = documented_transfer()
    citation = transfer.citations.order_by("id").first()
    response = editor.post(
        VALUES,
        {
            "transfer": transfer.slug,
            "kind": "contract",
            "amount": "800000000",
            "currency": "usd",
            "is_estimate": True,
            "citation": citation.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["amount"], body["currency"], body["package"]) == ("800000000.00", "USD", None)
    assert body["transfer"]["slug"] == transfer.slug
    assert body["citation"] == citation.pk
    shown = editor.get(f"{API}/transfers/{transfer.pk}/").json()["values"]
    assert shown == [
        {
            "id": body["id"],
            "url": body["url"],
            "kind": "contract",
            "amount": "800000000.00",
            "currency": "USD",
            "is_estimate": True,
            "is_hedged": False,
            "citation": citation.pk,
            "package": None,
            "note": "",
        }
    ]
    assert editor.patch(body["url"], {"is_hedged": True}, format="json").status_code == 200
    assert Value.objects.get().is_hedged


def test_a_packages_value_is_recorded_once_on_the_package(editor):
    created = editor.post(
        PACKAGES, {"name": "Six billion dollar shopping list", "slug": "shopping-list-2016"}
    )
    assert created.status_code == 201, created.json()
    members = [documented_transfer(), documented_transfer()]
    for member in members:
        response = editor.patch(
            f"{API}/transfers/{member.pk}/", {"package": "shopping-list-2016"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["package"] == {
            "id": created.json()["id"],
            "url": created.json()["url"],
            "slug": "shopping-list-2016",
            "name": "Six billion dollar shopping list",
        }
    response = editor.post(
        VALUES,
        {
            "package": "shopping-list-2016",
            "amount": "6000000000",
            "currency": "USD",
            "is_hedged": True,
            "citation": members[1].citations.first().pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["kind"], response.json()["transfer"]) == ("package", None)
    package = editor.get(created.json()["url"]).json()
    assert [t["id"] for t in package["transfers"]] == [m.pk for m in members]
    assert [(v["kind"], v["amount"], v["is_hedged"]) for v in package["values"]] == [
        ("package", "6000000000.00", True)
    ]
    # Not on each of its transfers.
    for member in members:
        assert editor.get(f"{API}/transfers/{member.pk}/").json()["values"] == []
    listed = editor.get(f"{API}/transfers/", {"package": "shopping-list-2016"}).json()
    assert listed["count"] == 2
    assert editor.get(VALUES, {"package": "shopping-list-2016"}).json()["count"] == 1
    assert editor.get(VALUES, {"kind": "contract"}).json()["count"] == 0
    # A package that has transfers is not deleted.
    assert editor.delete(created.json()["url"]).status_code == 409
    assert Package.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"package": "PACKAGE"}, "transfer", "either the transfer or the package"),
        ({"transfer": None}, "transfer", "either the transfer or the package"),
        ({"kind": "package"}, "kind", "record it on the package"),
        ({"amount": "-1"}, "amount", "greater than or equal to 0"),
        ({"amount": "lots"}, "amount", "A valid number is required"),
        ({"amount": "1e400"}, "amount", ""),
        ({"currency": "dollars"}, "currency", "no more than 3 characters"),
        ({"currency": "U1"}, "currency", "three-letter ISO 4217"),
        ({"citation": "ELSEWHERE"}, "citation", "one of this transfer's"),
        ({"citation": 999999}, "citation", "There is no citation"),
        ({"transfer": "no-such-transfer"}, "transfer", "There is no transfer"),
        ({"worth": 3}, "worth", "Unknown field"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field(editor, changes, field, message):
    transfer = documented_transfer()
    body = {"transfer": transfer.pk, "kind": "payment", "amount": "5", "currency": "USD"}
    for name, change in changes.items():
        if change == "PACKAGE":
            change = PackageFactory().slug
        elif change == "ELSEWHERE":
            change = documented_transfer().citations.first().pk
        body[name] = change
    response = editor.post(VALUES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert message in str(response.json()[field])
    assert not Value.objects.exists()


def test_a_cited_citation_is_not_deleted_through_the_api(editor):
    transfer = documented_transfer()
    citation = transfer.citations.first()
    ValueFactory(transfer=transfer, citation=citation)
    assert editor.delete(f"{API}/citations/{citation.pk}/").status_code == 409


def test_values_need_the_model_permissions(api_client, django_user_model):
    from tests.helpers import token_client

    transfer = TransferFactory()
    body = {"transfer": transfer.pk, "kind": "contract", "amount": "1", "currency": "USD"}
    assert api_client.post(VALUES, body, format="json").status_code == 401
    nobody = token_client(django_user_model.objects.create_user("nobody"))
    assert nobody.post(VALUES, body, format="json").status_code == 403
    assert nobody.post(PACKAGES, {"name": "P", "slug": "p"}).status_code == 403
    assert not Value.objects.exists() and not Package.objects.exists()


# --- the admin -----------------------------------------------------------------------


def _change_form(admin_client, name, record):
    url = reverse(f"admin:transfers_{name}_change", args=[record.pk])
    return url, form_data(admin_client.get(url).content.decode(), f"{name}_form")


def _value_row(data, prefix, **fields):
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = [str(value)]


def test_an_editor_enters_a_transfers_value_in_its_inline(admin_client):
    transfer = documented_transfer()
    citation = transfer.citations.order_by("id").first()
    url, data = _change_form(admin_client, "transfer", transfer)
    _value_row(
        data,
        "values",
        kind="contract",
        amount="1250000",
        currency="rub",
        citation=citation.pk,
        is_hedged="on",
        note="",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    value = Value.objects.get()
    assert (value.transfer, value.currency, value.citation, value.is_hedged) == (
        transfer,
        "RUB",
        citation,
        True,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "package"}, "not one of the available choices"),
        ({"kind": "contract", "currency": "R"}, "three-letter ISO 4217"),
        ({"kind": "contract", "amount": "-5"}, "greater than or equal to 0"),
    ],
)
def test_a_bad_value_in_the_transfers_inline_is_a_form_error(admin_client, fields, message):
    transfer = documented_transfer()
    url, data = _change_form(admin_client, "transfer", transfer)
    _value_row(data, "values", **{"amount": "1", "currency": "USD", "note": "", **fields})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Value.objects.exists()


def test_an_editor_enters_a_packages_value_on_the_package(admin_client):
    package = PackageFactory()
    member = documented_transfer(package=package)
    url, data = _change_form(admin_client, "package", package)
    assert f"{member}" in admin_client.get(url).content.decode()
    _value_row(
        data,
        "values",
        kind="package",
        amount="6000000000",
        currency="USD",
        citation=member.citations.first().pk,
        note="",
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    assert Value.objects.get().package == package


def test_a_deleted_value_and_package_are_in_the_deletions_feed(editor, api_client):
    from django.utils import timezone

    since = timezone.now().isoformat()
    value = ValueFactory(transfer=TransferFactory())
    package = PackageFactory()
    assert editor.delete(f"{VALUES}{value.pk}/").status_code == 204
    assert editor.delete(f"{PACKAGES}{package.pk}/").status_code == 204
    response = api_client.get(f"{API}/deleted/", {"since": since, "type": ["value", "package"]})
    assert response.status_code == 200, response.json()
    assert sorted((r["type"], r["id"]) for r in response.json()["results"]) == [
        ("package", package.pk),
        ("value", value.pk),
    ]
