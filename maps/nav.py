"""The site header shared by every page (templates/_nav.html): its links and language switch."""
from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from maps import i18n

# (href, catalogue key): the pages a user moves between; /editor is the planners' editor
NAV_LINKS = (("/map", "nav.map"), ("/console", "nav.console"),
             ("/audit/dashboard", "nav.dashboard"), ("/editor", "nav.editor"),
             ("/docs", "nav.api"))


def catalogue_language(lang: str) -> str:
    """The catalogue's code for a page's language (the dashboard calls Chinese "zh")."""
    return "en" if lang == "en" else "zh-CN"


def nav_strings(lang: str) -> dict[str, str]:
    """The header's strings in the page's language, whatever catalogue the page itself uses."""
    return i18n.strings(catalogue_language(lang))


def language_href(request: Request, code: str) -> str:
    """This page again in another language, keeping its other query parameters."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    return f"{request.url.path}?{urlencode([*kept, ('lang', code)])}"


def install(env) -> None:
    """Makes the header's helpers available to every template of `env`."""
    env.globals.update(nav_links=NAV_LINKS, nav_strings=nav_strings,
                       nav_language=catalogue_language, language_href=language_href)
