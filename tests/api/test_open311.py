"""Open311 GeoReport v2 conformance: the specification's shapes in JSON (Spark convention)
and XML, its error list and statuses, api_key and jurisdiction_id handling."""
from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import text

from gis.auth import keys, rls, service
from tests.incident_fixtures import THURSDAY, WEST_POINT, act, principal, report

BASE = "/open311/v2"
LISTS = {"services": "service", "service_requests": "request", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format", "errors": "error"}


def spark(element: ET.Element):
    """XML -> JSON by the Spark convention, typed loosely (every leaf a string or None)."""
    if element.tag in LISTS:
        return [spark(child) for child in element]
    if len(element) == 0:
        return element.text
    return {child.tag: spark(child) for child in element}


def loose(value):
    """JSON values as the XML carries them: text, booleans as true/false, null as empty."""
    if isinstance(value, list):
        return [loose(v) for v in value]
    if isinstance(value, dict):
        return {k: loose(v) for k, v in value.items()}
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def both(client, path: str, **kwargs):
    """The .json and .xml answers, checked to carry the same content."""
    as_json = client.get(f"{BASE}/{path}.json", **kwargs)
    as_xml = client.get(f"{BASE}/{path}.xml", **kwargs)
    assert as_json.status_code == as_xml.status_code
    assert as_json.headers["content-type"] == "application/json; charset=utf-8"
    assert as_xml.headers["content-type"] == "text/xml; charset=utf-8"
    assert as_xml.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(as_xml.content)
    assert spark(root) == loose(as_json.json())
    return as_json, root


@pytest.fixture()
def city(dispatch_world, db, app, anon_client, request):
    """A citizen-app key (integration role, everywhere) and two public cases; then RLS."""
    user = service.add_user(db, username="wechat-app", roles=("integration",))
    service.add_scope(db, username="wechat-app", code="500151000000")
    _, plain = keys.create_api_key(db, user=user, name="wechat", permissions=["incidents:write"],
                                   allowed=frozenset({"cells:read", "incidents:write"}))
    desk = principal("dispatcher")
    vendor = report(db, desk, description="占道 <卖> & 水果", now=THURSDAY)
    hidden = report(db, desk, category="special_population", now=THURSDAY)
    db.flush()
    request.getfixturevalue("rls_db")
    app.state.clock = lambda: THURSDAY + dt.timedelta(hours=1)
    return {"key": plain, "client": anon_client, "vendor": vendor, "hidden": hidden}


def post(client, fmt="json", **fields):
    body = {"service_code": "public_facility.manhole", "lat": str(WEST_POINT[1]),
            "long": str(WEST_POINT[0]), "attribute[cover_state]": "broken", **fields}
    return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in body.items()
                                                      if v is not None})


def test_discovery_points_at_this_endpoint(city):
    answer, root = both(city["client"], "discovery")
    endpoint = answer.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == endpoint["formats"]


def test_services_list_the_public_catalogue(city):
    answer, root = both(city["client"], "services")
    services = {s["service_code"]: s for s in answer.json()}
    assert set(services["street_order.vendor"]) == {"service_code", "service_name",
                                                    "description", "metadata", "type",
                                                    "keywords", "group"}
    assert services["street_order.vendor"]["group"] == "街面秩序"
    assert services["public_facility.manhole"]["metadata"] is True
    assert services["emergency"]["metadata"] is False and services["emergency"]["type"] == \
        "realtime"
    assert "special_population" not in services and "dispute.family" not in services
    assert root.tag == "services" and root[0].tag == "service"


def test_a_service_definition_as_in_the_spec(city):
    answer, root = both(city["client"], "services/public_facility.manhole")
    body = answer.json()
    assert body["service_code"] == "public_facility.manhole"
    first = body["attributes"][0]
    assert first == {"variable": True, "code": "cover_state", "datatype": "singlevaluelist",
                     "required": True, "datatype_description": None, "order": 1,
                     "description": first["description"],
                     "values": [{"key": "missing", "name": "缺失 missing"},
                                {"key": "broken", "name": "破损 broken"},
                                {"key": "sunken", "name": "下沉 sunken"}]}
    assert root.find("attributes/attribute/values/value/key").text == "missing"
    for code in ("nope", "special_population"):
        missing, error = both(city["client"], f"services/{code}")
        assert missing.status_code == 404
        assert missing.json()[0]["code"] == 404 and code in missing.json()[0]["description"]
        assert error.tag == "errors" and error[0].tag == "error"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_a_request_as_in_the_spec_example(city, db, fmt):
    answer = post(city["client"], fmt, api_key=city["key"], jurisdiction_id="city.gov",
                  address_string="1组 3号", email="smit333@example.org", device_id="tt222111",
                  account_id="123456", first_name="john", last_name="smith",
                  phone="111111111", description="A large sinkhole is destroying the street",
                  media_url="http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
                  **{"attribute[traffic]": "road"})
    assert answer.status_code == 200, answer.text
    as_xml = spark(ET.fromstring(answer.content))[0] if fmt == "xml" else None
    body = as_xml or answer.json()[0]
    assert set(body) == {"service_request_id", "service_notice", "account_id"}  # no token
    assert body["account_id"] == "123456"
    request_id = int(body["service_request_id"])
    stored = db.execute(text("SELECT source, status, cell_code, reporter->>'email',"
                             " attributes FROM incidents WHERE id = :id"),
                        {"id": request_id}).one()
    assert stored[:4] == ("citizen", "reported", "500151001001001", "smit333@example.org")
    assert stored[4] == {"cover_state": "broken", "traffic": "road"}
    shown = city["client"].get(f"{BASE}/requests/{request_id}.json").json()[0]
    assert shown["status"] == "open" and shown["address"] == "1组 3号"
    assert "smit333" not in str(shown) and "john" not in str(shown)


@pytest.mark.parametrize(("fields", "status", "says"), [
    ({}, 403, "api_key is required"),
    ({"api_key": "og_nope"}, 403, "not valid"),
    ({"service_code": "potholes"}, 404, "service_code potholes not found"),
    ({"service_code": None}, 400, "service_code was not provided"),
    ({"attribute[cover_state]": None}, 400, "attribute[cover_state] is required"),
    ({"attribute[cover_state]": "gone"}, 400, "'gone' is not one of missing, broken"),
    ({"long": None}, 400, "lat and long both need to be sent"),
    ({"lat": None, "long": None, "address_string": "x"}, 400, "too short to match"),
    ({"description": "x" * 4001}, 400, "4,000 characters"),
])
def test_post_errors_are_the_spec_error_list(city, fields, status, says):
    if fields and "api_key" not in fields:  # every case but the first has a good key
        fields = {"api_key": city["key"], **fields}
    for fmt in ("json", "xml"):
        answer = post(city["client"], fmt, **fields)
        assert answer.status_code == status, answer.text
        if fmt == "json":
            assert answer.json()[0]["code"] == status and says in \
                answer.json()[0]["description"]
        else:
            root = ET.fromstring(answer.content)
            assert root.tag == "errors" and says in root.find("error/description").text


def test_the_api_key_may_come_in_the_query_or_a_header(city):
    by_query = city["client"].post(f"{BASE}/requests.json?api_key={city['key']}",
                                   data={"service_code": "emergency",
                                         "lat": str(WEST_POINT[1]), "long": str(WEST_POINT[0])})
    by_header = city["client"].post(f"{BASE}/requests.xml", headers={"X-API-Key": city["key"]},
                                    data={"service_code": "emergency",
                                          "lat": str(WEST_POINT[1]),
                                          "long": str(WEST_POINT[0])})
    assert by_query.status_code == by_header.status_code == 200


def test_get_requests_filters_and_defaults(city, db):
    client = city["client"]
    answer, root = both(client, "requests")
    listed = answer.json()
    assert [r["service_request_id"] for r in listed] == [city["vendor"]["id"]]  # not hidden
    vendor = listed[0]
    assert vendor["status"] == "open" and vendor["service_code"] == "street_order.vendor"
    assert vendor["requested_datetime"] == "2026-10-08T09:00:00+08:00"
    assert vendor["lat"] == pytest.approx(WEST_POINT[1]) and vendor["description"] == \
        "占道 <卖> & 水果"
    assert root.find("request/description").text == "占道 <卖> & 水果"  # escaped, intact
    assert set(vendor) >= {"status_notes", "agency_responsible", "service_notice",
                           "updated_datetime", "expected_datetime", "address", "address_id",
                           "zipcode", "long", "media_url"}
    assert client.get(f"{BASE}/requests.json", params={"status": "closed"}).json() == []
    assert client.get(f"{BASE}/requests.json",
                      params={"service_code": "emergency,construction"}).json() == []
    old = client.get(f"{BASE}/requests.json", params={"end_date": "2026-06-01T00:00:00Z"})
    assert old.json() == []
    too_long = client.get(f"{BASE}/requests.json", params={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"})
    assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]
    no_zone = client.get(f"{BASE}/requests.json", params={"start_date": "2026-10-01"})
    assert no_zone.status_code == 400 and "zone" in no_zone.json()[0]["description"]
    by_id = client.get(f"{BASE}/requests.json", params={
        "service_request_id": f"{city['vendor']['id']},{city['hidden']['id']}",
        "status": "closed", "end_date": "2020-01-01T00:00:00Z"})
    assert [r["service_request_id"] for r in by_id.json()] == [city["vendor"]["id"]]


def test_one_request_and_its_token(city, db):
    client = city["client"]
    answer, root = both(client, f"requests/{city['vendor']['id']}")
    assert answer.json()[0]["service_request_id"] == city["vendor"]["id"]
    assert root.tag == "service_requests" and root[0].tag == "request"
    missing, _ = both(client, "requests/999999999")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    hidden, _ = both(client, f"requests/{city['hidden']['id']}")
    assert hidden.status_code == 404
    created = post(client, api_key=city["key"]).json()[0]["service_request_id"]
    token = db.execute(text("SELECT open311_token FROM incidents WHERE id = :id"),
                       {"id": created}).scalar()
    by_token, _ = both(client, f"tokens/{token}")
    assert by_token.json() == [{"service_request_id": created, "token": token}]
    assert client.get(f"{BASE}/tokens/unknown.json").status_code == 404


def test_a_merged_request_follows_the_surviving_case(city, db):
    desk = principal("dispatcher")
    rls.scope_session(db, desk)
    survivor = report(db, desk, now=THURSDAY)["id"]
    act(db, desk, city["vendor"]["id"], "merge", into_id=survivor, note="same stall")
    for action in ("register", "dispatch", "handle", "feedback", "verify", "close"):
        act(db, desk, survivor, action)
    shown = city["client"].get(f"{BASE}/requests/{city['vendor']['id']}.json").json()[0]
    assert shown["status"] == "closed" and f"merged with request {survivor}" in \
        shown["status_notes"]


def test_jurisdiction_id_and_format(city, settings):
    client = city["client"]
    settings.incidents.open311_jurisdiction = "tongliang.gov.cn"
    assert client.get(f"{BASE}/services.json",
                      params={"jurisdiction_id": "tongliang.gov.cn"}).status_code == 200
    assert client.get(f"{BASE}/services.json").status_code == 200  # one jurisdiction
    other = client.get(f"{BASE}/services.xml", params={"jurisdiction_id": "sfgov.org"})
    assert other.status_code == 404 and "jurisdiction_id sfgov.org not found" in other.text
    html = client.get(f"{BASE}/services.html")
    assert html.status_code == 400 and ET.fromstring(html.content).tag == "errors"
