"""Incidents (事件): categories with time limits, cases, and their append-only transition log."""
