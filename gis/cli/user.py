"""`onegrid user add|list|passwd|disable|enable|role|scope|key`: accounts, roles, areas, keys.

These commands act immediately, without --commit: each is one small, explicit change to
one account (like passwd or useradd), echoed back, and undone by its opposite command
(role revoke, scope remove, key revoke, disable). A dry run would also be awkward here:
a password typed for nothing, or a key shown that never existed. Each command is one
transaction: on any error nothing is written."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.orm import Session

from gis.errors import OnegridError

NAME = "user"
app = typer.Typer(help="Users: accounts, roles, area scopes and API keys (act immediately).",
                  no_args_is_help=True)
role_app = typer.Typer(help="Grant or revoke a role.", no_args_is_help=True)
scope_app = typer.Typer(help="A user's area: region codes (subtrees) or cell codes.",
                        no_args_is_help=True)
key_app = typer.Typer(help="API keys for integrations (shown once at creation).",
                      no_args_is_help=True)
app.add_typer(role_app, name="role")
app.add_typer(scope_app, name="scope")
app.add_typer(key_app, name="key")


@contextmanager
def _session() -> Iterator[Session]:
    """One committed transaction; a domain error becomes a one-line message and exit 1."""
    from gis.cli import context

    s = context.settings()
    try:
        context.migrate(s)
        with context.session_scope(s, commit=True) as session:
            yield session
    except OnegridError as exc:
        where = f" ({exc.where})" if exc.where else ""
        typer.echo(f"error{where}: {exc.message}", err=True)
        raise typer.Exit(1) from None


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("password", hide_input=True, confirmation_prompt=True)


@app.command()
def add(username: str,
        role: list[str] = typer.Option([], "--role", "-r", help="role code (repeatable)"),
        display_name: str = typer.Option(None, help="name shown in the interface"),
        password_stdin: bool = typer.Option(False, help="read the password from stdin"),
        no_password: bool = typer.Option(False, help="no password (API keys only)")) -> None:
    """Create a user (prompts for the password twice unless --password-stdin)."""
    from gis.auth import service

    password = None if no_password else _read_password(password_stdin)
    with _session() as session:
        service.add_user(session, username=username, password=password,
                         display_name=display_name, roles=tuple(role))
    typer.echo(f"user {username} created; roles: {', '.join(role) or 'none'}")
    if not role:
        typer.echo("  grant a role: onegrid user role grant " + username + " <role>")


@app.command("list")
def list_users() -> None:
    """Users with their roles, area and state."""
    from sqlalchemy import select

    from gis.auth import service
    from gis.auth.models import User

    with _session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            p = service.load_principal(session, user=user)
            area = ("everywhere" if p.unrestricted else
                    ", ".join(p.region_codes + p.cell_codes) or "no area")
            state = "" if user.active else " [disabled]"
            typer.echo(f"{user.username}{state}: roles {', '.join(sorted(p.roles)) or '-'}; "
                       f"area {area}")


@app.command()
def passwd(username: str,
           password_stdin: bool = typer.Option(False, help="read the password from stdin"),
           ) -> None:
    """Set a new password; tokens issued before stop working."""
    from gis.auth import service

    password = _read_password(password_stdin)
    with _session() as session:
        service.set_password(session, username=username, password=password)
    typer.echo(f"password of {username} changed")


@app.command()
def disable(username: str) -> None:
    """Refuse the user's log-ins, tokens and API keys from now on."""
    from gis.auth import service

    with _session() as session:
        service.set_active(session, username=username, active=False)
    typer.echo(f"user {username} disabled")


@app.command("sign-out")
def sign_out(username: str) -> None:
    """End every log-in of the user (a lost phone): refresh tokens stop working now,
    access tokens within settings.security.access_token_minutes."""
    from gis.auth import service

    with _session() as session:
        ended = service.sign_out(session, username=username)
    typer.echo(f"{username}: {ended} log-in token(s) revoked")


@app.command()
def enable(username: str) -> None:
    """Allow a disabled user again."""
    from gis.auth import service

    with _session() as session:
        service.set_active(session, username=username, active=True)
    typer.echo(f"user {username} enabled")


@role_app.command("grant")
def role_grant(username: str, role: str) -> None:
    """Grant ROLE (admin, planner, dispatcher, manager, grid_worker, auditor, integration)."""
    from gis.auth import service

    with _session() as session:
        service.grant_role(session, username=username, role=role)
    typer.echo(f"{username} now has role {role}")


@role_app.command("revoke")
def role_revoke(username: str, role: str) -> None:
    """Take ROLE away."""
    from gis.auth import service

    with _session() as session:
        done = service.revoke_role(session, username=username, role=role)
    typer.echo(f"{username}: role {role} " + ("revoked" if done else "was not held"))


@scope_app.command("add")
def scope_add(username: str, code: str) -> None:
    """Add a region (12-digit code: its whole subtree) or a cell (15 digits) to the area."""
    from gis.auth import service

    with _session() as session:
        service.add_scope(session, username=username, code=code)
    typer.echo(f"{username} may now work in {code}")


@scope_app.command("remove")
def scope_remove(username: str, code: str) -> None:
    """Remove a region or cell code from the user's area."""
    from gis.auth import service

    with _session() as session:
        removed = service.remove_scope(session, username=username, code=code)
    typer.echo(f"{username}: {code} " + ("removed" if removed else "was not in the area"))


@key_app.command("create")
def key_create(username: str, name: str = typer.Option(..., help="what the key is for"),
               permission: list[str] = typer.Option(..., "--permission", "-p",
                                                    help="e.g. incidents:write (repeatable)"),
               ) -> None:
    """Create an API key for USERNAME; the key is printed ONCE and cannot be shown again."""
    from gis.auth import keys, service

    with _session() as session:
        user = service.get_user(session, username=username)
        _, held = service.user_permissions(session, user=user)
        row, plain = keys.create_api_key(session, user=user, name=name,
                                         permissions=permission, allowed=held)
        key_id = row.id
    typer.echo(f"key {key_id} ({name}) for {username}: {', '.join(sorted(set(permission)))}")
    typer.echo(plain)
    typer.echo("store it now: it is kept only as a hash and cannot be shown again", err=True)


@key_app.command("revoke")
def key_revoke(key_id: int) -> None:
    """Revoke a key by its id (see `onegrid user key list`); effective immediately."""
    from gis.auth import keys

    with _session() as session:
        keys.revoke_api_key(session, key_id=key_id)
    typer.echo(f"key {key_id} revoked")


@key_app.command("list")
def key_list(username: str = typer.Argument(None)) -> None:
    """Keys (all, or of one user): id, short id, name, permissions, state."""
    from gis.auth import keys, service

    with _session() as session:
        user = service.get_user(session, username=username) if username else None
        for k in keys.list_api_keys(session, user=user):
            state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
            used = f"last used {k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "unused"
            typer.echo(f"{k.id}\tog_{k.key_prefix}_…\t{k.name}\t{','.join(k.scopes)}\t"
                       f"{state}\t{used}")
