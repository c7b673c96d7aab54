"""The full-text index carries the facet tokens, and on SQLite prefix indexes
(ikoe/exchange/fts.py, docs/performance.md "Exchange search")."""

from django.db import migrations

from ikoe.exchange.fts import create_faceted_index, drop_faceted_index


class Migration(migrations.Migration):
    dependencies = [("exchange", "0003_facet_index")]

    operations = [migrations.RunPython(create_faceted_index, drop_faceted_index)]
