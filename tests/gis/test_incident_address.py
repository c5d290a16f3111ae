"""Addresses as people give them, matched to buildings: 一组 = 1组, full-width digits, a
missing district or town prefix; a weak or ambiguous match is refused, not guessed."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from gis.errors import InvalidInput
from gis.incidents.address import chinese_number, match_building, normalise
from tests.incident_fixtures import WEST_CELL, WEST_POINT, as_caller, principal, report


@pytest.mark.parametrize(("word", "number"), [("一", 1), ("十", 10), ("十二", 12),
                                              ("二十", 20), ("二十三", 23), ("一百零五", 105),
                                              ("二三", 23)])
def test_chinese_numbers(word, number):
    assert chinese_number(word) == number


def test_normalising_makes_spellings_meet():
    assert normalise("一组 ３号") == normalise("1组3号") == "1组3号"
    assert normalise("巴川街道（十二组）5号", prefixes=("巴川街道",)) == "12组5号"


@pytest.fixture()
def buildings(db, dispatch_world):
    ids = {}
    for key, address in (("three", "巴川街道金龙村1组3号"), ("eight", "巴川街道金龙村1组8号"),
                         ("other", "巴川街道金龙村2组3号")):
        ids[key] = db.execute(text(
            "INSERT INTO buildings (address, geom) VALUES (:a,"
            " ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"),
            {"a": address, "x": WEST_POINT[0], "y": WEST_POINT[1]}).scalar_one()
    db.execute(text("UPDATE regions SET name = '巴川街道' WHERE level = 'town'"))
    db.flush()
    return ids


@pytest.mark.parametrize(("given", "method"), [
    ("巴川街道金龙村1组3号", "exact after normalising"),
    ("巴川街道金龙村一组３号", "exact after normalising"),
    ("金龙村1组3号", "exact after normalising"),  # the town prefix is a known region name
    ("铜梁区巴川街道金龙村一组3号", "suffix (a region prefix missing)"),
    ("巴川金龙村1组3号", "exact after normalising"),  # 巴川 for 巴川街道
])
def test_real_spellings_find_the_building(db, buildings, given, method):
    found = match_building(db, address=given)
    assert (found["building_id"], found["method"]) == (buildings["three"], method)
    assert 0.8 <= found["confidence"] <= 1


def test_a_different_number_is_never_a_match(db, buildings):
    with pytest.raises(InvalidInput, match="no building matches .* well enough"):
        match_building(db, address="金龙村1组5号")


def test_a_report_by_address_alone_is_placed_at_the_building(db, buildings, logins):
    as_caller(db, who := principal("dispatcher"), logins)
    out = report(db, who, point=None, address="金龙村一组3号", source="hotline")
    assert out["address_match"]["building_id"] == buildings["three"]
    assert out["cell_code"] == WEST_CELL and out["address"] == "金龙村一组3号"
