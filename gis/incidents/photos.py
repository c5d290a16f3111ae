"""Photos of a case: checked by their bytes (JPEG, PNG or WebP, a size limit), stored on
disk beside the database under <state dir>/photos/<incident id>/<sha256>.<ext>, and
listed/read only through the case (row-level security: whoever sees the case)."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from gis.auth.principal import Principal
from gis.errors import InvalidInput, NotFound
from gis.incidents import workflow

# media type -> (file extension, how its bytes start)
TYPES = {"image/jpeg": ("jpg", (b"\xff\xd8\xff",)),
         "image/png": ("png", (b"\x89PNG\r\n\x1a\n",)),
         "image/webp": ("webp", ())}  # RIFF....WEBP, checked below


def sniff(data: bytes) -> str | None:
    """The image type the bytes are, whatever the upload claimed."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for media_type, (_, magics) in TYPES.items():
        if any(data.startswith(m) for m in magics):
            return media_type
    return None


def add_photo(session: Session, *, incident_id: int, data: bytes, filename: str,
              principal: Principal, folder: Path, max_bytes: int, now: dt.datetime) -> dict:
    case = workflow.lock(session, incident_id=incident_id, expected=None)
    if not data:
        raise InvalidInput(f"{filename} is empty", where=filename)
    if len(data) > max_bytes:
        raise InvalidInput(f"{filename} is {len(data):,} bytes; a photo may have "
                           f"{max_bytes:,} at most", where=filename)
    media_type = sniff(data)
    if media_type is None:
        raise InvalidInput(f"{filename} is not a JPEG, PNG or WebP image", where=filename)
    digest = hashlib.sha256(data).hexdigest()
    path = photo_path(folder, incident_id=case.id, sha256=digest, media_type=media_type)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():  # same bytes, same file: written once, atomically
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        os.replace(partial, path)
    row = session.execute(text(
        "INSERT INTO incident_photos (incident_id, sha256, media_type, bytes, uploaded_by,"
        " uploaded_at) VALUES (:i, :h, :t, :n, :by, :at)"
        " ON CONFLICT (incident_id, sha256) DO UPDATE SET uploaded_at = incident_photos.uploaded_at"
        " RETURNING id"), {"i": case.id, "h": digest, "t": media_type, "n": len(data),
                            "by": principal.username, "at": now}).scalar_one()
    return {"id": row, "media_type": media_type, "bytes": len(data), "sha256": digest,
            "url": f"/incidents/{case.id}/photos/{row}"}


def list_photos(session: Session, *, incident_id: int) -> list[dict]:
    rows = session.execute(text(
        "SELECT id, media_type, bytes, uploaded_by, uploaded_at FROM incident_photos"
        " WHERE incident_id = :i ORDER BY id"), {"i": incident_id}).mappings().all()
    return [{**r, "url": f"/incidents/{incident_id}/photos/{r['id']}"} for r in rows]


def photo_file(session: Session, *, incident_id: int, photo_id: int,
               folder: Path) -> tuple[Path, str]:
    row = session.execute(text(
        "SELECT sha256, media_type FROM incident_photos WHERE id = :p AND incident_id = :i"),
        {"p": photo_id, "i": incident_id}).first()
    if row is None:
        raise NotFound(f"photo {photo_id} of incident {incident_id} does not exist or is "
                       "outside your area", where="photo")
    path = photo_path(folder, incident_id=incident_id, sha256=row.sha256,
                      media_type=row.media_type)
    if not path.exists():
        raise NotFound(f"the file of photo {photo_id} is missing from {folder}", where="photo")
    return path, row.media_type


def photo_path(folder: Path, *, incident_id: int, sha256: str, media_type: str) -> Path:
    # ids and hex digests only: nothing from the upload's name reaches the path
    return folder / str(int(incident_id)) / f"{sha256}.{TYPES[media_type][0]}"
