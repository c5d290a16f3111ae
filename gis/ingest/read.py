"""Read an import file into attributes + shapely geometries: type detection, safe unzip, CSV."""
from __future__ import annotations

import re
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.errors import GEOSException

from gis.errors import InvalidInput

# Formats read through GDAL (pyogrio), by file suffix. CSV is read by pandas (see _read_csv).
GDAL_SUFFIXES = {".geojson": "GeoJSON", ".json": "GeoJSON", ".gpkg": "GPKG",
                 ".kml": "KML", ".shp": "ESRI Shapefile"}
DATASET_SUFFIXES = (*GDAL_SUFFIXES, ".csv")
# Common headers of a WKT column, compared lower-case.
WKT_HEADERS = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "空间信息", "边界")
_LOOKS_LIKE_WKT = re.compile(r"^\s*(SRID=\d+;)?\s*(MULTI)?POLYGON\s*(Z\s*)?\(", re.I)
_POLYGONAL = ("Polygon", "MultiPolygon", "Polygon Z", "MultiPolygon Z", "Unknown")


@dataclass(frozen=True)
class ReadLimits:
    """Caps that keep a hostile or mistaken upload from exhausting the server."""

    max_zip_members: int = 200
    max_zip_bytes: int = 512 * 1024 * 1024   # total uncompressed size
    max_features: int = 200_000


@dataclass
class SourceLayer:
    """One layer of one file, not yet validated: attributes and geometries side by side."""

    source_name: str
    layer_name: str | None
    attributes: pd.DataFrame
    geometries: np.ndarray                 # shapely geometries, None where missing/unparsable
    crs_text: str | None                   # "EPSG:4326", "OGC:CRS84" or .prj WKT; None = unknown
    parse_errors: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.geometries)


def read_source(path: Path, *, source_name: str | None = None, layer: str | None = None,
                wkt_column: str | None = None, limits: ReadLimits = ReadLimits()) -> SourceLayer:
    """Read `path` (named `source_name` in messages); zips are unpacked safely first."""
    name = source_name or path.name
    suffix = Path(name).suffix.lower() or path.suffix.lower()
    if suffix == ".zip":
        with tempfile.TemporaryDirectory(prefix="onegrid-import-") as tmp:
            dataset = _dataset_in_zip(path, Path(tmp), name=name, layer=layer, limits=limits)
            inner = f"{name}!{dataset.relative_to(tmp)}"
            return _read_dataset(dataset, name=inner, layer=None if dataset.suffix.lower()
                                 == ".shp" else layer, wkt_column=wkt_column, limits=limits)
    if suffix not in DATASET_SUFFIXES:
        raise InvalidInput(f"{name}: unsupported file type {suffix or '(no suffix)'!r}; give "
                           "GeoJSON, a zipped Shapefile (.zip), GeoPackage (.gpkg), KML or CSV "
                           "with a WKT column", where=name)
    return _read_dataset(path, name=name, layer=layer, wkt_column=wkt_column, limits=limits,
                         suffix=suffix)


def _read_dataset(path: Path, *, name: str, layer: str | None, wkt_column: str | None,
                  limits: ReadLimits, suffix: str | None = None) -> SourceLayer:
    suffix = suffix or path.suffix.lower()
    if suffix == ".csv":
        result = _read_csv(path, name=name, wkt_column=wkt_column)
    else:
        result = _read_gdal(path, name=name, layer=layer, driver=GDAL_SUFFIXES[suffix])
    if len(result) > limits.max_features:
        raise InvalidInput(f"{name}: {len(result)} features is over the limit of "
                           f"{limits.max_features}; split the file", where=name)
    return result


def _read_gdal(path: Path, *, name: str, layer: str | None, driver: str) -> SourceLayer:
    chosen = _choose_layer(path, name=name, layer=layer)
    try:
        frame = pyogrio.read_dataframe(path, layer=chosen)
    except Exception as exc:  # GDAL reports broken files with several exception types
        raise InvalidInput(f"{name}: GDAL ({driver}) cannot read it: "
                           f"{gdal_message(exc, path=path, name=name)}", where=name) from None
    geometries = np.asarray(frame.geometry.values, dtype=object) if "geometry" in frame else \
        np.full(len(frame), None, dtype=object)
    attributes = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    return SourceLayer(source_name=name, layer_name=chosen, attributes=attributes,
                       geometries=geometries, crs_text=_crs_text(frame.crs))


# "sqlite3_prepare_v2(SELECT … IN ('a', 'b')) failed: " (one level of nested brackets)
_SQL_CALL = re.compile(r"sqlite3_\w+\((?:[^()]|\([^()]*\))*\)\s*failed:\s*")
_TEMP_PATH = re.compile(re.escape(tempfile.gettempdir()) + r"/[^\s'\"]*")


def gdal_message(exc: Exception, *, path: Path, name: str) -> str:
    """GDAL's complaint in terms of the uploaded file: the file's own name instead of our
    temporary path, and no SQL from inside GDAL's drivers (it says nothing to a user and
    tells an attacker how the server reads files)."""
    text = str(exc).replace(str(path), name)
    text = _TEMP_PATH.sub(name, _SQL_CALL.sub("", text))
    text = text.split("; It might help to specify the correct driver")[0]
    parts = dict.fromkeys(part.strip() for part in text.split(";") if part.strip())
    return "; ".join(parts) or "the file is damaged or not in this format"


def _crs_text(crs) -> str | None:
    """An authority code when the file's CRS has one ("EPSG:4490"), else its WKT."""
    if crs is None:
        return None
    authority = crs.to_authority(min_confidence=70)
    return ":".join(authority) if authority else crs.to_wkt()


def _choose_layer(path: Path, *, name: str, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise InvalidInput(f"{name}: not a readable GIS file: "
                           f"{gdal_message(exc, path=path, name=name)}", where=name) from None
    names = [str(row[0]) for row in layers]
    if layer is not None:
        if layer not in names:
            raise InvalidInput(f"{name}: no layer {layer!r}; it has {', '.join(names)}",
                               where=name)
        return layer
    if len(names) == 1:
        return names[0]
    polygonal = [str(row[0]) for row in layers if str(row[1]) in _POLYGONAL]
    if len(polygonal) == 1:
        return polygonal[0]
    raise InvalidInput(f"{name}: {len(names)} layers ({', '.join(names)}); choose one with "
                       "--layer", where=name)


def _read_csv(path: Path, *, name: str, wkt_column: str | None) -> SourceLayer:
    frame = _csv_frame(path, name=name)
    column = _wkt_column(frame, name=name, wanted=wkt_column)
    geometries = np.full(len(frame), None, dtype=object)
    errors: dict[int, str] = {}
    for index, value in enumerate(frame[column]):
        text = str(value).strip()
        if not text:
            errors[index] = f"column {column!r} is empty"
            continue
        try:
            geometries[index] = shapely.from_wkt(re.sub(r"^SRID=\d+;", "", text))
        except GEOSException as exc:
            errors[index] = f"column {column!r} is not WKT: {exc}"
    # CSV has no CRS of its own; the caller declares one or EPSG:4326 is assumed (and said).
    return SourceLayer(source_name=name, layer_name=None, attributes=frame.drop(columns=column),
                       geometries=geometries, crs_text=None, parse_errors=errors)


def _csv_frame(path: Path, *, name: str) -> pd.DataFrame:
    # Strings only: codes keep leading zeros. Excel in China saves CSV as GBK more often
    # than not, so try UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise InvalidInput(f"{name}: not a readable CSV: {exc}", where=name) from None
    raise InvalidInput(f"{name}: the CSV is neither UTF-8 nor GBK/GB18030 text", where=name)


def _wkt_column(frame: pd.DataFrame, *, name: str, wanted: str | None) -> str:
    if wanted is not None:
        if wanted not in frame.columns:
            raise InvalidInput(f"{name}: no column {wanted!r}; columns are "
                               f"{', '.join(map(str, frame.columns))}", where=name)
        return wanted
    for column in frame.columns:
        if str(column).strip().lower() in WKT_HEADERS:
            return column
    for column in frame.columns:
        sample = next((v for v in frame[column] if str(v).strip()), "")
        if _LOOKS_LIKE_WKT.match(str(sample)):
            return column
    raise InvalidInput(f"{name}: no column holds WKT polygons (looked for a header like "
                       f"{', '.join(WKT_HEADERS[:4])} or values starting with POLYGON); name it "
                       "with --wkt-column", where=name)


def _dataset_in_zip(path: Path, dest: Path, *, name: str, layer: str | None,
                    limits: ReadLimits) -> Path:
    safe_extract(path, dest, name=name, limits=limits)
    found = sorted(p for p in dest.rglob("*") if p.suffix.lower() in DATASET_SUFFIXES
                   and "__MACOSX" not in p.parts)
    if layer is not None:
        found = [p for p in found if p.stem == layer] or found
    if len(found) == 1:
        return found[0]
    listing = ", ".join(str(p.relative_to(dest)) for p in found) or "nothing readable"
    raise InvalidInput(f"{name}: the zip holds {listing}; expected exactly one dataset"
                       + (" (choose with --layer)" if found else ""), where=name)


def safe_extract(path: Path, dest: Path, *, name: str, limits: ReadLimits = ReadLimits()) -> None:
    """Unzip refusing path traversal, absolute names, links, too many members, too many bytes.

    The size cap is enforced on the bytes actually inflated, not on the sizes the archive
    declares (a zip bomb may lie about them)."""
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"{name}: not a valid zip archive ({exc})", where=name) from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > limits.max_zip_members:
            raise InvalidInput(f"{name}: {len(members)} files in the zip, over the limit of "
                               f"{limits.max_zip_members}", where=name)
        for member in members:
            _check_member_name(member, name=name)
        budget = limits.max_zip_bytes
        for member in members:
            budget = _extract_member(archive, member, dest, budget=budget, name=name,
                                     limit=limits.max_zip_bytes)


def _check_member_name(member: zipfile.ZipInfo, *, name: str) -> None:
    raw = member.filename
    posix = PurePosixPath(raw.replace("\\", "/"))
    unsafe = (posix.is_absolute() or ".." in posix.parts or re.match(r"^[A-Za-z]:", raw)
              or "\x00" in raw)
    if unsafe:
        raise InvalidInput(f"{name}: refused: zip member {raw!r} points outside the archive "
                           "(absolute path or '..')", where=name)
    if stat.S_ISLNK(member.external_attr >> 16):
        raise InvalidInput(f"{name}: refused: zip member {raw!r} is a symbolic link", where=name)


def _extract_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, dest: Path, *,
                    budget: int, name: str, limit: int) -> int:
    target = dest / PurePosixPath(member.filename.replace("\\", "/"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.open(member) as source, target.open("wb") as out:
        while chunk := source.read(1 << 20):
            budget -= len(chunk)
            if budget < 0:
                raise InvalidInput(f"{name}: refused: the zip inflates to more than "
                                   f"{limit // (1024 * 1024)} MiB", where=name)
            out.write(chunk)
    return budget
