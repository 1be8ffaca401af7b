"""Tiledesk: leads (v1, v2, v3) and requests (v1) over one backend, the sign-in, the seed world.

The three versions are three specs over the same handlers and the same data: a lead written
through one is read through the others, as on the hosted API.

Quirks, and where they come from (docs = ../shared/seeds, observed = tiledesk-server 2.19.16):
- Ids are 24-hex MongoDB ObjectIds whose first 4 bytes are the creation time (docs' examples).
- Time stamps are JavaScript ``toISOString()``: UTC, milliseconds, ``Z`` (docs: ISO 8601 UTC).
- Auth is Basic ``email:password`` or ``Authorization: JWT <token>`` from ``/auth/signin``;
  minimum role agent (docs). Roles rank guest < user < teammate < agent < supervisor < admin
  < owner (observed).
- 401 is the plain text ``Unauthorized`` with a Basic challenge; an ``Authorization`` header the
  server cannot parse is the plain text 400 ``Bad Request``; 403/404 are ``{"success": false,
  "msg": ...}``; a bad or unknown project id is 400 ``{"error": ...}`` (observed).
- The sign-in checks its fields itself: 422 with express-validator's ``errors`` (observed).
- Create answers 200; an absent or empty ``lead_id`` becomes a UUID; ``phone`` is always null
  (observed).
- Update changes only the fields sent, ignores nulls, always moves ``updatedAt`` (observed).
- Delete is soft: ``status`` 1000, lead returned; the list hides it, get still finds it (observed).
- List: 0-based ``page``, ``limit`` 40, ``sort``/``sortField`` default ``createdAt``,
  ``direction`` -1 (docs + observed).
- v1 answers update and delete too: the server's routes have no version (observed).
Vendor bugs not copied: ``checking.KNOWN_DRIFT`` lists each, as ``make contract-real`` finds them
(500s, hangs, upserts on PUT/DELETE of a missing id, no validation); and lead lookups ignore the
project there (we scope by project).

The package: ``handlers`` (leads, the sign-in, what the engine's conventions do not do),
``requests`` (the requests resource's filters and views), ``model`` (ids, roles, documented
values), ``seed``, ``errors`` (the wire shapes and the request validators), ``recording``, and
``checking`` (check targets, the real-server sign-in, known drift; never loaded by ``serve``).
"""

from __future__ import annotations

from mockserver.vendorrecord import Vendor, checking_in
from mockserver.vendors.tiledesk import recording
from mockserver.vendors.tiledesk.errors import VALIDATOR_MAP, render_error
from mockserver.vendors.tiledesk.handlers import TiledeskHandlers
from mockserver.vendors.tiledesk.model import MOUNTS
from mockserver.vendors.tiledesk.seed import describe, seed

VENDOR = Vendor(
    name="tiledesk",
    mounts=MOUNTS,
    handlers=TiledeskHandlers,
    seed=seed,
    describe=describe,
    render_error=render_error,
    checking=checking_in("mockserver.vendors.tiledesk.checking"),
    validator_map=VALIDATOR_MAP,
    record=recording.record,
    adopt_recording=recording.adopt,
    position=1,
)
