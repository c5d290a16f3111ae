"""Who is calling: a user (or API key) with permissions and an area scope."""
from __future__ import annotations

from dataclasses import dataclass, field

from gis.errors import PermissionDenied


@dataclass(frozen=True)
class Principal:
    username: str
    roles: frozenset[str] = frozenset()
    permissions: frozenset[str] = frozenset()
    # Empty scopes mean "everywhere"; otherwise region code prefixes / cell codes.
    region_codes: tuple[str, ...] = ()
    cell_codes: tuple[str, ...] = ()
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
        return not self.region_codes and not self.cell_codes


def development_principal(username: str) -> Principal:
    """The development user of the foundation: an administrator everywhere."""
    return Principal(username=username, roles=frozenset({"admin"}),
                     permissions=frozenset({"*"}), via="development")
