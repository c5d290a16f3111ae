"""/open311/v2: Open311 GeoReport v2 (discovery, services, service definitions, requests,
tokens) in .xml and .json, over the incidents service (gis/incidents/open311.py).

Reads need no key (as the specification says) and show only public categories and
fields; POST requests needs an api_key (form field, or the X-API-Key header) whose user
may write incidents. Every error is the specification's error list with 400/403/404."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from api import open311_format
from api.deps import SessionDep
from api.routers.incidents import clock
from gis import errors
from gis.auth import rls, service
from gis.incidents import open311

router = APIRouter(prefix="/open311/v2", tags=["open311"])
FORMAT = "xml or json, e.g. services.xml"


def _answer(request: Request, session, fmt: str, produce: Callable[[], Response]) -> Response:
    try:
        if fmt not in open311_format.FORMATS:
            raise errors.InvalidInput(f"format must be xml or json, got {fmt[:10]!r}",
                                      where="format")
        wanted = request.app.state.settings.incidents.open311_jurisdiction
        given = request.query_params.get("jurisdiction_id") or \
            getattr(request.state, "form_jurisdiction", None)
        if wanted and given and given != wanted:
            raise errors.NotFound(f"jurisdiction_id {given[:60]} not found (this endpoint "
                                  f"serves {wanted})", where="jurisdiction_id")
        # a savepoint: nothing half-done is committed with an error answer
        with session.begin_nested():
            return produce()
    except errors.OnegridError as exc:
        return open311_format.error(exc, fmt=fmt)


def _public(session) -> None:
    rls.scope_session(session, open311.PUBLIC_READER)


def _zone(request: Request) -> ZoneInfo:
    return ZoneInfo(request.app.state.settings.incidents.time_zone)


@router.get("/discovery.{fmt}", summary="Service discovery (Open311)")
def discovery(request: Request, session: SessionDep, fmt: str) -> Response:
    settings = request.app.state.settings.incidents
    return _answer(request, session, fmt, lambda: open311_format.render(
        open311.discovery(base_url=str(request.url_for("services", fmt="xml")).rsplit(
                              "/services", 1)[0],
                          changeset=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
                          contact=settings.open311_contact,
                          key_service="an administrator issues API keys with "
                                      "`onegrid user key create ... --permission "
                                      "incidents:write`", zone=_zone(request)),
        fmt=fmt, root="discovery"))


@router.get("/services.{fmt}", summary="GET Service List")
def services(request: Request, session: SessionDep, fmt: str) -> Response:
    _public(session)
    return _answer(request, session, fmt, lambda: open311_format.render(
        open311.services(session), fmt=fmt, root="services", item="service"))


@router.get("/services/{service_code}.{fmt}", summary="GET Service Definition")
def service_definition(request: Request, session: SessionDep, service_code: str,
                       fmt: str) -> Response:
    _public(session)
    return _answer(request, session, fmt, lambda: open311_format.render(
        open311.service_definition(session, service_code=service_code), fmt=fmt,
        root="service_definition"))


@router.get("/requests.{fmt}", summary="GET Service Requests (90 days, 1000 at most)")
def list_requests(request: Request, session: SessionDep, fmt: str) -> Response:
    _public(session)

    def produce() -> Response:
        filters = open311.parse_filters(dict(request.query_params), now=clock(request))
        return open311_format.render(open311.requests(session, filters=filters,
                                                      zone=_zone(request)),
                                     fmt=fmt, root="service_requests", item="request")
    return _answer(request, session, fmt, produce)


@router.get("/requests/{service_request_id}.{fmt}", summary="GET Service Request")
def get_request(request: Request, session: SessionDep, service_request_id: str,
                fmt: str) -> Response:
    _public(session)

    def produce() -> Response:
        if not service_request_id.isdigit() or len(service_request_id) > 18:
            raise errors.NotFound(f"service request {service_request_id[:30]} not found",
                                  where="service_request_id")
        found = open311.request_by_id(session, request_id=int(service_request_id),
                                      zone=_zone(request))
        return open311_format.render([found], fmt=fmt, root="service_requests",
                                     item="request")
    return _answer(request, session, fmt, produce)


@router.get("/tokens/{token_id}.{fmt}", summary="GET service_request_id from a token")
def get_token(request: Request, session: SessionDep, token_id: str, fmt: str) -> Response:
    _public(session)
    return _answer(request, session, fmt, lambda: open311_format.render(
        [open311.token(session, token_id=token_id)], fmt=fmt, root="service_requests",
        item="request"))


@router.post("/requests.{fmt}", summary="POST Service Request (form-urlencoded, api_key)")
async def create_request(request: Request, session: SessionDep, fmt: str) -> Response:
    form = await request.form()
    items = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    request.state.form_jurisdiction = form.get("jurisdiction_id") or None

    def produce() -> Response:
        key = (dict(items).get("api_key") or request.query_params.get("api_key")
               or request.headers.get("x-api-key"))
        if not key:
            raise errors.NotAuthenticated("api_key is required to create a request",
                                          where="api_key")
        principal = service.principal_for_api_key(session, key=key.strip())
        if not principal.can("incidents:write"):
            raise errors.PermissionDenied("this api_key may not create requests "
                                          "(it lacks incidents:write)", where="api_key")
        rls.scope_session(session, principal)
        answer = open311.create(session, principal=principal,
                                form=open311.parse_form(items),
                                settings=request.app.state.settings.incidents,
                                now=clock(request))
        return open311_format.render(answer, fmt=fmt, root="service_requests",
                                     item="request")
    return await run_in_threadpool(_answer, request, session, fmt, produce)
