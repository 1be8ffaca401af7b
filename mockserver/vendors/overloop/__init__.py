"""Overloop: the leads of one account, in JSON:API, with their users and organizations.

Quirks, and where they come from (docs = ../shared/seeds leads page; conventions = Overloop's
general sections on auth, pagination, sorting, filtering, includes and errors, quoted in issue 4):
- Ids are integers, written as strings (docs' example); the mock counts them from 1.
- ``Authorization: <api key>``, no scheme (conventions).
- ``application/vnd.api+json`` both ways; the docs' curl adds ``charset=utf-8`` (docs).
- 100 records a page, ``page[number]`` from 1; ``links`` self/first/last, prev/next only where
  such a page exists (docs + conventions).
- ``sort`` and ``filter`` only on allowed attributes, else 400 (conventions; the filterable ones
  are marked in the docs' table).
- ``include=organization,creator,owner`` adds them under ``included`` (conventions).
- Errors: 422 ``{source: {pointer}, detail}`` for validation, ``{code, message}`` otherwise;
  401 "Your API key is wrong" (conventions).
- Create answers 201; ``return_existing=true`` answers 200 with the lead owning the email, which
  is otherwise 422 "has already been taken" (conventions). Delete is hard and answers the
  resource identifier (conventions). PATCH ``lists`` creates missing lists (docs).

The package: ``handlers``, ``query`` (``filter``, ``sort`` and ``include`` as Overloop reads
them), ``model`` (media type, attributes, the documents' lead), ``seed``, ``errors`` (JSON:API
error objects, the validators that refuse in Overloop's words), ``recording`` and ``checking``.
"""

from __future__ import annotations

from mockserver.vendorrecord import Vendor, checking_in
from mockserver.vendors.overloop import recording
from mockserver.vendors.overloop.errors import VALIDATOR_MAP, render_error
from mockserver.vendors.overloop.handlers import OverloopHandlers
from mockserver.vendors.overloop.model import MOUNT
from mockserver.vendors.overloop.seed import describe, seed

VENDOR = Vendor(
    name="overloop",
    mounts=(MOUNT,),
    handlers=OverloopHandlers,
    seed=seed,
    describe=describe,
    render_error=render_error,
    checking=checking_in("mockserver.vendors.overloop.checking"),
    validator_map=VALIDATOR_MAP,
    record=recording.record,
    adopt_recording=recording.adopt,
    position=2,
)
