"""Tiledesk's answers read into the mock's state (``leadmock proxy --record``), and a recording
made reachable when served (``leadmock serve --state``).

A lead is stored as it is answered. A request is answered populated (its department, requester,
lead and agents in full): each populated document is stored in its own collection and the
request keeps the reference, as the server stores it. Every project seen is recorded, so that
served, the seed's team (each user in the role they have in the seed's first project) and the
logins named on the command line are its members.
"""

from __future__ import annotations

from typing import Any

from mockserver.recording import Exchange, RecordedState
from mockserver.store import Store
from mockserver.vendorrecord import AcceptedCredentials
from mockserver.vendors.tiledesk.requests import USER_FIELDS

_LEAD_ANSWERS = {"create_lead", "get_lead", "update_lead", "delete_lead"}
_RECORDED_PROJECT_NAME = "Recorded project"
# Answered beside a request's own fields: views of other documents, never stored.
_REQUEST_VIEW_ONLY = ("participatingAgents", "participatingBots", "id")


def record(exchange: Exchange, recorded: RecordedState) -> None:
    """Read one answered exchange into ``recorded``."""
    answer, project_id = exchange.answer, exchange.path_parameters.get("project_id")
    if exchange.operation == "signin":
        user = answer.get("user") if isinstance(answer, dict) else None
        if isinstance(user, dict) and user.get("_id"):
            _user(recorded, user)
        return
    if not project_id or not isinstance(answer, dict):
        return
    if exchange.operation == "list_leads":
        leads = [lead for lead in answer.get("leads") or [] if _has_id(lead)]
    elif exchange.operation in _LEAD_ANSWERS:
        leads = [answer] if _has_id(answer) else []
    elif exchange.operation == "list_requests":
        leads = []
        for request in answer.get("requests") or []:
            _request(recorded, project_id, request)
    elif exchange.operation == "get_request":
        leads = []
        _request(recorded, project_id, answer)
    else:
        return
    _project(recorded, project_id)
    for lead in leads:
        recorded.put("leads", lead["_id"], lead, scope=project_id)


def _has_id(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("_id"), str)


def _project(recorded: RecordedState, project_id: str) -> None:
    if recorded.get("projects", project_id) is None:
        recorded.put(
            "projects",
            project_id,
            {"_id": project_id, "name": _RECORDED_PROJECT_NAME, "createdAt": None},
        )


def _user(recorded: RecordedState, user: dict[str, Any]) -> str:
    fields = {name: user[name] for name in USER_FIELDS if name in user}
    recorded.merge("users", user["_id"], fields)
    return user["_id"]


def _request(recorded: RecordedState, project_id: str, request: Any) -> None:
    if not isinstance(request, dict) or not isinstance(request.get("request_id"), str):
        return
    stored = {k: v for k, v in request.items() if k not in _REQUEST_VIEW_ONLY}
    department = request.get("department")
    if _has_id(department):
        recorded.put("departments", department["_id"], department, scope=project_id)
        stored["department"] = department["_id"]
    lead = request.get("lead")
    if _has_id(lead):
        recorded.put("leads", lead["_id"], lead, scope=project_id)
        stored["lead"] = lead["_id"]
    requester = request.get("requester")
    if isinstance(requester, dict) and requester.get("id_user"):
        member = dict(requester)
        if _has_id(requester["id_user"]):
            member["id_user"] = _user(recorded, requester["id_user"])
        recorded.put("project_users", member["id_user"], member, scope=project_id)
        stored["requester"] = member["id_user"]
    for agent in request.get("participatingAgents") or []:
        if _has_id(agent):
            _user(recorded, agent)
    recorded.put("requests", request["request_id"], stored, scope=project_id)
    _project(recorded, project_id)


def adopt(store: Store, facts: dict[str, Any], accepted: AcceptedCredentials) -> list[str]:
    """Make the recorded projects reachable: the seed's first team joins each with its roles,
    and each named login (a recorded user's email, or a new user) owns every project. What
    was done, for the banner."""
    users, _ = store.query("users")
    by_email = {str(u.get("email", "")).lower(): u for u in users}
    named = []
    for email, password in accepted.logins:
        user = by_email.get(email.lower()) or _new_user(store, email)
        store.put("users", user["_id"], {**user})
        store.put("logins", email.lower(), {"user_id": user["_id"], "password": password})
        named.append(user["_id"])
    seeded = {project["id"] for project in facts["projects"]}
    projects, _ = store.query("projects")
    recorded = [p for p in projects if p["_id"] not in seeded]
    first = facts["projects"][0]["id"]
    team = [u for u in facts["users"] if u["project_id"] == first]
    owner = store.get("project_users", team[0]["id"], scope=first)
    for project in recorded:
        project_id = project["_id"]
        for member in team:
            seeded_member = store.get("project_users", member["id"], scope=first)
            if (
                seeded_member is not None
                and store.get("project_users", member["id"], scope=project_id) is None
            ):
                store.put(
                    "project_users",
                    member["id"],
                    {**seeded_member, "id_project": project_id},
                    scope=project_id,
                )
    for project in projects:
        for user_id in named:
            # A membership the recording holds is the upstream's own: kept as it was.
            if store.get("project_users", user_id, scope=project["_id"]) is not None:
                continue
            store.put(
                "project_users",
                user_id,
                {**owner, "id_user": user_id, "role": "owner", "id_project": project["_id"]},
                scope=project["_id"],
            )
    shown = [f"{len(named)} named logins accepted"] if named else []
    if recorded:
        ids = ", ".join(p["_id"] for p in recorded)
        shown.append(f"recorded projects {ids}: the seed's team and the named logins join")
    return shown


def _new_user(store: Store, email: str) -> dict[str, Any]:
    user_id = f"{store.next_sequence('tiledesk.named_user'):024x}"
    name = email.partition("@")[0]
    return {"status": 100, "_id": user_id, "email": email, "firstname": name, "lastname": "",
            "emailverified": True}  # fmt: skip
