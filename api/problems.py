"""Errors as ``application/problem+json`` (RFC 9457): every error response has type, title, status, detail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from client_sdk.errors import ContractRevert, HubError
from indexer.errors import IndexerError

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(status_code=status, detail=detail, headers=headers)
        self.title = title
        self.type_ = type_
        self.extra = extra


def problem_response(
    status: int,
    title: str,
    detail: str,
    type_: str = "about:blank",
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


#: the problem document as an OpenAPI schema (RFC 9457 members; routes may add extension members)
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "a URI naming the kind of problem; about:blank for plain HTTP ones"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "what happened and what to do next"},
    },
    "additionalProperties": True,
}

#: what any route can answer: invalid input, a hub error upstream (502), the mirror unavailable (503)
COMMON_STATUSES = (422, 500, 502, 503)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` declaring each status as an ``application/problem+json`` document."""
    return {
        status: {"description": _title(status), "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
        for status in statuses
    }


def declare_problems(spec: dict[str, Any]) -> None:
    """Make the OpenAPI document ``spec`` say what the handlers here do: every operation declares the
    statuses any route can answer (:data:`COMMON_STATUSES`), and every 4xx/5xx it declares is a problem
    document (a route's ``responses={404: {}}`` would otherwise be documented as its JSON model, and
    FastAPI's 422 as its own validation-error JSON)."""
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for item in spec.get("paths", {}).values():
        for op in item.values():
            responses = op.setdefault("responses", {})
            for status in COMMON_STATUSES:
                responses.setdefault(str(status), {"description": _title(status)})
            if "requestBody" in op:  # FastAPI answers a body that is not JSON with a 400
                responses.setdefault("400", {"description": "the body is not valid JSON"})
            for code, response in responses.items():
                if code[:1] in ("4", "5"):
                    response["content"] = {PROBLEM_JSON: {"schema": ref}}
    spec["components"]["schemas"].pop("HTTPValidationError", None)
    spec["components"]["schemas"].pop("ValidationError", None)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status_code, exc.title, str(exc.detail), exc.type_, headers=exc.headers, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # keep the exception's headers: Allow on 405, WWW-Authenticate on 401, Retry-After on 429
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(request))
        return problem_response(exc.status_code, _title(exc.status_code), str(exc.detail), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return problem_response(422, "Invalid request", "the request has invalid fields; see errors", errors=errors)

    @app.exception_handler(ContractRevert)
    async def _revert(_request: Request, exc: ContractRevert) -> JSONResponse:
        return problem_response(409, exc.error_name, str(exc), "urn:copyright-hub:revert:" + exc.error_name)

    @app.exception_handler(IndexerError)
    async def _indexer(_request: Request, exc: IndexerError) -> JSONResponse:
        # the mirror or its database is not available right now: the client may retry later
        return problem_response(503, type(exc).__name__, str(exc))

    @app.exception_handler(HubError)
    async def _hub(_request: Request, exc: HubError) -> JSONResponse:
        return problem_response(502, type(exc).__name__, str(exc))


def _allowed(request: Request) -> list[str]:
    """Every method some route serves on the request's path. Starlette's 405 names only the first
    route whose path matches (``PUT /keys/{work_id}`` hides ``POST /keys/{work_id}``); HEAD goes with
    GET, which :class:`api.middleware.HeadAsGet` answers for every GET route."""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.methods and route.path and _path_regex(route.path).match(path):
            methods |= route.methods
    if "GET" in methods:
        methods.add("HEAD")
    if methods and request.app.state.settings.cors_origins:
        methods.add("OPTIONS")  # CORS preflights are answered on every path (api.main)
    return sorted(methods)


@lru_cache(maxsize=256)
def _path_regex(template: str) -> re.Pattern[str]:
    return compile_path(template)[0]


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
