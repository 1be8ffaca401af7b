"""The model an imported state is checked against, inferred from the mock's own seed.

A state document (``PUT /__admin/state``, ``serve --state``) replaces what the handlers read. For
each collection the seed says which field holds the document's own key (``id`` for Overloop's
leads, ``_id`` for Tiledesk's) and which JSON types each field holds. A document whose key
field is missing or disagrees with its key, or with a field of another type (null aside: a
real server answers null where it has no value), is refused before anything changes, with the
place and the reason, instead of being stored and answered later with a 500. The mock's own
seed is taken together with a larger reference seed of the same vendors, so that a seed of a
few leads does not make the model narrower (``Mock.state_model``). Which fields a document must
have beyond its key is not inferred: a lead created through the API may lack what every seeded
lead has. The rule is the engine's, the same for every vendor: a vendor's model is what its
seed writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SAMPLED = 1000
"""Documents of a collection the model is inferred from (the seed writes them alike)."""
_TYPE_NAMES = {
    type(None): "null",
    bool: "boolean",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


@dataclass(frozen=True)
class CollectionModel:
    """What every document of one collection holds."""

    key_field: str | None
    """The field that repeats the document's key; None when no field does."""
    fields: Mapping[str, frozenset[str]]
    """Each field seeded documents have, with the JSON types seen in it."""


class StateModelError(ValueError):
    """A document that does not fit its collection's model: ``where`` names it."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(reason)
        self.where = where


@dataclass(frozen=True)
class StateModel:
    """The models of every collection, and which one each seeded scope follows."""

    models: Mapping[str, list[CollectionModel]]
    """By collection name: one model for each kind of document it holds (two vendors may use
    one name: Tiledesk's leads, keyed by ``_id``, and Overloop's, keyed by ``id``)."""
    scopes: Mapping[tuple[str, str | None], CollectionModel]
    """The model a seeded (collection, scope) follows; a scope not seeded may follow any."""


def infer_model(*states: Mapping[str, Any]) -> StateModel:
    """Each collection's model, from seeded states: the scopes whose documents repeat their
    key in the same field are taken together."""
    sampled: dict[tuple[str, str | None], list[tuple[str, dict[str, Any]]]] = {}
    for entry in (entry for state in states for entry in state["collections"]):
        documents = sampled.setdefault((entry["collection"], entry["scope"]), [])
        for key, document in entry["documents"].items():
            if len(documents) >= _SAMPLED:
                break
            documents.append((str(key), document))
    grouped: dict[tuple[str, str | None], CollectionModel] = {}
    scope_group: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    for place, documents in sampled.items():
        if not documents:
            continue
        model = _model_of(documents)
        group = (place[0], model.key_field)
        scope_group[place] = group
        known = grouped.get(group)
        grouped[group] = model if known is None else _together(known, model)
    models: dict[str, list[CollectionModel]] = {}
    for (name, _), model in grouped.items():
        models.setdefault(name, []).append(model)
    return StateModel(models, {place: grouped[group] for place, group in scope_group.items()})


def _model_of(documents: list[tuple[str, dict[str, Any]]]) -> CollectionModel:
    common = set(documents[0][1])
    seen: dict[str, set[str]] = {}
    for _, document in documents:
        common &= set(document)
        for field, value in document.items():
            seen.setdefault(field, set()).add(_type(value))
    types = {field: frozenset(found) for field, found in seen.items()}
    key_field = next(
        (
            field
            for field in sorted(common)
            if types[field] <= {"string", "number"}
            and all(str(doc[field]) == key for key, doc in documents)
        ),
        None,
    )
    return CollectionModel(key_field, types)


def _together(one: CollectionModel, other: CollectionModel) -> CollectionModel:
    """The fields either has, with the types either saw."""
    fields = dict(one.fields)
    for field, types in other.fields.items():
        fields[field] = fields.get(field, frozenset()) | types
    return CollectionModel(one.key_field, fields)


def check_state(state: Mapping[str, Any], model: StateModel) -> None:
    """Refuse (``StateModelError``) the first document of ``state`` that does not fit."""
    for index, entry in enumerate(state["collections"]):
        name, scope = entry["collection"], entry["scope"]
        if name not in model.models:
            known = ", ".join(sorted(model.models))
            raise StateModelError(
                f"collections[{index}].collection",
                f"the mock has no collection {name!r}; it has {known}",
            )
        seeded = model.scopes.get((name, scope))
        candidates = [seeded] if seeded is not None else model.models[name]
        for key, document in entry["documents"].items():
            where = f"collections[{index}].documents.{key}"
            refusal = None
            for candidate in candidates:
                try:
                    check_document(str(key), document, candidate, where)
                    break
                except StateModelError as exc:
                    # The model that was nearest: its key field in the document.
                    if refusal is None or (candidate.key_field or "") in document:
                        refusal = exc
            else:
                assert refusal is not None
                raise refusal


def check_document(key: str, document: dict[str, Any], model: CollectionModel, where: str) -> None:
    """Refuse (``StateModelError``) a document that does not fit ``model``."""
    if model.key_field is not None:
        if model.key_field not in document:
            raise StateModelError(
                where, f"a document of this collection holds its key in {model.key_field!r}"
            )
        if str(document[model.key_field]) != key:
            raise StateModelError(
                f"{where}.{model.key_field}",
                f"{model.key_field!r} is the document's key {key!r}, not "
                f"{str(document[model.key_field])[:40]!r}",
            )
    for field, types in model.fields.items():
        if field not in document:
            continue
        found = _type(document[field])
        # A null is what a real server answers for a field it has no value of (a recording).
        if found not in types and found != "null":
            wanted = " or ".join(sorted(types))
            raise StateModelError(f"{where}.{field}", f"{field!r} is {wanted}, not {found}")


def _type(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), "object")
