"""Builds the FastAPI application. Run with ``copyright-hub serve`` or ``uvicorn api.main:app_factory --factory``."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from . import problems, read
from .resources import RESOURCES
from .routes import content, health, indexer_status, keys, licences, pages, provenance
from .services import lifespan
from .settings import Settings, get_settings

#: Routers that are not plain resources; the resources of ``api.resources`` are served before them.
ROUTERS: list[APIRouter] = [
    pages.router,
    health.router,
    indexer_status.router,
    licences.router,
    provenance.router,
    content.router,
    keys.router,
]


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on ``settings`` (default: from the environment); its services are built in its lifespan."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Copyright Hub API",
        version="0.1.0",
        description="Browse, license and verify audiovisual works registered on chain.",
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
    )
    app.state.settings = settings
    problems.install(app)
    for resource in RESOURCES:
        app.include_router(read.router(resource))
    for router in ROUTERS:
        app.include_router(router)
    return app


def app_factory() -> FastAPI:
    return create_app()
