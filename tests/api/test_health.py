"""/healthz tells whether the database and PostGIS answer and the schema is current."""


def test_healthz_reports_postgis_and_current_schema(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["postgis"][0] == "3"  # PostGIS 3.x
    assert body["schema_revision"] == body["expected_revision"]
