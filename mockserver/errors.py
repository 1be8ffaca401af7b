"""Neutral API errors that handlers raise; each vendor's ``render_error`` gives them a body.

    ApiError
    ├── BadRequest            400
    ├── Unauthorized          401
    ├── Forbidden             403
    ├── NotFound              404
    ├── MethodNotAllowed      405
    ├── RequestTimeout        408
    ├── PayloadTooLarge       413
    ├── UnsupportedMediaType  415
    ├── Unprocessable         422
    └── TooManyRequests       429

``code`` is a short machine name a vendor may map to its own wording, ``message`` the
human sentence, ``detail`` anything structured: ``{"field": "data.attributes.email"}`` names the
body field at fault, ``{"parameter": "filter"}`` the query parameter.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An error answered to the client, with no vendor shape yet."""

    status = 500
    default_code = "error"
    refused_by_spec = False
    """Raised by a request validator: the journal records the request as invalid."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.detail = detail
        self.headers = headers or {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.code!r}, {self.message!r})"

    @property
    def explained(self) -> str:
        """The message, after the field it is about when it does not name it (``data.type:
        can't be blank``): what the journal and the request log say of a refusal."""
        field = self.detail.get("field") if isinstance(self.detail, dict) else None
        if field and str(field) not in self.message:
            return f"{field}: {self.message}"
        return self.message


class BadRequest(ApiError):
    status = 400
    default_code = "bad_request"


class Unauthorized(ApiError):
    status = 401
    default_code = "unauthorized"


class Forbidden(ApiError):
    status = 403
    default_code = "forbidden"


class NotFound(ApiError):
    status = 404
    default_code = "not_found"


class MethodNotAllowed(ApiError):
    status = 405
    default_code = "method_not_allowed"


class RequestTimeout(ApiError):
    status = 408
    default_code = "request_timeout"


class PayloadTooLarge(ApiError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(ApiError):
    status = 415
    default_code = "unsupported_media_type"


class Unprocessable(ApiError):
    status = 422
    default_code = "unprocessable"


class TooManyRequests(ApiError):
    status = 429
    default_code = "too_many_requests"


class ServiceUnavailable(ApiError):
    """The mock cannot answer for now: its shared store (Redis) is gone."""

    status = 503
    default_code = "service_unavailable"


_BY_STATUS: dict[int, type[ApiError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        RequestTimeout,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        TooManyRequests,
        ServiceUnavailable,
    )
}


def error_for_status(status: int, message: str, **kwargs: Any) -> ApiError:
    """The ApiError subclass for an HTTP status (a plain ApiError with that status otherwise)."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls(message, **kwargs)
    error = ApiError(message, **kwargs)
    error.status = status
    return error


def spec_refusal(error: ApiError) -> ApiError:
    """``error``, marked as a vendor's wording of a failed request validation."""
    error.refused_by_spec = True
    return error
