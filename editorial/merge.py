"""The parts of merging two duplicate records that do not depend on their type."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from common.concurrency import ConcurrentChange

from .models import MergeRecord


def check_mergeable(keep, duplicate):
    if keep.pk == duplicate.pk:
        raise ValidationError("A record cannot be merged into itself.")
    if type(keep) is not type(duplicate):
        raise ValidationError("Only records of one type can be merged.")


def lock_pair(keep, duplicate):
    """Both records as stored, locked until the merge commits, or
    ConcurrentChange if another write merged or deleted one meanwhile.

    Locked in id order, so two merges of one pair (either way round) take
    turns instead of deadlocking; the survivor with FOR NO KEY UPDATE, which
    lets others go on referring to it (their foreign-key checks) meanwhile.
    """
    model = type(keep)
    found = {}
    for record in sorted([keep, duplicate], key=lambda record: record.pk):
        rows = model.objects.select_for_update(no_key=record is keep).filter(pk=record.pk)
        found[record.pk] = rows.first()
    missing = [str(record) for record in (keep, duplicate) if found[record.pk] is None]
    if missing:
        raise ConcurrentChange(
            f"{' and '.join(missing)} was merged or deleted by another write meanwhile; "
            "reload the list and choose again."
        )
    return found[keep.pk], found[duplicate.pk]


def absorb_names(keep, duplicate, *, name_field):
    """The duplicate's name and aliases become the survivor's aliases."""
    own = {getattr(keep, name_field).casefold(), *(alias.casefold() for alias in keep.aliases)}
    for name in [getattr(duplicate, name_field), *duplicate.aliases]:
        if name.strip() and name.casefold() not in own:
            keep.aliases.append(name)
            own.add(name.casefold())


def fill_blanks(keep, duplicate, fields):
    """Copy what the survivor lacks from the duplicate; append a differing description."""
    for field in fields:
        if not getattr(keep, field) and getattr(duplicate, field):
            setattr(keep, field, getattr(duplicate, field))
    if duplicate.description and duplicate.description not in keep.description:
        label = str(duplicate)
        keep.description = (
            f"{keep.description}\n\nFrom the merged record {label}: {duplicate.description}"
            if keep.description
            else duplicate.description
        )


def retire(duplicate, keep, *, user, reason):
    """Delete the duplicate, leaving a record that redirects its id and slug."""
    content_type = ContentType.objects.get_for_model(type(keep))
    # Records merged into the duplicate earlier now lead to the survivor.
    MergeRecord.objects.filter(content_type=content_type, survivor_id=duplicate.pk).update(
        survivor_id=keep.pk
    )
    MergeRecord.objects.create(
        content_type=content_type,
        old_id=duplicate.pk,
        old_slug=duplicate.slug,
        survivor_id=keep.pk,
        merged_by=user if user and user.is_authenticated else None,
        reason=reason,
    )
    duplicate._change_reason = reason
    duplicate.delete()
