"""Overloop's errors on the wire (JSON:API error objects), and request validators that refuse
in its words: a bad ``filter``/``sort``/``include`` named, a body member in Rails' words."""

from __future__ import annotations

import json
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.validators import ParameterValidator
from jsonschema.exceptions import best_match

from mockserver.errors import ApiError, BadRequest, Unprocessable, spec_refusal
from mockserver.schemawords import missing_members, requirement
from mockserver.specvalidators import SPEC_VALIDATORS, OptionalJSONBody
from mockserver.vendorrecord import ErrorBody
from mockserver.vendors.overloop.model import MEDIA_TYPE
from mockserver.vendors.overloop.query import bad_parameter, parse_filter, parse_include, parse_sort


class _QueryParameters(ParameterValidator):
    """The spec's checks; a ``filter`` or ``sort`` they refuse is answered in Overloop's words
    (the attribute that cannot be used), never with the spec's pattern."""

    def validate_query_parameter(self, param: dict, request: Any) -> str | None:
        error = super().validate_query_parameter(param, request)
        if error is None:
            return None
        name, value = param["name"], request.query_params.get(param["name"])
        parse = _QUERY_WORDS.get(name)
        if parse is None or value is None:
            # jsonschema follows its first line with the whole failing schema.
            raise spec_refusal(bad_parameter(name, error.split("\n\n", 1)[0]))
        try:
            parse(value)
        except BadRequest as refused:  # the 400 that says what is wrong with the value
            raise spec_refusal(refused) from None
        raise spec_refusal(bad_parameter(name, f"{name} is not valid"))


_QUERY_WORDS = {"filter": parse_filter, "sort": parse_sort, "include": parse_include}


class _JSONBody(OptionalJSONBody):
    """The spec's checks; every failure a 422 pointing at the member, in Rails' words, as
    Overloop's validation errors are (``has already been taken``, ``can't be blank``)."""

    def _validate(self, body: Any) -> Any:
        if body is None and not self._required:
            return None
        if body is None:
            raise spec_refusal(Unprocessable("can't be blank", detail={"field": "data"}))
        errors = list(self._validator.iter_errors(body))
        if not errors:
            return body
        error = best_match(errors)
        path = [str(part) for part in error.absolute_path]
        if error.validator == "required":
            path.append(missing_members(error)[0])
            raise spec_refusal(Unprocessable("can't be blank", detail={"field": ".".join(path)}))
        if not path:
            raise spec_refusal(Unprocessable(f"the document {requirement(error)}"))
        raise spec_refusal(Unprocessable(requirement(error), detail={"field": ".".join(path)}))


VALIDATOR_MAP: dict[str, Any] = {
    "parameter": _QueryParameters,
    "body": MediaTypeDict({**SPEC_VALIDATORS["body"], "*/*json": _JSONBody}),
}


def render_error(error: ApiError) -> ErrorBody:
    """JSON:API error objects: pointer and detail for body fields, code and message otherwise."""
    detail = error.detail if isinstance(error.detail, dict) else {}
    field = detail.get("field", "")
    status = error.status
    if status == 401:
        item: dict[str, Any] = {"code": "unauthorized", "message": "Your API key is wrong"}
    elif field.startswith("data") and status in (400, 422):
        # A well-formed document with an invalid member is a validation failure: 422.
        status = 422
        message = error.message.split(" - '", 1)[0]
        item = {"source": {"pointer": "/" + field.replace(".", "/")}, "detail": message}
    elif "parameter" in detail:
        item = {"source": {"parameter": detail["parameter"]}, "detail": error.message}
    else:
        item = {"code": error.code, "message": error.message}
    body = json.dumps({"errors": [item]}).encode()
    return ErrorBody(status, body, MEDIA_TYPE, error.headers)
