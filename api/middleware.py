"""The API's ASGI middleware: HEAD for every GET resource, and the browser-safety headers of pages.

* :class:`HeadAsGet`: FastAPI routes answer only the methods they declare, so ``@router.get`` gives no
  ``HEAD``. A ``HEAD`` request no route declares is run as ``GET`` and its body dropped, so every GET
  resource answers HEAD with the same status and headers (RFC 9110 §9.3.2). Routes that declare HEAD
  themselves (the gateway, which must not read a whole file to answer it) are left alone.
* :class:`PageHeaders`: every ``text/html`` response gets a Content-Security-Policy (with
  ``frame-ancestors 'none'``), ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy``, unless the response set that header itself. :data:`PAGE_CSP` allows inline
  ``style`` attributes (share bars, event colours) and no script at all: the catalogue, provenance and
  explorer pages run none. Two kinds of page run scripts and say so: the docs pages (Swagger UI,
  ReDoc) start their bundles with one inline script (:data:`DOCS_CSP`, by path), and a work's page
  (``/work/{id}``) runs its own file ``/pages/buy.js`` (no inline script) under the policy its route
  sets, ``api.routes.pages.BUY_PAGE_CSP`` (``script-src 'self'; connect-src 'self'``), which this
  middleware keeps.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class HeadAsGet:
    """Answer ``HEAD`` on any path a route serves with ``GET``, without a body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or self._declares_head(scope):
            await self.app(scope, receive, send)
            return

        async def no_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, no_body)

    @staticmethod
    def _declares_head(scope: Scope) -> bool:
        app = scope.get("app")
        routes = getattr(getattr(app, "router", None), "routes", [])
        return any(route.matches(scope)[0] == Match.FULL for route in routes)


class PageHeaders:
    """Security headers on every HTML response; ``docs_paths`` get the policy Swagger UI needs, and a
    header the response already carries (a page's own script policy) is kept, not replaced."""

    def __init__(self, app: ASGIApp, docs_paths: Collection[str] = ()) -> None:
        self.app = app
        self.docs_paths = set(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope["path"] in self.docs_paths else PAGE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    names = {k.lower() for k, _ in headers}
                    extra = [
                        (b"content-security-policy", csp.encode()),
                        (b"x-frame-options", b"DENY"),
                        (b"x-content-type-options", b"nosniff"),
                        (b"referrer-policy", b"strict-origin-when-cross-origin"),
                    ]
                    headers += [(k, v) for k, v in extra if k not in names]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
