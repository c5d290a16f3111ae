"""The coverage maps' colour bands: households per serving party member pivot on the
standard's max_households, 0 is its own band, a cell without a member has no value."""
from __future__ import annotations

from gis.staff.standards import load_standards
from maps.coverage import (
    MEASURES,
    NO_VALUE,
    bands,
    colour,
    coverage_features,
    party_households_share,
)

PARTY = "households_per_party_member"


def shipped(**changes) -> dict:
    standards = load_standards().model_dump()
    for rule, values in changes.items():
        standards[rule] |= values
    return standards


def test_households_per_party_member_bands_at_the_standard():
    scale = bands(PARTY, shipped(households_per_party_member={"max_households": 20}))
    assert [label for _, _, label in scale] == ["0", "≤ 10", "10–20", "> 20", "> 30"]
    by = {value: colour(value, scale) for value in (0, 0.1, 10, 10.1, 20, 20.1, 30, 30.1)}
    zero, light, fair, over, far = (c for _, c, _ in scale)
    assert by[0] == zero and by[0.1] == light and by[10] == light
    assert by[10.1] == fair and by[20] == fair  # at the standard: the rule still passes
    assert by[20.1] == over and by[30] == over and by[30.1] == far
    assert len({zero, light, fair, over, far, NO_VALUE}) == 6


def test_no_party_member_is_not_zero():
    scale = bands(PARTY, shipped())
    assert colour(None, scale) == NO_VALUE != colour(0, scale)


def test_the_bands_follow_the_standards_file():
    scale = bands(PARTY, shipped(households_per_party_member={"max_households": 50}))
    assert [label for _, _, label in scale] == ["0", "≤ 25", "25–50", "> 50", "> 75"]
    assert colour(50, scale) != colour(50.1, scale)


def test_features_carry_the_party_counts_and_no_ratio_without_a_member():
    cell = {m: None for m in MEASURES} | {
        "code": "500151001001001", "name": "<b>甲</b>", "households": 120,
        "fulltime_workers": 0, "party_members": 0, "party_households": 0, "failed_rules": [],
        "vacancies": 1, "rules_failed": 1}
    staffed = cell | {"code": "500151001001002", "party_members": 2, "party_households": 7,
                      PARTY: 3.5}
    geometry = {"type": "Point", "coordinates": [0, 0]}
    features = coverage_features({"cells": [cell, staffed]},
                                 {cell["code"]: geometry, staffed["code"]: geometry})
    none, two = (f["properties"] for f in features)
    assert (none[PARTY], none[f"{PARTY}_text"], none["party_members"]) == (None, "—", 0)
    assert (two[PARTY], two["party_members"], two["party_households"]) == (3.5, 2, 7)
    assert none["name"] == "&lt;b&gt;甲&lt;/b&gt;"  # folium's tooltip takes HTML


def test_party_households_share_bands_and_values():
    scale = bands("party_households_share", shipped())
    zero, few, some, many, most = (c for _, c, _ in scale)
    assert [colour(v, scale) for v in (0, 0.0004, 0.0999, 0.1, 0.2499, 0.25, 0.4999, 0.5, 1)] \
        == [zero, few, few, some, some, many, many, most, most]
    base = {"households": 2000, "party_members": 1, "party_households": 1}
    assert party_households_share(base) == 0.0005  # one household of 2,000: not 0
    assert colour(party_households_share(base), scale) == few
    assert party_households_share(base | {"party_members": 0}) is None  # no member
    assert party_households_share(base | {"households": 0}) is None  # nobody lives there
    assert party_households_share(base | {"party_households": 0}) == 0


def test_the_share_is_shown_as_a_percentage():
    cell = {m: None for m in MEASURES} | {
        "code": "c", "name": "", "households": 8, "fulltime_workers": 0, "party_members": 1,
        "party_households": 3, "failed_rules": [], "vacancies": 0, "rules_failed": 0,
        PARTY: 3}
    [feature] = coverage_features({"cells": [cell]}, {"c": {"type": "Point",
                                                          "coordinates": [0, 0]}})
    props = feature["properties"]
    assert (props["party_households_share"], props["party_households_share_text"]) == (
        0.375, "37.5%")
