"""The surveys app takes over the tables the monitoring app created (same columns)."""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0005_survey_release'),
        ('organisations', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tables exist (created by the monitoring app, whose models moved here): adopt
        # them in this app's state, then give them this app's names.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Survey',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.SlugField(max_length=100, unique=True, verbose_name='name')),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                        ('population', models.CharField(blank=True, help_text='Surveys of the same population in different years form a trend.', max_length=200, verbose_name='surveyed population')),
                        ('fieldwork', models.CharField(blank=True, max_length=100, verbose_name='fieldwork period')),
                        ('population_size', models.PositiveIntegerField(blank=True, null=True, verbose_name='staff in the surveyed population')),
                        ('respondents', models.PositiveIntegerField(verbose_name='respondents')),
                        ('weighted', models.BooleanField(default=False, verbose_name='weighted to personnel totals')),
                        ('synthetic', models.BooleanField(default=False, help_text='Generated data for trying the platform out.', verbose_name='synthetic demo data')),
                        ('published', models.BooleanField(default=False, help_text="Set by the Land's coordinator.", verbose_name='released for the public')),
                        ('snapshot', models.CharField(editable=False, max_length=300, verbose_name='snapshot file')),
                        ('totals_snapshot', models.CharField(blank=True, editable=False, max_length=300, verbose_name='personnel totals file')),
                        ('snapshot_sha256', models.CharField(editable=False, max_length=64)),
                        ('mapping', models.JSONField(blank=True, default=dict, verbose_name='column mapping')),
                        ('diagnostics', models.JSONField(blank=True, default=dict, editable=False, verbose_name='import diagnostics')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='imported at')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='imported by')),
                        ('land', models.ForeignKey(limit_choices_to={'kind': 'land'}, on_delete=django.db.models.deletion.PROTECT, related_name='surveys', to='organisations.organisation', verbose_name='Land')),
                    ],
                    options={
                        'db_table': 'monitoring_survey',
                        'verbose_name': 'staff survey',
                        'verbose_name_plural': 'staff surveys',
                        'ordering': ['land__code', '-year', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='SurveyRelease',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('survey_name', models.CharField(max_length=100, verbose_name='short name of the survey')),
                        ('action', models.CharField(choices=[('release', 'released'), ('withdraw', 'release withdrawn')], max_length=16, verbose_name='action')),
                        ('channel', models.CharField(choices=[('page', 'release page'), ('command', 'command line'), ('import', 'import')], max_length=16, verbose_name='done through')),
                        ('username', models.CharField(blank=True, max_length=150, verbose_name='who')),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='when')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('survey', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='releases', to='surveys.survey', verbose_name='staff survey')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
                    ],
                    options={
                        'db_table': 'monitoring_surveyrelease',
                        'verbose_name': 'survey release',
                        'verbose_name_plural': 'survey releases',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='IndicatorCell',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('table', models.CharField(max_length=200, verbose_name='table')),
                        ('definition', models.CharField(max_length=40, verbose_name='definition')),
                        ('weighted', models.BooleanField(default=False, verbose_name='weighted')),
                        ('dims', models.JSONField(default=dict, verbose_name='dimensions')),
                        ('respondents', models.PositiveIntegerField(blank=True, null=True, verbose_name='respondents')),
                        ('declared', models.PositiveIntegerField(blank=True, null=True, verbose_name='declared')),
                        ('yes', models.PositiveIntegerField(blank=True, null=True, verbose_name='with migration background')),
                        ('share', models.FloatField(blank=True, null=True, verbose_name='share')),
                        ('se', models.FloatField(blank=True, null=True, verbose_name='standard error')),
                        ('ci_low', models.FloatField(blank=True, null=True)),
                        ('ci_high', models.FloatField(blank=True, null=True)),
                        ('headcount', models.FloatField(blank=True, null=True, verbose_name='staff (head count)')),
                        ('effective_n', models.FloatField(blank=True, null=True, verbose_name='effective number of declared respondents')),
                        ('status', models.CharField(choices=[('published', 'published'), ('primary', 'suppressed (primary)'), ('secondary', 'suppressed (secondary)')], max_length=12, verbose_name='status')),
                        ('symbol', models.CharField(blank=True, max_length=4, verbose_name='symbol')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='reason')),
                        ('survey', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cells', to='surveys.survey')),
                    ],
                    options={
                        'db_table': 'monitoring_indicatorcell',
                        'verbose_name': 'indicator cell',
                        'verbose_name_plural': 'indicator cells',
                        'indexes': [models.Index(fields=['survey', 'table', 'definition', 'weighted'], name='monitoring__survey__5ec50e_idx')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='survey', table=None),
        migrations.AlterModelTable(name='surveyrelease', table=None),
        migrations.AlterModelTable(name='indicatorcell', table=None),
        migrations.RenameIndex(
            model_name='indicatorcell', new_name='surveys_ind_survey__d2d287_idx', old_name='monitoring__survey__5ec50e_idx'
        ),
    ]
