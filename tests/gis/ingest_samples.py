"""Tiny hand-drawn import files, written at test time in each format the importer reads."""
from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import box

# A 0.2 x 0.2 degree district in Chongqing (inside China, so the CRS checks pass): one town
# covering it, split into a west village (村) and an east community (社区).
DISTRICT = "500151000000"
TOWN = "500151001000"
WEST = "500151001001"
EAST = "500151001002"
DISTRICT_BOX = box(106.0, 29.8, 106.2, 30.0)
WEST_BOX = box(106.0, 29.8, 106.1, 30.0)
EAST_BOX = box(106.1, 29.8, 106.2, 30.0)
FORMATS = ("geojson", "shp.zip", "gpkg", "kml", "csv")


def hierarchy_frame(*, crs: str | int = 4326) -> gpd.GeoDataFrame:
    """District, town and two villages, villages first (the importer orders parents)."""
    return gpd.GeoDataFrame(
        {"代码": [WEST, EAST, TOWN, DISTRICT],
         "名称": ["西村", "东社区", "巴川街道", "铜梁区"]},
        geometry=[WEST_BOX, EAST_BOX, DISTRICT_BOX, DISTRICT_BOX], crs=crs)


def write_sample(folder: Path, frame: gpd.GeoDataFrame, fmt: str, *, stem: str = "sample"
                 ) -> Path:
    """Write `frame` as GeoJSON, a zipped Shapefile, GPKG, KML or CSV with a WKT column."""
    if fmt == "csv":
        path = folder / f"{stem}.csv"
        table = frame.drop(columns="geometry").assign(WKT=frame.geometry.to_wkt())
        table.to_csv(path, index=False)
        return path
    if fmt == "shp.zip":
        shp_dir = folder / f"{stem}_shp"
        shp_dir.mkdir()
        pyogrio.write_dataframe(frame, shp_dir / f"{stem}.shp", encoding="UTF-8")
        path = folder / f"{stem}.zip"
        with zipfile.ZipFile(path, "w") as archive:
            for part in sorted(shp_dir.iterdir()):
                archive.write(part, part.name)
        return path
    path = folder / f"{stem}.{fmt}"
    pyogrio.write_dataframe(frame, path, driver={"geojson": "GeoJSON", "gpkg": "GPKG",
                                                 "kml": "KML"}[fmt])
    return path


def legacy_frame(geoms, *, codes=None, crs: str | int = 4326) -> gpd.GeoDataFrame:
    codes = codes or [f"ZZ-{i:02d}" for i in range(len(geoms))]
    return gpd.GeoDataFrame({"网格编码": codes, "网格名称": [f"网格{c}" for c in codes],
                             "人数": list(range(len(geoms)))}, geometry=list(geoms), crs=crs)
