"""The schema documents every error with the envelope, and input is taken as typed, not coerced."""

from __future__ import annotations

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.factories import CREATE

ENVELOPE = {"$ref": "#/components/schemas/ErrorOut"}


def _operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_response_is_the_envelope():
    operations = dict(_operations())
    assert len(operations) >= 28
    for label, operation in operations.items():
        for code, response in operation["responses"].items():
            if code >= "400":
                assert response["content"] == {"application/json": {"schema": ENVELOPE}}, (label, code)
        if operation.get("security") and {} not in operation["security"]:
            assert {"401", "403"} <= set(operation["responses"]), label
        if "{" in label:
            assert "404" in operation["responses"], label
        if label.startswith(("POST", "PATCH", "PUT")):
            assert {"400", "415"} <= set(operation["responses"]), label


def test_path_ids_are_uuids_and_named_as_in_the_path():
    for label, operation in _operations():
        path_names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert path_names == set(label.replace("}", "{").split("{")[1::2]), label
        for parameter in operation.get("parameters", []):
            if (
                parameter["in"] == "path"
                and parameter["name"].endswith("_id")
                and parameter["name"] != "question_id"
            ):
                assert parameter["schema"].get("format") == "uuid", (label, parameter["name"])


def _post(client, url, body):
    return client.generic("POST", url, json.dumps(body), content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("body", [False, 5, "cancel", ["reason"]])
def test_an_optional_body_that_is_not_an_object_is_refused(ats, pending, body):
    response = _post(ats, f"{CREATE}/{pending.run_id}/cancel", body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    pending.refresh_from_db()
    assert pending.state == "PENDING"


@pytest.mark.django_db
def test_a_number_where_text_belongs_is_refused(ats, pending):
    response = _post(ats, f"{CREATE}/{pending.run_id}/cancel", {"reason": 42})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": "Must be a string."}


@pytest.mark.django_db
@pytest.mark.parametrize("hours", ["12", 12.5, True])
def test_an_integer_must_be_a_json_integer(org_admin, bearer_client, hours):
    response = _post(bearer_client(org_admin), "/api/v1/webhooks/secret/rotate", {"expiresInHours": hours})
    assert response.status_code == 400, response.content
    assert "expiresInHours" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_an_empty_optional_body_is_still_fine(ats, pending):
    response = ats.post(f"{CREATE}/{pending.run_id}/cancel")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "CANCELLED"
