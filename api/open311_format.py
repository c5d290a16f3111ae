"""Open311 GeoReport v2 output: the same structure as JSON (the "Spark convention": root
dropped, repeated children as arrays) or as schemaless XML, and the spec's error list."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import orjson
from fastapi import Response

from gis import errors

# A list under this key holds elements of this name in XML.
ITEM_NAMES = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
              "formats": "format"}
FORMATS = ("xml", "json")
# Characters XML 1.0 cannot carry at all (stored text may hold them; JSON escapes them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(data, *, fmt: str, root: str, item: str | None = None,
           status: int = 200) -> Response:
    """`data` as JSON, or as XML under `root` (a list's members each in an `item`)."""
    if fmt == "json":
        return Response(orjson.dumps(data), status_code=status,
                        media_type="application/json; charset=utf-8")
    element = ET.Element(root)
    if isinstance(data, list):
        for member in data:
            _fill(ET.SubElement(element, item), member)
    else:
        _fill(element, data)
    body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode")
    return Response(body.encode(), status_code=status, media_type="text/xml; charset=utf-8")


def error(exc: errors.OnegridError, *, fmt: str) -> Response:
    """The spec's error list: 404 for what does not exist, 403 for a missing or bad
    api_key (or a caller not allowed), 400 for everything else."""
    if isinstance(exc, errors.NotFound):
        status = 404
    elif isinstance(exc, errors.NotAuthenticated | errors.PermissionDenied):
        status = 403
    else:
        status = 400
    where = f" ({exc.where})" if exc.where else ""
    return render([{"code": status, "description": exc.message + where}],
                  fmt=fmt if fmt in FORMATS else "xml", root="errors", item="error",
                  status=status)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            sub = ET.SubElement(element, key)
            if isinstance(child, list):
                for member in child:
                    _fill(ET.SubElement(sub, ITEM_NAMES.get(key, "item")), member)
            else:
                _fill(sub, child)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))
