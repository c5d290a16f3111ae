"""CRS handling of imports: declared offsets land right, projected files are honoured, and the
usual mistakes (metres declared as degrees, swapped axes) are caught naming the file."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box
from sqlalchemy import text

from gis.crs import wgs84_to_gcj02
from gis.errors import CoordinateError
from gis.ingest.service import ImportOptions, import_regions
from tests.gis.ingest_samples import WEST, hierarchy_frame, write_sample

GEOD = Geod(ellps="WGS84")


def stored_offset_m(db, code: str, truth) -> float:
    """Hausdorff distance in metres between the stored vertices and the truth's (writers may
    reorder rings, so each vertex is matched to the nearest one of the other set)."""
    wkb = db.execute(text("SELECT ST_AsBinary(ST_GeometryN(geom, 1)) FROM regions "
                          "WHERE code = :c"), {"c": code}).scalar()
    stored = shapely.get_coordinates(shapely.from_wkb(bytes(wkb)))
    expected = shapely.get_coordinates(truth)
    a = np.repeat(stored, len(expected), axis=0)
    b = np.tile(expected, (len(stored), 1))
    _, _, dist = GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])
    table = dist.reshape(len(stored), len(expected))
    return float(max(table.min(axis=1).max(), table.min(axis=0).max()))


def shifted(frame, fn):
    """The same frame with every coordinate passed through fn(lon, lat) -> (x, y)."""
    def move(coords):
        x, y = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    return frame.set_geometry(shapely.transform(frame.geometry.values, move))


def test_gcj02_file_lands_within_a_metre_of_the_truth(db, tmp_path):
    truth = hierarchy_frame()
    path = write_sample(tmp_path, shifted(truth, wgs84_to_gcj02), "geojson")
    report = import_regions(db, path=path, commit=True, options=ImportOptions(crs="gcj02"))
    assert "GCJ-02" in report.crs
    assert "overrides the file's EPSG:4326" in report.crs_note
    assert stored_offset_m(db, WEST, truth.geometry[0]) < 1.0


def test_gcj02_file_loaded_as_wgs84_is_hundreds_of_metres_off(db, tmp_path):
    # The peer of the test above: without the declaration the offset is what users see.
    truth = hierarchy_frame()
    path = write_sample(tmp_path, shifted(truth, wgs84_to_gcj02), "geojson")
    import_regions(db, path=path, commit=True)
    assert stored_offset_m(db, WEST, truth.geometry[0]) > 100.0


def test_projected_gpkg_is_honoured(db, tmp_path):
    truth = hierarchy_frame()
    path = write_sample(tmp_path, truth.to_crs(4523), "gpkg")   # CGCS2000 GK zone 35 (105E)
    report = import_regions(db, path=path, commit=True)
    assert report.crs.startswith("EPSG:4523")
    assert stored_offset_m(db, WEST, truth.geometry[0]) < 1.0


def test_prj_of_a_zipped_shapefile_is_honoured(db, tmp_path):
    truth = hierarchy_frame()
    path = write_sample(tmp_path, truth.to_crs(4544), "shp.zip")  # GK CM 105E, no prefix
    report = import_regions(db, path=path, commit=True)
    assert report.crs.startswith("EPSG:4544")
    assert stored_offset_m(db, WEST, truth.geometry[0]) < 1.0


def test_metres_declared_as_degrees_names_the_file_and_suggests_a_crs(db, tmp_path):
    metres = hierarchy_frame().to_crs(4523).set_crs(4326, allow_override=True)
    path = write_sample(tmp_path, metres, "geojson", stem="综治网格")
    with pytest.raises(CoordinateError) as caught:
        import_regions(db, path=path)
    message = caught.value.message
    assert message.startswith("综治网格.geojson: projected metres declared as degrees")
    assert "--crs EPSG:4523" in message
    assert "EPSG:4523" in caught.value.details["candidates"]


def test_swapped_lon_lat_is_caught(db, tmp_path):
    path = tmp_path / "swapped.csv"
    path.write_text(f"代码,名称,wkt\n{WEST},西村,\"{box(29.8, 106.0, 30.0, 106.1).wkt}\"\n",
                    encoding="utf-8")
    with pytest.raises(CoordinateError, match="swapped.csv: longitude and latitude look swapped"):
        import_regions(db, path=path)


def test_csv_without_a_crs_says_it_assumed_wgs84(db, tmp_path):
    report = import_regions(db, path=write_sample(tmp_path, hierarchy_frame(), "csv"))
    assert report.crs.startswith("EPSG:4326")
    assert "assumed EPSG:4326" in report.crs_note


def test_unknown_crs_name_is_refused(db, tmp_path):
    path = write_sample(tmp_path, hierarchy_frame(), "geojson")
    with pytest.raises(CoordinateError, match="Unknown CRS"):
        import_regions(db, path=path, options=ImportOptions(crs="mars2000"))
