"""The field-by-field comparison of requests answers: what counts as a mock difference."""

from __future__ import annotations

from realservers.tiledesk.agreement import shape, shape_gaps


def test_a_field_the_real_server_sends_and_the_mock_lacks_is_a_gap() -> None:
    real = shape({"requests": [{"id": "a", "department": {"name": "x", "routing": "assigned"}}]})
    mock = shape({"requests": [{"id": "b", "department": {"name": "y"}, "agents": []}]})
    missing, extra = shape_gaps(mock, real)
    assert missing == ["requests[].department.routing"]
    assert extra == ["requests[].agents"]


def test_a_field_of_another_type_is_a_gap_but_null_and_empty_lists_go_with_anything() -> None:
    real = shape({"department": {"_id": "x"}, "phone": None, "tags": [], "ticket_id": 1})
    mock = shape({"department": "x", "phone": "+39", "tags": [{"tag": "vip"}], "ticket_id": 2})
    missing, extra = shape_gaps(mock, real)
    assert missing == ["department (mock string, real object)"]
    assert extra == []


def test_a_list_is_the_union_of_its_items() -> None:
    listed = shape([{"a": 1}, {"b": "x"}, {"a": None}])
    assert listed == [{"a": "number", "b": "string"}]
    assert shape_gaps(listed, shape([{"b": "y", "a": 3}])) == ([], [])
