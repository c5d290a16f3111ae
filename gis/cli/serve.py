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
    from gis import migrate
    from gis.cli import context
    from gis.logging import configure_logging

    s = context.settings()
    configure_logging(s.log_level)
    url = context.database_url(s)
    s.database.url = url
    migrate.upgrade(url)
    if demo:
        from gis.demo.load import load_if_empty

        load_if_empty(url, size=s.demo_size)
    app = create_app(s)
    uvicorn.run(app, host=host or s.server.host, port=port or s.server.port,
                log_config=None, access_log=False)
