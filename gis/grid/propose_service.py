"""Proposal, database side: read villages and household points, write cells into the draft."""
from __future__ import annotations

import time

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import NotFound
from gis.grid import lifecycle
from gis.grid.edits import replace_village_cells
from gis.grid.propose import check_band
from gis.grid.propose_roads import propose_village
from gis.sql import query

# How many leading code digits a region shares with the villages under it.
PREFIX = {"district": 6, "town": 9, "village": 12}


def villages_under(session: Session, *, region_code: str) -> list[dict]:
    level = session.execute(text("SELECT level FROM regions WHERE code = :code"),
                            {"code": region_code}).scalar()
    if level is None:
        raise NotFound(f"region {region_code} does not exist", where="region")
    rows = session.execute(text(
        "SELECT code, name, ST_AsBinary(geom) AS wkb FROM regions "
        "WHERE level = 'village' AND left(code, :n) = left(:code, :n) ORDER BY code"),
        {"n": PREFIX[level], "code": region_code}).mappings().all()
    return [dict(row) for row in rows]


def household_points(session: Session, *, village_code: str) -> tuple[np.ndarray, np.ndarray]:
    rows = session.execute(query("propose_points"), {"village_code": village_code}).all()
    if not rows:
        return np.zeros((0, 2)), np.zeros(0)
    table = np.array(rows, dtype=float)
    return table[:, :2], table[:, 2]


def village_roads(session: Session, *, village_code: str):
    """The road lines crossing the village as one MultiLineString, or None if there are none."""
    rows = session.execute(query("propose_roads"), {"village_code": village_code}).scalars().all()
    if not rows:
        return None
    return shapely.multilinestrings(shapely.get_parts(shapely.from_wkb(rows)))


def target_draft(session: Session, *, generation_id: int | None, region_code: str,
                 created_by: str | None):
    """The given draft, else the current draft, else a new one named after the region."""
    if generation_id is not None:
        return lifecycle.require_draft(session, generation_id=generation_id)
    return lifecycle.draft_generation(session) or lifecycle.create_draft(
        session, name=f"proposal for {region_code}", created_by=created_by)


def propose_for_region(session: Session, *, region_code: str, band: tuple[int, int],
                       generation_id: int | None = None, created_by: str | None = None) -> dict:
    """Propose cells for every village under the region into a draft; a summary back."""
    band = check_band(band)
    started = time.perf_counter()
    villages = villages_under(session, region_code=region_code)
    if not villages:
        raise NotFound(f"region {region_code} has no villages", where="region")
    existing = generation_id is not None or lifecycle.draft_generation(session) is not None
    draft = target_draft(session, generation_id=generation_id, region_code=region_code,
                         created_by=created_by)
    summaries, compactness = [], []
    for village in villages:
        code = village["code"].strip()
        points, weights = household_points(session, village_code=code)
        proposal = propose_village(shapely.from_wkb(village["wkb"]), points, weights, band,
                                   roads=village_roads(session, village_code=code))
        cells = [(f"{code}{cell.serial:03d}", cell.geom,
                  {"name": f"{village['name']}第{cell.serial}网格", "kind": "base",
                   "dedicated_type": None}) for cell in proposal.cells]
        changes = replace_village_cells(session, generation_id=draft.id, village_code=code,
                                        cells=cells)
        compactness += [cell.compactness for cell in proposal.cells]
        summaries.append({
            "village": code, "households": proposal.households, "cells": len(proposal.cells),
            "in_band": proposal.in_band,
            "mean_polsby_popper": round(proposal.mean_compactness, 3),
            "unchanged": sum(c.action == "unchanged" for c in changes),
            **_border_counts(proposal.cells),
            "cells_detail": [{"code": f"{code}{c.serial:03d}", "households": c.households,
                              "polsby_popper": round(c.compactness, 3), "borders": c.borders}
                             for c in proposal.cells]})
    total = sum(s["cells"] for s in summaries)
    # A village with fewer households than the band's minimum cannot have a cell in band
    # (cells never straddle villages): count those apart so the share says what we control.
    small = [s for s in summaries if s["households"] < band[0]]
    feasible = total - sum(s["cells"] for s in small)
    return {"generation": draft.id, "new_generation": not existing, "region": region_code,
            "band": list(band),
            "villages": summaries, "cells": total,
            "share_in_band": round(sum(s["in_band"] for s in summaries) / total, 3),
            "villages_below_band": len(small),
            "share_in_band_where_possible": round(
                sum(s["in_band"] for s in summaries if s not in small) / feasible, 3)
            if feasible else None,
            "mean_polsby_popper": round(float(np.mean(compactness)), 3),
            **{key: sum(s[key] for s in summaries) for key in _border_counts([])},
            "seconds": round(time.perf_counter() - started, 2)}


def _border_counts(cells) -> dict:
    """Cells whose borders with other cells all follow roads, vs those with a straight cut."""
    return {"cells_following_roads": sum(c.borders == "roads" for c in cells),
            "cells_with_straight_cuts": sum(c.borders == "straight" for c in cells)}
