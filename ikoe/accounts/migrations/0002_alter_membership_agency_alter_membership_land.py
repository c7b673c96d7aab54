"""Memberships name organisations of the organisations app (same table, new app)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('organisations', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='membership',
            name='agency',
            field=models.ForeignKey(blank=True, help_text='Empty: the whole Land.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='agency_memberships', to='organisations.organisation', verbose_name='agency'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='land',
            field=models.ForeignKey(blank=True, help_text='Empty only for federal coordinators and administrators.', limit_choices_to={'kind': 'land'}, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='land_memberships', to='organisations.organisation', verbose_name='Land'),
        ),
    ]
