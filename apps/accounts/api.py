"""The JWT token endpoints: simplejwt's, with a stricter throttle and the login lockout as 429.

simplejwt authenticates with the DRF request, so axes marks that request (not Django's, which
AxesMiddleware reads) as locked out; the lockout is turned into the API's answer here.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import APIException, AuthenticationFailed
from rest_framework_simplejwt import views as jwt_views
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from apps.accounts.lockout import cool_off_seconds, locked_out_message
from apps.accounts.throttles import TokenThrottle


class LoginLockedOut(APIException):
    """429 with the lockout's Chinese message; DRF's handler adds Retry-After from `wait`."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self, request):
        super().__init__(locked_out_message(request))
        self.wait = cool_off_seconds(request)


_THROTTLED = OpenApiResponse(
    description="请求过于频繁（每个地址有次数上限），或登录失败次数过多已暂时锁定；见 Retry-After。"
)


class TokenObtainView(jwt_views.TokenObtainPairView):
    throttle_classes = [TokenThrottle]

    @extend_schema(
        summary="用户名和密码换取令牌",
        description="返回 access 与 refresh 令牌。同一账号或同一地址连续登录失败过多时暂时锁定，期间一律 429。",
        responses={
            200: TokenObtainPairSerializer,
            401: OpenApiResponse(description="用户名或密码不正确。"),
            429: _THROTTLED,
        },
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except AuthenticationFailed:
            if getattr(request, "axes_locked_out", False):
                raise LoginLockedOut(request) from None
            raise


class TokenRefreshView(jwt_views.TokenRefreshView):
    throttle_classes = [TokenThrottle]

    @extend_schema(
        summary="刷新令牌",
        responses={
            200: TokenRefreshSerializer,
            401: OpenApiResponse(description="令牌无效或已过期。"),
            429: _THROTTLED,
        },
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)
