"""Content negotiation remembers its answers (apps.core.negotiation) and they are DRF's answers."""

from __future__ import annotations

import pytest
from django.http import Http404
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.core.negotiation import RememberingContentNegotiation

ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "application/json; indent=4",
    "text/html",
    "application/*",
]


def request_for(accept: str | None, query: str = "") -> Request:
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    return Request(APIRequestFactory().get(f"/api/v1/people/{query}", **headers))


@pytest.mark.parametrize("query", ["", "?format=json", "?format=api", "?page_size=3"])
@pytest.mark.parametrize("accept", ACCEPTS)
def test_it_answers_as_drf_does_the_first_time_and_after(accept, query):
    renderers = [JSONRenderer(), BrowsableAPIRenderer()]
    drf = _outcome(DefaultContentNegotiation(), request_for(accept, query), renderers)

    for _ in range(2):
        assert _outcome(RememberingContentNegotiation(), request_for(accept, query), renderers) == drf


def _outcome(negotiation, request, renderers):
    try:
        return negotiation.select_renderer(request, renderers)
    except (NotAcceptable, Http404) as refusal:
        return type(refusal)


def test_refusals_are_refused_every_time():
    renderers = [JSONRenderer()]
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            RememberingContentNegotiation().select_renderer(request_for("text/csv"), renderers)
        with pytest.raises(Http404):
            RememberingContentNegotiation().select_renderer(request_for(None, "?format=xlsx"), renderers)
