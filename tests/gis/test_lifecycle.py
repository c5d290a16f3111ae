"""Generations: drafts share cells, edits close history rows, activation retires the old one."""
from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import LineString, box
from sqlalchemy import text

from gis.errors import ActivationRefused, Conflict, GenerationLocked, InvalidGeometry
from gis.grid import edits, lifecycle
from gis.grid.generations import resolve_generation
from gis.settings import GridSettings
from tests.factories import VILLAGE
from tests.grid_fixtures import add_households

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
# Degree-sized test cells hold no households; a band from 0 keeps warnings out of the way.
GRID = GridSettings(households_min=0, households_max=10)


def codes_in(db, generation: int) -> dict[str, int]:
    rows = db.execute(text(
        "SELECT code, id FROM grid_cells WHERE generation_low <= :g "
        "AND (generation_high IS NULL OR generation_high >= :g) ORDER BY code"),
        {"g": generation}).all()
    return {code: cell_id for code, cell_id in rows}


def test_a_new_draft_shares_the_active_cells_without_copying(db, draft):
    assert codes_in(db, draft["draft"]) == {WEST: draft["west"], EAST: draft["east"]}
    assert db.execute(text("SELECT count(*) FROM grid_cells")).scalar() == 2


def test_only_one_draft_at_a_time(db, draft):
    with pytest.raises(Conflict, match="already a draft"):
        lifecycle.create_draft(db, name="second")


def test_redraw_keeps_history_and_unchanged_neighbours(db, draft):
    # Shrunk away from the east cell: no vertex of the new west lies on the east cell's
    # edges, so noding leaves the east cell as it was.
    change = edits.redraw_cell(db, generation_id=draft["draft"], code=WEST,
                               geom=box(0, 0, 0.5, 1))
    assert change.action == "redrawn"
    in_draft = codes_in(db, draft["draft"])
    assert in_draft[EAST] == draft["east"]  # untouched cell: same row
    assert in_draft[WEST] != draft["west"]
    # the active generation still sees the old west cell
    assert codes_in(db, draft["generation"])[WEST] == draft["west"]


def test_redrawing_to_the_same_shape_keeps_the_row(db, draft):
    change = edits.redraw_cell(db, generation_id=draft["draft"], code=WEST,
                               geom=box(0, 0, 1, 1))
    assert change.action == "unchanged"
    assert codes_in(db, draft["draft"])[WEST] == draft["west"]


def test_redrawing_back_restores_the_original_row(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.5, 1))
    change = edits.redraw_cell(db, generation_id=draft["draft"], code=WEST,
                               geom=box(0, 0, 1, 1))
    assert change.action == "restored"
    assert codes_in(db, draft["draft"])[WEST] == draft["west"]


def test_active_and_retired_generations_are_locked(db, draft):
    with pytest.raises(GenerationLocked):
        edits.redraw_cell(db, generation_id=draft["generation"], code=WEST,
                          geom=box(0, 0, 2, 1))


def test_split_and_merge(db, draft):
    changes = edits.split_cell(db, generation_id=draft["draft"], code=WEST,
                               line=LineString([(0.5, -1), (0.5, 2)]))
    assert [c.code for c in changes] == [WEST, VILLAGE + "003"]
    assert set(codes_in(db, draft["draft"])) == {WEST, EAST, VILLAGE + "003"}
    edits.merge_cells(db, generation_id=draft["draft"], codes=[WEST, VILLAGE + "003"])
    assert set(codes_in(db, draft["draft"])) == {WEST, EAST}


def test_split_needs_a_line_across_the_cell(db, draft):
    with pytest.raises(InvalidGeometry, match="edge to edge"):
        edits.split_cell(db, generation_id=draft["draft"], code=WEST,
                         line=LineString([(0.2, 0.2), (0.4, 0.4)]))


def test_activation_retires_the_previous_generation(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.5, 1))
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST, geom=box(1.5, 0, 2, 1))
    result = lifecycle.activate(db, generation_id=draft["draft"], grid=GRID,
                                effective_from=dt.date(2027, 1, 1))
    assert result["retired"] == draft["generation"]
    old = lifecycle.get_generation(db, generation_id=draft["generation"])
    new = lifecycle.get_generation(db, generation_id=draft["draft"])
    assert (old.status, old.effective_to) == ("retired", dt.date(2026, 12, 31))
    assert new.status == "active" and new.activated_at is not None
    assert resolve_generation(db, at=dt.date(2026, 6, 1)).id == draft["generation"]
    assert resolve_generation(db).id == draft["draft"]


def test_activation_moves_households_of_redrawn_cells(db, draft):
    [home] = add_households(db, [(1.2, 0.5)], cell_id=draft["east"])
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.5, 1))
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST, geom=box(1.5, 0, 2, 1))
    assert lifecycle.activate(db, generation_id=draft["draft"], grid=GRID)["households_moved"] == 1
    cell = db.execute(text("SELECT c.code FROM household_cells hc "
                           "JOIN grid_cells c ON c.id = hc.cell_id "
                           "WHERE hc.household_id = :id"), {"id": home}).scalar()
    assert cell == WEST


def test_activation_is_refused_while_a_gap_remains(db, draft):
    edits.remove_cell(db, generation_id=draft["draft"], code=EAST)
    with pytest.raises(ActivationRefused) as refused:
        lifecycle.activate(db, generation_id=draft["draft"], grid=GRID)
    assert any("is in no cell" in message for message in refused.value.details["findings"])
    assert lifecycle.get_generation(db, generation_id=draft["draft"]).status == "draft"


def test_discarding_a_draft_reopens_what_it_closed(db, draft):
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.5, 1))
    edits.remove_cell(db, generation_id=draft["draft"], code=EAST)
    lifecycle.discard_draft(db, generation_id=draft["draft"])
    assert db.execute(text("SELECT count(*) FROM grid_cells")).scalar() == 2
    assert db.execute(text("SELECT count(*) FROM grid_cells WHERE generation_high IS NOT NULL")
                      ).scalar() == 0
    assert lifecycle.draft_generation(db) is None


def test_activation_locates_waiting_households_in_the_redrawn_area_only(db, draft):
    # Two households nobody had placed yet: one where the cells are redrawn, one not.
    waiting_in_redrawn, waiting_elsewhere = add_households(db, [(1.2, 0.5), (1.9, 0.5)])
    edits.redraw_cell(db, generation_id=draft["draft"], code=WEST, geom=box(0, 0, 1.5, 1))
    edits.redraw_cell(db, generation_id=draft["draft"], code=EAST, geom=box(1.5, 0, 2, 1))
    lifecycle.activate(db, generation_id=draft["draft"], grid=GRID)
    cells = dict(db.execute(text(
        "SELECT h.id, c.code FROM households h LEFT JOIN household_cells hc "
        "ON hc.household_id = h.id LEFT JOIN grid_cells c ON c.id = hc.cell_id"
    )).all())
    assert cells[waiting_in_redrawn] == WEST
    assert cells[waiting_elsewhere] == EAST  # east was redrawn too, so it is in the area
    moves = db.execute(text("SELECT count(*) FROM household_moves WHERE generation_id = :g"),
                       {"g": draft["draft"]}).scalar()
    assert moves == 2
