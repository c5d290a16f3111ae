"""Import errors speak of the uploaded file by its own name: no temporary paths, no SQL."""
from __future__ import annotations

import io
import tempfile
import zipfile

import pytest
from sqlalchemy import text

from tests.gis.ingest_samples import WEST, WEST_BOX, hierarchy_frame, legacy_frame, write_sample


def zipped_garbage() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("wards.shp", b"garbage" * 10)
        archive.writestr("wards.dbf", b"garbage")
    return out.getvalue()


BROKEN = {
    "wards.kml": b"<kml><Document><Placemark><Polygon>",
    "wards.gpkg": b"SQLite format 3\x00" + b"\x00" * 2000,
    "wards.zip": zipped_garbage(),
}


@pytest.mark.parametrize("filename", sorted(BROKEN))
@pytest.mark.parametrize("url", ["/imports/regions", "/imports/layers"])
def test_a_broken_file_is_named_as_uploaded(client, filename, url):
    response = client.post(url, files={"file": (filename, BROKEN[filename])},
                           data={"department": "城管"})
    assert response.status_code == 422, response.text
    message = response.json()["message"]
    assert message.startswith(filename) and "wards" in message
    assert tempfile.gettempdir() + "/" not in message and "onegrid-" not in message
    assert "SELECT" not in message and "sqlite3_" not in message


def test_layer_and_legacy_cell_names_are_cleaned_like_other_names(client, db, tmp_path):
    frame = legacy_frame([WEST_BOX])
    frame["网格名称"] = ["\u202e东\u200b网格\x00"]
    path = write_sample(tmp_path, frame, "geojson")
    done = client.post("/imports/layers", files={"file": ("g.geojson", path.read_bytes())},
                       data={"department": "应急\u200f", "name": "\u202e应急网格\x00",
                             "commit": "true"})
    assert done.status_code == 200, done.text
    change = done.json()["layer_change"]
    assert (change["department"], change["name"]) == ("应急", "应急网格")
    names = db.execute(text("SELECT name FROM legacy_cells")).scalars().all()
    assert names == ["东网格"]


def test_a_layer_name_of_only_invisible_characters_is_refused(client, tmp_path):
    path = write_sample(tmp_path, legacy_frame([WEST_BOX]), "geojson")
    response = client.post("/imports/layers", files={"file": ("g.geojson", path.read_bytes())},
                           data={"department": "应急", "name": "\u200b\u202e"})
    assert response.status_code == 422, response.text
    assert response.json()["where"] == "name" and "empty" in response.json()["message"]


def test_region_names_are_cleaned_like_other_names(client, db, tmp_path):
    frame = hierarchy_frame()
    frame["名称"] = ["\u202e西\u200b村", "东社区", "巴川街道", "铜梁区"]
    path = write_sample(tmp_path, frame, "csv")
    done = client.post("/imports/regions", files={"file": ("r.csv", path.read_bytes())},
                       data={"commit": "true"})
    assert done.status_code == 200, done.text
    assert db.execute(text("SELECT name FROM regions WHERE code = :c"),
                      {"c": WEST}).scalar() == "西村"
    frame["名称"] = ["村" * 201, "东社区", "巴川街道", "铜梁区"]
    path = write_sample(tmp_path, frame, "csv")
    refused = client.post("/imports/regions", files={"file": ("r.csv", path.read_bytes())})
    assert refused.status_code == 422, refused.text
    assert refused.json()["where"] == "feature 0 名称"
    assert "over the limit of 200" in refused.json()["message"]
