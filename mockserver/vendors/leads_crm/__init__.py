"""Leads & CRM (Epixel): API users' leads, notes and appointments, in an envelope.

Quirks, and where they come from (docs = ../shared/seeds "Leads & CRM" page; auth = the vendor's
Authentication page, quoted in issue 5):
- Every call needs the ``apikey`` header and ``Authorization: Bearer <access>``; the JWT pair
  comes from ``POST <prefix>/user/login/`` (auth). Missing or unknown key: 403; missing token:
  401 "Authentication credentials were not provided."; bad token: 401 (DRF/SimpleJWT wording).
- Writes are POSTs answering ``data: {}``; bodies may be JSON, urlencoded or multipart (docs'
  headings vs sample code). Paths exist with and without ``leads/`` (headings vs sample code).
- Validation errors are 400 with messages by field; "Request Failed" is 401 with one message
  (docs' error tables). Messages are the documents', typos included; ``errors``
  words schema failures from the spec's ``x-messages``.
- Leads are addressed by ``slug``; delete gives them a deleted status (docs). Appointments and
  notes have integer ids.
- Ownership (docs: "owned" and "assigned" leads; "You are not owner of this lead."): the creator
  owns a lead, ``assignee`` is assigned it. The spec's description lists every rule.

The package: ``handlers``, ``model`` (statuses, sources, messages), ``seed``, ``errors`` (the
wire shape and the field validators), ``recording`` and ``checking``.
"""

from __future__ import annotations

from mockserver.vendorrecord import Vendor, checking_in
from mockserver.vendors.leads_crm import recording
from mockserver.vendors.leads_crm.errors import VALIDATOR_MAP, render_error
from mockserver.vendors.leads_crm.handlers import CrmHandlers
from mockserver.vendors.leads_crm.model import MOUNT
from mockserver.vendors.leads_crm.seed import describe, seed

# The documents give most operations two paths (the headings' and the sample code's), Create
# Lead four; OpenAPI needs an operationId for each, users one name for the operation.
_SAMPLE_PATHS = (
    "list_appointments", "view_lead", "create_appointment", "update_appointment",
    "delete_appointment", "create_lead", "update_lead", "delete_lead", "create_lead_note",
    "delete_lead_note",
)  # fmt: skip
OPERATION_ALIASES = {
    **{f"{name}_sample_path": name for name in _SAMPLE_PATHS},
    "create_lead_heading_path": "create_lead",
    "create_lead_versioned_sample_path": "create_lead",
}
VENDOR = Vendor(
    name="leads-crm",
    mounts=(MOUNT,),
    handlers=CrmHandlers,
    seed=seed,
    describe=describe,
    render_error=render_error,
    checking=checking_in("mockserver.vendors.leads_crm.checking"),
    validator_map=VALIDATOR_MAP,
    operation_aliases=OPERATION_ALIASES,
    record=recording.record,
    adopt_recording=recording.adopt,
    position=3,
)
