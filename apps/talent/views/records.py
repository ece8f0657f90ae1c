"""Training hours: who is behind the yearly requirement, and one cadre's training record for a year."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.core.access import signed_in
from apps.core.pagination import BoundedCountPaginator
from apps.organizations.views import PAGE_SIZE, render_results
from apps.talent import selectors
from apps.talent.forms import TrainingListForm, YearForm
from apps.talent.selectors import ZERO, people_in_reach


@signed_in
def cadre_training_list(request: HttpRequest) -> HttpResponse:
    """Cadres in scope with their hours in the year (newest records or fewest hours first); `behind` keeps
    those under the requirement."""
    form = TrainingListForm(request.GET)
    year, behind_only, search = form.values()
    cadres = selectors.cadre_training_list(
        user=request.user, year=year, behind_only=behind_only, order=form.chosen_order
    )
    if search:
        cadres = cadres.filter(name__contains=search)
    required = selectors.required_hours(year)
    paginator = BoundedCountPaginator(cadres, PAGE_SIZE)
    if not search and not behind_only:
        paginator.count = selectors.cadre_count(user=request.user, year=year)
    page = paginator.get_page(request.GET.get("page"))
    pages = {"page": page, "page_numbers": list(paginator.get_elided_page_range(page.number))}
    rows = [
        (person, max(required - person.year_hours, ZERO), min(int(person.year_hours * 100 / required), 100))
        for person in pages["page"].object_list
    ]
    return render_results(
        request,
        page_template="talent/cadre_list.html",
        results_template="talent/_cadre_results.html",
        target="cadre-results",
        context={"form": form, "year": year, "required": required, "rows": rows, **pages},
    )


@signed_in
def cadre_training_record(request: HttpRequest, pk: int) -> HttpResponse:
    """One cadre's year: the courses with the hours earned in each, the certificates, against the requirement."""
    person = get_object_or_404(people_in_reach(request.user).select_related("region"), pk=pk)
    form = YearForm(request.GET)
    record = selectors.cadre_training_record(user=request.user, person=person, year=form.chosen_year)
    return render(request, "talent/cadre_record.html", {"form": form, "person": person, "record": record})
