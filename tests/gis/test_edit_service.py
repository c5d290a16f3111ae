"""Draft edits through gis.grid.edit_service: what a draft changed, and row versions."""
from __future__ import annotations

from shapely.geometry import box
from sqlalchemy import text

from gis.auth.principal import Principal
from gis.grid import edit_service, lifecycle, versions
from tests.factories import VILLAGE, add_own_household

WEST, EAST = VILLAGE + "001", VILLAGE + "002"
ADMIN = Principal(username="ann", permissions=frozenset({"*"}))


def test_changed_codes_are_what_the_draft_adds_redraws_or_removes(db, two_cells):
    draft = lifecycle.create_draft(db, name="d").id
    assert edit_service.changed_codes(db, draft_id=draft) == []
    edit_service.redraw_cell(db, principal=ADMIN, generation_id=draft, code=WEST,
                             geom=box(0, 0, 0.9, 1), attrs={})
    edit_service.remove_cell(db, principal=ADMIN, generation_id=draft, code=EAST)
    assert edit_service.changed_codes(db, draft_id=draft) == [WEST, EAST]
    assert [(e.action, e.edited_by) for e in versions.history(
        db, generation_id=draft, code=EAST)] == [("removed", "ann")]


def test_an_unchanged_redraw_leaves_no_history_and_no_new_version(db, two_cells):
    draft = lifecycle.create_draft(db, name="d")
    before = draft.version
    edit_service.redraw_cell(db, principal=ADMIN, generation_id=draft.id, code=WEST,
                             geom=box(0, 0, 1, 1), attrs={})
    assert versions.history(db, generation_id=draft.id, code=WEST) == []
    assert lifecycle.get_generation(db, generation_id=draft.id).version == before


def test_a_people_row_version_moves_only_when_the_row_changes(db, two_cells):
    household = add_own_household(db, cell_id=two_cells["west"], address="a")

    def version() -> int:
        return db.execute(text("SELECT version FROM households WHERE id = :h"),
                          {"h": household}).scalar_one()

    db.execute(text("UPDATE households SET address = address WHERE id = :h"), {"h": household})
    assert version() == 1
    db.execute(text("UPDATE households SET address = 'b' WHERE id = :h"), {"h": household})
    assert version() == 2
