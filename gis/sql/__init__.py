"""Non-trivial spatial SQL, one query per .sql file with :named binds; `query(name)` loads one."""
from __future__ import annotations

from functools import cache
from pathlib import Path

from sqlalchemy import TextClause, text

HERE = Path(__file__).resolve().parent


@cache
def query(name: str) -> TextClause:
    return text((HERE / f"{name}.sql").read_text())
