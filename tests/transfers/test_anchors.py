"""Citations anchored in their source's stored text (transfers.anchors),
stored texts that never change (sources.models.SourceText), and checking
them from the database alone (verify_citations, the audit)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction

from sources.factories import SourceFactory, SourceTextFactory
from sources.models import SourceText
from sources.services import source_text_add
from transfers.audit import run_audit
from transfers.choices import AnchorState
from transfers.factories import CitationFactory, TransferFactory
from transfers.models import Citation

pytestmark = pytest.mark.django_db

TEXT = (
    "Moscow sends drones\n\n"
    "Officials said on Monday that Russia had sent drones to Iran by sea.\n\n"
    "A second paragraph repeats it: Russia had sent drones to Iran, they said again.\n"
)
QUOTE = "Russia had sent drones to Iran by sea"


def cite(source, quote=QUOTE, **fields):
    citation = Citation(
        source=source,
        transfer=fields.pop("transfer", None) or TransferFactory(),
        quote=quote,
        **fields,
    )
    citation.full_clean()
    citation.save()
    return citation


@pytest.fixture
def source():
    return SourceTextFactory(text=TEXT).source


def test_a_quote_is_anchored_where_it_stands(source):
    citation = cite(source)
    document = source.current_text
    assert citation.document == document
    assert document.text[citation.start : citation.end] == QUOTE
    assert citation.prefix == TEXT[: citation.start][-32:]
    assert citation.suffix == TEXT[citation.end : citation.end + 32]
    assert citation.anchor_state == AnchorState.ANCHORED
    assert citation.location == "paragraph 1"


def test_a_quote_that_is_not_in_the_text_is_refused(source):
    with pytest.raises(ValidationError) as refused:
        cite(source, quote="Russia had sent tanks to Iran")
    assert "does not occur in the stored text" in str(refused.value.message_dict["quote"])
    assert not Citation.objects.exists()


def test_a_quote_that_occurs_twice_needs_its_place(source):
    with pytest.raises(ValidationError) as refused:
        cite(source, quote="Russia had sent drones to Iran")
    assert "occurs 2 times" in str(refused.value.message_dict["quote"])
    second = TEXT.rindex("Russia had sent drones to Iran")
    citation = cite(source, quote="Russia had sent drones to Iran", start=second, end=second + 30)
    assert (citation.start, citation.location) == (second, "paragraph 2")


def test_offsets_fill_in_an_empty_quote_and_refuse_a_different_one(source):
    start = TEXT.index(QUOTE)
    citation = cite(source, quote="", start=start, end=start + len(QUOTE))
    assert citation.quote == QUOTE
    with pytest.raises(ValidationError) as refused:
        cite(source, quote="Russia had sent drones", start=start, end=start + len(QUOTE))
    assert "is not what stands at" in str(refused.value.message_dict["quote"])
    with pytest.raises(ValidationError) as refused:
        cite(source, quote="", start=start, end=len(TEXT) + 5)
    assert "is not a passage" in str(refused.value.message_dict["end"])


def test_a_source_without_a_stored_text_keeps_unanchored_quotes():
    source = SourceFactory()
    citation = cite(source, quote="Anything the editor copied.")
    assert citation.anchor_state == AnchorState.UNANCHORED and citation.document is None
    with pytest.raises(ValidationError) as refused:
        cite(source, quote="Anything", start=0, end=8)
    assert "no stored text" in str(refused.value.message_dict["start"])


def test_editing_the_quote_looks_for_it_again(source):
    citation = Citation.objects.get(pk=cite(source).pk)
    citation.quote = "Officials said on Monday"
    citation.full_clean()
    citation.save()
    citation.refresh_from_db()
    assert (citation.start, citation.end) == (TEXT.index("Officials"), TEXT.index("Officials") + 24)


def test_the_database_refuses_an_anchor_without_offsets(source):
    citation = cite(source)
    with pytest.raises(DatabaseError), transaction.atomic():
        Citation.objects.filter(pk=citation.pk).update(start=None)
    with pytest.raises(DatabaseError), transaction.atomic():
        Citation.objects.filter(pk=citation.pk).update(end=citation.start)


def test_a_stored_text_never_changes(source):
    document = source.current_text
    document.text = TEXT.replace("Monday", "Tuesday")
    with pytest.raises(ValidationError):
        document.save()
    # Nor behind the model's back: the database refuses too.
    with pytest.raises(DatabaseError), transaction.atomic():
        SourceText.objects.filter(pk=document.pk).update(text="Rewritten.")
    assert SourceText.objects.get(pk=document.pk).text == TEXT


def test_the_same_text_again_is_not_a_new_version(source):
    document, created = source_text_add(source, TEXT)
    assert not created and document.version == 1


def test_a_new_version_reanchors_its_citations_and_orphans_what_is_gone(source):
    kept = cite(source)
    gone = cite(source, quote="Officials said on Monday")
    corrected = "Correction: a date was wrong.\n\n" + TEXT.replace(
        "Officials said on Monday", "Officials said on Tuesday"
    )
    document, created = source_text_add(source, corrected, note="The day was wrong.")
    assert created and document.version == 2
    kept.refresh_from_db()
    gone.refresh_from_db()
    assert kept.document == document and kept.anchor_state == AnchorState.ANCHORED
    assert corrected[kept.start : kept.end] == QUOTE
    assert gone.anchor_state == AnchorState.ORPHANED
    assert gone.document.version == 1
    assert gone.document.text[gone.start : gone.end] == gone.quote  # still true where it stood
    assert kept.history.first().history_change_reason == "Re-anchored in version 2 of the text"
    assert gone.history.first().history_change_reason.startswith("Orphaned")
    assert SourceText.objects.filter(source=source).count() == 2  # the old version is kept

    findings = {(f.check, f.object_id) for f in run_audit()}
    assert ("citation_orphaned", gone.pk) in findings
    with pytest.raises(CommandError, match="1 of 2 citations"):
        call_command("verify_citations")

    # The editor fixes the orphan: the quote as the new text has it.
    gone.quote = "Officials said on Tuesday"
    gone.full_clean()
    gone.save()
    assert gone.document == document and gone.anchor_state == AnchorState.ANCHORED
    call_command("verify_citations")


def test_a_new_version_chooses_the_occurrence_by_context(source):
    first = TEXT.index("Russia had sent drones to Iran")
    citation = cite(source, quote="Russia had sent drones to Iran", start=first, end=first + 30)
    # Both occurrences survive; a paragraph is added before them.
    corrected = "An added first paragraph, long enough to be body text here.\n\n" + TEXT
    document, _ = source_text_add(source, corrected)
    citation.refresh_from_db()
    assert citation.start == corrected.index("Russia had sent drones to Iran by sea")
    assert citation.location == "paragraph 2"


def test_verify_citations_from_the_database_alone(source, capsys):
    cite(source)
    CitationFactory(quote="Not anchored anywhere.")  # a source with no stored text
    with pytest.raises(
        CommandError, match="1 of 2 citations could not be verified against the stored texts"
    ):
        call_command("verify_citations")
    out = capsys.readouterr().out
    assert "the source has no stored text" in out


def test_the_audit_finds_a_broken_anchor(source):
    citation = cite(source)
    # A write that went around the models (the rule is in clean()).
    Citation.objects.filter(pk=citation.pk).update(quote="Something else")
    findings = {(f.check, f.object_id) for f in run_audit()}
    assert ("citation_off_anchor", citation.pk) in findings
    with pytest.raises(CommandError):
        call_command("verify_citations")


def test_deleting_a_cited_text_is_refused(source):
    cite(source)
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        source.current_text.delete()


def test_a_first_text_anchors_the_citations_made_before_it():
    source = SourceFactory()
    found = cite(source, quote=QUOTE)
    missing = cite(source, quote="Words the text does not have.")
    source_text_add(source, TEXT)
    found.refresh_from_db()
    missing.refresh_from_db()
    assert found.anchor_state == AnchorState.ANCHORED and TEXT[found.start : found.end] == QUOTE
    assert missing.anchor_state == AnchorState.UNANCHORED
    # Still editable: its quote is left alone, and the audit lists it.
    missing.note = "To check against the text."
    missing.full_clean()
    missing.save()
    assert ("citation_not_anchored", missing.pk) in {(f.check, f.object_id) for f in run_audit()}
    # A changed quote, though, must be in the text.
    missing.quote = "Other words the text does not have."
    with pytest.raises(ValidationError):
        missing.full_clean()
