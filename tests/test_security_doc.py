"""SECURITY.md's "which role may do what" table is ROLES, and routes check known permissions.

When ROLES or PERMISSIONS (gis/reference.py) change, regenerate the table with
`python -m tests.test_security_doc` and paste it between the markers in SECURITY.md."""
from __future__ import annotations

import re
from pathlib import Path

from gis.reference import PERMISSIONS, ROLES

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- roles table: generated from gis/reference.py by tests/test_security_doc.py -->"
END = "<!-- end of roles table -->"


def roles_table() -> str:
    """Permissions down, roles across; ✓ where the role holds the permission."""
    roles = list(ROLES)
    lines = ["| permission | what it allows | " + " | ".join(roles) + " |",
             "| --- | --- | " + " | ".join(":-:" for _ in roles) + " |"]
    for permission, meaning in PERMISSIONS.items():
        marks = ["✓" if "*" in ROLES[r][1] or permission in ROLES[r][1] else "" for r in roles]
        lines.append(f"| `{permission}` | {meaning} | " + " | ".join(marks) + " |")
    return "\n".join(lines)


def documented_table() -> str:
    text = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    assert BEGIN in text and END in text, f"SECURITY.md lost its markers {BEGIN!r} / {END!r}"
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def test_security_md_table_is_roles():
    assert documented_table() == roles_table(), (
        "SECURITY.md's roles table differs from gis/reference.py ROLES; regenerate it with "
        "`python -m tests.test_security_doc`:\n" + roles_table())


def test_every_permission_a_role_holds_is_described():
    held = {p for _, permissions in ROLES.values() for p in permissions} - {"*"}
    assert held == set(PERMISSIONS)


def test_every_permission_a_route_checks_is_one_roles_grant():
    """A route checking a name no role holds is closed to all but admin (finding 13)."""
    checked = set()
    for path in (ROOT / "api").rglob("*.py"):
        checked |= set(re.findall(r'require\("([a-z_]+:[a-z_]+)"\)', path.read_text()))
    assert checked and checked <= set(PERMISSIONS), sorted(checked - set(PERMISSIONS))


if __name__ == "__main__":
    print(roles_table())
