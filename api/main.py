"""Builds the FastAPI application. Run with ``copyright-hub serve`` or ``uvicorn api.main:app_factory --factory``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from . import deps, problems, read
from .middleware import HeadAsGet, PageHeaders
from .resources import RESOURCES
from .routes import (
    accounts,
    content,
    deployment,
    evidence,
    explorer,
    health,
    indexer_status,
    keys,
    licences,
    pages,
    provenance,
    requirements,
    schemas,
    similar,
    trading,
)
from .services import lifespan
from .settings import Settings, get_settings

#: Routers that are not plain resources; the resources of ``api.resources`` are served before them.
ROUTERS: list[APIRouter] = [
    pages.router,
    health.router,
    indexer_status.router,
    licences.router,
    accounts.router,
    provenance.router,
    evidence.router,
    content.router,
    keys.router,
    schemas.router,
    deployment.router,
    trading.router,
    trading.writes,
    explorer.router,
    similar.router,
    requirements.router,
]


DOCS_URL = "/docs"
REDOC_URL = "/redoc"


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def _document(app: FastAPI, settings: Settings) -> None:
    """The OpenAPI document says what the handlers enforce beyond the routes' declarations: problem
    documents for every error (:func:`api.problems.declare_problems`), the page size this server's
    settings allow (:func:`api.deps.declare_page_size`) and integer bounds as integers
    (:func:`api.deps.declare_exact_bounds`)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()  # FastAPI's document, which it caches as app.openapi_schema
            problems.declare_problems(spec)
            deps.declare_page_size(spec, settings.page_size_max)
            deps.declare_exact_bounds(spec)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app on ``settings`` (default: from the environment); its services are built in its lifespan."""
    settings = settings or get_settings()
    # Swagger UI and ReDoc from the assets of the fastapi-offline package, served by the app itself
    # (/static-offline-docs/...), so /docs works without the internet; off with COPYRIGHT_HUB_DOCS=false.
    app = FastAPIOffline(
        docs_url=DOCS_URL if settings.docs else None,
        redoc_url=REDOC_URL if settings.docs else None,
        title="Copyright Hub API",
        version="0.1.0",
        description="Browse, license and verify audiovisual works registered on chain. Work metadata documents "
        "follow the JSON Schema at [/schemas/work-metadata.v1.json](/schemas/work-metadata.v1.json).",
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},  # no badge fetched from validator.swagger.io
    )
    app.state.settings = settings
    problems.install(app)
    for resource in RESOURCES:
        app.include_router(read.router(resource))
    for router in ROUTERS:
        app.include_router(router)
    _document(app, settings)
    app.add_middleware(PageHeaders, docs_paths={DOCS_URL, REDOC_URL})
    app.add_middleware(HeadAsGet)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "HEAD", "POST", "PUT"],
            allow_headers=["Authorization", "Content-Type", "Range"],
            expose_headers=["Content-Range", "Content-Length", "Etag", "X-Ipfs-Path", "Retry-After"],
        )
    return app


def app_factory() -> FastAPI:
    return create_app()
