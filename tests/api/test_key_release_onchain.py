"""Key release against the real chain: the on-chain licence checker decides, not the mirror."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

from client_sdk.content import WrappedKey, unwrap_key
from client_sdk.content.siwe import SiweMessage
from tests.api.conftest import SIWE_DOMAIN, Story


def _request_key(story: Story, account: LocalAccount, licence_id: int, work_id: int | None = None):  # type: ignore[no-untyped-def]
    work_id = story.film_id if work_id is None else work_id
    nonce = story.client.get("/keys/nonce").json()["nonce"]
    now = datetime.now(UTC)
    msg = SiweMessage(
        domain=SIWE_DOMAIN,
        address=account.address,
        statement=f"Release the content key of work {work_id} to me.",
        uri=f"https://{SIWE_DOMAIN}/keys/{work_id}",
        chain_id=31337,
        nonce=nonce,
        issued_at=now.isoformat().replace("+00:00", "Z"),
        expiration_time=(now + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        resources=[f"urn:copyright-hub:work:{work_id}"],  # the route's binding of message to work
    )
    text = msg.to_text()
    signature = account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    return story.client.post(
        f"/keys/{work_id}", json={"message": text, "signature": signature, "licence_id": licence_id}
    )


def test_licensee_with_a_valid_licence_gets_the_key(story: Story) -> None:
    r = _request_key(story, story.buyer, story.licence_id)
    assert r.status_code == 200, r.text
    wrapped = WrappedKey.from_json(r.json()["wrapped_key"])
    assert unwrap_key(wrapped, story.buyer_x25519, context=f"work:{story.film_id}") == story.content_key


def test_a_licence_that_has_not_started_gets_nothing(story: Story) -> None:
    r = _request_key(story, story.buyer, story.future_licence_id)
    assert r.status_code == 403 and "wrapped_key" not in r.json()


def test_someone_elses_licence_gets_nothing(story: Story) -> None:
    r = _request_key(story, story.stranger, story.licence_id)
    assert r.status_code == 403 and "wrapped_key" not in r.json()


def test_a_licence_on_another_work_gets_nothing(story: Story) -> None:
    r = _request_key(story, story.buyer, story.licence_id, work_id=story.short_id)
    assert r.status_code == 403 and "wrapped_key" not in r.json()


def test_an_unknown_licence_gets_nothing(story: Story) -> None:
    r = _request_key(story, story.buyer, 12345)
    assert r.status_code == 403 and "wrapped_key" not in r.json()
