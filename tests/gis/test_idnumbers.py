"""ID numbers: checksum and plausibility, keyed hash, reversible cipher, mask."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gis.errors import InvalidInput
from gis.people.idnumbers import (
    PROVINCES,
    IdProtector,
    check_char,
    checksum_ok,
    mask_id,
    mask_phone,
    parse_id_number,
)

TODAY = dt.date(2026, 11, 23)


@st.composite
def valid_ids(draw) -> str:
    province = draw(st.sampled_from(sorted(PROVINCES)))
    rest = draw(st.integers(101, 9999))
    birth = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.integers(0, 999))
    first17 = f"{province:02d}{rest:04d}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


@given(valid_ids())
def test_generated_ids_pass(value):
    parsed = parse_id_number(value, today=TODAY)
    assert parsed.value == value
    assert parsed.birth_date.strftime("%Y%m%d") == value[6:14]
    assert parsed.gender == ("M" if int(value[16]) % 2 else "F")


@given(valid_ids(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_fails_the_checksum(value, position, shift):
    changed = str((int(value[position]) + shift) % 10)
    mistyped = value[:position] + changed + value[position + 1:]
    assert not checksum_ok(mistyped)


@given(valid_ids())
def test_mask_never_reveals_the_middle(value):
    masked = mask_id(value)
    assert len(masked) == 18
    assert masked[:3] == value[:3] and masked[-4:] == value[-4:]
    assert masked[3:14] == "*" * 11


@pytest.mark.parametrize(("value", "fragment"), [
    ("50015119800101123", "17 digits"),
    ("990151198001011234", "region prefix"),
    ("500151198013011234", "not a date"),
    ("500151203001011234", "implausible"),
])
def test_bad_numbers_say_what_is_wrong(value, fragment):
    with pytest.raises(InvalidInput, match=fragment):
        parse_id_number(value, today=TODAY)


def test_wrong_check_character_is_refused():
    first17 = "50015119800101123"
    wrong = "0" if check_char(first17) != "0" else "1"
    with pytest.raises(InvalidInput, match="checksum"):
        parse_id_number(first17 + wrong, today=TODAY)


def test_hash_matches_same_number_and_cipher_reveals_it():
    first17 = "50015119800101123"
    value = first17 + check_char(first17)
    protector = IdProtector("k1")
    assert protector.hash(value) == protector.hash(value.lower())
    assert protector.hash(value) != IdProtector("k2").hash(value)
    one, two = protector.encrypt(value), protector.encrypt(value)
    assert one != two and value.encode() not in one
    assert protector.decrypt(one) == value


def test_phone_mask():
    assert mask_phone("13812341234") == "138****1234"
