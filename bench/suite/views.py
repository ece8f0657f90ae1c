"""Anchors: the least a request can cost on this stack, to compare the real endpoints with."""

from django.db import connection
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


INSERT_TABLE = "bench_insert"


class TrivialInsertView(APIView):
    """The least a write can cost: the API's authentication, one INSERT of one row in a small table,
    a commit. The contended writes (scenario 9) are measured against it. The table is the bench's own,
    made with raw SQL by the scenario (`CREATE TABLE bench_insert`), not a model of the project."""

    def post(self, request):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {INSERT_TABLE} (user_id, created_at) VALUES (%s, now())", [request.user.pk])
        return Response(PAYLOAD, status=201)
