"""Joint evaluation (联评联考) in the Django admin: scoped, every write through apps.insights.services.

Who sees what (apps.organizations.scoping): a scheme by its region and by those it evaluates (a
county sees the city's scheme through its own row); an evaluation and its scores by the region or
organization evaluated. Anything else is absent from every changelist, filter and export (404).

A scheme is drafted through scheme_create, its indicators through the inline (indicator_add,
indicator_update, indicator_remove) while it is a draft; a draft's year, name and notes through scheme_update.
Changelist actions publish, recompute, close and copy it to the next year; only a draft is deleted.
Evaluations and formula scores are read, each score with the figures behind it; a manual score is
given on its page (score_manual). Rankings export to xlsx, a column per indicator (resources.py).
"""

from apps.insights.admin import evaluations, schemes, summaries  # noqa: F401 — each registers its models
