"""onegrid HTTP API (FastAPI): app factory, thin routers, dependencies, error table."""
