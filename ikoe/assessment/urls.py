"""The IKÖ-Check: questionnaires, filling in, results, comparisons (``assessment:…``)."""

app_name = "assessment"

urlpatterns: list = []
