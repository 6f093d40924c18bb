"""Shared readers for the assistant's tests: the seed's known names, and
an assistant over a few hand-made records for sentence-level tests."""

from pathlib import Path

import pytest
from django.conf import settings

from assistant.evaluation import known_names, load_fixture, stored_texts
from assistant.extraction import Assistant, KnownName

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"


@pytest.fixture(scope="session")
def seed_records():
    return load_fixture(FIXTURE)


@pytest.fixture(scope="session")
def seed_known(seed_records):
    return known_names(seed_records)


@pytest.fixture(scope="session")
def seed_assistant(seed_known):
    return Assistant(seed_known)


@pytest.fixture(scope="session")
def seed_texts(seed_records):
    """The five seed documents, as the fixture stores them (document key → text)."""
    texts = stored_texts(seed_records)
    assert len(texts) == 5, sorted(texts)
    return texts


SMALL_KNOWN = (
    KnownName("actor", "russia", ("Russia", "Moscow"), "RU", "state"),
    KnownName("actor", "iran", ("Iran", "Tehran"), "IR", "state"),
    KnownName("actor", "syria", ("Syria",), "SY", "state"),
    KnownName("actor", "greece", ("Greece",), "GR", "state"),
    KnownName("actor", "hezbollah", ("Hezbollah", "Hizballah"), "LB", "armed_group"),
    KnownName("actor", "hashd-al-shabi", ("Hashd al-Sha’bi", "Popular Mobilization Forces"),
              "IQ", "armed_group"),
    KnownName("actor", "irgc", ("Islamic Revolutionary Guard Corps", "IRGC"), "IR",
              "state_organ"),
    KnownName("actor", "unknown-supplier", ("Unknown supplier",), "", "other"),
    KnownName("system", "shahed-136", ("Shahed-136", "Geran-2")),
    KnownName("system", "s-300", ("S-300",)),
    KnownName("system", "s-400", ("S-400",)),
    KnownName("system", "su-35", ("Su-35",)),
    KnownName("system", "raad", ("Raad",)),
    KnownName("system", "missile-unspecified", ("Missiles (unspecified)",)),
)  # fmt: skip


@pytest.fixture(scope="session")
def assistant():
    return Assistant(SMALL_KNOWN)
