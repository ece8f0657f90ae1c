"""Joint evaluation in spreadsheets (xlsx, csv), export only: a ranking, one row per evaluation and
one column per indicator's points.

The rows are the admin changelist's (its filters and search, in its order), read again through
the user's scope. Exported across several schemes, indicators of the same name share a column
(next year's copy keeps the names, so the years line up) and a scheme without that indicator
leaves the cell empty, as does a manual score not given yet.
"""

from __future__ import annotations

import tablib
from django.db.models import Prefetch, QuerySet
from import_export import fields, widgets

from apps.insights.models import Evaluation, Score
from apps.organizations.resources.cobuilding import ExportResource
from apps.organizations.scoping import scoped

COUNT = widgets.IntegerWidget()
POINTS = widgets.DecimalWidget()
INDICATOR_COLUMNS = "各指标得分（每个指标一列）"


class EvaluationRankingResource(ExportResource):
    scheme = fields.Field(attribute="scheme__name", column_name="方案")
    year = fields.Field(attribute="scheme__year", column_name="年度", widget=COUNT)
    scheme_region = fields.Field(attribute="scheme__region__name", column_name="考评区划")
    rank = fields.Field(attribute="rank", column_name="名次", widget=COUNT)
    subject = fields.Field(attribute="subject_name", column_name="考评对象")
    code = fields.Field(column_name="区划代码")
    total = fields.Field(attribute="total", column_name="总分", widget=POINTS)
    manual_pending = fields.Field(attribute="manual_pending", column_name="待人工评分项", widget=COUNT)

    class Meta:
        model = Evaluation
        name = "联评联考排名"
        fields = ("scheme", "year", "scheme_region", "rank", "subject", "code", "total", "manual_pending")
        export_order = fields

    def listed(self) -> QuerySet:
        scores = Score.objects.select_related("indicator").order_by("indicator__position", "indicator_id")
        return (
            scoped(Evaluation.objects.all(), self.actor)
            .select_related("scheme__region", "region", "organization__region")
            .prefetch_related(Prefetch("scores", queryset=scores))
            .order_by("-scheme__year", "scheme__name", "scheme_id", "rank", "id")
        )

    def dehydrate_code(self, row: Evaluation) -> str:
        return (row.region or row.organization.region).code

    def get_export_headers(self, selected_fields=None):
        # What the export page lists: the fixed columns, then a word for the indicators', which
        # depend on the rows exported.
        return [*self.fixed_headers(selected_fields), INDICATOR_COLUMNS]

    def fixed_headers(self, selected_fields=None) -> list[str]:
        return super().get_export_headers(selected_fields)

    def export(self, queryset=None, **kwargs):
        self.before_export(queryset, **kwargs)
        rows = list(self.filter_export(self.get_queryset() if queryset is None else queryset, **kwargs))
        columns: dict[str, None] = {}  # indicator names, in the order of the first scheme having each
        for row in rows:
            columns.update((score.indicator.name, None) for score in row.scores.all())
        selected = kwargs.get("export_fields")
        dataset = tablib.Dataset(headers=[*self.fixed_headers(selected), *columns])
        for row in rows:
            points = {score.indicator.name: score.points for score in row.scores.all()}
            cells = self.export_resource(row, selected_fields=selected, **kwargs)
            dataset.append([*cells, *(points.get(name) for name in columns)])
        self.after_export(queryset, dataset, **kwargs)
        return dataset
