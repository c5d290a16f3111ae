"""A GeoJSON export of the cells is the stored coverage itself (issue 11, finding 2)."""
from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import shape

from gis.grid.coverage import node_coverage
from tests.factories import DISTRICT, TOWN, VILLAGE, add_cell, add_generation, add_region


def store(db, cells) -> list[str]:
    village = shapely.union_all(cells)
    for code, level, parent in ((DISTRICT, "district", None), (TOWN, "town", DISTRICT),
                                (VILLAGE, "village", TOWN)):
        add_region(db, code=code, level=level, parent=parent, geom=village)
    generation = add_generation(db)
    codes = [f"{VILLAGE}{serial:03d}" for serial in range(1, len(cells) + 1)]
    for code, cell in zip(codes, cells, strict=True):
        add_cell(db, code=code, geom=cell, generation=generation)
    db.flush()
    return codes


def border_cells(rng, *, noded: bool) -> list:
    """Three cells near Tongliang sharing a 200-vertex border; noded (on the 1e-7 grid) or
    as an older generation stored them (shared vertices exact, but full of decimals)."""
    xs = np.linspace(106.04, 106.06, 200)
    ys = 29.845 + rng.uniform(-0.001, 0.001, 200)
    border = np.column_stack([xs, ys])
    top = shapely.Polygon([*border, (106.06, 29.85), (106.04, 29.85)])
    bottom_west = shapely.Polygon([*border[:101], (xs[100], 29.84), (106.04, 29.84)])
    bottom_east = shapely.Polygon([*border[100:], (106.06, 29.84), (xs[100], 29.84)])
    cells = [top, bottom_west, bottom_east]
    return node_coverage(cells).polygons if noded else cells


def exported(client) -> tuple[list[str], list]:
    features = client.get("/cells").json()["features"]
    return [f["id"] for f in features], [shape(f["geometry"]) for f in features]


def test_an_exported_grid_is_a_valid_coverage_with_the_stored_coordinates(client, db):
    cells = border_cells(np.random.default_rng(21), noded=True)
    codes = store(db, cells)
    ids, geoms = exported(client)
    assert ids == codes
    assert all(shapely.equals_exact(g, c, 0.0) for g, c in zip(geoms, cells, strict=True))
    assert shapely.coverage_is_valid(np.array(geoms, dtype=object))
    # re-imported: no gaps and no overlaps between the exported cells
    union = shapely.union_all(geoms)
    assert abs(sum(g.area for g in geoms) - union.area) < 1e-15
    assert union.geom_type == "Polygon" and len(union.interiors) == 0


def test_an_unrepaired_generation_is_exported_without_rounding(client, db):
    # Coordinates with 15 decimals: rounding them to 7 made neighbours overlap.
    cells = border_cells(np.random.default_rng(22), noded=False)
    store(db, cells)
    _, geoms = exported(client)
    assert all(shapely.equals_exact(g, c, 0.0) for g, c in zip(geoms, cells, strict=True))
    assert shapely.coverage_is_valid(np.array(geoms, dtype=object))


def test_an_exported_grid_reimports_as_a_layer_with_no_gaps_or_overlaps(client, db):
    """The issue's proof: the export, re-imported as a departmental layer through the
    product's own import (a dry run), passes the layer's coverage check."""
    cells = border_cells(np.random.default_rng(23), noded=True)
    store(db, cells)
    export = client.get("/cells")
    assert export.status_code == 200
    report = client.post("/imports/layers", data={"department": "综治", "commit": "false"},
                         files={"file": ("cells.geojson", export.content,
                                         "application/geo+json")})
    assert report.status_code == 200, report.text
    coverage = report.json()["coverage"]
    assert coverage["gaps"] == 0 and coverage["overlaps"] == 0, coverage
    assert report.json()["valid"] == len(cells)
