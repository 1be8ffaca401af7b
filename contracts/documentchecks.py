"""The check a document served by the engine is held to in place of Schemathesis'
``status_code_conformance``.

A stateful mock answers a request for a record that does not exist with 404, and a request the
document's schemas refuse with 400, whether or not the document lists those statuses for that
operation (most public documents list few refusals). ``refusal_or_documented_status`` accepts
those refusals, which the engine gives by design, and is ``status_code_conformance`` for every
other status: a 2xx the document does not declare, a 409, a 422... still fail. The built-in
APIs keep ``status_code_conformance`` itself (their documents declare their refusals).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.core.transport import expand_status_code
from schemathesis.openapi.checks import UndefinedStatusCode

ENGINE_REFUSALS = {
    400: "a request the document's schemas refuse",
    401: "a request without the credentials its securitySchemes ask for",
    404: "a record (or a parent) that does not exist",
    405: "a method the path does not document",
    406: "an Accept the operation cannot answer",
    413: "a body over the mock's size limit",
    415: "a body of a media type the operation does not take",
}
"""The refusals the engine answers whether or not an operation documents them."""
CHECK_NAME = "refusal_or_documented_status"


@schemathesis.check
def refusal_or_documented_status(ctx: Any, response: Any, case: Any) -> bool | None:
    """``status_code_conformance``, less the engine's own refusals (``ENGINE_REFUSALS``)."""
    statuses = case.operation.responses.status_codes
    if "default" in statuses or response.status_code in ENGINE_REFUSALS:
        return None
    allowed = [code for status in statuses for code in expand_status_code(status)]
    if response.status_code not in allowed:
        documented = list(map(str, statuses))
        raise UndefinedStatusCode(
            operation=case.operation.label,
            status_code=response.status_code,
            defined_status_codes=documented,
            allowed_status_codes=allowed,
            message=f"Received: {response.status_code}\nDocumented: {', '.join(documented)}",
        )
    return None
