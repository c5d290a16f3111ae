"""A category's extra questions (Open311 service-definition attributes): checking answers."""
from __future__ import annotations

import datetime as dt

from gis.errors import InvalidInput

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


def check_answers(definition: list[dict], answers: dict[str, str | list[str]],
                  *, category: str) -> dict:
    """The answers as stored: known codes only, required ones present, list values among
    the keys offered, numbers and datetimes parseable. Errors name the attribute."""
    known = {a["code"]: a for a in definition}
    unknown = sorted(set(answers) - set(known))
    if unknown:
        raise InvalidInput(f"service {category} has no attribute {', '.join(unknown)}",
                           where=f"attribute[{unknown[0]}]")
    out = {}
    for code, attribute in known.items():
        value = answers.get(code)
        if value in (None, "", []):
            if attribute.get("required"):
                raise InvalidInput(f"attribute[{code}] is required for service {category}: "
                                   f"{attribute.get('description', '')}".rstrip(": "),
                                   where=f"attribute[{code}]")
            continue
        out[code] = _checked(attribute, value, where=f"attribute[{code}]")
    return out


def _checked(attribute: dict, value, *, where: str):
    kind = attribute["datatype"]
    values = value if isinstance(value, list) else [value]
    if kind != "multivaluelist" and len(values) > 1:
        raise InvalidInput(f"{where} takes one value", where=where)
    if kind in ("singlevaluelist", "multivaluelist"):
        keys = [str(v["key"]) for v in attribute.get("values", [])]
        wrong = [v for v in values if str(v) not in keys]
        if wrong:
            raise InvalidInput(f"{where}: {wrong[0]!r} is not one of {', '.join(keys)}",
                               where=where)
        return values if kind == "multivaluelist" else values[0]
    text = str(values[0])
    if len(text) > 4000:
        raise InvalidInput(f"{where} is longer than 4,000 characters", where=where)
    if kind == "number":
        try:
            float(text)
        except ValueError:
            raise InvalidInput(f"{where} must be a number, got {text[:40]!r}",
                               where=where) from None
    if kind == "datetime":
        try:
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{where} must be an ISO 8601 date-time, got {text[:40]!r}",
                               where=where) from None
    if kind == "string" and "\n" in text:
        raise InvalidInput(f"{where} is a string without line breaks", where=where)
    return text
