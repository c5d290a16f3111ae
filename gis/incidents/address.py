"""A standard address as given by a caller, matched to a building: fuzzy enough for real
input (一组 = 1组, full-width digits, spaces and punctuation, a missing district or town
prefix), and honest about how sure the match is.

Both sides are normalised the same way; candidates come from SQL by the most specific
number in the address (e.g. 3号), then are scored in Python. The answer names the method
(exact after normalising, suffix, similar) and a confidence from 0 to 1; a weak or
ambiguous match is refused with the candidates, never guessed."""
from __future__ import annotations

import difflib
import re
import unicodedata

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.errors import InvalidInput

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
UNITS = "组号栋幢单元楼层室社队村巷弄"
_CHINESE_NUMBER = re.compile(f"([零〇一二两三四五六七八九十百]+)(?=[{UNITS}])")
_NOISE = re.compile(r"[\s,，.。、·\-—_()（）#]+")
_NUMBER_TOKEN = re.compile(f"[0-9]+[{UNITS}]")
MIN_CONFIDENCE = 0.75
SHORTENED = ("街道", "社区", "区", "县", "镇", "乡")  # not 村: 金龙 alone may be a street
CANDIDATES = 2000


def normalise(address: str, *, prefixes: tuple[str, ...] = ()) -> str:
    """Full-width to ASCII (NFKC), Chinese numerals before a unit as digits, no spaces or
    punctuation, and known region names (district, town...) taken off the front."""
    value = unicodedata.normalize("NFKC", address or "")
    value = _CHINESE_NUMBER.sub(lambda m: str(chinese_number(m.group(1))), value)
    value = _NOISE.sub("", value)
    stripped = True
    while stripped:
        stripped = False
        for prefix in prefixes:
            if prefix and value.startswith(prefix) and len(value) > len(prefix):
                value, stripped = value[len(prefix):], True
    return value


def chinese_number(word: str) -> int:
    """一 1, 十 10, 十二 12, 二十 20, 二十三 23, 一百零五 105; digits read one by one
    otherwise (二三 = 23)."""
    if "百" not in word and "十" not in word:
        return int("".join(str(DIGITS[c]) for c in word))
    total, current = 0, 0
    for char in word:
        if char in DIGITS:
            current = DIGITS[char]
        elif char == "十":
            total += (current or 1) * 10
            current = 0
        elif char == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


def match_building(session: Session, *, address: str) -> dict:
    """The building an address names: {building_id, address, confidence, method}."""
    prefixes = _region_names(session)
    wanted = normalise(address, prefixes=prefixes)
    if len(wanted) < 2:
        raise InvalidInput(f"address {address[:60]!r} is too short to match", where="address")
    tokens = _NUMBER_TOKEN.findall(wanted)
    rows = session.execute(text(
        "SELECT id, address FROM buildings WHERE CAST(:token AS text) IS NULL"
        " OR address LIKE '%' || CAST(:digits AS text) || '%' ORDER BY id LIMIT :limit"),
        {"token": tokens[-1] if tokens else None,
         "digits": tokens[-1][:-1] if tokens else None, "limit": CANDIDATES}).all()
    scored = sorted(((_score(wanted, normalise(a, prefixes=prefixes)), i, a) for i, a in rows),
                    key=lambda s: (-s[0][0], s[1]))
    if not scored or scored[0][0][0] < MIN_CONFIDENCE:
        near = [a for (_, _), _, a in scored[:3]]
        raise InvalidInput(f"no building matches address {address[:60]!r} well enough"
                           + (f"; nearest: {', '.join(near)}" if near else ""),
                           where="address", details={"candidates": near})
    (confidence, method), building_id, found = scored[0]
    if len(scored) > 1 and scored[1][0][0] >= confidence - 0.02 and scored[1][2] != found:
        raise InvalidInput(f"address {address[:60]!r} matches several buildings equally: "
                           f"{found}, {scored[1][2]}; give the building id or more of the "
                           "address", where="address",
                           details={"candidates": [found, scored[1][2]]})
    return {"building_id": building_id, "address": found, "confidence": round(confidence, 2),
            "method": method}


def _score(wanted: str, candidate: str) -> tuple[float, str]:
    if wanted == candidate:
        return 1.0, "exact after normalising"
    if candidate.endswith(wanted) or wanted.endswith(candidate):
        shorter = min(len(wanted), len(candidate))
        # a shared tail (the prefix missing on one side): surer the longer it is
        return min(0.95, 0.8 + shorter / 100), "suffix (a region prefix missing)"
    ratio = difflib.SequenceMatcher(None, wanted, candidate).ratio()
    # numbers must agree: 3号 is never 8号, however alike the rest reads
    if _NUMBER_TOKEN.findall(wanted) != _NUMBER_TOKEN.findall(candidate):
        ratio *= 0.5
    return ratio * 0.9, "similar"


def _region_names(session: Session) -> tuple[str, ...]:
    """Region names, longest first, with their common short forms (铜梁区 → 铜梁,
    巴川街道 → 巴川)."""
    names = [normalise(n) for (n,) in session.execute(text("SELECT name FROM regions"))]
    short = [n[:-len(suffix)] for n in names for suffix in SHORTENED
             if n.endswith(suffix) and len(n) - len(suffix) >= 2]
    return tuple(sorted({*names, *short}, key=len, reverse=True))
