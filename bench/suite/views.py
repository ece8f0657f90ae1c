"""Anchors: the least a request can cost on this stack, to compare the real endpoints with."""

from django.http import JsonResponse
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

PAYLOAD = {"status": "ok"}


def plain(request):
    """A plain Django view: the floor of the whole stack (middleware, URL resolving, WSGI)."""
    return JsonResponse(PAYLOAD)


class TrivialView(APIView):
    """DRF with nothing to do: no authentication, no permission, the JSON renderer."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response(PAYLOAD)


class AuthenticatedTrivialView(APIView):
    """DRF with the API's real authentication and permission classes, nothing else to do."""

    def get(self, request):
        return Response(PAYLOAD)
