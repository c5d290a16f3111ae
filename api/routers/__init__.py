"""Thin routers: parse, call a gis service, shape the response."""
