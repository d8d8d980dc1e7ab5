"""Builds the FastAPI application. Run with ``copyright-hub serve`` or ``uvicorn api.main:app``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.routing import APIRoute

from . import problems
from .routes import content, health, indexer_status, keys, licences, offers, pages, provenance, works
from .settings import Settings, get_settings

ROUTERS = [
    pages.router,
    health.router,
    indexer_status.router,
    works.router,
    offers.router,
    licences.router,
    provenance.router,
    content.router,
    keys.router,
]


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Copyright Hub API",
        version="0.1.0",
        description="Browse, license and verify audiovisual works registered on chain.",
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    problems.install(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


def app_factory() -> FastAPI:
    return create_app()
