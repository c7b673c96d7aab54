"""The organisations app takes over the tables the monitoring app created (same columns)."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    # accounts.0001 points its foreign keys at the table under its old name: it must run
    # before the table is renamed here (PostgreSQL adds the constraints at its end).
    dependencies = [
        ('monitoring', '0005_survey_release'),
        ('accounts', '0001_initial'),
    ]

    operations = [
        # The tables exist (created by the monitoring app, whose models moved here): adopt
        # them in this app's state, then give them this app's names.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=64, unique=True, verbose_name='code')),
                        ('name', models.CharField(max_length=255, verbose_name='name')),
                        ('kind', models.CharField(choices=[('land', 'Land'), ('ministry', 'Ministry'), ('agency', 'Agency'), ('unit', 'Unit')], max_length=16, verbose_name='kind')),
                        ('land', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organisations.organisation', verbose_name='Land')),
                        ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='organisations.organisation', verbose_name='parent')),
                    ],
                    options={
                        'db_table': 'monitoring_organisation',
                        'verbose_name': 'organisation',
                        'verbose_name_plural': 'organisations',
                        'ordering': ['code'],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='organisation', table=None),
    ]
