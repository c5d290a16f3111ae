"""Import errors speak of the uploaded file by its own name: no temporary paths, no SQL."""
from __future__ import annotations

import io
import tempfile
import zipfile

import pytest


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
