"""Seed records for a resource of any document: Faker's values, chosen by each property's name,
format, pattern, enum and bounds, the document's own examples where it gives them; the same
bytes for the same seed; every record valid against the resource's schema (a property the
engine cannot fill validly is left out when it is optional, and its example used when it is
required).

Ids follow the resource's id style: 1, 2, 3... for integers, UUIDs and 24-hex ObjectIds drawn
from the seeded generator, and a string id that fits the field's format.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker
from jsonschema import Draft7Validator

from mockserver.engine.document import Document, DocumentError
from mockserver.engine.formats import FORMATS
from mockserver.engine.model import Resource, _properties
from mockserver.engine.patterns import matching
from mockserver.seeding import Pool

_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_SPAN = timedelta(days=5 * 365)
_MAX_DEPTH = 8
_MAX_ITEMS = 3

# By property name (lower case, without _ and -): the Faker provider that fills it.
_BY_NAME = {
    "firstname": "first_name", "givenname": "first_name", "lastname": "last_name",
    "surname": "last_name", "familyname": "last_name", "name": "name", "fullname": "name",
    "displayname": "name", "company": "company", "companyname": "company",
    "organization": "company", "organisation": "company", "jobtitle": "job", "job": "job",
    "title": "job", "phone": "phone_number", "phonenumber": "phone_number",
    "mobile": "phone_number", "city": "city", "country": "country", "state": "state",
    "region": "state", "zip": "postcode", "zipcode": "postcode", "postcode": "postcode",
    "postalcode": "postcode", "street": "street_address", "streetaddress": "street_address",
    "address": "street_address", "website": "url", "url": "url", "domain": "domain_name",
    "description": "sentence", "note": "sentence", "notes": "sentence", "message": "sentence",
    "body": "sentence", "comment": "sentence", "subject": "sentence", "summary": "sentence",
    "username": "user_name", "color": "color_name", "currency": "currency_code",
    "language": "language_code", "locale": "locale", "timezone": "timezone",
}  # fmt: skip
_BY_FORMAT = {
    "email": "email", "uri": "url", "url": "url", "hostname": "domain_name",
    "ipv4": "ipv4", "ipv6": "ipv6",
}  # fmt: skip
_SIMPLE_PATTERNS = {
    r"^[0-9a-f]{24}$": "objectid",
    r"^[0-9a-fA-F]{24}$": "objectid",
    r"^[0-9]+$": "digits",
    r"^\d+$": "digits",
}


def seed_records(
    document: Document, resource: Resource, schema: Any, count: int, seed: int
) -> list[dict[str, Any]]:
    """``count`` records of ``resource`` whose schema is ``schema``, seeded by ``seed``."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    pool = Pool(fake, size=64)
    maker = _Maker(document, pool)
    records = []
    for number in range(1, count + 1):
        maker.prefer_examples = number == 1
        record = maker.value(schema, name="", required=True, depth=0)
        if not isinstance(record, dict):
            record = {}
        if resource.id_field:
            id_schema = _properties(document, schema).get(resource.id_field) if schema else None
            record[resource.id_field] = maker.identifier(resource, number, id_schema)
        records.append(record)
    return records


def value_for(document: Document, schema: Any, name: str, seed: int) -> Any:
    """One value valid against ``schema`` for a property called ``name``."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return _Maker(document, Pool(fake, size=8)).value(schema, name=name, required=True, depth=0)


def fits(document: Document, schema: Any, value: Any) -> bool:
    """Whether ``value`` is valid against ``schema``, its formats (uuid, uri...) included."""
    key = (id(document), id(schema))
    held = _FITS.get(key)
    if held is None or held[0] is not schema:
        if len(_FITS) > 4096:
            _FITS.clear()
        # OpenAPI 3.0's nullable read as JSON Schema's null type: a null link is a fit.
        widened = nullable_widened(_inlined(document, schema))
        validator = Draft7Validator(widened, format_checker=FORMATS)
        held = _FITS[key] = (schema, validator)
    return bool(held[1].is_valid(value))


def nullable_widened(schema: Any) -> Any:
    """``schema`` (``$ref``s inlined) with OpenAPI 3.0's ``nullable: true`` written as JSON
    Schema says it: null added to the type, the enum, or the alternatives."""
    if isinstance(schema, list):
        return [nullable_widened(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    node = {key: nullable_widened(value) for key, value in schema.items()}
    if node.get("nullable") is True:
        kind = node.get("type")
        if isinstance(kind, str):
            node["type"] = [kind, "null"]
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for combiner in ("oneOf", "anyOf"):
            if combiner in node:
                node[combiner] = [*node[combiner], {"type": "null"}]
    return node


_FITS: dict[tuple[int, int], tuple[Any, Draft7Validator]] = {}
"""A validator for each (document, schema) asked about: the schemas live as long as the
document, which an API's handlers hold."""


class _Maker:
    def __init__(self, document: Document, pool: Pool) -> None:
        self.document = document
        self.pool = pool
        self.random = pool.random
        self._validators: dict[int, Draft7Validator] = {}
        self.prefer_examples = False

    def _example(self, schema: dict[str, Any]) -> Any:
        if "example" in schema and self._fits(schema, schema["example"]):
            return schema["example"]
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            fitting = [example for example in examples if self._fits(schema, example)]
            if fitting:
                return self.random.choice(fitting)
        return None

    def _fits(self, schema: dict[str, Any], example: Any) -> bool:
        if example is None:
            return False
        key = id(schema)
        if key not in self._validators:
            self._validators[key] = Draft7Validator(
                _inlined(self.document, schema), format_checker=FORMATS
            )
        return bool(self._validators[key].is_valid(example))

    def identifier(self, resource: Resource, number: int, schema: Any = None) -> Any:
        style = resource.id_style
        if style == "integer":
            return number
        if style == "digits":
            return str(number)
        if style == "uuid":
            return str(uuid.UUID(int=self.random.getrandbits(128), version=4))
        if style == "objectid":
            return f"{self.random.getrandbits(96):024x}"
        pattern = (_resolved(self.document, schema) or {}).get("pattern") if schema else None
        if pattern:
            made = patterned_id(str(pattern), number, self.random)
            if made is not None:
                return made
        return f"{resource.name[:3] or 'id'}{number:06d}"

    def value(self, schema: Any, *, name: str, required: bool, depth: int) -> Any:
        schema = _resolved(self.document, schema)
        if not isinstance(schema, dict):
            return None
        # The first record is the document's example, where its examples fit their schema (not
        # all do); the others take one only where Faker has nothing of the kind.
        example = self._example(schema)
        if self.prefer_examples and example is not None:
            return example
        if schema.get("enum"):
            return self.random.choice([v for v in schema["enum"] if v is not None] or [None])
        if "const" in schema:
            return schema["const"]
        if schema.get("allOf"):
            # One schema of its parts: a string may be one (Asana's parent: allOf [a $ref, a
            # type string]), not only an object.
            schema = _flattened(self.document, schema)
            example = self._example(schema)
            if self.prefer_examples and example is not None:
                return example
        for combiner in ("oneOf", "anyOf"):
            if schema.get(combiner):
                first = self.document.resolve(schema[combiner][0])
                if "properties" in schema and isinstance(first, dict):
                    # Properties beside the alternatives, which only add what they require
                    # (Intercom's contact: anyOf required email, or external_id, or role).
                    schema = _with_alternative(schema, combiner, first)
                    break
                return self.value(first, name=name, required=required, depth=depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema or "allOf" in schema:
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind == "integer":
            low, high = _bounds(schema, 0, 1000)
            return self.random.randint(int(low), int(high))
        if kind == "number":
            low, high = _bounds(schema, 0, 10_000)
            return round(low + self.random.random() * (high - low), 2)
        if kind == "boolean":
            return self.random.random() < 0.5
        return self._string(schema, name)

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        required: set[str] = set(schema.get("required") or [])
        for part in _all_of(self.document, schema):
            properties.update(part.get("properties") or {})
            required |= set(part.get("required") or [])
        record = {}
        if depth >= _MAX_DEPTH:
            return record
        for key, child in properties.items():
            child = self.document.resolve(child)
            if isinstance(child, dict) and child.get("writeOnly"):
                continue
            value = self.value(child, name=key, required=key in required, depth=depth + 1)
            if value is not None or key in required:
                record[key] = value
        return record

    def _array(self, schema: dict[str, Any], name: str, depth: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = max(low, min(int(schema.get("maxItems", _MAX_ITEMS)), _MAX_ITEMS))
        items = [
            self.value(schema.get("items", {}), name=name, required=True, depth=depth + 1)
            # Deep down, no more items than required: an object past the depth bound is empty.
            for _ in range(self.random.randint(low, high) if depth + 3 < _MAX_DEPTH else low)
        ]
        if schema.get("uniqueItems"):
            unique: list[Any] = []
            for item in items:
                if item not in unique:
                    unique.append(item)
            items = unique
        return items

    def _string(self, schema: dict[str, Any], name: str) -> str | None:
        form = schema.get("format")
        if form == "date-time":
            moment = _EPOCH + timedelta(seconds=self.random.randint(0, int(_SPAN.total_seconds())))
            return moment.isoformat().replace("+00:00", "Z")
        if form == "date":
            return (_EPOCH + timedelta(days=self.random.randint(0, _SPAN.days))).date().isoformat()
        if form == "uuid" and int(schema.get("maxLength", 36)) >= 36:
            return str(uuid.UUID(int=self.random.getrandbits(128), version=4))
        if form == "uuid":
            # A uuid no longer than 24 characters (Intercom's from.id): the document asks for
            # what cannot be; its length is what request validation holds a value to.
            example = self._example(schema)
            return example if isinstance(example, str) else f"{self.random.getrandbits(96):024x}"
        pattern = schema.get("pattern")
        if pattern:
            made = self._patterned(str(pattern))
            return made if made is not None else None
        provider = _BY_FORMAT.get(str(form)) or _BY_NAME.get(re.sub(r"[_\-]", "", name.lower()))
        if provider is None:
            example = self._example(schema)
            if isinstance(example, str):
                return example
        text = str(self.pool.pick(provider)) if provider else str(self.pool.pick("word"))
        if provider == "sentence":
            text = str(self.pool.pick("sentence", nb_words=6))
        low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
        if high is not None:
            text = text[: int(high)]
        if len(text) < low:
            text = text + "x" * (low - len(text))
        return text

    def _patterned(self, pattern: str) -> str | None:
        kind = _SIMPLE_PATTERNS.get(pattern)
        if kind == "objectid":
            return f"{self.random.getrandbits(96):024x}"
        if kind == "digits":
            return str(self.random.randint(1, 999_999))
        return matching(pattern, self.random)


def patterned_id(pattern: str, number: int, random: Any) -> str | None:
    """An id matching ``pattern``, told apart by ``number`` where the pattern lets it end in
    digits (``^aia_know_.+$``); else drawn at random (``^KS[0-9a-fA-F]{32}$``)."""
    made = matching(pattern, random)
    if made is None:
        return None
    numbered = f"{made}{number}"
    return numbered if re.search(pattern, numbered) else made


def _all_of(document: Document, schema: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """``schema`` and every part of its ``allOf``, through nested ones (Asana's)."""
    parts = [schema]
    if depth < 16:
        for part in schema.get("allOf") or []:
            part = document.resolve(part)
            if isinstance(part, dict):
                parts += _all_of(document, part, depth + 1)
    return parts


def _flattened(document: Document, schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` and its ``allOf`` parts (nested ones too) as one schema: properties joined,
    requirements joined, any other keyword taken from the first part that has it."""
    merged: dict[str, Any] = {}
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in _all_of(document, schema):
        properties.update(part.get("properties") or {})
        required += part.get("required") or []
        for key, value in part.items():
            if key not in ("allOf", "properties", "required"):
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = list(dict.fromkeys(required))
    return merged


def _with_alternative(schema: dict[str, Any], combiner: str, first: dict[str, Any]) -> Any:
    merged = {key: value for key, value in schema.items() if key != combiner}
    merged["properties"] = {**(schema.get("properties") or {}), **(first.get("properties") or {})}
    required = [*(schema.get("required") or []), *(first.get("required") or [])]
    if required:
        merged["required"] = list(dict.fromkeys(required))
    return merged


def _inlined(document: Document, schema: Any, depth: int = 0) -> Any:
    """``schema`` with its ``$ref``s replaced by what they point to; past a bounded depth a
    ``$ref`` (a recursive schema) becomes ``{}``, anything."""
    if depth > 24 and isinstance(schema, dict) and "$ref" in schema:
        return {}
    schema = _resolved(document, schema)
    if isinstance(schema, dict):
        return {k: _inlined(document, v, depth + 1) for k, v in schema.items() if k != "example"}
    if isinstance(schema, list):
        return [_inlined(document, v, depth + 1) for v in schema]
    return schema


def _resolved(document: Document, schema: Any) -> Any:
    """``schema`` resolved; a ``$ref`` to nothing (Intercom's ``custom_attributes``) allows
    anything, rather than failing an answer."""
    try:
        return document.resolve(schema)
    except DocumentError:
        return {}


def _bounds(schema: dict[str, Any], low: float, high: float) -> tuple[float, float]:
    minimum = schema.get("minimum", schema.get("exclusiveMinimum", low))
    maximum = schema.get("maximum", schema.get("exclusiveMaximum", high))
    if isinstance(schema.get("exclusiveMinimum"), bool) and schema["exclusiveMinimum"]:
        minimum = schema.get("minimum", low) + 1
    elif isinstance(schema.get("exclusiveMinimum"), int | float):
        minimum = schema["exclusiveMinimum"] + 1
    if isinstance(schema.get("exclusiveMaximum"), bool) and schema["exclusiveMaximum"]:
        maximum = schema.get("maximum", high) - 1
    elif isinstance(schema.get("exclusiveMaximum"), int | float):
        maximum = schema["exclusiveMaximum"] - 1
    minimum = minimum if isinstance(minimum, int | float) else low
    maximum = maximum if isinstance(maximum, int | float) else max(high, minimum)
    return minimum, max(minimum, maximum)
