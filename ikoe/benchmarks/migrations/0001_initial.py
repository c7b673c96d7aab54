"""The benchmarks app takes over the tables the monitoring app created (same columns)."""


import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0005_survey_release'),
    ]

    operations = [
        # The tables exist (created by the monitoring app, whose models moved here): adopt
        # them in this app's state, then give them this app's names.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BenchmarkDataset',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, unique=True, verbose_name='name')),
                        ('title', models.CharField(blank=True, max_length=500, verbose_name='title')),
                        ('format', models.CharField(choices=[('csv', 'CSV'), ('genesis', 'GENESIS-Online table'), ('genesis-flat', 'GENESIS-Online flat file')], max_length=16, verbose_name='format')),
                        ('file_name', models.CharField(max_length=255, verbose_name='file name')),
                        ('sha256', models.CharField(max_length=64, verbose_name='checksum (SHA-256)')),
                        ('source', models.TextField(blank=True, verbose_name='source')),
                        ('imported_at', models.DateTimeField(auto_now=True, verbose_name='imported at')),
                    ],
                    options={
                        'db_table': 'monitoring_benchmarkdataset',
                        'verbose_name': 'benchmark dataset',
                        'verbose_name_plural': 'benchmark datasets',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Benchmark',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('region_code', models.CharField(db_index=True, max_length=16, verbose_name='region code')),
                        ('region_name', models.CharField(max_length=100, verbose_name='region')),
                        ('year', models.IntegerField(blank=True, db_index=True, null=True, verbose_name='year')),
                        ('period', models.CharField(blank=True, max_length=40, verbose_name='period')),
                        ('measure', models.CharField(db_index=True, max_length=200, verbose_name='measure')),
                        ('measure_label', models.CharField(blank=True, max_length=300, verbose_name='measure (label)')),
                        ('definition', models.CharField(blank=True, max_length=100, verbose_name='definition')),
                        ('classification', models.JSONField(blank=True, default=dict, verbose_name='classification')),
                        ('unit', models.CharField(blank=True, max_length=40, verbose_name='unit')),
                        ('value', models.FloatField(blank=True, null=True, verbose_name='value')),
                        ('symbol', models.CharField(blank=True, max_length=8, verbose_name='symbol')),
                        ('derived', models.BooleanField(default=False, verbose_name='derived')),
                        ('source', models.TextField(blank=True, verbose_name='source')),
                        ('dataset', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rows', to='benchmarks.benchmarkdataset', verbose_name='dataset')),
                    ],
                    options={
                        'db_table': 'monitoring_benchmark',
                        'verbose_name': 'benchmark',
                        'verbose_name_plural': 'benchmarks',
                        'ordering': ['measure', 'definition', 'year', 'region_code'],
                        'indexes': [models.Index(fields=['measure', 'definition', 'year'], name='monitoring__measure_70e626_idx')],
                    },
                ),
            ],
        ),
        migrations.AlterModelTable(name='benchmarkdataset', table=None),
        migrations.AlterModelTable(name='benchmark', table=None),
        migrations.RenameIndex(
            model_name='benchmark', new_name='benchmarks__measure_314ff4_idx', old_name='monitoring__measure_70e626_idx'
        ),
    ]
