"""/auth/session: the web pages' log-in, its refresh token in an HttpOnly cookie.

The pages never hold a refresh token: it travels in a cookie that scripts cannot read
(HttpOnly), that only this path receives (Path=/auth/session), that other sites cannot
send (SameSite=Strict), over HTTPS only when the page is served over HTTPS (Secure).
The access token comes back in the body and lives in the page's memory. Clients that
are not browsers keep using POST /auth/token and /auth/refresh with JSON tokens."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api.deps import SessionDep, SettingsDep
from gis.auth import service
from gis.auth.sessions import RefreshTokenReused
from gis.errors import NotAuthenticated

router = APIRouter(prefix="/auth/session", tags=["auth"])

COOKIE = "onegrid_refresh"
COOKIE_PATH = "/auth/session"
RefreshCookie = Annotated[str | None, Cookie(alias=COOKIE, max_length=4096)]


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")


def _answer(request: Request, response: Response, settings, pair) -> AccessToken:
    response.set_cookie(COOKIE, pair.refresh_token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path=COOKIE_PATH,
                        max_age=settings.security.refresh_token_minutes * 60)
    response.headers["Cache-Control"] = "no-store"
    return AccessToken(access_token=pair.access_token, token_type=pair.token_type,
                       expires_in=pair.expires_in)


def _required(cookie: str | None) -> str:
    if not cookie:
        raise NotAuthenticated("not logged in: no session cookie", where=COOKIE)
    return cookie


@router.post("", summary="Log in from a page: access token in the body, refresh in a cookie")
def start(request: Request, response: Response, session: SessionDep, settings: SettingsDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> AccessToken:
    pair = service.login(session, settings.security, username=form.username[:64],
                         password=form.password)
    return _answer(request, response, settings, pair)


@router.post("/refresh", summary="A new access token for the session cookie (which rotates)")
def renew(request: Request, response: Response, session: SessionDep, settings: SettingsDep,
          cookie: RefreshCookie = None) -> AccessToken:
    try:
        pair = service.refresh(session, settings.security, refresh_token=_required(cookie))
    except RefreshTokenReused:
        session.commit()  # the revocation of the log-in must outlive the 401
        raise
    return _answer(request, response, settings, pair)


@router.post("/logout", status_code=204, summary="End the page's log-in; the cookie is cleared")
def end(session: SessionDep, settings: SettingsDep, cookie: RefreshCookie = None) -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="strict")
    if cookie:
        service.logout(session, settings.security, refresh_token=cookie)
    return response
