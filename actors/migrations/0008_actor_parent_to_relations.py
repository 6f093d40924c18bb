"""Each actor's parent becomes a relation of the same kind ("IRGC part of
Iran", "Hezbollah sponsored by Iran"), undated, before the parent fields go
(0009_remove_actor_parent). The relation's history starts with a version
that says where it came from."""

from django.db import migrations
from django.utils import timezone

#: parent_relation → ActorRelation.kind (the same words).
KIND_OF_PARENT_RELATION = {
    "part_of": "part_of",
    "sponsored_by": "sponsored_by",
    "affiliated_with": "affiliated_with",
}
REASON = "Carried over from the actor's former parent"


def parents_to_relations(apps, schema_editor):
    Actor = apps.get_model("actors", "Actor")
    ActorRelation = apps.get_model("actors", "ActorRelation")
    HistoricalActorRelation = apps.get_model("actors", "HistoricalActorRelation")
    db = schema_editor.connection.alias
    now = timezone.now()
    with_parent = (
        Actor.objects.using(db).filter(parent__isnull=False).order_by("pk").values_list(
            "pk", "parent_id", "parent_relation"
        )
    )
    for actor_id, parent_id, parent_relation in with_parent:
        # The database refused a parent without a relation; "affiliated
        # with" is the least the link says, should one have slipped in.
        kind = KIND_OF_PARENT_RELATION.get(parent_relation, "affiliated_with")
        relation = ActorRelation.objects.using(db).create(
            actor_id=actor_id, kind=kind, related_id=parent_id, created=now, updated=now
        )
        HistoricalActorRelation.objects.using(db).create(
            id=relation.pk,
            actor_id=actor_id,
            kind=kind,
            related_id=parent_id,
            start_date=None,
            start_date_precision="",
            end_date=None,
            end_date_precision="",
            note="",
            created=now,
            updated=now,
            history_date=now,
            history_type="+",
            history_change_reason=REASON,
        )


def relations_to_parents(apps, schema_editor):
    """Back: an actor's first undated-or-earliest relation of a parent's kind
    becomes its parent again (a parent was one; the rest are lost)."""
    Actor = apps.get_model("actors", "Actor")
    ActorRelation = apps.get_model("actors", "ActorRelation")
    db = schema_editor.connection.alias
    done = set()
    relations = (
        ActorRelation.objects.using(db)
        .filter(kind__in=KIND_OF_PARENT_RELATION.values())
        .order_by("actor_id", "start_date", "pk")
    )
    for relation in relations:
        if relation.actor_id in done:
            continue
        done.add(relation.actor_id)
        Actor.objects.using(db).filter(pk=relation.actor_id).update(
            parent_id=relation.related_id, parent_relation=relation.kind
        )
    ActorRelation.objects.using(db).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("actors", "0007_actor_relation"),
    ]

    operations = [
        migrations.RunPython(parents_to_relations, relations_to_parents),
    ]
