"""The models moved to organisations, benchmarks and surveys: drop them from this app's state.

Their tables stay; the apps that took the models over adopted and renamed them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0005_survey_release"),
        ("organisations", "0001_initial"),
        ("benchmarks", "0001_initial"),
        ("surveys", "0001_initial"),
        ("accounts", "0002_alter_membership_agency_alter_membership_land"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="IndicatorCell"),
                migrations.DeleteModel(name="SurveyRelease"),
                migrations.DeleteModel(name="Survey"),
                migrations.DeleteModel(name="Benchmark"),
                migrations.DeleteModel(name="BenchmarkDataset"),
                migrations.DeleteModel(name="Organisation"),
            ],
        ),
    ]
