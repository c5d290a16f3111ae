"""The access log of person reads: who read what, when, from where and why.

Every service that returns person data (lists or details) calls `log_person_read` in the
same transaction as the read, so a read that is not logged is a read that failed. The
table is append-only (a trigger refuses UPDATE and DELETE)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import any_, func, literal, select, tuple_
from sqlalchemy.orm import Session

from gis.auth.models import AccessLogEntry
from gis.auth.principal import Principal
from gis.errors import InvalidInput, ReasonRequired
from gis.text_guard import clean_text

# Subjects whose every read needs a stated reason, whatever the role.
SENSITIVE_SUBJECTS = frozenset({"special_population", "person_unmasked", "staff_unmasked"})
# Roles that must give a reason for any person read (they act on behalf of others).
REASON_ROLES = frozenset({"integration"})
MAX_REASON = 500
MAX_IDS = 100_000


def reason_required(principal: Principal, subject_type: str, *, sensitive: bool) -> bool:
    return sensitive or subject_type in SENSITIVE_SUBJECTS or bool(principal.roles
                                                                   & REASON_ROLES)


def log_person_read(session: Session, *, principal: Principal, subject_type: str,
                    ids: Iterable[int], reason: str | None, client: str | None,
                    sensitive: bool = False, action: str = "read",
                    detail: dict | None = None) -> AccessLogEntry:
    """Record one read (a list or a detail); ReasonRequired when a reason is due and absent."""
    reason = clean_text(reason, where="reason", max_length=MAX_REASON,
                        multiline=False) if reason else None
    if not reason and reason_required(principal, subject_type, sensitive=sensitive):
        raise ReasonRequired(f"reading {subject_type} records needs a reason: send the "
                             f"X-Access-Reason header or the reason query parameter",
                             where="X-Access-Reason",
                             details={"subject_type": subject_type})
    subject_ids = sorted({int(i) for i in ids})
    if len(subject_ids) > MAX_IDS:
        raise InvalidInput(f"one read may cover at most {MAX_IDS} records", where="ids")
    entry = AccessLogEntry(at=dt.datetime.now(dt.UTC), username=principal.username,
                           action=action, subject_type=subject_type, subject_ids=subject_ids,
                           reason=reason, client=(client or "")[:200] or None,
                           detail={"via": principal.via, "count": len(subject_ids),
                                   **(detail or {})})
    session.add(entry)
    session.flush()
    return entry


def search_access_log(session: Session, *, username: str | None = None,
                      subject_type: str | None = None, subject_id: int | None = None,
                      since: dt.datetime | None = None, until: dt.datetime | None = None,
                      limit: int = 100, offset: int = 0, after: int | None = None,
                      count: bool = False) -> dict:
    """Entries newest first; `after` an entry id: the entries older than it (keyset on
    (at, id), the sort order); the number that matched only when asked (count)."""
    conditions = []
    if username:
        conditions.append(AccessLogEntry.username == username)
    if subject_type:
        conditions.append(AccessLogEntry.subject_type == subject_type)
    if subject_id is not None:
        conditions.append(literal(subject_id) == any_(AccessLogEntry.subject_ids))
    if since:
        conditions.append(AccessLogEntry.at >= since)
    if until:
        conditions.append(AccessLogEntry.at < until)
    matched = session.scalar(select(func.count()).select_from(AccessLogEntry)
                             .where(*conditions)) if count else None
    if after is not None:
        seen_at = select(AccessLogEntry.at).where(AccessLogEntry.id == after).scalar_subquery()
        conditions.append(tuple_(AccessLogEntry.at, AccessLogEntry.id)
                          < tuple_(seen_at, literal(after)))
    rows = session.scalars(select(AccessLogEntry).where(*conditions)
                           .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
                           .limit(limit).offset(offset)).all()
    out = {"items": [_entry_dict(r) for r in rows], "numberReturned": len(rows),
           "next_after": str(rows[-1].id) if rows and len(rows) == limit else None}
    return out | ({"numberMatched": matched} if count else {})


def _entry_dict(row: AccessLogEntry) -> dict:
    return {"id": row.id, "at": row.at.isoformat(), "username": row.username,
            "action": row.action, "subject_type": row.subject_type,
            "subject_ids": row.subject_ids, "reason": row.reason, "client": row.client,
            "detail": row.detail}
