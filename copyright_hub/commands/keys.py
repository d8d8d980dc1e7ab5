"""Content keys over a hub's HTTP API: ``copyright-hub keys register`` (a buyer files its X25519 public
key) and ``copyright-hub keys wrap-all`` (a studio wraps each work's content key for every licensee
waiting for one and files the copies). Both sign in with SIWE using the local account key; the content
key never leaves this machine unwrapped. ``keys serve`` runs ``wrap-all`` in a loop (or run ``wrap-all``
from cron), so no out-of-band step remains between a purchase and the key.

httpx, eth-account and the SIWE and crypto modules load inside the functions that use them: every
`copyright-hub` start imports this module, and `--help` should not pay for them."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from client_sdk.content.errors import ContentError
from client_sdk.errors import ConfigurationError, HubError

from ._common import KeyEnvOpt, KeystoreOpt, err, friendly, load_signer

if TYPE_CHECKING:
    import httpx
    from eth_account.signers.local import LocalAccount

keys_app = typer.Typer(no_args_is_help=True, help="Content keys over a hub's HTTP API: register, wrap and file.")

_HUB_HELP = "the hub's API URL, e.g. https://hub.example.org; requests are signed in with your account key"
HubUrlOpt = Annotated[str, typer.Option("--hub", help=_HUB_HELP)]
OptionalHubUrlOpt = Annotated[str | None, typer.Option("--hub", help=_HUB_HELP)]

#: How long a signed request stays valid (the hub accepts at most 10 minutes).
SIGN_IN_WINDOW = timedelta(minutes=5)
#: How often a request the hub rate-limits (429) is sent again, waiting its Retry-After (at most
#: MAX_RETRY_AFTER seconds, plus up to 10 % jitter) each time; a studio filing for many works meets the limit.
RATE_LIMIT_RETRIES = 3
MAX_RETRY_AFTER = 60.0


class HubRequestError(HubError):
    """The hub refused a request or did not answer; the text is the hub's problem detail."""


def register(app: typer.Typer) -> None:
    keys_app.command("register")(friendly(register_cmd))
    keys_app.command("wrap-all")(friendly(wrap_all_cmd))
    keys_app.command("serve")(friendly(serve_cmd))
    app.add_typer(keys_app, name="keys")


class KeysClient:
    """Signed requests to a hub's ``/keys`` routes as ``signer``."""

    def __init__(self, url: str, signer: LocalAccount, http: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.signer = signer
        import httpx

        self._own_http = http is None
        self.http = http or httpx.Client(timeout=30)
        self._policy: dict[str, Any] | None = None

    def __enter__(self) -> KeysClient:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own_http:
            self.http.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        import httpx

        for attempt in range(RATE_LIMIT_RETRIES + 1):
            try:
                reply = self.http.request(method, self.url + path, **kw)
            except httpx.HTTPError as exc:
                raise HubRequestError(f"the hub at {self.url} did not answer ({exc}); check --hub") from None
            if reply.status_code != 429 or attempt == RATE_LIMIT_RETRIES:
                break
            # over the hub's per-client rate: it refused before reading the body (a signed nonce is not
            # used up), so the same request is sent again once the hub says it may be
            retry = reply.headers.get("Retry-After", "")
            time.sleep(min(float(retry) if retry.isdigit() else 1.0, MAX_RETRY_AFTER) * (1 + random.random() / 10))
        if reply.status_code >= 400:
            try:
                detail = reply.json().get("detail", reply.text)
            except ValueError:
                detail = reply.text[:300]
            raise HubRequestError(f"{method} {path}: {reply.status_code} {detail}")
        return reply.json()

    def signed(self, resource: str) -> dict[str, str]:
        """A fresh SIWE message naming ``resource`` and its signature, as a request body's fields."""
        from eth_account.messages import encode_defunct

        from client_sdk.content.siwe import SiweMessage, format_time

        if self._policy is None:
            self._policy = self._call("GET", "/keys/sign-in")
        nonce = self._call("GET", "/keys/nonce")["nonce"]
        now = datetime.now(UTC)
        text = SiweMessage(
            domain=self._policy["domain"], address=self.signer.address, uri=f"{self.url}/keys",
            chain_id=self._policy["chain_id"], nonce=nonce, issued_at=format_time(now),
            expiration_time=format_time(now + SIGN_IN_WINDOW), resources=[resource],
        ).to_text()  # fmt: skip
        signature = self.signer.sign_message(encode_defunct(text=text)).signature.to_0x_hex()
        return {"message": text, "signature": signature}

    def register_encryption_key(self, public_key: str) -> dict[str, Any]:
        from api.routes.keys import x25519_resource

        body = {**self.signed(x25519_resource(public_key)), "public_key": public_key}
        return dict(self._call("PUT", "/keys/encryption-key", json=body))

    def pending(self, work_id: int) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/keys/{work_id}/pending")["licensees"])

    def file(self, work_id: int, wrapped: dict[str, dict[str, str]]) -> list[str]:
        """File ``account -> wrapped key JSON`` for ``work_id``, in batches the hub accepts."""
        from api.routes.keys import MAX_FILED_KEYS, filing_resource

        items = [{"account": a, "wrapped_key": w} for a, w in wrapped.items()]
        filed: list[str] = []
        for i in range(0, len(items), MAX_FILED_KEYS):
            body = {**self.signed(filing_resource(work_id)), "keys": items[i : i + MAX_FILED_KEYS]}
            filed += self._call("PUT", f"/keys/{work_id}", json=body)["filed"]
        return filed


def client_for(hub: str, keystore: Path | None, key_env: str | None) -> KeysClient:
    signer = load_signer(keystore, key_env)
    if signer is None:
        raise ConfigurationError("signing in to the hub needs your account key: pass --keystore FILE or --key-env VAR")
    return KeysClient(hub, signer)


def public_key_arg(text: str) -> str:
    """An X25519 public key given on the command line, as the hub stores it; ContentError otherwise."""
    from api.stores.keys import public_key_hex

    return public_key_hex(text.strip())


def register_cmd(
    x25519_public: Annotated[str, typer.Argument(help="your X25519 public key, 64 hex digits")],
    hub: HubUrlOpt,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
) -> None:
    """Register your X25519 public key with the hub, so studios wrap content keys for you."""
    public = public_key_arg(x25519_public)
    with client_for(hub, keystore, key_env) as client:
        stored = client.register_encryption_key(public)
    err.print(f"registered {stored['public_key']} for {stored['account']}")


def _work_keys(pairs: list[str]) -> dict[int, bytes]:
    from .content import read_content_key

    keys: dict[int, bytes] = {}
    for pair in pairs:
        work, sep, path = pair.partition("=")
        if not sep or not work.isdigit() or not path:
            raise ContentError(f"{pair!r}: give each work as WORK_ID=KEY_FILE, e.g. 7=master.bin.key")
        keys[int(work)] = read_content_key(Path(path))
    return keys


WorksArg = Annotated[list[str], typer.Argument(help="WORK_ID=KEY_FILE for each of your works (key from `encrypt`)")]


def wrap_all(client: KeysClient, keys: dict[int, bytes]) -> dict[int, int]:
    """One round: for each work, wrap its key for every licensee the hub lists as waiting and file the
    copies; how many were filed per work."""
    from client_sdk.content.crypto import wrap_key

    filed: dict[int, int] = {}
    for work_id, key in keys.items():
        wrapped = {
            p["account"]: wrap_key(key, bytes.fromhex(p["public_key"][2:]), context=f"work:{work_id}").to_json()
            for p in client.pending(work_id)
        }
        filed[work_id] = len(client.file(work_id, wrapped)) if wrapped else 0
    return filed


def wrap_all_cmd(works: WorksArg, hub: HubUrlOpt, keystore: KeystoreOpt = None, key_env: KeyEnvOpt = None) -> None:
    """Wrap each work's content key for every licensee the hub lists as waiting, and file the copies."""
    keys = _work_keys(works)
    with client_for(hub, keystore, key_env) as client:
        for work_id, n in wrap_all(client, keys).items():
            typer.echo(f"work {work_id}: filed {n} wrapped key(s)")


def serve_cmd(
    works: WorksArg,
    hub: HubUrlOpt,
    every: Annotated[float, typer.Option("--every", min=0.1, help="seconds between rounds")] = 60.0,
    rounds: Annotated[int, typer.Option("--rounds", min=0, help="stop after this many rounds (0: never)")] = 0,
    keystore: KeystoreOpt = None,
    key_env: KeyEnvOpt = None,
) -> None:
    """Run wrap-all every --every seconds until stopped: a licensee who registers a key gets it wrapped
    within one round. A round the hub refuses or misses is reported on stderr and the next one tries again."""
    keys = _work_keys(works)
    with client_for(hub, keystore, key_env) as client:
        done = 0
        while True:
            try:
                for work_id, n in wrap_all(client, keys).items():
                    if n:
                        typer.echo(f"work {work_id}: filed {n} wrapped key(s)")
            except HubRequestError as exc:
                err.print(f"[yellow]warning:[/yellow] {exc}; trying again in {every:g} s", highlight=False)
            done += 1
            if rounds and done >= rounds:
                return
            time.sleep(every)
