"""Reading import files: every format, CSV WKT detection, and zips that try to escape."""
from __future__ import annotations

import zipfile

import pytest
import shapely
from shapely.geometry import box

from gis.errors import InvalidInput
from gis.ingest.read import ReadLimits, read_source, safe_extract
from tests.gis.ingest_samples import FORMATS, WEST, WEST_BOX, hierarchy_frame, write_sample


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_codes_names_and_polygons(tmp_path, fmt):
    path = write_sample(tmp_path, hierarchy_frame(), fmt)
    layer = read_source(path)
    assert len(layer) == 4
    codes = [str(v) for v in layer.attributes["代码"]]
    assert codes[0] == WEST
    assert list(layer.attributes["名称"])[:2] == ["西村", "东社区"]
    assert shapely.equals(layer.geometries[0], WEST_BOX)


def test_csv_wkt_column_is_found_by_content_when_the_header_is_unusual(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text(f"code,name,边界坐标\n{WEST},西村,\"{box(106, 29.8, 106.1, 30).wkt}\"\n",
                    encoding="utf-8")
    layer = read_source(path)
    assert shapely.equals(layer.geometries[0], WEST_BOX)
    assert "边界坐标" not in layer.attributes.columns


def test_csv_row_with_broken_wkt_is_a_row_error_not_a_file_error(tmp_path):
    path = tmp_path / "grid.csv"
    path.write_text(f"code,wkt\n{WEST},\"{WEST_BOX.wkt}\"\n2,\"POLYGON((1 2, 3\"\n",
                    encoding="utf-8")
    layer = read_source(path)
    assert layer.geometries[0] is not None
    assert "not WKT" in layer.parse_errors[1]


def test_gbk_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(f"代码,名称,wkt\n{WEST},西村,\"{WEST_BOX.wkt}\"\n".encode("gbk"))
    assert list(read_source(path).attributes["名称"]) == ["西村"]


def test_unsupported_suffix_is_named(tmp_path):
    path = tmp_path / "grid.xlsx"
    path.write_bytes(b"x")
    with pytest.raises(InvalidInput, match="grid.xlsx: unsupported file type '.xlsx'"):
        read_source(path)


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("member", ["../evil.geojson", "/etc/evil.geojson",
                                    "a/../../evil.geojson", "C:\\evil.geojson"])
def test_zip_member_escaping_the_folder_is_refused(tmp_path, member):
    path = _zip(tmp_path / "bad.zip", {"ok.txt": b"x", member: b"{}"})
    with pytest.raises(InvalidInput, match="bad.zip: refused: zip member .* outside"):
        read_source(path)
    assert not (tmp_path / "evil.geojson").exists()


def test_zip_bomb_is_refused_by_inflated_size(tmp_path):
    path = _zip(tmp_path / "bomb.zip", {"big.csv": b"0" * 5_000_000})
    with pytest.raises(InvalidInput, match="inflates to more than 1 MiB"):
        safe_extract(path, tmp_path / "out", name="bomb.zip",
                     limits=ReadLimits(max_zip_bytes=1024 * 1024))


def test_zip_with_too_many_members_is_refused(tmp_path):
    path = _zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(5)})
    with pytest.raises(InvalidInput, match="5 files in the zip, over the limit of 3"):
        safe_extract(path, tmp_path / "out", name="many.zip", limits=ReadLimits(max_zip_members=3))


def test_zip_that_is_not_a_zip_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(InvalidInput, match="broken.zip: not a valid zip"):
        read_source(path)


def test_zip_with_two_datasets_asks_which(tmp_path):
    frame = hierarchy_frame()
    a = write_sample(tmp_path, frame, "geojson", stem="a")
    b = write_sample(tmp_path, frame, "geojson", stem="b")
    path = _zip(tmp_path / "two.zip", {"a.geojson": a.read_bytes(), "b.geojson": b.read_bytes()})
    with pytest.raises(InvalidInput, match="a.geojson, b.geojson; expected exactly one"):
        read_source(path)
    assert len(read_source(path, layer="b")) == 4
