"""What checking Tiledesk needs: how a run reaches seeded data and a real server (the sign-in),
the checks its documented behaviour contradicts, and how the real server departs from the
documents (observed on tiledesk-server 2.19.16). Never loaded by ``leadmock serve``."""

from __future__ import annotations

import base64
from typing import Any

import httpx

from mockserver.vendorrecord import (
    Checking,
    CheckTarget,
    Credentials,
    KnownDrift,
)


def check_target(facts: dict[str, Any]) -> CheckTarget:
    """The owner of the documents' project, by Basic auth, with that project pinned."""
    owner = facts["users"][0]
    credentials = base64.b64encode(f"{owner['email']}:{owner['password']}".encode()).decode()
    return CheckTarget(
        headers={"Authorization": f"Basic {credentials}"},
        parameters={"path.project_id": owner["project_id"]},
    )


def remote_target(base_url: str, credentials: Credentials) -> CheckTarget:
    """Basic with user and password, a JWT given as is, or one fetched from ``/auth/signin``."""
    if "path.project_id" not in credentials.parameters:
        raise ValueError("Tiledesk needs the project to test: --set path.project_id=<project id>")
    if credentials.token:
        token = credentials.token
    elif credentials.user and credentials.password and credentials.signin:
        answer = httpx.post(
            f"{base_url.rstrip('/')}/auth/signin",
            json={"email": credentials.user, "password": credentials.password},
            timeout=30,
        )
        if answer.status_code != 200:
            raise ValueError(f"sign-in at {base_url}/auth/signin answered {answer.status_code}")
        token = answer.json()["token"]
    elif credentials.user and credentials.password:
        pair = f"{credentials.user}:{credentials.password}".encode()
        return CheckTarget(
            headers={"Authorization": f"Basic {base64.b64encode(pair).decode()}"},
            parameters=dict(credentials.parameters),
        )
    else:
        raise ValueError(
            "Tiledesk needs --user and --password (Basic, or --signin for JWT) or --token"
        )
    if not token.startswith("JWT "):
        token = f"JWT {token}"
    return CheckTarget(headers={"Authorization": token}, parameters=dict(credentials.parameters))


_SERVER_ERROR = r"(?:Server error|Received: 500)"


# How tiledesk-server 2.19.16 departs from these specs, from `make contract-real` (first match
# wins). Documentation gaps are not here: the specs say what was observed and the mock serves it.
KNOWN_DRIFT = (
    KnownDrift(
        "vendor bug",
        "A create given `email: null` stores the null and answers it, on create and on every "
        "later read, list, update and delete of that lead, though the documents type `email` "
        "as a string (seen on 2026-12-05, when Schemathesis first sent such a body). The mock "
        "leaves a null field out of the lead, as it does on update.",
        operation="* /{project_id}/leads*",
        text=r'null is not of type "string"[\s\S]*properties/email',
    ),
    KnownDrift(
        "vendor bug",
        "PUT or DELETE of a lead id that does not exist creates a record (findByIdAndUpdate "
        "with upsert: true) with no lead_id and no project, which later reads return. The mock "
        "answers 404 Object not found.",
        operation="* /{project_id}/leads/{id}",
        text=r'"lead_id" is a required property',
    ),
    KnownDrift(
        "vendor bug",
        'A body that is not JSON gets 500 {"err": "error"} (the JSON parser\'s error reaches the '
        "general error handler). The mock answers 400.",
        text=_SERVER_ERROR + r"[\s\S]*-d \$'",
    ),
    KnownDrift(
        "vendor bug",
        "A lead id that is not an ObjectId gets 500 (Mongoose's CastError), and so does an "
        "update whose attribute names the MongoDB driver refuses (a '.', a NUL, a leading '$'). "
        "The mock answers 404 for the id and keeps such attribute names.",
        operation="* /{project_id}/leads/{id}",
        text=_SERVER_ERROR,
    ),
    KnownDrift(
        "stand-in limitation",
        "A `full_text` search of requests needs the `request_fulltext` text index, which the "
        "MongoDB stand-in does not create (mongoeco refuses a text index over several arrays); "
        "the route answers 500. MongoDB has the index. The mock searches.",
        operation="GET /{project_id}/requests",
        text=_SERVER_ERROR + r"[\s\S]*full_text=",
    ),
    KnownDrift(
        "vendor bug",
        "A requests filter Mongoose cannot cast (a `dept_id` or `lead` that is not an ObjectId, "
        "a `ticket_id` that is not a number, a `hasbot` that is not a boolean, a negative "
        "`page`) or a `direction` other than 1 or -1 gets 500. The mock answers 400.",
        operation="GET /{project_id}/requests",
        text=_SERVER_ERROR + r"[\s\S]*(dept_id=|lead=|ticket_id=|hasbot=|page=-|direction=)",
    ),
    KnownDrift(
        "stand-in limitation",
        "A page so deep that page x limit passes 2^31 makes mongoeco refuse the skip ('wire "
        "find skip must be a non-negative integer'), which MongoDB accepts; the route answers "
        "500. The mock answers an empty page.",
        operation="GET /{project_id}/requests",
        text=_SERVER_ERROR,
    ),
    KnownDrift(
        "vendor bug",
        "A create whose attribute names the MongoDB driver refuses (a '.', a NUL, a leading "
        "'$') is never answered: the rejection is not caught (routes/lead.js) and the request "
        "hangs. The mock stores the lead.",
        operation="POST /*/leads",
        check="error",
        text=r"Read timed out",
    ),
    KnownDrift(
        "vendor bug",
        "When the list's query fails the route never answers (routes/lead.js: `return (err)`), "
        "so the request hangs: a direction other than 1 or -1 (Mongoose throws), or a `status` "
        "that is not a number (Mongoose cannot cast it; observed in make contract-real on "
        "2026-12-05). The mock answers 400.",
        operation="GET /*/leads",
        check="error",
        text=r"Read timed out[\s\S]*(direction=(?!-?1\b)|status=(?!-?\d+(?:&|'|$)))",
    ),
    KnownDrift(
        "stand-in limitation",
        "A page deeper than mongoeco's skip allows (page x limit past 2^31, which MongoDB "
        "accepts) fails the list's query, and the route, which never answers a failed query "
        "(the vendor bug above), hangs. The mock answers an empty page.",
        operation="GET /*/leads",
        check="error",
        text=r"Read timed out[\s\S]*page=\d{6,}",
    ),
    KnownDrift(
        "stand-in limitation",
        "A `full_text` with no word in it (only symbols or punctuation: `\u00d7`, `-`, `!`) fails "
        "mongoeco's $text search, and the route, which never answers a failed query (the "
        "vendor bug above), hangs; MongoDB, given no term, matches nothing. The mock answers "
        "an empty page. (Observed on 2026-12-01: `full_text=hello`, `é` or `x\u00d7` "
        "answer, `\u00d7` alone hangs.)",
        operation="GET /*/leads",
        check="error",
        text=r"Read timed out[\s\S]*full_text=",
    ),
    KnownDrift(
        "stand-in limitation",
        "The list answers without `count` when counting fails (the error is ignored), and "
        "mongoeco cannot count a `full_text` ($text) query, which MongoDB can. The mock always "
        "counts.",
        operation="GET /{project_id}/leads",
        text=r'"count" is a required property',
    ),
    KnownDrift(
        "vendor bug",
        "A `limit` that is not a number answers `perPage: null` (parseInt without a check). "
        "The mock answers 400.",
        operation="GET /{project_id}/*",
        text=r'null is not of type "integer"',
    ),
    KnownDrift(
        "vendor bug",
        "`attributes` that are not an object are stored and answered as sent (nothing is "
        "validated, see below). The mock answers 400.",
        check="response_schema_conformance",
        text=r"Schema at \S*/properties/attributes\b",
    ),
    KnownDrift(
        "vendor bug",
        "A lead's `fullname` sent as null is stored and answered as null, which the documents "
        "type as a string (nothing is validated; observed in make contract-real on "
        "2026-12-05). The mock answers 400.",
        operation="* /*/leads*",
        check="response_schema_conformance",
        text=r'null is not of type "string"[\s\S]*Schema at \S*/properties/fullname\b',
    ),
    KnownDrift(
        "vendor bug",
        "A refused credential gets passport's answer, `res.end()` of the status phrase with no "
        "Content-Type: 401 Unauthorized, or 400 Bad Request for an Authorization header it "
        "cannot parse. The mock sends them as text/plain. (Seen through `leadmock proxy`, "
        "whose client sends such requests; `check`'s requests carry the run's credentials.)",
        check="*_conformance",
        text=r"Missing Content-Type header|Response must be valid JSON with 'Content-Type",
    ),
    KnownDrift(
        "vendor bug",
        "A method a route does not have gets Express' 404 page, or 400 from Node's HTTP parser "
        "for a TRACE with a body, never 405. The mock answers 405 with the Allow header.",
        check="unsupported_method",
    ),
    KnownDrift(
        "vendor bug",
        "The server validates nothing it is sent: no body, a create without the documented "
        "required lead_id, wrongly typed or repeated query parameters are all accepted. The "
        "mock validates against the spec and answers 400.",
        check="negative_data_rejection",
    ),
)
CHECKING = Checking(
    check_target=check_target,
    remote_target=remote_target,
    excluded_checks={
        "use_after_free": (
            "Tiledesk deletes softly: a deleted lead gets status 1000 and a get by id still "
            "returns it (observed on tiledesk-server); the tests check that behaviour directly."
        ),
        "ignored_auth": (
            "Its wrong value for the JWT API key is a one-word Authorization header, which "
            "Tiledesk answers with 400 Bad Request, not 401 (observed on tiledesk-server, served "
            "alike); the tests check missing, wrong and unparseable credentials directly."
        ),
    },
    known_drift=KNOWN_DRIFT,
    valid_data_statuses={
        "422": (
            "The sign-in checks its fields itself (observed): an email JSON Schema accepts, "
            "such as an empty one, that is not an email address to the server gets 422."
        ),
    },
)
