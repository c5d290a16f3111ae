"""Region features of an import: code, level and parent checks, the diff, and the upsert."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.ingest.columns import ColumnMap, cell_text
from gis.ingest.coverage import CoverageCheck, Piece, check_levels
from gis.ingest.read import SourceLayer
from gis.ingest.schemas import RegionChange, RegionChanges, Rejection
from gis.ingest.validate import CheckedGeometries
from gis.regions.models import Region
from gis.sql import query
from gis.text_guard import clean_name

MAX_NAME = 200
# Words of a level column, lower-case, mapped to the schema's levels.
LEVEL_WORDS = {
    "district": ("district", "county", "区县", "区", "县", "县级市", "旗"),
    "town": ("town", "street", "township", "乡镇", "街道", "镇", "乡", "苏木"),
    "village": ("village", "community", "村", "社区", "村委会", "居委会", "嘎查"),
}
_WORD_TO_LEVEL = {w: level for level, words in LEVEL_WORDS.items() for w in words}


@dataclass(frozen=True)
class RegionRow:
    index: int
    code: str
    level: str
    name: str
    parent_code: str | None
    urban: bool | None
    geom: object

    def as_param(self) -> dict:
        return {"code": self.code, "level": self.level, "name": self.name,
                "parent_code": self.parent_code, "urban": self.urban,
                "wkb": shapely.to_wkb(self.geom, hex=True)}


def level_of(code: str) -> str:
    """district = 6 digits + 000000, town = 9 digits + 000, village = anything else."""
    if code.endswith("000000"):
        return "district"
    return "town" if code.endswith("000") else "village"


def parent_of(code: str) -> str | None:
    level = level_of(code)
    if level == "village":
        return code[:9] + "000"
    return code[:6] + "000000" if level == "town" else None


def region_rows(layer: SourceLayer, checked: CheckedGeometries, columns: ColumnMap
                ) -> tuple[list[RegionRow], list[Rejection]]:
    """One row per usable feature; field problems become rejections (first code wins)."""
    rows, rejections, seen = [], [], {}
    for index in sorted(checked.geometries):
        record = layer.attributes.iloc[index]
        row = _row(index, record, checked.geometries[index], columns)
        if isinstance(row, Rejection):
            rejections.append(row)
        elif row.code in seen:
            rejections.append(Rejection(
                index=index, field=columns.code or "code",
                reason=f"code {row.code} repeats feature #{seen[row.code]}"))
        else:
            seen[row.code] = index
            rows.append(row)
    return rows, rejections


def _row(index: int, record, geom, columns: ColumnMap) -> RegionRow | Rejection:
    raw_code = cell_text(record[columns.code])
    code = _full_code(raw_code)
    if code is None:
        return Rejection(index=index, field=columns.code, reason=(
            f"code {raw_code!r} is not a 12-digit statistical code (or a 6-digit district "
            "code)" if raw_code else "code is empty"))
    name = cell_text(record[columns.name]) if columns.name else None
    if not name:
        return Rejection(index=index, field=columns.name or "name", reason="name is empty")
    # NUL, bidi and zero-width marks out; a name over the cap refuses the file, naming it
    name = clean_name(name, where=f"feature {index} {columns.name}", max_length=MAX_NAME)
    level = level_of(code)
    if columns.level and (word := cell_text(record[columns.level])):
        stated = _WORD_TO_LEVEL.get(word.lower())
        if stated != level:
            return Rejection(index=index, field=columns.level, reason=(
                f"level {word!r} does not match code {code}, which is a {level} code"
                if stated else f"level {word!r} is not one of district/town/village"))
    urban = None
    if level == "village":  # 社区 are urban communities, 村 rural villages
        urban = True if name.endswith("社区") else False if name.endswith("村") else None
    return RegionRow(index=index, code=code, level=level, name=name,
                     parent_code=parent_of(code), urban=urban, geom=geom)


def _full_code(raw: str | None) -> str | None:
    if raw is None or not re.fullmatch(r"\d{6}|\d{12}", raw):
        return None
    return raw + "000000" if len(raw) == 6 else raw


def check_parents(session: Session, rows: list[RegionRow]
                  ) -> tuple[list[RegionRow], list[Rejection]]:
    """Keep rows whose parent is in the file (and kept) or already in the database."""
    wanted = {r.parent_code for r in rows if r.parent_code}
    in_db = set(session.scalars(select(Region.code).where(Region.code.in_(wanted)))) \
        if wanted else set()
    kept, rejections = list(rows), []
    while True:  # a rejected town takes its villages with it
        available = in_db | {r.code for r in kept}
        orphans = [r for r in kept if r.parent_code and r.parent_code not in available]
        if not orphans:
            return kept, sorted(rejections, key=lambda r: r.index)
        for row in orphans:
            kept.remove(row)
            parent_level = level_of(row.parent_code)
            rejections.append(Rejection(index=row.index, field="code", reason=(
                f"parent {parent_level} {row.parent_code} of {row.level} {row.code} is "
                "neither in the file (valid) nor in the database")))


def coverage(session: Session, rows: list[RegionRow]) -> CoverageCheck:
    """Gaps, overlaps, children outside their parent; parents not in the file are taken
    from the database (as stored, EPSG:4326)."""
    in_file = {r.code: Piece(r.index, r.code, r.geom) for r in rows}
    wanted = sorted({r.parent_code for r in rows if r.parent_code} - set(in_file))
    stored = session.execute(select(Region.code, func.ST_AsBinary(Region.geom))
                             .where(Region.code.in_(wanted))).all() if wanted else []
    parents = in_file | {code: Piece(-1, code, shapely.from_wkb(bytes(wkb)))
                         for code, wkb in stored}
    return check_levels(list(in_file.values()), level_of={r.index: r.level for r in rows},
                        parent_of={r.index: r.parent_code for r in rows}, parents=parents,
                        in_file=set(in_file))


def diff(session: Session, rows: list[RegionRow]) -> RegionChanges:
    """What a commit would do, computed by the database in one statement."""
    if not rows:
        return RegionChanges()
    found = session.execute(query("import_regions_diff"),
                            {"features": _features_json(rows)}).mappings().all()
    changes = [RegionChange(code=r["code"], level=r["level"], name=r["name"],
                            action=r["action"], geometry_changed=r["geometry_changed"])
               for r in found]
    count = {a: sum(c.action == a for c in changes) for a in ("insert", "update", "unchanged")}
    return RegionChanges(inserted=count["insert"], updated=count["update"],
                         unchanged=count["unchanged"], regions=changes)


def store(session: Session, rows: list[RegionRow]) -> None:
    if rows:
        session.execute(query("import_regions_upsert"), {"features": _features_json(rows)})


def _features_json(rows: list[RegionRow]) -> str:
    return json.dumps([r.as_param() for r in rows], ensure_ascii=False)
