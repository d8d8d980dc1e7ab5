"""Errors as ``application/problem+json`` (RFC 9457): every error response has type, title, status, detail."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from client_sdk.errors import ContractRevert, HubError
from indexer.errors import IndexerError

PROBLEM_JSON = "application/problem+json"


class Problem(HTTPException):
    """Raise from a route to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str, *, type_: str = "about:blank", **extra: Any) -> None:
        super().__init__(status_code=status, detail=detail)
        self.title = title
        self.type_ = type_
        self.extra = extra


def problem_response(status: int, title: str, detail: str, type_: str = "about:blank", **extra: Any) -> JSONResponse:
    body = {"type": type_, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status_code, exc.title, str(exc.detail), exc.type_, **exc.extra)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, _title(exc.status_code), str(exc.detail))

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


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
