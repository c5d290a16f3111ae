"""/auth: log in (OAuth2 password flow), refresh, log out, and who am I."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, SettingsDep
from gis.auth import service
from gis.auth.sessions import RefreshTokenReused

router = APIRouter(prefix="/auth", tags=["auth"])


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


class Me(BaseModel):
    username: str
    roles: list[str]
    permissions: list[str]
    region_codes: list[str]
    cell_codes: list[str]
    unrestricted: bool
    via: str


def _response(pair) -> TokenResponse:
    return TokenResponse(access_token=pair.access_token, token_type=pair.token_type,
                         expires_in=pair.expires_in, refresh_token=pair.refresh_token)


@router.post("/token", summary="Log in: username + password -> access and refresh tokens")
def token(session: SessionDep, settings: SettingsDep,
          form: Annotated[OAuth2PasswordRequestForm, Depends()]) -> TokenResponse:
    pair = service.login(session, settings.security, username=form.username[:64],
                         password=form.password)
    return _response(pair)


@router.post("/refresh", summary="A new token pair for a refresh token (each works once)")
def refresh(session: SessionDep, settings: SettingsDep, body: RefreshRequest) -> TokenResponse:
    try:
        return _response(service.refresh(session, settings.security,
                                         refresh_token=body.refresh_token))
    except RefreshTokenReused:
        session.commit()  # the revocation of the log-in must outlive the 401
        raise


@router.post("/logout", status_code=204,
             summary="End the log-in of a refresh token (its access tokens run out)")
def logout(session: SessionDep, settings: SettingsDep, body: RefreshRequest) -> Response:
    service.logout(session, settings.security, refresh_token=body.refresh_token)
    return Response(status_code=204)


@router.get("/me", summary="The caller: roles, permissions and area")
def me(principal: PrincipalDep) -> Me:
    return Me(username=principal.username, roles=sorted(principal.roles),
              permissions=sorted(principal.permissions),
              region_codes=list(principal.region_codes), cell_codes=list(principal.cell_codes),
              unrestricted=principal.unrestricted, via=principal.via)
