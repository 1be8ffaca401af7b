"""Tiledesk's errors on the wire (plain text 401 with a Basic challenge, ``{"success": false,
"msg"}``, ``{"error"}``), and its answers to a request body that fails its spec.


The sign-in is checked by express-validator on the server: a failing field gets 422 with
``errors``, one entry a field (observed). Every other body gets 400 ``{"success": false, "msg"}``
whose message names the field and what it must be, never jsonschema's words. The checks are the
spec's schemas; a body schema marked ``x-invalid-body: express-validator`` is answered the
sign-in's way.
"""

from __future__ import annotations

import json
import re
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4Validator
from connexion.validators import FormDataValidator, MultiPartFormDataValidator, ParameterValidator
from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from mockserver.errors import (
    ApiError,
    BadRequest,
    Unprocessable,
    spec_refusal,
)
from mockserver.schemawords import plain_message
from mockserver.specvalidators import OptionalJSONBody
from mockserver.vendorrecord import ErrorBody

# The challenge tiledesk-server's 401 carries (passport-http's Basic strategy, observed).
CHALLENGE = {"WWW-Authenticate": 'Basic realm="Users"'}


def render_error(error: ApiError) -> ErrorBody:
    """Tiledesk's error bodies: plain-text 401 and 429, ``{"error"}`` for project ids, else
    ``{"success": false, "msg"}``."""
    if error.status == 401 and error.code != "signin_failed":
        return ErrorBody(401, b"Unauthorized", "text/plain", {**error.headers, **CHALLENGE})
    if error.code == "unparseable_authorization":
        return ErrorBody(400, b"Bad Request", "text/plain", error.headers)
    if error.code == "signin_invalid":
        content = json.dumps({"errors": error.detail}).encode()
        return ErrorBody(422, content, "application/json", error.headers)
    if error.status == 429:
        return ErrorBody(429, error.message.encode(), "text/plain", error.headers)
    if error.code in ("invalid_project_id", "project_not_found"):
        body: dict[str, Any] = {"error": error.message}
    else:
        body = {"success": False, "msg": error.message}
    return ErrorBody(error.status, json.dumps(body).encode(), "application/json", error.headers)


SIGNIN_FIELDS = ("email", "password")


# validator.js' isEmail, as express-validator runs it, in its common cases: a local part, one @,
# a domain of dot-separated labels ending in a top-level domain of two letters or more.
_EMAIL = re.compile(
    r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}"
)


def signin_field_errors(body: dict[str, Any], also: set[str] = frozenset()) -> list[dict[str, Any]]:
    """The sign-in's own checks (express-validator, observed): ``email`` must be an email
    address, ``password`` not empty; one entry a failing field (or a field named in ``also``),
    ``value`` only when sent."""
    failing = []
    email, password = body.get("email"), body.get("password")
    email_ok = isinstance(email, str) and _EMAIL.fullmatch(email) and ".." not in email
    for name, value, ok in (("email", email, email_ok), ("password", password, password)):
        if not ok or name in also:
            entry = {"value": value} if value is not None else {}
            failing.append({**entry, "msg": "Invalid value", "param": name, "location": "body"})
    return failing


def refusal(body: Any, errors: list[ValidationError], schema: dict[str, Any]) -> ApiError:
    """The error Tiledesk answers for a body that fails ``schema`` with ``errors``."""
    if schema.get("x-invalid-body") == "express-validator":
        fields = {str(e.absolute_path[0]) for e in errors if e.absolute_path}
        fields |= {
            name
            for e in errors
            if e.validator == "required"
            for name in e.validator_value
            if not isinstance(body, dict) or name not in body
        }
        shown = body if isinstance(body, dict) else {}
        detail = signin_field_errors(shown, fields & set(SIGNIN_FIELDS))
        return Unprocessable("Invalid value", code="signin_invalid", detail=detail)
    return BadRequest(plain_message(best_match(errors)), code="invalid_body")


class _Refusing:
    """Shared by the body validators below: the spec's checks, Tiledesk's answers."""

    _schema: dict
    _validator: Any

    def _refuse_if_invalid(self, body: Any) -> None:
        errors = list(self._validator.iter_errors(body))
        if errors:
            raise spec_refusal(refusal(body, errors, self._schema))


class JSONBody(_Refusing, OptionalJSONBody):
    def _validate(self, body: Any) -> Any:
        if body is None and not self._required:
            return None
        if body is None and not self._nullable:
            raise spec_refusal(
                BadRequest("The request body must not be empty", code="invalid_body")
            )
        self._refuse_if_invalid(body)
        return body


class FormBody(_Refusing, FormDataValidator):
    def _validate(self, body: Any) -> Any:
        self._refuse_if_invalid(body)
        return body


class MultipartBody(_Refusing, MultiPartFormDataValidator):
    def _validate(self, body: Any) -> Any:
        self._refuse_if_invalid(body)
        return body


class Parameters(ParameterValidator):
    """The spec's parameter checks, a failure said in plain words (``limit must be at least
    1``), not jsonschema's."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict, param_name: str | None = None
    ) -> str | None:
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error is None or value is None:
            return error
        found = best_match(Draft4Validator(param.get("schema", param)).iter_errors(value))
        return plain_message(found, whole=param_name or param["name"]) if found else error


VALIDATOR_MAP: dict[str, Any] = {
    "parameter": Parameters,
    "body": MediaTypeDict(
        {
            "*/*json": JSONBody,
            "application/x-www-form-urlencoded": FormBody,
            "multipart/form-data": MultipartBody,
        }
    ),
}
"""For ``add_api(validator_map=...)``: the spec's checks, Tiledesk's answers."""
