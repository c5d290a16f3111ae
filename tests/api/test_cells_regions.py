"""GeoJSON of cells and regions, and point lookups, on tiny hand-drawn cells."""


def test_cells_geojson_of_the_active_generation(client, two_cells):
    fc = client.get("/cells", params={"count": "true"}).json()
    assert fc["type"] == "FeatureCollection"
    assert [f["properties"]["code"] for f in fc["features"]] == [
        "500151001001001", "500151001001002"]
    assert fc["numberMatched"] == 2


def test_cells_bbox_and_paging(client, two_cells):
    east_only = client.get("/cells", params={"bbox": "1.5,0.2,1.9,0.8"}).json()
    assert [f["id"] for f in east_only["features"]] == ["500151001001002"]
    second_page = client.get("/cells", params={"limit": 1, "offset": 1, "count": "true"}).json()
    assert second_page["numberReturned"] == 1 and second_page["numberMatched"] == 2


def test_cells_keyset_paging_follows_next_links(client, two_cells):
    first = client.get("/cells", params={"limit": 1}).json()
    assert [f["id"] for f in first["features"]] == ["500151001001001"]
    assert "numberMatched" not in first  # not counted unless asked
    second = client.get(first["next"]).json()
    assert [f["id"] for f in second["features"]] == ["500151001001002"]
    assert second["next"] is not None  # a full page: there may be more
    assert client.get(second["next"]).json()["features"] == []
    last = client.get("/cells", params={"limit": 5}).json()
    assert last["next"] is None and last["numberReturned"] == 2


def test_bad_bbox_says_what_is_wrong(client, two_cells):
    response = client.get("/cells", params={"bbox": "1,2,3"})
    assert response.status_code == 422
    assert "bbox" in response.json()["message"]


def test_no_active_generation_is_a_clear_404(client):
    response = client.get("/cells")
    assert response.status_code == 404
    assert "no active generation" in response.json()["message"]


def test_regions_by_level(client, two_cells):
    fc = client.get("/regions", params={"level": "village"}).json()
    assert [f["properties"]["code"] for f in fc["features"]] == ["500151001001"]


def test_locate_point_on_shared_edge_resolves_the_same_way_every_time(client, two_cells):
    answers = {client.get("/locate", params={"lon": 1.0, "lat": 0.5}).json()["cell"]["code"]
               for _ in range(5)}
    assert answers == {"500151001001001"}  # the lower code wins on an edge
    inside_east = client.get("/locate", params={"lon": 1.5, "lat": 0.5}).json()
    assert inside_east["cell"]["code"] == "500151001001002"
    assert inside_east["village"]["code"] == "500151001001"
    assert inside_east["district"]["code"] == "500151000000"


def test_locate_outside_every_cell(client, two_cells):
    result = client.get("/locate", params={"lon": 5, "lat": 5}).json()
    assert result["cell"] is None and result["village"] is None
