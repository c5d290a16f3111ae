"""/tiles: vector tiles a map client can read; empty tiles 204; impossible tiles 404."""
from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from tests.factories import VILLAGE
from tests.grid_fixtures import CHINA_SOUTH, CHINA_WEST, add_households


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The Web Mercator tile (x, y) holding a point at zoom z."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def test_cells_tile_carries_codes_and_household_counts(client, china_grid, tmp_path):
    x, y = tile_of(CHINA_WEST + 0.005, CHINA_SOUTH + 0.005, 14)
    response = client.get(f"/tiles/cells/14/{x}/{y}.pbf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert (VILLAGE + "001").encode() in response.content
    if shutil.which("ogrinfo"):
        path = tmp_path / "tile.pbf"
        path.write_bytes(response.content)
        out = subprocess.run(["ogrinfo", "-ro", "-al", "-oo", "Z=14", "-oo", f"X={x}",
                              "-oo", f"Y={y}", str(path)], capture_output=True, text=True,
                             check=True).stdout
        assert "Layer name: cells" in out and "households (Integer" in out


def test_households_show_in_the_choropleth(client, db, china_grid, tmp_path):
    add_households(db, [(CHINA_WEST + 0.001, CHINA_SOUTH + 0.001)] * 3,
                   cell_id=china_grid["west"])
    x, y = tile_of(CHINA_WEST + 0.005, CHINA_SOUTH + 0.005, 14)
    data = client.get(f"/tiles/cells/14/{x}/{y}.pbf").content
    if not shutil.which("ogrinfo"):
        pytest.skip("ogrinfo (gdal-bin) is needed to decode the tile")
    path = tmp_path / "tile.pbf"
    path.write_bytes(data)
    out = subprocess.run(["ogrinfo", "-ro", "-al", "-oo", "Z=14", "-oo", f"X={x}",
                          "-oo", f"Y={y}", str(path)], capture_output=True, text=True,
                         check=True).stdout
    west = out.split(f"code (String) = {VILLAGE}001")[1].split("POLYGON")[0]
    assert "households (Integer) = 3" in west or "households (Integer64) = 3" in west


@pytest.mark.parametrize("layer", ["villages", "towns"])
def test_region_layers(client, china_grid, layer):
    x, y = tile_of(CHINA_WEST + 0.005, CHINA_SOUTH + 0.005, 12)
    response = client.get(f"/tiles/{layer}/12/{x}/{y}.pbf")
    assert response.status_code == 200 and layer.encode() in response.content


def test_empty_tile_is_204(client, china_grid):
    assert client.get("/tiles/cells/14/0/0.pbf").status_code == 204


@pytest.mark.parametrize("path", ["/tiles/cells/3/8/0.pbf", "/tiles/cells/3/0/-1.pbf",
                                  "/tiles/cells/23/0/0.pbf", "/tiles/roads/3/0/0.pbf"])
def test_impossible_tiles_are_404(client, china_grid, path):
    response = client.get(path)
    assert response.status_code == 404 and response.json()["message"]
