"""folium maps that load nothing from the internet: Leaflet from /static/vendor, no CDN.

folium's defaults pull Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs, which
government intranets cannot reach. Our views use only what Leaflet itself provides
(GeoJson, GeoJsonTooltip, LayerControl; no folium.Popup, whose template needs jQuery),
so the offline map ships Leaflet alone, from the copy vendored in maps/static/vendor."""
from __future__ import annotations

import re

import folium

LOCAL_JS = (("leaflet", "/static/vendor/leaflet/leaflet.js"),)
LOCAL_CSS = (("leaflet_css", "/static/vendor/leaflet/leaflet.css"),)

# A <script src=…> or <link href=…> pointing at http://, https:// or protocol-relative //.
_REMOTE_ASSET = re.compile(
    r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.I)


class OfflineMap(folium.Map):
    """A folium.Map whose header links only the locally served Leaflet."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Per instance: folium's add_js_link mutates these lists in place.
        self.default_js = list(LOCAL_JS)
        self.default_css = list(LOCAL_CSS)


def offline_map(*, basemap_url: str = "", **kwargs) -> OfflineMap:
    """A map with no basemap unless one is configured (e.g. a local Tianditu mirror)."""
    fmap = OfflineMap(tiles=None, **kwargs)
    if basemap_url:
        folium.TileLayer(basemap_url, attr="basemap", name="basemap").add_to(fmap)
    return fmap


def remote_assets(html: str) -> list[str]:
    """URLs of scripts and stylesheets the page would fetch from outside the server."""
    return _REMOTE_ASSET.findall(html)


def render_offline(fmap: folium.Map) -> str:
    """The page's HTML; refuses to return a page that would reach for a CDN."""
    html = fmap.get_root().render()
    remote = remote_assets(html)
    if remote:
        raise ValueError(f"the map would load {', '.join(remote)} from the internet; vendor "
                         "it under maps/static/vendor and link it locally")
    return html
