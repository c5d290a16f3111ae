"""cell_rollups kept by deltas (0027_rollup_deltas) equal a recount after any mix of writes."""
from __future__ import annotations

import random
from collections import defaultdict

import pytest
from sqlalchemy import text

from gis.auth.principal import development_principal
from gis.people import rollups
from gis.people.assignment import assign_households, reassign_changed_area
from tests.people_fixtures import NORTH, SOUTH, add_household, add_person, add_special, make_id

MID_LAT = (SOUTH + NORTH) / 2
CATEGORIES = ("elderly_alone", "disabled", "hardship")
LEVELS = ("high", "medium", "low")
ADMIN = development_principal("admin")


def kept(db) -> dict[int, tuple]:
    """cell_rollups as the triggers left them (cells whose counts are all zero left out)."""
    rows = db.execute(text(
        "SELECT cell_id, households, members, residents, special_total, special, by_concern "
        "FROM cell_rollups")).all()
    return {r[0]: tuple(r[1:]) for r in rows if any(r[1:5]) or r[5] or r[6]}


def recounted(db) -> dict[int, tuple]:
    """The same counts from scratch, straight from the tables (not the repair function)."""
    counts: dict[int, list] = defaultdict(lambda: [0, 0, 0, 0, {}, {}])
    for cell, households, members in db.execute(text(
            "SELECT hc.cell_id, count(*), sum(h.members) FROM household_cells AS hc "
            "JOIN households AS h ON h.id = hc.household_id GROUP BY hc.cell_id")):
        counts[cell][0:2] = [households, members]
    for cell, residents in db.execute(text(
            "SELECT hc.cell_id, count(*) FROM household_cells AS hc "
            "JOIN persons AS p ON p.household_id = hc.household_id GROUP BY hc.cell_id")):
        counts[cell][2] = residents
    for cell, category, level, n in db.execute(text(
            "SELECT hc.cell_id, r.category_code, r.concern_level, count(*) "
            "FROM household_cells AS hc JOIN persons AS p ON p.household_id = hc.household_id "
            "JOIN special_population_records AS r ON r.person_id = p.id "
            "WHERE r.end_date IS NULL OR r.end_date >= current_date "
            "GROUP BY 1, 2, 3")):
        row = counts[cell]
        row[3] += n
        row[4].setdefault(category, {})[level] = n
        row[5][level] = row[5].get(level, 0) + n
    return {cell: tuple(c) for cell, c in counts.items() if any(c[:4])}


class Writer:
    """Random writes of every kind that changes a count, on the three cells."""

    def __init__(self, db, cells: dict, seed: int):
        self.db, self.cells, self.rng = db, cells, random.Random(seed)
        self.serial = 0
        db.execute(text("SELECT setseed(:s)"), {"s": seed / 100})  # ORDER BY random() too
        self.buildings = [self._building(lon) for lon in (106.005, 106.015, 106.025)]

    def _one(self, sql: str) -> int | None:
        return self.db.execute(text(sql + " ORDER BY random() LIMIT 1")).scalar()

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def _building(self, lon: float) -> int:
        return self.db.execute(text(
            "INSERT INTO buildings (code, address, geom) VALUES (:c, :c, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) RETURNING id"),
            {"c": f"B{lon}", "lon": lon, "lat": MID_LAT}).scalar_one()

    def import_household(self):
        add_household(self.db, lon=self.rng.uniform(106.0, 106.03), lat=MID_LAT,
                      external_id=f"h{self._next()}", members=self.rng.randint(0, 6))

    def import_into_building(self):
        household = add_household(self.db, lon=None, lat=None, external_id=f"b{self._next()}",
                                  members=self.rng.randint(1, 4))
        self.db.execute(text("UPDATE households SET building_id = :b, located_by = 'building' "
                             "WHERE id = :h"), {"b": self.rng.choice(self.buildings),
                                                "h": household})

    def assign(self):
        assign_households(self.db, generation_id=self.cells["generation"])

    def add_person(self):
        household = self._one("SELECT id FROM households")
        if household:
            add_person(self.db, household_id=household, name="某",
                       id_number=make_id(seq=f"{self._next() % 1000:03d}"))

    def move_person(self):
        self.db.execute(text(
            "UPDATE persons SET household_id = (SELECT id FROM households ORDER BY random() "
            "LIMIT 1) WHERE id = (SELECT id FROM persons ORDER BY random() LIMIT 1)"))

    def add_special(self):
        person = self._one("SELECT id FROM persons")
        if person:
            add_special(self.db, person_id=person, category=self.rng.choice(CATEGORIES),
                        level=self.rng.choice(LEVELS))

    def edit_special(self):
        self.db.execute(text(
            "UPDATE special_population_records SET concern_level = :l, "
            "end_date = CASE WHEN :close THEN current_date - 1 END "
            "WHERE id = (SELECT id FROM special_population_records ORDER BY random() LIMIT 1)"),
            {"l": self.rng.choice(LEVELS), "close": self.rng.random() < 0.4})

    def delete_special(self):
        self.db.execute(text("DELETE FROM special_population_records WHERE id = "
                             "(SELECT id FROM special_population_records ORDER BY random() "
                             "LIMIT 1)"))

    def delete_person(self):
        self.db.execute(text("DELETE FROM persons WHERE id = "
                             "(SELECT id FROM persons ORDER BY random() LIMIT 1)"))

    def delete_household(self):
        self.db.execute(text("DELETE FROM households WHERE id = "
                             "(SELECT id FROM households ORDER BY random() LIMIT 1)"))

    def move_household(self):
        """A household placed on its own moved to another cell by hand."""
        self.db.execute(text(
            "UPDATE household_own_cells SET cell_id = :c WHERE household_id = "
            "(SELECT household_id FROM household_own_cells ORDER BY random() LIMIT 1)"),
            {"c": self.rng.choice([self.cells[k] for k in ("west", "middle", "east")])})

    def move_building(self):
        """A building's placement edited: its households follow it."""
        self.db.execute(text("UPDATE building_cells SET cell_id = :c WHERE building_id = :b"),
                        {"c": self.rng.choice([self.cells[k] for k in ("west", "middle", "east")]),
                         "b": self.rng.choice(self.buildings)})

    def to_building(self):
        """A household placed on its own moves into a building (its own cell goes first)."""
        household = self._one("SELECT household_id FROM household_own_cells")
        if household:
            self.db.execute(text("DELETE FROM household_own_cells WHERE household_id = :h"),
                            {"h": household})
            self.db.execute(text("UPDATE households SET building_id = :b, located_by = "
                                 "'building' WHERE id = :h"),
                            {"b": self.rng.choice(self.buildings), "h": household})

    def members_in_bulk(self):
        self.db.execute(text("UPDATE households SET members = members + 1 "
                             "WHERE id % 2 = :odd"), {"odd": self.rng.randint(0, 1)})

    def unplace_in_bulk(self):
        self.db.execute(text("DELETE FROM household_own_cells WHERE household_id % 3 = 0"))

    def step(self) -> str:
        kinds = [name for name in dir(self) if not name.startswith("_")
                 and name not in ("step", "db", "cells", "rng", "serial", "buildings")]
        kind = self.rng.choice(kinds)
        getattr(self, kind)()
        return kind


@pytest.mark.parametrize("bulk_rows", ["1000", "0"], ids=["by-row", "bulk"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_a_recount_after_a_random_mix_of_writes(db, three_cells, seed,
                                                              bulk_rows):
    """Both ways of reading residents (a few households / a bulk statement) count alike."""
    db.execute(text("SELECT set_config('onegrid.rollup_bulk_rows', :n, true)"),
               {"n": bulk_rows})
    # 0034: no share of the tables' rows makes a statement small (they are tiny here)
    db.execute(text("SELECT set_config('onegrid.rollup_probe_share', '0', true)"))
    writer = Writer(db, three_cells, seed)
    for _ in range(12):  # something to count from the start
        writer.import_household()
        writer.add_person()
    writer.assign()
    writer.add_special()
    done = []
    for _ in range(60):
        done.append(writer.step())
        assert kept(db) == recounted(db), f"after {done}"
    assert len(set(done)) >= 10  # the mix really mixed
    assert recounted(db)  # and something is still counted


def test_rollups_follow_a_redraw_by_deltas(db, three_cells, redrawn):
    writer = Writer(db, three_cells, seed=7)
    for _ in range(10):
        writer.import_household()
        writer.add_person()
        writer.add_special()
    assign_households(db, generation_id=redrawn["old"])
    reassign_changed_area(db, old_generation_id=redrawn["old"], new_generation_id=redrawn["new"])
    assert kept(db) == recounted(db)


def test_a_row_counted_on_an_earlier_day_is_recounted_on_the_next_write(db, three_cells):
    """Special populations count while open, a rule that changes with the date: a row
    counted yesterday (here: also off by 5) is recounted whole when next touched."""
    household = add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    assign_households(db, generation_id=three_cells["generation"])
    db.execute(text("UPDATE cell_rollups SET counted_on = current_date - 1, "
                    "households = households + 5 WHERE cell_id = :c"),
               {"c": three_cells["west"]})
    add_person(db, household_id=household, name="甲", id_number=make_id())
    cells = {r["cell_id"]: r for r in rollups.cell_rollups(
        db, principal=ADMIN, generation_id=three_cells["generation"])}
    west = cells[three_cells["west"]]
    assert (west["households"], west["residents"]) == (1, 1)
    assert kept(db) == recounted(db)


def test_a_household_and_its_placement_in_one_statement_count_once(db, three_cells):
    db.execute(text(
        "WITH h AS (INSERT INTO households (external_id, located_by, members) "
        "VALUES ('cte', 'manual', 3) RETURNING id) "
        "INSERT INTO household_own_cells (household_id, cell_id) SELECT id, :c FROM h"),
        {"c": three_cells["east"]})
    assert kept(db) == {three_cells["east"]: (1, 3, 0, 0, {}, {})}


def test_the_repair_recounts_a_generation_and_says_how_many_cells_were_off(db, three_cells):
    add_household(db, lon=106.005, lat=MID_LAT, external_id="w", members=2)
    add_household(db, lon=106.025, lat=MID_LAT, external_id="e", members=1)
    assign_households(db, generation_id=three_cells["generation"])
    db.execute(text("UPDATE cell_rollups SET members = 40 WHERE cell_id = :c"),
               {"c": three_cells["east"]})  # as if written with the triggers disabled
    assert rollups.repair_generation(db, generation_id=three_cells["generation"]) == (3, 1)
    assert kept(db) == recounted(db)
