"""Which source column holds the code, name, level: given by the user or found by common headers."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gis.errors import InvalidInput

# Headers seen in real files, compared after lower-casing and dropping spaces, '_' and '-'.
# Order matters: the first header present wins (the specific before the generic).
CANDIDATES: dict[str, tuple[str, ...]] = {
    "code": ("统计用区划代码", "区划代码", "行政区划代码", "网格编码", "网格代码", "网格编号",
             "代码", "编码", "编号", "adcode", "regioncode", "gridcode", "cellcode", "code",
             "dm", "bm"),
    "name": ("区划名称", "行政区划名称", "网格名称", "名称", "名字", "name", "regionname",
             "gridname", "mc"),
    "level": ("级别", "层级", "区划级别", "level", "jb"),
}


def _key(header: str) -> str:
    return "".join(ch for ch in str(header).lower() if ch not in " _-")


@dataclass(frozen=True)
class ColumnMap:
    """Source column per role; None = the file has none."""

    code: str | None
    name: str | None
    level: str | None = None

    def as_report(self) -> dict[str, str | None]:
        return {"code": self.code, "name": self.name, "level": self.level}


def map_columns(frame: pd.DataFrame, *, source: str, code: str | None = None,
                name: str | None = None, level: str | None = None) -> ColumnMap:
    """Use the columns the caller named; find the others among the common headers."""
    by_key = {_key(c): c for c in frame.columns}
    chosen = {}
    for role, given in (("code", code), ("name", name), ("level", level)):
        if given is not None:
            if given not in frame.columns:
                raise InvalidInput(f"{source}: no column {given!r} for the {role}; columns "
                                   f"are {', '.join(map(str, frame.columns))}", where=source)
            chosen[role] = given
            continue
        chosen[role] = next((by_key[k] for k in map(_key, CANDIDATES[role]) if k in by_key),
                            None)
    return ColumnMap(**chosen)


def cell_text(value) -> str | None:
    """A cell as trimmed text; None for blanks and NaN. 5.00151001001e11 from a numeric
    Shapefile/GeoJSON field comes back as the integer code it was."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))
    text = str(value).strip()
    return text or None
