"""Sources' rules: copies and originals, and what a citation protects."""

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError

from sources.factories import SourceFactory
from transfers.factories import CitationFactory

pytestmark = pytest.mark.django_db


def test_a_copy_must_point_at_the_original_not_at_another_copy():
    original = SourceFactory()
    copy = SourceFactory(copy_of=original)
    copy_of_copy = SourceFactory.build(slug="third", copy_of=copy)
    with pytest.raises(ValidationError) as excinfo:
        copy_of_copy.full_clean()
    assert "copy_of" in excinfo.value.message_dict
    assert copy.original == original
    assert original.original == original


def test_deleting_a_source_that_is_cited_is_refused():
    citation = CitationFactory()
    with pytest.raises(ProtectedError):
        citation.source.delete()


def test_deleting_an_original_that_has_copies_is_refused():
    original = SourceFactory()
    SourceFactory(copy_of=original)
    with pytest.raises(ProtectedError):
        original.delete()
