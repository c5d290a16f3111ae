"""The active generation's cells in memory: point -> cell without a database round trip.

/locate is the hottest read of the service, and the grid it reads changes a few times a
year. `CellIndex` holds the active generation's subdivided pieces (gis/sql/cell_index.sql)
and answers a point in a cell exactly as gis/sql/locate_points.sql does:
- the same candidates (grid_cell_pieces whose box holds the point, EPSG:4326 as stored)
  and the same test on the whole cell, GEOS's point-polygon intersects, which like
  ST_Covers counts a point on an edge or vertex as covered (a piece's cut adds vertices a
  hair off the cell's edge: pieces alone disagree with the cell about points on it);
- on a shared edge, the cell first in the database's own order of codes (code_rank);
- the same region chain (the cell's own village, its town and district).
A point in no cell, another generation (?generation=, ?at=) or no index at all is the
database's question (locate_points.sql also finds the regions around an ungridded point).
api.locate_index keeps one index current with LISTEN/NOTIFY (migration 0007).

Candidates are found by a grid of buckets in several sizes: a piece goes into the level
whose bucket is at least as large as the piece, so it sits in at most four buckets, and a
point probes one bucket per level. Building is linear in the pieces; a lookup is a few dict
probes plus one GEOS test per piece whose bounding box holds the point."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely
from sqlalchemy.orm import Session

from gis.grid.locate_async import PointQuery, checked_point, shape_answer
from gis.sql import HERE, query

# Migration 0007 NOTIFYs this channel at the commit of any change to the active grid.
CHANNEL = "onegrid_grid"

# Degrees (about 0.1 mm): a piece's box is widened by this before the whole cell is tested.
BOX_SLACK = 1e-9

# The columns of a /locate answer row (locate_points.sql's, cell_index.sql's).
ANSWER_COLUMNS = ("generation_id", "cell_id", "cell_code", "cell_name", "cell_kind",
                  "village_code", "village_name", "town_code", "town_name",
                  "district_code", "district_name")


@dataclass(frozen=True)
class _Level:
    step: float  # bucket size, degrees
    buckets: dict[tuple[int, int], list[int]] = field(default_factory=dict)


class CellIndex:
    """The pieces of one generation's cells, and what /locate says about each cell."""

    def __init__(self, *, generation_id: int, geometries: np.ndarray, piece_rank: list[int],
                 piece_answer: list[dict], cells: np.ndarray, piece_cell: list[int]) -> None:
        self.generation_id = generation_id
        self.pieces = len(geometries)
        self.cells = len(cells)
        self._cells = cells  # whole cells; piece_cell[i] is piece i's cell
        shapely.prepare(cells)
        self._piece_cell = piece_cell
        self._rank = piece_rank
        self._answer = piece_answer
        # BOX_SLACK: a point on the cell's edge may lie a hair outside every piece; the
        # boxes (and buckets) are only a filter, as && is for locate_points.sql
        bounds = shapely.bounds(geometries) + np.array([-1, -1, 1, 1]) * BOX_SLACK
        self._boxes = [tuple(b) for b in bounds.tolist()]
        self._x0, self._y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        self._levels = _levels(bounds, self._x0, self._y0)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping]) -> CellIndex | None:
        """From cell_index.sql's rows (asyncpg records or SQLAlchemy mappings); None when
        there is nothing to hold (no active generation, or one with no cells)."""
        answers: dict[int, dict] = {}
        cell_number: dict[int, int] = {}
        wkbs, cell_wkbs, ranks, piece_answer, piece_cell = [], [], [], [], []
        generation_id = None
        for row in rows:
            generation_id = row["generation_id"]
            answer = answers.get(row["cell_id"])
            if answer is None:
                answer = answers[row["cell_id"]] = {c: row[c] for c in ANSWER_COLUMNS}
                cell_number[row["cell_id"]] = len(cell_wkbs)
                cell_wkbs.append(bytes(row["cell_wkb"]))  # on the cell's first piece row
            wkbs.append(bytes(row["piece_wkb"]))
            ranks.append(int(row["code_rank"]))
            piece_answer.append(answer)
            piece_cell.append(cell_number[row["cell_id"]])
        if generation_id is None:
            return None
        return cls(generation_id=generation_id, geometries=shapely.from_wkb(wkbs),
                   piece_rank=ranks, piece_answer=piece_answer,
                   cells=shapely.from_wkb(cell_wkbs), piece_cell=piece_cell)

    def answers(self, asked: PointQuery) -> bool:
        """Whether `asked` is about this index's generation (the active one)."""
        return asked.at is None and asked.generation_id in (None, self.generation_id)

    def locate(self, asked: PointQuery) -> dict | None:
        """The /locate answer, or None when the point is in no cell of this generation (or
        `asked` is about another one): then the database answers."""
        if not self.answers(asked):
            return None
        point = checked_point(asked)  # the same refusals as the database path
        row = self.cell_row(*point)
        return None if row is None else shape_answer(asked, point, row)

    def cell_row(self, lon: float, lat: float) -> dict | None:
        """The answer row of the cell covering (lon, lat) in EPSG:4326, lowest rank first."""
        best, best_rank = None, math.inf
        for level in self._levels:
            candidates = level.buckets.get((math.floor((lon - self._x0) / level.step),
                                            math.floor((lat - self._y0) / level.step)))
            for piece in candidates or ():
                west, south, east, north = self._boxes[piece]
                if (west <= lon <= east and south <= lat <= north
                        and self._rank[piece] < best_rank
                        and shapely.intersects_xy(self._cells[self._piece_cell[piece]],
                                                  lon, lat)):
                    best, best_rank = piece, self._rank[piece]
        return None if best is None else self._answer[best]


def _levels(bounds: np.ndarray, x0: float, y0: float) -> list[_Level]:
    """Buckets for every piece: the smallest step (the median piece size, doubled as often
    as needed) at least as large as the piece, so that it lands in at most 2 x 2 buckets."""
    sizes = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    base = max(float(np.median(sizes)), 1e-9)  # a degenerate piece would make step 0
    levels: dict[int, _Level] = {}
    for piece, ((west, south, east, north), size) in enumerate(
            zip(bounds.tolist(), sizes.tolist(), strict=True)):
        number = max(0, math.ceil(math.log2(size / base))) if size > base else 0
        level = levels.get(number)
        if level is None:
            level = levels[number] = _Level(step=base * 2 ** number)
        step = level.step
        for ix in range(math.floor((west - x0) / step), math.floor((east - x0) / step) + 1):
            for iy in range(math.floor((south - y0) / step),
                            math.floor((north - y0) / step) + 1):
                level.buckets.setdefault((ix, iy), []).append(piece)
    return [levels[n] for n in sorted(levels)]


def index_sql() -> str:
    """cell_index.sql (no binds), for a driver of the caller's choice."""
    return (HERE / "cell_index.sql").read_text()


def load_cell_index(session: Session) -> CellIndex | None:
    """The active generation's index, read on a SQLAlchemy session (tests, the CLI)."""
    return CellIndex.from_rows(session.execute(query("cell_index")).mappings())
