"""Django's error answers (handler400/403/404/500): JSON under /api/, the HTML pages elsewhere.

A request that never reaches a DRF view — a path no route matches (`/api/v1/people/0.5/`), a
body over DATA_UPLOAD_MAX_MEMORY_SIZE, an unhandled error — would otherwise get an HTML page,
which a mobile client cannot read and the OpenAPI contract does not allow.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.views import defaults

API_PREFIX = "/api/"

BAD_REQUEST = "请求无效。"
PERMISSION_DENIED = "没有执行该操作的权限。"
NOT_FOUND = "未找到。"
SERVER_ERROR = "服务器内部错误，请稍后再试。"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": BAD_REQUEST}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": PERMISSION_DENIED}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)
