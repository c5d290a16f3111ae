"""A request FastAPI refuses before any route runs (a wrong type, a missing field, a number
out of range) answers like every other bad input: `error`, a `message` naming the field and
why, `where`, and FastAPI's own `detail` list kept for older clients."""
from __future__ import annotations

from fastapi.testclient import TestClient

TILE = "/tiles/cells/8/128/127.pbf"


def assert_refused(response, *, where: str, why: str) -> dict:
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "InvalidInput"
    assert body["where"] == where
    assert where in body["message"] and why in body["message"]
    assert [".".join(map(str, item["loc"])) for item in body["detail"]][0] == where
    return body


def test_a_list_limit_that_is_not_a_number_names_the_parameter(client):
    response = client.get("/access-log", params={"limit": "abc"})
    body = assert_refused(response, where="query.limit", why="valid integer")
    assert body["detail"][0]["msg"] in body["message"]


def test_a_create_without_a_required_field_names_the_field(client):
    response = client.post("/generations", json={"note": "no name"})
    assert_refused(response, where="body.name", why="Field required")


def test_a_body_that_is_not_json_is_named_as_the_body(client):
    response = client.post("/generations", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and response.json()["where"].startswith("body")


def test_every_bad_field_is_named(client):
    response = client.post("/generations", json={"name": "", "note": "x" * 3000})
    body = assert_refused(response, where="body.name", why="at least 1 character")
    assert "body.note" in body["message"] and "at most 2000 characters" in body["message"]


def test_a_path_parameter_of_the_wrong_type_names_the_path(client):
    response = client.get("/generations/first")
    assert_refused(response, where="path.generation_id", why="valid integer")


def test_a_tile_of_generation_zero_is_refused_alike_by_the_lane_and_the_route(app):
    with TestClient(app) as client:
        by_lane = client.get(TILE, params={"generation": 0})
    lanes, app.fast_lanes = app.fast_lanes, []
    try:
        with TestClient(app) as client:
            by_route = client.get(TILE, params={"generation": 0})
    finally:
        app.fast_lanes = lanes
    assert_refused(by_lane, where="query.generation", why="greater than or equal to 1")
    assert by_lane.json() == by_route.json()


def test_a_located_point_without_lon_is_refused_alike_by_the_lane_and_the_route(app):
    from tests.api.test_locate import LAT, by_lane_and_by_route

    by_lane, by_route = by_lane_and_by_route(app, {"lat": LAT, "generation": "x"})
    body = assert_refused(by_lane, where="query.lon", why="Field required")
    assert "query.generation" in body["message"]
    assert by_lane.json() == by_route.json()


def test_the_openapi_schema_documents_the_422_body_the_service_sends(client):
    schema = client.get("/openapi.json").json()
    documented = schema["components"]["schemas"]["HTTPValidationError"]
    refs = {op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
            for path in schema["paths"].values() for op in path.values()
            if isinstance(op, dict) and "422" in op.get("responses", {})}
    assert refs == {"#/components/schemas/HTTPValidationError"}
    body = client.post("/generations", json={"note": "no name"}).json()
    assert set(documented["required"]) <= set(body), "a required key is missing in a real 422"
    assert set(body) <= set(documented["properties"]), "the 422 sends keys the schema hides"
    assert body["error"] in documented["properties"]["error"]["enum"]
