"""Limits checked before a route reads its request body: a per-client rate limit (429 with
``Retry-After``) and a body size limit (413). Routes opt in with ``APIRouter(route_class=GuardedRoute)``
(the key-release routes do); see :mod:`api.stores.ratelimit` for how a client is identified behind a proxy."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .problems import problem_response
from .services import services_of
from .stores import client_of


def _too_large(limit: int) -> Response:
    return problem_response(413, "Request body too large", f"send at most {limit} bytes")


class GuardedRoute(APIRoute):
    """An API route that refuses a body over ``settings.max_body_bytes`` (by its ``Content-Length``, or
    while reading a chunked one) and counts the client against ``settings.rate_limit_per_minute``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            services = services_of(request.app)
            settings = services.settings
            limit = settings.max_body_bytes
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                return _too_large(limit)
            peer = request.client.host if request.client else None
            client = client_of(peer, request.headers.get("x-forwarded-for"), settings.trusted_proxies)
            retry = await run_in_threadpool(services.rate_limiter.hit, client)
            if retry is not None:
                reply = problem_response(
                    429, "Too many requests",
                    f"at most {settings.rate_limit_per_minute} requests a minute; retry after {retry} s",
                )  # fmt: skip
                reply.headers["Retry-After"] = str(retry)
                return reply
            if length is None and request.method in ("POST", "PUT", "PATCH"):
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > limit:
                        return _too_large(limit)
                request._body = bytes(body)  # noqa: SLF001 - Starlette's cache of the body, read once here
            return await handler(request)

        return guarded
