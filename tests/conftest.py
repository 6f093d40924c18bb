import datetime

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.test import APIClient

from actors.choices import RelationKind
from actors.factories import ActorFactory, ActorRelationFactory
from actors.models import ActorKind
from common.dates import DatePrecision
from transfers.choices import SystemCategory
from transfers.factories import SystemFactory

from .helpers import EDITED_MODELS, token_client


@pytest.fixture
def russia(db):
    return ActorFactory(name="Russia", slug="russia", country="RU", aliases=["Russian Federation"])


@pytest.fixture
def iran(db):
    return ActorFactory(
        name="Iran", slug="iran", country="IR", aliases=["Islamic Republic of Iran"]
    )


@pytest.fixture
def irgc(db, iran):
    """The IRGC, part of Iran (an undated relation)."""
    irgc = ActorFactory(
        name="Islamic Revolutionary Guard Corps",
        slug="irgc",
        kind=ActorKind.STATE_ORGAN,
        country="IR",
        aliases=["IRGC", "Sepah"],
    )
    ActorRelationFactory(actor=irgc, kind=RelationKind.PART_OF, related=iran)
    return irgc


@pytest.fixture
def s300(db, russia):
    return SystemFactory(
        designation="S-300",
        slug="s-300",
        category=SystemCategory.AIR_DEFENCE,
        nato_reporting_name="SA-10 Grumble",
        origin=russia,
    )


@pytest.fixture
def year_2016():
    return {"start_date": datetime.date(2016, 1, 1), "start_date_precision": DatePrecision.YEAR}


@pytest.fixture(autouse=True)
def _no_api_throttling(settings):
    """Tests send many requests from one address; test_throttling turns the
    limits back on where it means to."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "login": None},
    }


@pytest.fixture(autouse=True)
def _exports_in_process(settings):
    """A child process cannot see a test's uncommitted rows, so exports render
    in the test's own process (the same bytes: the child runs the same code);
    test_export_child_process runs them in a child, on committed data."""
    settings.EXPORTS_IN_CHILD_PROCESS = False


@pytest.fixture
def api_client():
    """An anonymous client."""
    return APIClient()


@pytest.fixture
def viewer(db):
    """Logged in with a token, but with no model permissions."""
    return token_client(User.objects.create_user("viewer"))


@pytest.fixture
def editor(db):
    """Holds add/change/delete on every curated model."""
    user = User.objects.create_user("editor")
    codenames = [
        f"{action}_{model}" for model in EDITED_MODELS for action in ("add", "change", "delete")
    ]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return token_client(user)
