"""HTTP done properly across the app: Allow on 405, HEAD on GET resources, problems declared in OpenAPI,
browser-safety headers on HTML, CORS only for configured origins, and /docs that works offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.problems import COMMON_STATUSES, PROBLEM_JSON
from api.settings import Settings
from tests.api.conftest import serve_app
from tests.api.test_provenance import CHROMIUM_FLAGS


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(content_dir=tmp_path / "content")


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def test_405_is_a_problem_that_says_which_methods_are_allowed(client: TestClient) -> None:
    for method, url in (("DELETE", "/docs"), ("PUT", "/ipfs/bafkqaaa"), ("POST", "/openapi.json")):
        r = client.request(method, url)
        assert r.status_code == 405 and r.headers["content-type"] == PROBLEM_JSON, url
        allowed = {m.strip() for m in r.headers["allow"].split(",")}
        assert "GET" in allowed and "HEAD" in allowed, url


def test_head_on_a_get_resource_has_the_get_headers_and_no_body(client: TestClient) -> None:
    get, head = client.get("/docs"), client.head("/docs")
    assert head.status_code == get.status_code == 200
    assert head.content == b"" and head.headers["content-length"] == get.headers["content-length"]
    assert client.head("/no-such-thing").status_code == 404


def test_every_operation_declares_its_problems(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status in COMMON_STATUSES:
                content = op["responses"][str(status)]["content"]
                assert PROBLEM_JSON in content, (method, path, status)
    gateway = spec["paths"]["/ipfs/{cid}"]
    assert {"get", "head"} <= set(gateway)
    assert {"400", "404", "416", "422", "500"} <= set(gateway["get"]["responses"])


def test_html_gets_security_headers_and_json_does_not(client: TestClient) -> None:
    page = client.get("/docs")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "content-security-policy" not in client.get("/openapi.json").headers


def test_cors_is_off_by_default_and_follows_the_allow_list(settings: Settings, client: TestClient) -> None:
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
    assert "access-control-allow-origin" not in client.options("/ipfs/bafkqaaa", headers=preflight).headers
    allowed = TestClient(create_app(settings.model_copy(update={"cors_origins": ["https://app.example"]})))
    r = allowed.get("/ipfs/bafkqaaa", headers={"Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    other = allowed.get("/ipfs/bafkqaaa", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def _asset_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href|spec-url)=["']([^"']+)["']""", html) + re.findall(
        r"""url: ?["']([^"']+)["']""", html
    )


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_use_only_assets_the_app_serves(client: TestClient, page: str) -> None:
    html = client.get(page).text
    urls = _asset_urls(html)
    assert urls and "/openapi.json" in urls
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url  # nothing from a CDN
        assert client.get(url).status_code == 200, url
    assert "https://" not in html.replace("https://fonts", "")  # no remote script, style or font


def test_docs_can_be_turned_off(settings: Settings) -> None:
    client = TestClient(create_app(settings.model_copy(update={"docs": False})))
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").status_code == 200  # the contract stays public


@pytest.fixture
def served(settings: Settings) -> Iterator[str]:
    with serve_app(settings) as url:
        yield url


def test_swagger_ui_renders_in_a_real_browser_without_the_internet(served: str, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is required for page tests: apt-get install chromium"
    dom = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            # every host but the server resolves nowhere: a CDN asset could not load
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{served}/docs",
        ],
        capture_output=True,
        text=True,
        timeout=90,
    ).stdout
    assert "Copyright Hub API" in dom  # the title Swagger UI renders from /openapi.json
    assert "/ipfs/{cid}" in dom  # and the operations


def test_pages_run_no_script_unless_their_route_sets_its_own_policy() -> None:
    """The middleware's docstring: PAGE_CSP allows no script; a page that runs its own script file (a
    work's page and buy.js) sets its policy itself, and that header is kept, not replaced."""
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from api.middleware import PAGE_CSP, PageHeaders
    from api.routes.pages import BUY_PAGE_CSP

    app = FastAPI()
    app.add_middleware(PageHeaders)
    app.get("/plain")(lambda: HTMLResponse("<p>no script</p>"))
    app.get("/own")(lambda: HTMLResponse("<script src=/pages/buy.js></script>", headers={
        "content-security-policy": BUY_PAGE_CSP}))  # fmt: skip
    client = TestClient(app)
    assert "script-src" not in PAGE_CSP
    assert client.get("/plain").headers["content-security-policy"] == PAGE_CSP
    own = client.get("/own").headers
    assert own["content-security-policy"] == BUY_PAGE_CSP and own["x-frame-options"] == "DENY"
    assert "script-src 'self'" in BUY_PAGE_CSP and "unsafe-inline" not in BUY_PAGE_CSP.split("style-src")[0]
