"""The request validators every API starts from: Connexion's, but for optional JSON bodies.

A vendor's ``validator_map`` replaces entries of ``SPEC_VALIDATORS`` to answer a failure in the
vendor's own words; the checks stay the spec's.
"""

from __future__ import annotations

from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.validators import (
    FormDataValidator,
    JSONRequestBodyValidator,
    MultiPartFormDataValidator,
)

from mockserver.jsoncodec import GateParsedBody


class OptionalJSONBody(GateParsedBody, JSONRequestBodyValidator):
    """Connexion refuses an empty JSON body unless its schema is nullable, even where the spec
    says the body is optional (``requestBody.required: false``); here an optional one may be
    empty, and the handler gets none."""

    def _validate(self, body: Any) -> Any:
        if body is None and not self._required:
            return None
        return super()._validate(body)


SPEC_VALIDATORS: dict[str, Any] = {
    "body": MediaTypeDict(
        {
            "*/*json": OptionalJSONBody,
            "application/x-www-form-urlencoded": FormDataValidator,
            "multipart/form-data": MultiPartFormDataValidator,
        }
    )
}
"""For ``add_api(validator_map=...)``."""
