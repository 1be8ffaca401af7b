"""The resource model in words, as ``leadmock inspect`` prints it (``--json``: the model as is)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from mockserver.engine.model import ApiModel, Resource


def model_json(model: ApiModel) -> dict[str, Any]:
    return asdict(model)


def describe_model(model: ApiModel, source: str) -> list[str]:
    served = f", served under {model.base_path}" if model.base_path else ""
    lines = [f"{source}: {model.title} (OpenAPI {model.version}){served}"]
    for resource in model.resources:
        lines += _resource_lines(resource)
    if model.static:
        lines.append("answered from the document's examples or schemas (static):")
        lines += [f"  {u.method} {u.path} ({u.operation_id}): {u.reason}" for u in model.static]
    if model.not_served:
        lines.append("not served:")
        lines += [f"  {item}" for item in model.not_served]
    if model.missing_schemas:
        lines.append("schemas referred to but not in the document (any value accepted):")
        lines += [f"  {ref}" for ref in model.missing_schemas]
    return lines


def _resource_lines(resource: Resource) -> list[str]:
    lines = [f"resource {resource.name}"]
    paths = []
    if resource.collection_path:
        paths.append(f"collection {resource.collection_path}")
    if resource.item_path:
        paths.append(f"item {resource.item_path}")
    lines.append("  " + "   ".join(paths))
    if resource.id_field:
        via = f"{resource.id_parameter} -> " if resource.id_parameter else ""
        lines.append(f"  id: {via}field {resource.id_field} ({resource.id_style})")
    if resource.parent:
        lines.append(f"  within: {resource.parent} ({resource.parent_parameter})")
    elif resource.parent_parameter:
        lines.append(f"  scoped by: {resource.parent_parameter}")
    if resource.list_envelope is not None:
        lines.append("  list answer: records at " + _envelope(resource.list_envelope.path))
        extras = [
            *(f"total at {t}" for t in resource.list_envelope.totals),
            *(f"page at {p}" for p in resource.list_envelope.pages),
        ]
        if extras:
            lines.append("    " + "; ".join(extras))
    if resource.item_envelope is not None:
        lines.append("  item answer: record at " + _envelope(resource.item_envelope.path))
    paging = resource.paging
    if paging.style != "none":
        bounds = ", ".join(
            part
            for part in (
                f"default {paging.size_default}" if paging.size_default is not None else "",
                f"max {paging.size_maximum}" if paging.size_maximum is not None else "",
                f"next cursor at {paging.next_cursor_at}" if paging.next_cursor_at else "",
            )
            if part
        )
        tail = f" ({bounds})" if bounds else ""
        lines.append(f"  paging: {paging.style} by {', '.join(paging.parameters)}{tail}")
    if resource.filters:
        lines.append(
            "  filters: "
            + ", ".join(
                f + (" (any of)" if f in resource.any_of_filters else "") for f in resource.filters
            )
        )
    if resource.search:
        lines.append(f"  text search: {resource.search}")
    if resource.sorting.parameter:
        sort = resource.sorting
        how = f"with {sort.direction_parameter}" if sort.direction_parameter else sort.convention
        lines.append(f"  sort: {sort.parameter} ({how})")
    if resource.soft_delete is not None:
        soft = resource.soft_delete
        found = ", still found by id" if soft.still_found else ""
        lines.append(
            f"  soft delete: {soft.field} becomes {soft.deleted!r} (live: {soft.live!r}{found})"
        )
    for placed in resource.operations:
        where = f"{placed.method} {placed.path} ({placed.operation_id})"
        lines.append(f"  {placed.role}: {where} {placed.status}")
    return lines


def _envelope(path: str) -> str:
    return path if path else "the body itself"
