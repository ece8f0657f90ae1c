"""OpenAPI post-processing: the error answers every operation can give, documented once; times as written.

drf-spectacular documents the success body of each operation and whatever an `extend_schema`
adds; the errors come from shared machinery (authentication, permissions, the exception
handler in apps.core.exceptions, cursor pagination, throttling) and would otherwise be missing
from every operation, so a client generated from the schema — or schemathesis — would find
undocumented 400s, 401s and 404s. An operation's own documented error keeps its own schema.
"""

from __future__ import annotations

ERROR_SCHEMAS = {
    "ErrorDetail": {
        "type": "object",
        "description": "错误说明（未登录、无权限、不存在或超出管辖范围、请求过于频繁）。",
        "properties": {"detail": {"type": "string", "description": "错误说明。"}},
        "required": ["detail"],
    },
    "FieldErrors": {
        "type": "object",
        "description": "输入有误：按字段列出的错误说明（`{字段: [说明]}`），或 `non_field_errors` / `detail`。",
        "additionalProperties": {},
    },
    "ConflictDetail": {
        "type": "object",
        "description": "与已有数据冲突：冲突说明，以及与之冲突的记录。",
        "properties": {
            "detail": {"type": "string", "description": "冲突说明。"},
            "conflicts": {"type": "array", "items": {}, "description": "与之冲突的记录。"},
        },
        "required": ["detail", "conflicts"],
    },
}

ERROR_BODIES = {
    "400": "FieldErrors",
    "401": "ErrorDetail",
    "403": "ErrorDetail",
    "404": "ErrorDetail",
    "409": "ConflictDetail",
    "429": "ErrorDetail",
}
WRITE_METHODS = {"post", "put", "patch", "delete"}
HTTP_METHODS = WRITE_METHODS | {"get", "head", "options", "trace"}


def _response(description: str, component: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }


def _error_responses(method: str, operation: dict) -> dict[str, dict]:
    parameters = operation.get("parameters", [])
    names = {parameter.get("name") for parameter in parameters}
    in_path = any(parameter.get("in") == "path" for parameter in parameters)
    errors: dict[str, dict] = {}
    if method in WRITE_METHODS or parameters or "requestBody" in operation:
        errors["400"] = _response("输入有误。", "FieldErrors")
    # `security: [..., {}]` marks an operation open without an account (e.g. certificates/verify/).
    # Even an operation open to anyone refuses a wrong token (and the token endpoints wrong credentials).
    errors["401"] = _response("身份凭证无效或未提供。", "ErrorDetail")
    if {} not in operation.get("security", [{}]):
        errors["403"] = _response("没有执行该操作的权限。", "ErrorDetail")
    # A row out of the caller's scope answers like a missing one; so does a stale cursor or page.
    if in_path or names & {"cursor", "page"}:
        errors["404"] = _response("不存在或超出管辖范围。", "ErrorDetail")
    if method in WRITE_METHODS:
        errors["409"] = _response("与已有数据冲突。", "ConflictDetail")
    errors["429"] = _response("请求过于频繁，请稍后再试。", "ErrorDetail")
    return errors


# DRF writes times as "09:00:00" (and reads "09:00" too); OpenAPI's `format: time` is RFC 3339's
# full-time, which requires an offset ("09:00:00+08:00"), so a validating client refuses every
# time the API gives. A pattern says what the API really exchanges.
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"


def _describe_times(node) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node["pattern"] = TIME_PATTERN
            node.setdefault("example", "09:00:00")
        for value in node.values():
            _describe_times(value)
    elif isinstance(node, list):
        for value in node:
            _describe_times(value)


def complete_schema(result: dict, generator, request, public) -> dict:
    """drf-spectacular POSTPROCESSING_HOOK: times as the API writes them, the shared error answers where missing."""
    _describe_times(result)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in ERROR_SCHEMAS.items():
        schemas.setdefault(name, schema)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in _error_responses(method, operation).items():
                responses.setdefault(status, response)
            # An error an operation documents by description only (OpenApiResponse) gets the body it has.
            for status, response in responses.items():
                if status in ERROR_BODIES and "content" not in response:
                    response["content"] = _response("", ERROR_BODIES[status])["content"]
    return result
