"""When `onegrid serve` runs in development mode (anonymous requests = the dev admin).

The rule: dev mode is on only on a loopback interface, and then either because it was
asked for (ONEGRID_SECURITY__DEV_MODE=true) or because no user exists yet, so a fresh
local install works out of the box. Creating the first user (`onegrid user add`) turns
log-ins on at the next start. Asking for dev mode on a public interface is refused."""
from __future__ import annotations

import ipaddress

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gis.auth.models import User
from gis.errors import InvalidInput


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def decide_dev_mode(session: Session, *, host: str, requested: bool) -> tuple[bool, str]:
    """(dev_mode, a sentence saying why) for a server about to bind `host`."""
    local = is_loopback(host)
    if requested and not local:
        raise InvalidInput(f"dev mode lets anyone act as administrator: refusing to serve it "
                           f"on {host}; bind 127.0.0.1 or turn dev mode off", where="host")
    if requested:
        return True, "dev mode (asked for): anonymous requests act as the dev administrator"
    if not local:
        return False, "log-in required (POST /auth/token or an X-API-Key)"
    users = session.scalar(select(func.count()).select_from(User))
    if users == 0:
        return True, ("no users yet, serving on loopback only: anonymous requests act as "
                      "the dev administrator; `onegrid user add NAME --role admin` turns "
                      "log-ins on")
    return False, f"{users} user(s) exist: log-in required (POST /auth/token)"
