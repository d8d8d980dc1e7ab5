"""No input produces a 5xx: out-of-range numbers, NUL characters, and a chain that stops answering after
the API connected to it. Each case on SQLite and PostgreSQL (the ``story`` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.main import create_app
from api.problems import PROBLEM_JSON
from client_sdk.content.siwe import SiweMessage
from tests.api.conftest import SIWE_DOMAIN, Story
from tests.indexer.rpcproxy import RpcProxy, serve

HUGE = str(2**256)
LISTS = ("/works", "/offers", "/licences")


def _refused(reply: httpx.Response, status: int = 422) -> None:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM_JSON)


@pytest.mark.parametrize("path", LISTS)
def test_an_offset_beyond_64_bits_is_a_422_on_every_list(story: Story, path: str) -> None:
    for offset in (2**63, 2**64, 10**40):
        _refused(story.client.get(path, params={"offset": offset}))
    assert story.client.get(path, params={"offset": 2**62}).json()["data"] == []


def test_the_bounds_are_declared_in_openapi(story: Story) -> None:
    spec = story.client.get("/openapi.json").json()["paths"]
    offset = next(p for p in spec["/works"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] == 2**62
    licence = spec["/licences/{licence_id}/verify"]["get"]["parameters"][0]["schema"]
    assert (licence["minimum"], licence["maximum"]) == (0, 2**256 - 1)
    work = next(p for p in spec["/works/{work_id}"]["get"]["parameters"] if p["name"] == "work_id")
    assert work["schema"]["maximum"] == 2**256 - 1


@pytest.mark.parametrize(
    "path",
    ["/licences/-1/verify", f"/licences/{HUGE}/verify", f"/works/{HUGE}", "/works/-1", f"/offers/{HUGE}",
     f"/works/{HUGE}/provenance", f"/provenance/{HUGE}", f"/offers?work_id={HUGE}", "/licences?work_id=-5"],
)  # fmt: skip
def test_ids_outside_uint256_are_422(story: Story, path: str) -> None:
    _refused(story.client.get(path))


def test_the_largest_uint256_id_is_a_404(story: Story) -> None:
    _refused(story.client.get(f"/works/{2**256 - 1}"), 404)
    _refused(story.client.get(f"/licences/{2**256 - 1}/verify"), 404)


@pytest.mark.parametrize("licence_id", [-1, 2**256, 10**100])
def test_key_requests_with_licence_ids_outside_uint256_are_422(story: Story, licence_id: int) -> None:
    body = {"message": "x", "signature": "0x00", "licence_id": licence_id}
    _refused(story.client.post(f"/keys/{story.film_id}", json=body))
    _refused(story.client.post(f"/keys/{HUGE}", json={**body, "licence_id": 1}))


@pytest.mark.parametrize("query", [{"q": "a\x00b"}, {"owner": "\x00"}, {"holder": "0x\x00"}])
def test_nul_in_text_filters_is_a_422(story: Story, query: dict[str, str]) -> None:
    for path in LISTS:
        if next(iter(query)) in {p["name"] for p in _params(story, path)}:
            _refused(story.client.get(path, params=query))


def _params(story: Story, path: str) -> list[dict[str, Any]]:
    return story.client.get("/openapi.json").json()["paths"][path]["get"]["parameters"]  # type: ignore[no-any-return]


class _Outage(RpcProxy):
    """Forwards to anvil until ``down``; then answers every call with HTTP 503, as a dead RPC's gateway does."""

    down = False

    def intercept(self, request: Any) -> tuple[int, bytes] | None:
        return (503, b"down") if type(self).down else None


@pytest.fixture
def outage(story: Story) -> Iterator[tuple[TestClient, type[_Outage]]]:
    with serve(_Outage, story.node.url) as (url, proxy):
        settings = story.settings.model_copy(update={"rpc_url": url})
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            assert client.get(f"/licences/{story.licence_id}/verify").status_code == 200  # connected
            proxy.down = True
            yield client, proxy


def _sign_in(client: TestClient, account: LocalAccount, work_id: int) -> dict[str, str]:
    nonce = client.get("/keys/nonce").json()["nonce"]
    now = datetime.now(UTC)
    msg = SiweMessage(
        domain=SIWE_DOMAIN, address=account.address, statement="key please", uri=f"https://{SIWE_DOMAIN}/keys",
        chain_id=31337, nonce=nonce, issued_at=now.isoformat().replace("+00:00", "Z"),
        expiration_time=(now + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        resources=[f"urn:copyright-hub:work:{work_id}"],
    )  # fmt: skip
    text = msg.to_text()
    return {"message": text, "signature": account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()}


def test_a_chain_that_went_down_degrades_instead_of_failing(
    story: Story, outage: tuple[TestClient, type[_Outage]]
) -> None:
    client, _proxy = outage
    record = client.get(f"/works/{story.film_id}/provenance")
    assert record.status_code == 200 and record.json()["verified"] is False and record.json()["checks"] == []
    page = client.get(f"/provenance/{story.film_id}")
    assert page.status_code == 200 and "not verified" in page.text.lower()
    verify = client.get(f"/licences/{story.licence_id}/verify")
    _refused(verify, 503)
    assert "127.0.0.1" not in verify.text
    key = client.post(
        f"/keys/{story.film_id}", json={**_sign_in(client, story.buyer, story.film_id), "licence_id": story.licence_id}
    )
    _refused(key, 503)
