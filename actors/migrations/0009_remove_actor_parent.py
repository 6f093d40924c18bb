# Actor.parent and Actor.parent_relation gave way to ActorRelation; their
# values were carried over by 0008_actor_parent_to_relations.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('actors', '0008_actor_parent_to_relations'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='actor',
            name='actors_actor_not_own_parent',
        ),
        migrations.RemoveConstraint(
            model_name='actor',
            name='actors_actor_parent_has_relation',
        ),
        migrations.RemoveConstraint(
            model_name='actor',
            name='actors_actor_parent_relation_valid',
        ),
        migrations.RemoveField(
            model_name='actor',
            name='parent',
        ),
        migrations.RemoveField(
            model_name='actor',
            name='parent_relation',
        ),
        migrations.RemoveField(
            model_name='historicalactor',
            name='parent',
        ),
        migrations.RemoveField(
            model_name='historicalactor',
            name='parent_relation',
        ),
    ]
