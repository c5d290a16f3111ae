"""Who is calling: a user (or API key) with permissions and an area scope."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from gis.errors import PermissionDenied


@dataclass(frozen=True)
class Principal:
    username: str
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    # The area: region codes (subtrees) and/or cell codes. With none of them, `everywhere`
    # decides: True (admins, hand-built principals) = no limit, False = no area at all.
    # Users loaded from the database get everywhere=False unless they hold the admin role,
    # so a user whose scope was never configured sees nothing instead of everything.
    region_codes: tuple[str, ...] = ()
    cell_codes: tuple[str, ...] = ()
    everywhere: bool = True
    via: str = "password"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def can(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise PermissionDenied(f"{self.username} may not {permission.replace(':', ' ')}",
                                   details={"permission": permission})

    @property
    def unrestricted(self) -> bool:
        return self.everywhere and not self.region_codes and not self.cell_codes

    @property
    def nowhere(self) -> bool:
        """No area at all: every area-bound list is empty for this caller."""
        return not self.everywhere and not self.region_codes and not self.cell_codes


@cache
def development_principal(username: str) -> Principal:
    """The development user of the foundation: an administrator everywhere (immutable, so
    one instance per name serves every anonymous dev-mode request)."""
    return Principal(username=username, roles=frozenset({"admin"}),
                     permissions=frozenset({"*"}), via="development")
