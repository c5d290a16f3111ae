"""Odd unicode in names and free text: NFC normalisation, control and bidi characters out.

Names arrive from spreadsheets, phones and OCR: decomposed accents, zero-width spaces,
right-to-left overrides (which make "abc.exe" display as "exe.cba") and NUL bytes that
PostgreSQL refuses. One cleaning rule for every name keeps search and uniqueness sane."""
from __future__ import annotations

import re
import unicodedata

from gis.errors import InvalidInput

# Format characters (Cf) that only hide or reorder text; ZWJ (U+200D) stays because emoji
# and some scripts need it.
_INVISIBLE = {0x200B, 0x200C, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD,
              *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_SPACES = re.compile(r"\s+")


def clean_text(value: str, *, where: str, max_length: int = 2000,
               multiline: bool = True) -> str:
    """NFC, no control/invisible characters, trimmed; InvalidInput says what and where."""
    if not isinstance(value, str):
        raise InvalidInput(f"expected text, got {type(value).__name__}", where=where)
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in value):
        raise InvalidInput("text contains an unpaired surrogate (broken encoding)", where=where)
    value = unicodedata.normalize("NFC", value)
    kept = []
    for ch in value:
        if ch in "\n\t" and multiline:
            kept.append(ch)
        elif ch in "\r\n\t\v\f":
            kept.append(" ")
        elif unicodedata.category(ch) == "Cc" or ord(ch) in _INVISIBLE:
            continue
        else:
            kept.append(ch)
    cleaned = "".join(kept).strip()
    if len(cleaned) > max_length:
        raise InvalidInput(f"text has {len(cleaned)} characters, over the limit of "
                           f"{max_length}", where=where)
    return cleaned


def clean_name(value: str, *, where: str, max_length: int = 200) -> str:
    """A one-line name: clean_text, inner whitespace collapsed, never empty."""
    cleaned = _SPACES.sub(" ", clean_text(value, where=where, max_length=max_length * 4,
                                          multiline=False))
    if not cleaned:
        raise InvalidInput("name is empty (or only spaces and invisible characters)",
                           where=where)
    if len(cleaned) > max_length:
        raise InvalidInput(f"name has {len(cleaned)} characters, over the limit of "
                           f"{max_length}", where=where)
    return cleaned
