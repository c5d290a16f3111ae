"""Where the locally served static assets live (vendored Leaflet, our scripts and styles)."""
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
