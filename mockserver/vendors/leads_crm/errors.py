"""Leads & CRM's errors on the wire (``{"detail"}`` or per-field lists), and its request
validation: every failing field at once, in Django REST framework's words.


Connexion's validators stop at the first error and word it as jsonschema does. A vendor built on
Django REST framework answers every failing field with its own messages instead, so this module
plugs into Connexion's ``validator_map`` with the same checks (the spec's schemas) and other
words. The spec chooses the words: a schema's ``x-messages`` maps a failing keyword to the
vendor's documented message; where it has none, DRF's default for that keyword applies. A body
schema's ``x-empty-body-message`` makes a request with no body fields a 401 with that message,
as some vendors answer, instead of one "required" error per field.

The error raised is a neutral ``BadRequest`` whose ``detail`` is ``{"fields": {name: [messages]}}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.lifecycle import ConnexionRequest
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
    ParameterValidator,
)
from jsonschema import Draft4Validator, ValidationError
from starlette.formparsers import MultiPartException

from mockserver.errors import ApiError, BadRequest, Unauthorized, spec_refusal
from mockserver.jsoncodec import GateParsedBody
from mockserver.vendorrecord import ErrorBody


def render_error(error: ApiError) -> ErrorBody:
    """The envelope with messages by field (400) or one ``detail`` message."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    if "fields" in detail:
        errors = detail["fields"]
    elif error.code == "unauthorized":
        # Connexion's "no credentials" for a request without a bearer token.
        errors = {"detail": ["Authentication credentials were not provided."]}
    else:
        errors = {"detail": [error.message]}
    body = {"status_code": error.status, "errors": errors, "data": {}}
    return ErrorBody(error.status, json.dumps(body).encode(), "application/json", error.headers)


FieldMessages = dict[str, list[str]]
NON_FIELD = "non_field_errors"
REQUIRED = "This field is required."
BLANK = "This field may not be blank."


def field_error(name: str, message: str) -> BadRequest:
    """The 400 for one field, as the validators below raise it."""
    return BadRequest(message, code="validation", detail={"fields": {name: [message]}})


def fields_error(fields: FieldMessages) -> BadRequest:
    """The 400 for several fields at once."""
    first = next(iter(fields.values()))[0]
    return BadRequest(first, code="validation", detail={"fields": fields})


def _keyword_message(error: ValidationError) -> str:
    """DRF's message for a failed keyword, unless the schema names the vendor's own."""
    custom = error.schema.get("x-messages", {}).get(error.validator)
    if custom:
        return custom
    keyword, limit, value = error.validator, error.validator_value, error.instance
    if keyword == "minLength":
        return BLANK if value == "" else f"Ensure this field has at least {limit} characters."
    if keyword == "maxLength":
        return f"Ensure this field has no more than {limit} characters."
    if keyword == "enum":
        return f'"{value}" is not a valid choice.'
    if keyword == "type":
        return {
            "integer": "A valid integer is required.",
            "number": "A valid number is required.",
            "boolean": "Must be a valid boolean.",
        }.get(limit, "Not a valid string.")
    if keyword == "minimum":
        return f"Ensure this value is greater than or equal to {limit}."
    if keyword == "maximum":
        return f"Ensure this value is less than or equal to {limit}."
    return "Enter a valid value."


def _messages(errors: list[ValidationError]) -> list[str]:
    """One field's messages; a blank value is reported alone, as DRF checks blankness first."""
    blank = [e for e in errors if e.validator == "minLength" and e.instance == ""]
    return list(dict.fromkeys(_keyword_message(e) for e in blank[:1] or errors))


def body_field_errors(errors: Iterable[ValidationError], body: Any, schema: dict) -> FieldMessages:
    """Messages by field for the jsonschema ``errors`` of an object ``body``."""
    by_field: dict[str, list[ValidationError]] = {}
    found: FieldMessages = {}
    properties = schema.get("properties", {})
    for error in errors:
        if error.path:
            by_field.setdefault(str(error.path[0]), []).append(error)
        elif error.validator == "required":
            for name in error.validator_value:
                if name not in body:
                    custom = properties.get(name, {}).get("x-messages", {}).get("required")
                    found[name] = [custom or REQUIRED]
        elif error.validator == "type":
            kind = type(body).__name__
            found[NON_FIELD] = [f"Invalid data. Expected a dictionary, but got {kind}."]
    found.update({name: _messages(errs) for name, errs in by_field.items()})
    return found


class _FieldErrorsBody:
    """Shared by the three body validators below: DRF-style messages for every field."""

    _schema: dict
    _validator: Draft4Validator

    def _validate(self, body: Any) -> None:
        if body is None or body == {}:
            empty = self._schema.get("x-empty-body-message")
            if empty:
                raise spec_refusal(Unauthorized(empty, code="request_failed"))
            body = {}
        fields = body_field_errors(self._validator.iter_errors(body), body, self._schema)
        if fields:
            raise spec_refusal(fields_error(fields))


class JSONBody(_FieldErrorsBody, GateParsedBody, JSONRequestBodyValidator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # An empty body reaches _validate, which words the error, instead of Connexion's
        # "RequestBody is required".
        self._required = False
        self._nullable = False


class FormBody(_FieldErrorsBody, FormDataValidator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._required = False


class MultipartBody(_FieldErrorsBody, MultiPartFormDataValidator):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._required = False

    async def _parse(self, stream: Any, scope: Any) -> dict:
        try:
            return await super()._parse(stream, scope)
        except MultiPartException as exc:
            # Starlette's parser refuses a missing boundary or a broken part; Connexion lets it
            # through as a 500.
            raise spec_refusal(BadRequest(f"Multipart form parse error - {exc.message}")) from None


class QueryParameters(ParameterValidator):
    """Every query parameter checked, the failures reported together by parameter name."""

    def validate_request(self, request: ConnexionRequest) -> None:
        found: FieldMessages = {}
        for param in self.parameters.get("query", []):
            name, schema = param["name"], param.get("schema", {})
            value = request.query_params.get(name)
            if value is None:
                if param.get("required"):
                    found[name] = [schema.get("x-messages", {}).get("required") or REQUIRED]
                continue
            checker = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
            errors = list(checker.iter_errors(value))
            if errors:
                found[name] = _messages(errors)
        if found:
            raise spec_refusal(fields_error(found))
        # Path, header and cookie parameters (and unknown names, when strict) as Connexion does.
        super().validate_request(request)

    def validate_query_parameter(self, param: dict, request: ConnexionRequest) -> None:
        """Already checked above, every failure at once; not twice a request."""
        return None


VALIDATOR_MAP: dict[str, Any] = {
    "parameter": QueryParameters,
    "body": MediaTypeDict(
        {
            "*/*json": JSONBody,
            "application/x-www-form-urlencoded": FormBody,
            "multipart/form-data": MultipartBody,
        }
    ),
}
"""For ``add_api(validator_map=...)``: Connexion's checks, DRF's words."""
