"""The error answers every API operation can give, documented once for the whole schema.

Every error of the API is JSON with a Vietnamese `detail` (core.api.exceptions): 400 for malformed input
(core.params) or a refusal of the domain, 401 without credentials, 403 for a refusal of role, 404 for an
object outside the caller's scope or absent (one answer for both), 409 for a stale version or a changed
state, 415 for a body in a media type the endpoint does not parse, 429 when the login is locked.
drf-spectacular documents only the answers a view declares; this hook adds the rest to every operation, so
the schema fuzz (tests/api/test_schema_fuzz.py) holds each answer to its documented schema instead of
excluding it.
"""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Mọi lỗi của API: `detail` tiếng Việt; `errors` theo trường khi dữ liệu không hợp lệ.",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"description": "Lỗi theo từng trường (đối tượng) hoặc danh sách lỗi."},
    },
    "required": ["detail"],
}

COMMON = {
    "400": "Tham số hoặc dữ liệu không hợp lệ, hoặc thao tác bị từ chối theo nghiệp vụ.",
    "401": "Chưa đăng nhập hoặc token không hợp lệ.",
    "403": "Không có quyền thực hiện thao tác này.",
    "404": "Không tìm thấy, hoặc nằm ngoài phạm vi được xem (cùng một câu trả lời).",
}
WRITES = {"409": "Dữ liệu đã bị người khác thay đổi hoặc trạng thái không cho phép."}
BODIES = {"415": "Kiểu nội dung của yêu cầu không được hỗ trợ."}
PUBLIC = {"429": "Đăng nhập sai quá nhiều lần; tạm khóa."}
WRITE_METHODS = {"post", "put", "patch", "delete"}


def _error_content(operation: dict[str, Any]) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}
    content = {"application/json": {"schema": ref}}
    # With `?format=csv` an error is rendered by the CSV renderer like any answer (core/api/renderers.py).
    if any(p.get("name") == "format" and p.get("in") == "query" for p in operation.get("parameters", [])):
        content["text/csv"] = {"schema": ref}
    return content


def add_error_responses(result: dict[str, Any], generator: Any = None, request: Any = None,
                        public: Any = None) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = dict(COMMON)
            if method in WRITE_METHODS:
                answers.update(WRITES)
            if "requestBody" in operation:  # a body in a media type the parsers do not take
                answers.update(BODIES)
            if not operation.get("security", [{}]) or {} in operation.get("security", []):
                answers.update(PUBLIC)  # an operation open to anonymous callers: the login endpoint
            responses = operation["responses"]
            for status, description in answers.items():
                documented = responses.setdefault(status, {"description": description})
                if not documented.get("description"):
                    documented["description"] = description
                # A view's own declaration of an error (a free-form object) gives way to the one error schema.
                documented["content"] = _error_content(operation)
    return result
