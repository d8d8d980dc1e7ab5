"""Errors become problem documents at the API's one boundary: indexer errors are 503 (retry later),
other hub errors 502, reverts 409."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.problems import PROBLEM_JSON, install
from client_sdk.errors import HubError
from indexer.errors import DatabaseUnavailable, DeepReorgError


def _app(error: Exception) -> TestClient:
    app = FastAPI()
    install(app)

    @app.get("/boom")
    def boom() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


def test_indexer_errors_are_503_problems_that_say_what_happened() -> None:
    for error in (DatabaseUnavailable("postgresql://db/hub", "connection refused"), DeepReorgError(40, 30, 12)):
        reply = _app(error).get("/boom")
        assert reply.status_code == 503 and reply.headers["content-type"].startswith(PROBLEM_JSON)
        body = reply.json()
        assert body["title"] == type(error).__name__ and body["detail"] == str(error)


def test_other_hub_errors_stay_502() -> None:
    reply = _app(HubError("upstream said no")).get("/boom")
    assert reply.status_code == 502 and reply.json()["detail"] == "upstream said no"
