"""/auth: log in (OAuth2 password flow), refresh, and who am I."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, SettingsDep
from gis.auth import service

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


@router.post("/refresh", summary="A new token pair for a valid refresh token")
def refresh(session: SessionDep, settings: SettingsDep, body: RefreshRequest) -> TokenResponse:
    return _response(service.refresh(session, settings.security,
                                     refresh_token=body.refresh_token))


@router.get("/me", summary="The caller: roles, permissions and area")
def me(principal: PrincipalDep) -> Me:
    return Me(username=principal.username, roles=sorted(principal.roles),
              permissions=sorted(principal.permissions),
              region_codes=list(principal.region_codes), cell_codes=list(principal.cell_codes),
              unrestricted=principal.unrestricted, via=principal.via)
