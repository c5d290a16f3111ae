"""`onegrid serve`: start the database if embedded, migrate, load the demo if empty, serve."""
from __future__ import annotations

import typer


def serve(
    host: str = typer.Option(None, help="interface to bind (default from settings: 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default from settings: 8000)"),
    demo: bool = typer.Option(True, help="load the demo district when the database is empty"),
) -> None:
    """Serve the API and the web pages (Ctrl-C stops; the data stays)."""
    import uvicorn

    from api.app import create_app
    from gis.cli import context
    from gis.logging import configure_logging

    s = context.settings()
    configure_logging(s.log_level)
    url = context.use_database(s)
    context.migrate(s)
    if demo:
        from gis.demo.load import load_if_empty

        load_if_empty(url, size=s.demo_size, secret_key=s.security.secret_key,
                      band=(s.grid.households_min, s.grid.households_max))
    host = host or s.server.host
    s.security.dev_mode = _dev_mode(s, host)
    app = create_app(s)
    uvicorn.run(app, **{**uvicorn_options(s), "host": host, "port": port or s.server.port})


def uvicorn_options(s) -> dict:
    """How uvicorn runs the app (tests/api/test_header_limits.py serves with the same)."""
    from api.http_limits import limited_protocol

    # uvloop + httptools (uvicorn[standard]): named, not "auto", so a missing one fails
    # loudly instead of silently serving /locate at a fraction of its speed; httptools
    # with the head limits it lacks (api/http_limits.py). h11's limit too, for `--http h11`.
    protocol = limited_protocol(max_head_bytes=s.server.max_header_bytes,
                                max_headers=s.server.max_headers)
    return {"host": s.server.host, "port": s.server.port, "loop": "uvloop", "http": protocol,
            "h11_max_incomplete_event_size": s.server.max_header_bytes,
            "log_config": None, "access_log": False}


def _dev_mode(s, host: str) -> bool:
    """Dev mode only on loopback, and only when asked or no user exists (gis/auth/devmode)."""
    from gis.auth.devmode import decide_dev_mode
    from gis.cli import context
    from gis.errors import InvalidInput

    try:
        with context.session_scope(s, commit=False) as session:
            on, why = decide_dev_mode(session, host=host, requested=s.security.dev_mode)
    except InvalidInput as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(why)
    return on
