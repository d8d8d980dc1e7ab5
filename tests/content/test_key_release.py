"""POST /keys/{work_id}: only a signed-in account with a valid licence gets its wrapped content key;
PUT /keys/{work_id}: only the work's owner files wrapped keys; PUT /keys/encryption-key registers one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes.keys import MAX_FILED_KEYS, KeyReleasePolicy
from api.services import services_of
from api.settings import Settings
from api.stores import EncryptionKeyStore, LicenceChecker, RateLimiter, WrappedKeyStore
from client_sdk import Right, WorkStatus
from client_sdk.content import WrappedKey, new_content_key, unwrap_key, wrap_key
from client_sdk.content.siwe import SECP256K1_N, SiweError, SiweMessage, format_time
from copyright_hub.commands.keys import HubRequestError, KeysClient
from indexer.db import make_engine, migrate
from indexer.tables import U256, Licence, Work
from tests.content.siwe_corpus import base_message, malformed

DOMAIN = "hub.test"
CHAIN_ID = 31337
WORK_ID = 42
LICENCE_ID = 7


@dataclass
class LicenceCheckerDouble:
    """TEST DOUBLE for the licence checker, so the sign-in rules can be tested from a table of
    (licence id, work id, account) -> (valid from, valid until, revoked) and work id -> owner. The app's
    real ``OnChainLicenceChecker`` (rights, frozen works, owners) is exercised against a chain in
    ``test_key_release_onchain.py``."""

    licences: dict[tuple[int, int, str], tuple[int, int, bool]] = field(default_factory=dict)
    owners: dict[int, str] = field(default_factory=dict)
    calls: list[tuple[int, int, str, int]] = field(default_factory=list)

    def refusal(self, licence_id: int, work_id: int, account: str, at_time: int) -> str | None:
        self.calls.append((licence_id, work_id, account, at_time))
        entry = self.licences.get((licence_id, work_id, account))
        if entry is None:
            return f"no licence {licence_id} of {account} on work {work_id}"
        start, end, revoked = entry
        return None if not revoked and start <= at_time < end else f"licence {licence_id} is not valid now"

    def owner_of(self, work_id: int) -> str | None:
        return self.owners.get(work_id)


@dataclass
class Hub:
    client: TestClient
    checker: LicenceCheckerDouble
    keys: WrappedKeyStore
    content_key: bytes
    licensee: LocalAccount
    licensee_x25519: X25519PrivateKey


@pytest.fixture
def hub(tmp_path: Path) -> Hub:
    app = create_app(
        Settings(
            content_dir=tmp_path / "content",
            database_url=f"sqlite:///{tmp_path / 'hub.sqlite3'}",
            rate_limit_per_minute=10_000,
        )
    )
    checker = LicenceCheckerDouble()
    app.state.licence_checker = checker
    app.state.key_release = KeyReleasePolicy(domain=DOMAIN, chain_id=CHAIN_ID)
    licensee = Account.create()
    x = X25519PrivateKey.generate()
    key = new_content_key()
    keys = services_of(app).wrapped_keys  # the studio's upload, by wrapped copies, in the database
    keys.put(WORK_ID, licensee.address, wrap_key(key, x.public_key(), context=f"work:{WORK_ID}"))
    now = int(datetime.now(UTC).timestamp())
    checker.licences[(LICENCE_ID, WORK_ID, licensee.address)] = (now - 3600, now + 3600, False)
    return Hub(TestClient(app), checker, keys, key, licensee, x)


def _message(client: TestClient, account: LocalAccount, **over: object) -> SiweMessage:
    nonce = over.pop("nonce", None) or client.get("/keys/nonce").json()["nonce"]
    now = datetime.now(UTC)
    fields: dict[str, object] = {
        "domain": DOMAIN,
        "address": account.address,
        "statement": f"Release the content key of work {WORK_ID} to me.",
        "uri": f"https://{DOMAIN}/keys/{WORK_ID}",
        "chain_id": CHAIN_ID,
        "nonce": nonce,
        "issued_at": format_time(now),
        "expiration_time": format_time(now + timedelta(minutes=5)),
        "resources": [f"urn:copyright-hub:work:{WORK_ID}"],
    }
    fields.update(over)
    return SiweMessage(**fields)  # type: ignore[arg-type]


def _post(
    client: TestClient,
    msg: SiweMessage | str,
    signer: LocalAccount,
    licence_id: int = LICENCE_ID,
    work_id: int = WORK_ID,
    signature: str | None = None,
):
    text = msg if isinstance(msg, str) else msg.to_text()
    sig = signature or signer.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
    return client.post(f"/keys/{work_id}", json={"message": text, "signature": sig, "licence_id": licence_id})


def _assert_problem(r, status: int) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "wrapped_key" not in r.json()


def test_checker_double_satisfies_the_protocol() -> None:
    assert isinstance(LicenceCheckerDouble(), LicenceChecker)


def test_licensee_gets_a_key_only_they_can_unwrap(hub: Hub) -> None:
    r = _post(hub.client, _message(hub.client, hub.licensee), hub.licensee)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["account"] == hub.licensee.address
    wrapped = WrappedKey.from_json(body["wrapped_key"])
    assert unwrap_key(wrapped, hub.licensee_x25519, context=f"work:{WORK_ID}") == hub.content_key
    assert hub.checker.calls[-1][:3] == (LICENCE_ID, WORK_ID, hub.licensee.address)


def test_non_licensee_gets_nothing(hub: Hub) -> None:
    stranger = Account.create()
    hub.keys.put(WORK_ID, stranger.address, wrap_key(hub.content_key, X25519PrivateKey.generate().public_key()))
    r = _post(hub.client, _message(hub.client, stranger), stranger)
    _assert_problem(r, 403)


@pytest.mark.parametrize("state", ["expired", "revoked", "not started"])
def test_expired_or_revoked_licence_gets_nothing(hub: Hub, state: str) -> None:
    now = int(datetime.now(UTC).timestamp())
    hub.checker.licences[(LICENCE_ID, WORK_ID, hub.licensee.address)] = {
        "expired": (now - 7200, now - 3600, False),
        "revoked": (now - 3600, now + 3600, True),
        "not started": (now + 3600, now + 7200, False),
    }[state]
    _assert_problem(_post(hub.client, _message(hub.client, hub.licensee), hub.licensee), 403)


def test_someone_elses_licence_id_gets_nothing(hub: Hub) -> None:
    _assert_problem(_post(hub.client, _message(hub.client, hub.licensee), hub.licensee, licence_id=8), 403)


def test_replayed_nonce_gets_nothing(hub: Hub) -> None:
    msg = _message(hub.client, hub.licensee)
    assert _post(hub.client, msg, hub.licensee).status_code == 200
    r = _post(hub.client, msg, hub.licensee)
    _assert_problem(r, 401)
    assert "already used" in r.json()["detail"]


def test_nonce_not_issued_by_the_server_gets_nothing(hub: Hub) -> None:
    _assert_problem(_post(hub.client, _message(hub.client, hub.licensee, nonce="a" * 32), hub.licensee), 401)


def test_signature_by_another_account_gets_nothing(hub: Hub) -> None:
    # the message claims the licensee's address but a stranger signed it
    r = _post(hub.client, _message(hub.client, hub.licensee), Account.create())
    _assert_problem(r, 401)
    assert "not by the address" in r.json()["detail"]
    assert hub.checker.calls == []


def _window(*, minutes: int) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"issued_at": format_time(now), "expiration_time": format_time(now + timedelta(minutes=minutes))}


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"domain": "evil.test"}, "this server is"),
        ({"chain_id": 1}, "chain"),
        ({"issued_at": "2020-01-01T00:00:00Z", "expiration_time": "2020-01-01T00:05:00Z"}, "expired"),
        ({"issued_at": "2999-01-01T00:00:00Z", "expiration_time": "2999-01-01T00:05:00Z"}, "future"),
        ({"not_before": "2999-01-01T00:00:00Z"}, "not valid yet"),
        ({"expiration_time": None}, "no Expiration Time"),
        (lambda: _window(minutes=11), "at most 10 minutes"),  # timed when it runs, not when collected
        ({"expiration_time": "2020-01-01T00:00:00Z"}, "not after its Issued At"),
    ],
)
def test_wrong_domain_chain_or_time_gets_nothing(
    hub: Hub, override: dict[str, object] | Callable[[], dict[str, object]], reason: str
) -> None:
    override = override() if callable(override) else override
    r = _post(hub.client, _message(hub.client, hub.licensee, **override), hub.licensee)
    _assert_problem(r, 401)
    assert reason in r.json()["detail"]
    assert hub.checker.calls == []


def test_a_ten_minute_window_with_an_offset_time_is_accepted(hub: Hub) -> None:
    now = datetime.now(UTC).astimezone(timezone(timedelta(hours=8)))
    issued = now.isoformat(timespec="seconds")  # "+08:00", as a wallet in Beijing writes it
    expires = (now + timedelta(minutes=10)).isoformat(timespec="seconds")
    r = _post(hub.client, _message(hub.client, hub.licensee, issued_at=issued, expiration_time=expires), hub.licensee)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "resources",
    [
        None,  # the work only in the URI is not enough: the resource is the one binding form
        [],
        ["urn:copyright-hub:work:43"],
        ["urn:copyright-hub:work:042"],
        ["urn:copyright-hub:work:42", "urn:copyright-hub:work:43"],
        ["urn:copyright-hub:work:42", "urn:copyright-hub:work:42"],
    ],
)
def test_a_message_that_does_not_name_exactly_this_work_gets_nothing(hub: Hub, resources: list[str] | None) -> None:
    r = _post(hub.client, _message(hub.client, hub.licensee, resources=resources), hub.licensee)
    _assert_problem(r, 401)
    assert f"resource 'urn:copyright-hub:work:{WORK_ID}'" in r.json()["detail"]


def test_a_message_for_one_work_cannot_fetch_another(hub: Hub) -> None:
    r = _post(hub.client, _message(hub.client, hub.licensee), hub.licensee, work_id=43)
    _assert_problem(r, 401)
    assert "urn:copyright-hub:work:43" in r.json()["detail"]


def test_other_resources_beside_the_work_are_fine(hub: Hub) -> None:
    resources = ["ipfs://bafy", f"urn:copyright-hub:work:{WORK_ID}", "https://hub.test/terms"]
    r = _post(hub.client, _message(hub.client, hub.licensee, resources=resources), hub.licensee)
    assert r.status_code == 200, r.text


def test_a_compact_eip2098_signature_is_accepted(hub: Hub) -> None:
    text = _message(hub.client, hub.licensee).to_text()
    raw = bytes(hub.licensee.sign_message(encode_defunct(text=text)).signature)
    y_parity_and_s = int.from_bytes(raw[32:64], "big") | ((raw[64] - 27) << 255)
    compact = "0x" + (raw[:32] + y_parity_and_s.to_bytes(32, "big")).hex()
    assert _post(hub.client, text, hub.licensee, signature=compact).status_code == 200


@pytest.mark.parametrize("form", ["high s", "no 0x"])
def test_a_malleable_or_unprefixed_signature_gets_nothing(hub: Hub, form: str) -> None:
    text = _message(hub.client, hub.licensee).to_text()
    raw = bytes(hub.licensee.sign_message(encode_defunct(text=text)).signature)
    if form == "high s":
        s = int.from_bytes(raw[32:64], "big")
        signature = "0x" + (raw[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - raw[64]])).hex()
    else:
        signature = raw.hex()
    r = _post(hub.client, text, hub.licensee, signature=signature)
    _assert_problem(r, 401)
    assert hub.checker.calls == []


def test_every_malformed_message_signed_by_the_licensee_gets_a_401_never_the_key(hub: Hub) -> None:
    now = datetime.now(UTC)
    count = len(malformed(base_message(hub.licensee.address, "abcdefgh1", now, now), now))
    answers = []
    for i in range(count):
        nonce = hub.client.get("/keys/nonce").json()["nonce"]  # each its own nonce: no refusal hides another
        label, text = malformed(base_message(hub.licensee.address, nonce, now, now + timedelta(minutes=5)), now)[i]
        r = _post(hub.client, text, hub.licensee)
        if r.status_code != 401 or r.headers["content-type"] != "application/problem+json":
            answers.append(f"{label}: {r.status_code} {r.text[:200]} for {text!r}")
    assert not answers, "\n".join(answers)
    assert hub.checker.calls == []


def test_garbage_message_or_signature_is_401(hub: Hub) -> None:
    r = hub.client.post(f"/keys/{WORK_ID}", json={"message": "hello", "signature": "0x00", "licence_id": 1})
    _assert_problem(r, 401)
    text = _message(hub.client, hub.licensee).to_text()
    r = hub.client.post(f"/keys/{WORK_ID}", json={"message": text, "signature": "0x1234", "licence_id": 1})
    _assert_problem(r, 401)


def test_licensee_without_a_wrapped_key_is_told_so(hub: Hub) -> None:
    other = Account.create()
    now = int(datetime.now(UTC).timestamp())
    hub.checker.licences[(LICENCE_ID, WORK_ID, other.address)] = (now - 10, now + 3600, False)
    r = _post(hub.client, _message(hub.client, other), other)
    _assert_problem(r, 404)


def test_unconfigured_server_releases_nothing(tmp_path: Path) -> None:
    client = TestClient(
        create_app(Settings(content_dir=tmp_path / "c", database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}"))
    )
    account = Account.create()
    r = _post(client, _message(client, account), account)
    _assert_problem(r, 503)


def test_siwe_text_round_trips_with_and_without_optional_parts() -> None:
    account = Account.create()
    full = SiweMessage(
        domain=DOMAIN,
        address=account.address,
        uri="https://hub.test",
        chain_id=1,
        nonce="abcdef123456",
        issued_at="2026-01-01T00:00:00Z",
        statement="hi",
        expiration_time="2026-01-02T00:00:00Z",
        not_before="2026-01-01T00:00:00Z",
        request_id="r1",
        resources=["ipfs://bafy", "https://x"],
    )
    assert SiweMessage.parse(full.to_text()) == full
    bare = SiweMessage(
        domain=DOMAIN,
        address=account.address,
        uri="u:x",
        chain_id=1,
        nonce="abcdefgh1",
        issued_at="2026-01-01T00:00:00Z",
    )
    assert SiweMessage.parse(bare.to_text()) == bare
    assert "\n\n\nURI:" in bare.to_text()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("wants you to sign in", "wants to sign in"),
        lambda t: t.replace("Version: 1", "Version: 2"),
        lambda t: t.replace("Nonce: abcdefgh1", "Nonce: short"),
        lambda t: t + "\nextra",
        lambda t: t.lower(),  # address no longer EIP-55 checksummed
    ],
)
def test_malformed_siwe_is_rejected(mutate) -> None:  # type: ignore[no-untyped-def]
    account = Account.create()
    text = SiweMessage(
        domain=DOMAIN,
        address=account.address,
        uri="u:x",
        chain_id=1,
        nonce="abcdefgh1",
        issued_at="2026-01-01T00:00:00Z",
    ).to_text()
    with pytest.raises(SiweError):
        SiweMessage.parse(mutate(text))


# -- filing wrapped keys (the work's owner) and registering encryption keys -------------------------


def _signed(client: TestClient, account: LocalAccount, resource: str) -> dict[str, str]:
    text = _message(client, account, resources=[resource]).to_text()
    return {"message": text, "signature": account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()}


def _filing(hub: Hub, signer: LocalAccount, keys: list[dict[str, object]], resource: str | None = None):  # type: ignore[no-untyped-def]
    body = {**_signed(hub.client, signer, resource or f"urn:copyright-hub:file-keys:{WORK_ID}"), "keys": keys}
    return hub.client.put(f"/keys/{WORK_ID}", json=body)


def test_nonces_and_keys_are_never_cached(hub: Hub) -> None:
    assert hub.client.get("/keys/nonce").headers["cache-control"] == "no-store"
    released = _post(hub.client, _message(hub.client, hub.licensee), hub.licensee)
    assert released.status_code == 200 and released.headers["cache-control"] == "no-store"


def test_the_owner_files_a_key_the_licensee_then_receives(hub: Hub) -> None:
    owner, newcomer, x = Account.create(), Account.create(), X25519PrivateKey.generate()
    hub.checker.owners[WORK_ID] = owner.address
    now = int(datetime.now(UTC).timestamp())
    hub.checker.licences[(LICENCE_ID, WORK_ID, newcomer.address)] = (now - 10, now + 3600, False)
    _assert_problem(_post(hub.client, _message(hub.client, newcomer), newcomer), 404)  # nothing filed yet
    wrapped = wrap_key(hub.content_key, x.public_key(), context=f"work:{WORK_ID}").to_json()
    filed = _filing(hub, owner, [{"account": newcomer.address.lower(), "wrapped_key": wrapped}])
    assert filed.status_code == 200, filed.text
    assert filed.json() == {"work_id": str(WORK_ID), "filed": [newcomer.address]}
    r = _post(hub.client, _message(hub.client, newcomer), newcomer)
    assert r.status_code == 200, r.text
    assert unwrap_key(WrappedKey.from_json(r.json()["wrapped_key"]), x, context=f"work:{WORK_ID}") == hub.content_key


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("not the owner", 403, "does not own work"),
        ("no such work", 404, "not registered"),
        ("release message", 401, "urn:copyright-hub:file-keys:42"),
        ("other work's context", 422, "context 'work:43'"),
        ("not a wrapped key", 422, "keys[0]"),
        ("bad account", 422, "is not an Ethereum address"),
        ("listed twice", 422, "listed twice"),
    ],
)
def test_a_bad_filing_changes_nothing(hub: Hub, case: str, status: int, reason: str) -> None:
    owner, stranger = Account.create(), Account.create()
    if case != "no such work":
        hub.checker.owners[WORK_ID] = owner.address
    context = "work:43" if case == "other work's context" else f"work:{WORK_ID}"
    forged = wrap_key(new_content_key(), X25519PrivateKey.generate().public_key(), context=context).to_json()
    entry: dict[str, object] = {"account": hub.licensee.address, "wrapped_key": forged}
    keys = [entry, entry] if case == "listed twice" else [entry]
    if case == "not a wrapped key":
        entry["wrapped_key"] = {"scheme": "rot13"}
    if case == "bad account":
        entry["account"] = "nobody"
    signer = stranger if case == "not the owner" else owner
    resource = f"urn:copyright-hub:work:{WORK_ID}" if case == "release message" else None
    r = _filing(hub, signer, keys, resource)
    _assert_problem(r, status)
    assert reason in r.json()["detail"]
    kept = hub.keys.get(WORK_ID, hub.licensee.address)
    assert kept is not None and unwrap_key(kept, hub.licensee_x25519, context=f"work:{WORK_ID}") == hub.content_key


def test_a_filing_nonce_is_single_use(hub: Hub) -> None:
    owner = Account.create()
    hub.checker.owners[WORK_ID] = owner.address
    wrapped = wrap_key(hub.content_key, hub.licensee_x25519.public_key(), context=f"work:{WORK_ID}").to_json()
    body = {**_signed(hub.client, owner, f"urn:copyright-hub:file-keys:{WORK_ID}"),
            "keys": [{"account": hub.licensee.address, "wrapped_key": wrapped}]}  # fmt: skip
    assert hub.client.put(f"/keys/{WORK_ID}", json=body).status_code == 200
    _assert_problem(hub.client.put(f"/keys/{WORK_ID}", json=body), 401)


def test_an_account_registers_its_encryption_key(hub: Hub) -> None:
    services = services_of(hub.client.app)  # type: ignore[arg-type]
    public = "0x" + X25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    body = {**_signed(hub.client, hub.licensee, f"urn:copyright-hub:x25519:{public}"), "public_key": public.upper()[2:]}
    r = hub.client.put("/keys/encryption-key", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"account": hub.licensee.address, "public_key": public}
    assert r.headers["cache-control"] == "no-store"
    assert services.encryption_keys.get(hub.licensee.address) == public

    other = "0x" + X25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    swapped = {**_signed(hub.client, hub.licensee, f"urn:copyright-hub:x25519:{public}"), "public_key": other}
    _assert_problem(hub.client.put("/keys/encryption-key", json=swapped), 401)  # the message names another key
    bad = {**_signed(hub.client, hub.licensee, f"urn:copyright-hub:x25519:{public}"), "public_key": "0x1234"}
    r = hub.client.put("/keys/encryption-key", json=bad)
    _assert_problem(r, 422)
    assert "64 hex digits" in r.json()["detail"]
    assert services.encryption_keys.get(hub.licensee.address) == public


def test_a_copy_sealed_for_a_replaced_encryption_key_is_not_released(hub: Hub) -> None:
    """Found by examples/buyer_http_only.py run twice: after a new key was registered, release handed out
    the copy sealed for the old one (which the buyer may have lost) instead of waiting for the studio."""

    def register(x: X25519PrivateKey) -> None:
        public = "0x" + x.public_key().public_bytes_raw().hex()
        body = {**_signed(hub.client, hub.licensee, f"urn:copyright-hub:x25519:{public}"), "public_key": public}
        assert hub.client.put("/keys/encryption-key", json=body).status_code == 200

    register(hub.licensee_x25519)  # the key the copy on file is sealed for: released
    assert _post(hub.client, _message(hub.client, hub.licensee), hub.licensee).status_code == 200
    fresh = X25519PrivateKey.generate()
    register(fresh)
    r = _post(hub.client, _message(hub.client, hub.licensee), hub.licensee)
    _assert_problem(r, 404)
    assert "registered before" in r.json()["detail"]
    owner = Account.create()  # the studio's next round files a copy for the key registered now
    hub.checker.owners[WORK_ID] = owner.address
    wrapped = wrap_key(hub.content_key, fresh.public_key(), context=f"work:{WORK_ID}").to_json()
    assert _filing(hub, owner, [{"account": hub.licensee.address, "wrapped_key": wrapped}]).status_code == 200
    r = _post(hub.client, _message(hub.client, hub.licensee), hub.licensee)
    assert r.status_code == 200, r.text
    assert (
        unwrap_key(WrappedKey.from_json(r.json()["wrapped_key"]), fresh, context=f"work:{WORK_ID}") == hub.content_key
    )


def test_with_cors_a_405_lists_options_and_browsers_may_put_keys(tmp_path: Path) -> None:
    origin = "https://app.example"
    settings = Settings(content_dir=tmp_path / "c", database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}",
                        cors_origins=[origin])  # fmt: skip
    client = TestClient(create_app(settings))
    r = client.delete("/keys/nonce")
    assert r.status_code == 405
    assert {"GET", "HEAD", "OPTIONS"} <= {m.strip() for m in r.headers["allow"].split(",")}
    preflight = client.options(f"/keys/{WORK_ID}", headers={"Origin": origin, "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == 200 and "PUT" in preflight.headers["access-control-allow-methods"]
    plain = TestClient(create_app(settings.model_copy(update={"cors_origins": []})))
    assert "OPTIONS" not in plain.delete("/keys/nonce").headers["allow"]


def _row(table: sa.Table, **given: object) -> dict[str, object]:
    """A mirror row with ``given`` values and a zero of its type in every other column."""

    def zero(column: sa.Column[object]) -> object:
        if isinstance(column.type, sa.Boolean):
            return False
        return 0 if isinstance(column.type, (sa.Integer, U256)) else ""

    return {c.name: None if c.nullable else zero(c) for c in table.columns} | given


def test_pending_lists_only_licensees_entitled_now_with_a_key_and_no_copy_for_it(tmp_path: Path) -> None:
    """The studio's to-do list, from the mirror's licences (rows written here as the indexer would)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    migrate(engine)
    now = 1_800_000_000
    names = ("ok", "exhibition", "revoked", "expired", "filed", "rekeyed", "nokey")
    people = {name: Account.create().address for name in names}
    rights = {"exhibition": int(Right.EXHIBITION | Right.PERFORMANCE)}
    licences: sa.Table = Licence.__table__  # type: ignore[attr-defined]
    with engine.begin() as conn:
        for i, (name, account) in enumerate(people.items()):
            conn.execute(sa.insert(licences), _row(
                licences, licence_id=100 + i, work_id=WORK_ID, holder=account.lower(),
                rights=rights.get(name, int(Right.INFORMATION_NETWORK)), start=now - 10,
                end=now - 1 if name == "expired" else now + 10, revoked=name == "revoked",
            ))  # fmt: skip
    keys, wrapped = EncryptionKeyStore(engine), WrappedKeyStore(engine)
    x = {name: X25519PrivateKey.generate().public_key() for name in people}
    for name, account in people.items():
        if name != "nokey":
            keys.register(account, x[name].public_bytes_raw(), now)
    content_key = new_content_key()
    wrapped.put(WORK_ID, people["filed"], wrap_key(content_key, x["filed"], context=f"work:{WORK_ID}"))
    wrapped.put(WORK_ID, people["rekeyed"], wrap_key(content_key, X25519PrivateKey.generate().public_key()))
    pending = keys.pending(WORK_ID, now)
    assert sorted((p.account, p.public_key) for p in pending) == sorted(
        (people[n], "0x" + x[n].public_bytes_raw().hex()) for n in ("ok", "rekeyed")
    )
    assert keys.pending(WORK_ID + 1, now) == []
    with engine.begin() as conn:  # the work frozen by a ruling: nobody is waiting
        works: sa.Table = Work.__table__  # type: ignore[attr-defined]
        conn.execute(sa.insert(works), _row(works, work_id=WORK_ID, status=int(WorkStatus.FROZEN)))
    assert keys.pending(WORK_ID, now) == []
    engine.dispose()


def test_a_full_filing_batch_fits_the_body_limit(hub: Hub) -> None:
    """``keys wrap-all`` sends MAX_FILED_KEYS copies a request: that must stay under the default 413 bound."""
    owner = Account.create()
    hub.checker.owners[WORK_ID] = owner.address
    entries = [
        {"account": Account.create().address,
         "wrapped_key": wrap_key(hub.content_key, X25519PrivateKey.generate().public_key(),
                                 context=f"work:{WORK_ID}").to_json()}
        for _ in range(MAX_FILED_KEYS)
    ]  # fmt: skip
    body = {**_signed(hub.client, owner, f"urn:copyright-hub:file-keys:{WORK_ID}"), "keys": entries}
    assert len(json.dumps(body)) < Settings().max_body_bytes
    r = hub.client.put(f"/keys/{WORK_ID}", json=body)
    assert r.status_code == 200, r.text
    assert len(r.json()["filed"]) == MAX_FILED_KEYS
    too_many = {**_signed(hub.client, owner, f"urn:copyright-hub:file-keys:{WORK_ID}"), "keys": [*entries, entries[0]]}
    assert hub.client.put(f"/keys/{WORK_ID}", json=too_many).status_code in (413, 422)


def test_pending_before_the_indexer_ran_is_a_503_saying_so(hub: Hub) -> None:
    r = hub.client.get(f"/keys/{WORK_ID}/pending")
    _assert_problem(r, 503)
    assert "copyright-hub index" in r.json()["detail"]


def test_the_cli_client_waits_out_the_rate_limit(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    """KeysClient (behind ``keys wrap-all``/``serve``) sends a 429'd request again after Retry-After: with
    the app's real limiter at 2 requests a 1 s window, six requests all succeed and some waited."""
    services = services_of(hub.client.app)  # type: ignore[arg-type]
    services.rate_limiter = RateLimiter(services.engine, limit=2, window_seconds=1)
    waits: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda s: (waits.append(s), real_sleep(s)))
    client = KeysClient("http://testserver", hub.licensee, http=hub.client)
    for _ in range(2):  # sign-in policy once, then nonce + PUT twice, pending once: six requests
        public = "0x" + X25519PrivateKey.generate().public_key().public_bytes_raw().hex()
        assert client.register_encryption_key(public)["public_key"] == public
    with pytest.raises(HubRequestError, match="503"):
        client.pending(WORK_ID)  # no mirror here: the hub's own refusal comes through, after any wait
    assert waits and all(0 < w <= 1.1 for w in waits)
