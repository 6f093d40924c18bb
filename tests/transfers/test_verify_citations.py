"""verify_citations: every quote must occur in its source's archived text,
up to whitespace and typographic quotes and nothing else."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from sources.factories import SourceFactory
from transfers.factories import CitationFactory
from transfers.models import Citation

pytestmark = pytest.mark.django_db

SEED_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"
# The seed documents live beside the repository, not in it.
SEED_DOCUMENTS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
needs_seed_documents = pytest.mark.skipif(
    not SEED_DOCUMENTS.is_dir(),
    reason=f"the seed documents are not at {SEED_DOCUMENTS} (they are kept outside the repository)",
)

# \u2011 is a non-breaking hyphen: it looks like "-" but is another character.
DOCUMENT = (
    "The Wall Street Journal reported that Russia provided Iran\u2011backed rebels with\n"
    "targeting data,   in addition to “prior shipments” of small arms. Officials’ "
    "comments were brief.\n"
)


def verify(*args):
    """Run the command; return (output, error or None)."""
    out = StringIO()
    try:
        call_command("verify_citations", *[str(arg) for arg in args], stdout=out, stderr=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


@pytest.fixture
def documents(tmp_path):
    (tmp_path / "wsj-note.txt").write_text(DOCUMENT, encoding="utf-8")
    return tmp_path


@pytest.fixture
def source():
    return SourceFactory(slug="wsj-note", document_key="wsj-note")


# --- the real seed ----------------------------------------------------------------


@needs_seed_documents
def test_the_fixture_stores_the_seed_documents_exactly():
    import hashlib
    import json

    stored = [
        obj["fields"]
        for obj in json.loads(SEED_FIXTURE.read_text(encoding="utf-8"))
        if obj["model"] == "sources.sourcetext"
    ]
    assert len(stored) == 5
    for fields in stored:
        on_disk = (SEED_DOCUMENTS / fields["retrieved_from"].removeprefix("seeds/")).read_bytes()
        assert fields["text"].encode("utf-8") == on_disk
        assert fields["sha256"] == hashlib.sha256(on_disk).hexdigest()


@needs_seed_documents
def test_every_seed_citation_occurs_in_its_seed_document():
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
    count = Citation.objects.count()

    output, error = verify(SEED_DOCUMENTS)

    assert error is None, output
    assert f"checked {count} citations: {count} ok, 0 failed" in output


@needs_seed_documents
def test_an_altered_seed_quote_fails_and_is_reported():
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
    citation = Citation.objects.filter(quote__contains="never confirmed").order_by("pk").first()
    citation.quote = citation.quote.replace("never confirmed", "confirmed")
    citation.save()

    output, error = verify(SEED_DOCUMENTS)

    assert error is not None and error.returncode != 0
    assert f"citation #{citation.pk}, source {citation.source.slug}" in output
    assert f"transfer {citation.transfer.slug}" in output
    assert "“While officials confirmed whether Wagner" in output
    count = Citation.objects.count()
    assert f"checked {count} citations: {count - 1} ok, 1 failed" in output


# --- failures -------------------------------------------------------------------


def test_a_quote_that_is_not_in_the_document_fails_with_the_quote_reported(documents, source):
    good = CitationFactory(source=source, quote="Russia provided Iran\u2011backed rebels with")
    bad = CitationFactory(source=source, quote="Russia provided the rebels with missiles.")

    output, error = verify(documents)

    assert error is not None and error.returncode != 0
    assert "1 of 2 citations could not be verified" in str(error)
    assert f"citation #{bad.pk}, source wsj-note, transfer {bad.transfer.slug}" in output
    assert "the quote does not occur in wsj-note" in output
    assert "“Russia provided the rebels with missiles.”" in output
    assert f"citation #{good.pk}," not in output
    assert "checked 2 citations: 1 ok, 1 failed" in output


def test_a_long_bad_quote_is_reported_by_its_start(documents, source):
    CitationFactory(source=source, quote="Officials said " + "a great deal " * 20)

    output, error = verify(documents)

    assert error is not None
    assert "quote: “Officials said a great deal a great deal a great deal a gre…”" in output


def test_a_missing_document_fails_with_a_clear_message(tmp_path):
    citation = CitationFactory(source=SourceFactory(slug="lost", document_key="lost-doc"))

    output, error = verify(tmp_path)

    assert error is not None
    assert f"citation #{citation.pk}, source lost" in output
    assert "document not found" in output and "lost-doc.txt" in output
    assert "checked 1 citations: 0 ok, 1 failed" in output


def test_a_source_without_document_key_fails_with_a_clear_message(tmp_path):
    citation = CitationFactory(source=SourceFactory(slug="no-key", document_key=""))

    output, error = verify(tmp_path)

    assert error is not None
    assert f"citation #{citation.pk}, source no-key" in output
    assert "has no document_key" in output


def test_a_document_key_cannot_reach_outside_the_folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("Officials said shipment 1 had arrived.")
    CitationFactory(source=SourceFactory(document_key="../secret"), quote="Officials said shipment")

    output, error = verify(folder)

    assert error is not None
    assert "is not a plain file name" in output


def test_a_folder_that_does_not_exist_is_a_command_error(tmp_path):
    CitationFactory()
    with pytest.raises(CommandError, match="does not exist"):
        call_command("verify_citations", str(tmp_path / "nowhere"), stdout=StringIO())


def test_a_file_instead_of_a_folder_is_a_command_error(documents):
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("verify_citations", str(documents / "wsj-note.txt"), stdout=StringIO())


def test_without_a_folder_the_seed_is_checked_against_its_stored_texts():
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)
    out = StringIO()
    call_command("verify_citations", stdout=out)
    assert "checked 65 citations: 65 ok, 0 failed" in out.getvalue()


# --- what counts as the same quote -------------------------------------------------


@pytest.mark.parametrize(
    "quote",
    [
        pytest.param(
            "Russia provided Iran\u2011backed rebels with\ntargeting data,   in addition to",
            id="exact",
        ),
        pytest.param(
            "Russia provided Iran\u2011backed rebels with targeting data, in addition to",
            id="line break and run of spaces as one space",
        ),
        pytest.param(
            "  rebels  with \t targeting\r\ndata,\u00a0in addition  ", id="tabs, nbsp, ends"
        ),
        pytest.param('in addition to "prior shipments" of small arms', id="straight doubles"),
        pytest.param("Officials' comments were brief.", id="straight apostrophe"),
        pytest.param("Officials‘ comments", id="either single typographic quote"),
        pytest.param("to ”prior shipments“ of", id="either double typographic quote"),
    ],
)
def test_whitespace_and_typographic_quotes_are_normalised(documents, source, quote):
    CitationFactory(source=source, quote=quote)

    output, error = verify(documents)

    assert error is None, output
    assert "checked 1 citations: 1 ok, 0 failed" in output


@pytest.mark.parametrize(
    "quote",
    [
        pytest.param("russia provided Iran\u2011backed rebels", id="case"),
        pytest.param("Russia provided Iran-backed rebels", id="hyphen for non-breaking hyphen"),
        pytest.param("targeting data in addition to", id="comma dropped"),
        pytest.param("Russia provided Iranbacked rebels", id="hyphen dropped"),
        pytest.param("Russia provided rebels with", id="word dropped"),
        pytest.param("in addition to «prior shipments» of", id="guillemets"),
        pytest.param("in addition to `prior shipments` of", id="backticks"),
        pytest.param("Officials comments were brief.", id="apostrophe dropped"),
        pytest.param("comments were brief…", id="ellipsis for full stop"),
        pytest.param("targetingdata", id="whitespace removed, not collapsed"),
    ],
)
def test_any_other_change_to_the_quote_fails(documents, source, quote):
    CitationFactory(source=source, quote=quote)

    output, error = verify(documents)

    assert error is not None, output
    assert "checked 1 citations: 0 ok, 1 failed" in output


def test_a_document_may_be_named_by_its_key_without_txt(tmp_path):
    (tmp_path / "bulletin").write_text("Deliveries resumed in May.", encoding="utf-8")
    CitationFactory(source=SourceFactory(document_key="bulletin"), quote="Deliveries resumed")

    output, error = verify(tmp_path)

    assert error is None, output


# --- restricting to a source --------------------------------------------------------


def test_source_option_checks_only_that_sources_citations(documents, source):
    CitationFactory(source=source, quote="targeting data")
    CitationFactory(source=SourceFactory(slug="elsewhere", document_key="missing"))

    output, error = verify(documents, "--source", "wsj-note")
    assert error is None, output
    assert "checked 1 citations: 1 ok, 0 failed" in output

    output, error = verify(documents)
    assert error is not None
    assert "checked 2 citations: 1 ok, 1 failed" in output


def test_source_option_with_an_unknown_slug_is_a_command_error(documents, source):
    with pytest.raises(CommandError, match="No source with slug nope"):
        call_command("verify_citations", str(documents), "--source", "nope", stdout=StringIO())
