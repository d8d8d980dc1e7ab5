#!/usr/bin/env python3
"""A buyer with nothing but an HTTP client and a local key: find a work by its title, buy a licence from
an on-chain offer and another from a signed offer of the order book, wait for the licence, register an
encryption key, receive the content key wrapped for it, and decrypt the master.

No SDK, no RPC: this file imports only httpx, eth_account (it signs the transactions and the sign-in
messages with the buyer's key, which never leaves this machine) and cryptography (X25519 and the AEAD
the hub's masters use). The formats it reads are written out below, from the hub's specification
(``client_sdk/content/crypto.py``'s docstring and ``api/routes/keys.py``'s): any HTTP client in any
language can do the same.

    python examples/buyer_http_only.py --api http://127.0.0.1:8000 --title 港湾夜航 --out master.mp4

The key comes from ``--key`` or the environment variable ``BUYER_KEY`` (0x + 64 hex digits). Each step
is printed; a refusal is one line saying what was wrong, with exit code 1, and no output file.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import struct
import sys
import tempfile
import time
from base64 import urlsafe_b64decode
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import httpx
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount

ETH = "0x0000000000000000000000000000000000000000"
#: How long a signed sign-in message stays valid (the hub accepts at most 10 minutes).
SIGN_IN_WINDOW = timedelta(minutes=5)


class Refused(Exception):
    """A step could not be done; the text says what was wrong and what to do."""


def say(text: str) -> None:
    print(text, flush=True)


# -- HTTP ------------------------------------------------------------------------------------------


class Api:
    """JSON over HTTP to the hub; a problem document (RFC 9457) becomes one :class:`Refused` line."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, timeout=30)
        self.sign_in: dict[str, Any] | None = None  # GET /keys/sign-in, once

    def call(self, method: str, path: str, ok: tuple[int, ...] = (200, 201, 202), **kw: Any) -> httpx.Response:
        for _ in range(5):
            try:
                reply = self.http.request(method, path, **kw)
            except httpx.HTTPError as exc:
                raise Refused(f"the hub at {self.url} did not answer ({exc}); check --api") from None
            if reply.status_code != 429:  # over the per-client rate: wait as long as the hub says
                break
            retry = reply.headers.get("Retry-After", "1")
            time.sleep(min(float(retry) if retry.isdigit() else 1.0, 30.0))
        if reply.status_code not in ok:
            try:
                problem = reply.json()
                detail = f"{problem.get('title', '')}: {problem.get('detail', reply.text)}"
            except ValueError:
                detail = reply.text[:300]
            raise Refused(f"{method} {path} answered {reply.status_code} {detail}")
        return reply

    def get(self, path: str, **params: Any) -> Any:
        return self.call("GET", path, params=params).json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, json=body).json()


# -- buying: build, sign locally, relay, wait ------------------------------------------------------

#: the numbers of an unsigned transaction the hub builds; each is a decimal string in its JSON
NUMBERS = ("value", "chainId", "nonce", "gas", "maxFeePerGas", "maxPriorityFeePerGas")


def sign_and_relay(api: Api, buyer: LocalAccount, unsigned: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Sign one EIP-1559 transaction the hub built, hand it to the relay, poll until it is mined."""
    if unsigned["from"].lower() != buyer.address.lower():
        raise Refused(f"the hub built a transaction from {unsigned['from']}, not from {buyer.address}")
    tx = {k: int(unsigned[k]) for k in NUMBERS} | {"to": unsigned["to"], "data": unsigned["data"], "type": 2}
    raw = buyer.sign_transaction(tx).raw_transaction
    sent = api.post("/relay", {"raw": "0x" + bytes(raw).hex()})
    say(f"  signed locally and relayed: transaction {sent['hash']}")
    deadline = time.monotonic() + timeout
    while True:
        status = api.get(f"/relay/{sent['hash']}")
        if status["status"] == "mined":
            say(f"  mined in block {status['block_number']}")
            return dict(status)
        if status["status"] == "reverted":
            error = status.get("error") or {}
            raise Refused(f"transaction {sent['hash']} reverted: {error.get('name', '?')} {error.get('hint', '')}")
        if time.monotonic() > deadline:
            raise Refused(f"transaction {sent['hash']} not mined after {timeout:.0f} s; ask GET /relay/{sent['hash']}")
        time.sleep(0.5)


def buy(api: Api, buyer: LocalAccount, fulfil_path: str, max_price: int, timeout: float) -> int:
    """Ask the hub for the purchase (simulated from our address), sign and relay each transaction it
    lists (an ERC-20 offer first needs an approval, then the purchase is asked for again); the licence id."""
    for _ in range(2):
        built = api.post(fulfil_path, {"buyer": buyer.address, "max_price": str(max_price)})
        for unsigned in built["transactions"]:
            say(f"  the hub built: {unsigned['description']} (pay {unsigned['value']} wei)")
            status = sign_and_relay(api, buyer, unsigned, timeout)
        if not built["approval_required"]:
            (licence_id,) = status["licence_ids"]
            return int(licence_id)
    raise Refused(f"{fulfil_path} still asks for an approval after one was mined")


def wait_for_licence(api: Api, licence_id: int, buyer: LocalAccount, timeout: float) -> None:
    """Until the hub's mirror lists the licence; then the chain's own word on it (``/verify``)."""
    deadline = time.monotonic() + timeout
    while api.call("GET", f"/licences/{licence_id}", ok=(200, 404)).status_code == 404:
        if time.monotonic() > deadline:
            raise Refused(
                f"licence {licence_id} is not in the hub's mirror after {timeout:.0f} s; is its indexer running?"
            )
        time.sleep(0.5)
    lic = api.get(f"/licences/{licence_id}/verify")
    if lic["holder"].lower() != buyer.address.lower() or not lic["valid"]:
        raise Refused(f"the chain says licence {licence_id} is {lic['status']}, held by {lic['holder']}")
    say(
        f"  licence {licence_id} on work {lic['work_id']}: {lic['status']}, held by {lic['holder']} (chain {lic['chain_id']})"
    )


# -- sign-in (EIP-4361) ------------------------------------------------------------------------------


def siwe_body(api: Api, buyer: LocalAccount, resource: str) -> dict[str, str]:
    """A fresh sign-in message for ``resource`` with the hub's nonce, and its EIP-191 signature."""
    if api.sign_in is None:  # the domain and chain the hub expects; asked once (/keys is rate limited)
        api.sign_in = api.get("/keys/sign-in")
    policy = api.sign_in
    nonce = api.get("/keys/nonce")["nonce"]
    now = datetime.now(UTC).replace(microsecond=0)
    text = "\n".join([
        f"{policy['domain']} wants you to sign in with your Ethereum account:",
        buyer.address,
        "",
        "",
        f"URI: {api.url}/keys",
        "Version: 1",
        f"Chain ID: {policy['chain_id']}",
        f"Nonce: {nonce}",
        f"Issued At: {now.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"Expiration Time: {(now + SIGN_IN_WINDOW).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "Resources:",
        f"- {resource}",
    ])  # fmt: skip
    signature = buyer.sign_message(encode_defunct(text=text)).signature.hex()
    return {"message": text, "signature": "0x" + signature.removeprefix("0x")}


# -- the content key: X25519 + HKDF-SHA256 + AES-256-GCM --------------------------------------------

WRAP_SCHEME = "x25519-hkdf-sha256-aes256gcm-v1"
WRAP_INFO = b"copyright-hub/x25519-hkdf-sha256-aes256gcm/v1"


def b64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hkdf(key: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def unwrap(wrapped: dict[str, str], private: X25519PrivateKey, work_id: int) -> bytes:
    """The content key: agree a secret with the ephemeral key, derive the key-encryption key with
    HKDF-SHA256 (salt: ephemeral | recipient public key; info: scheme | context), open with AES-256-GCM."""
    if wrapped.get("scheme") != WRAP_SCHEME:
        raise Refused(f"the wrapped key uses scheme {wrapped.get('scheme')!r}; this script reads {WRAP_SCHEME}")
    context = wrapped.get("context", "")
    if context != f"work:{work_id}":
        raise Refused(f"the wrapped key is bound to {context!r}, not to work:{work_id}")
    eph, recipient = b64url(wrapped["ephemeral_public"]), b64url(wrapped["recipient_public"])
    if recipient != private.public_key().public_bytes_raw():
        raise Refused("the wrapped key was made for another X25519 key; register yours again")
    shared = private.exchange(X25519PublicKey.from_public_bytes(eph))
    info = WRAP_INFO + b"|" + context.encode()
    try:
        return AESGCM(hkdf(shared, info, salt=eph + recipient)).decrypt(
            b64url(wrapped["nonce"]), b64url(wrapped["ciphertext"]), info
        )
    except InvalidTag:
        raise Refused("the wrapped key does not open with this X25519 key (or it was altered)") from None


# -- the encrypted master: "CHEM" version 1 ---------------------------------------------------------
# header  = b"CHEM" | version 1 | chunk_size (u32 BE) | nonce_prefix (4) | key_check (32: HMAC-SHA256 under
#           HKDF(key, info b"CHEM key check") over the 13 bytes before it)
# chunk i = AES-256-GCM(HKDF(key, info b"CHEM enc"), nonce = nonce_prefix | i (u64 BE),
#           aad = header | i (u64 BE) | 1 on the last chunk else 0) -> ciphertext | 16-byte tag

HEADER_LEN = 4 + 1 + 4 + 4 + 32
TAG = 16


def read_full(src: BinaryIO, n: int) -> bytes:
    parts, left = [], n
    while left and (data := src.read(left)):
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def decrypt(src: BinaryIO, dst: BinaryIO, key: bytes) -> None:
    """Decrypt and authenticate every chunk; the caller keeps ``dst`` only if this returns."""
    header = read_full(src, HEADER_LEN)
    if len(header) < HEADER_LEN or header[:5] != b"CHEM\x01":
        raise Refused("the downloaded file is not a version 1 encrypted master (CHEM header); fetch it again")
    expected = hmac.new(hkdf(key, b"CHEM key check"), header[:13], hashlib.sha256).digest()
    if not hmac.compare_digest(header[13:], expected):
        raise Refused("the released key does not open this master: is the work's content CID the encrypted master?")
    (chunk_size,) = struct.unpack(">I", header[5:9])
    aead, prefix = AESGCM(hkdf(key, b"CHEM enc")), header[9:13]
    index, current = 0, read_full(src, chunk_size + TAG)
    while True:
        following = read_full(src, chunk_size + TAG) if len(current) == chunk_size + TAG else b""
        final = not following
        pos = struct.pack(">Q", index)
        try:
            dst.write(aead.decrypt(prefix + pos, current, header + pos + (b"\x01" if final else b"\x00")))
        except InvalidTag:
            raise Refused(
                f"chunk {index} of the master failed authentication (changed or cut); fetch it again"
            ) from None
        if final:
            return
        current, index = following, index + 1


# -- the walkthrough ---------------------------------------------------------------------------------


def find_work(api: Api, title: str) -> dict[str, Any]:
    found = api.get("/works", q=title, limit=20)
    say(f"search GET /works?q={title}: {found['count']} work(s)")
    for w in found["data"]:
        say(f"  work {w['work_id']}: {w['title_zh']} / {w['title_en']}")
    exact = [w for w in found["data"] if title in (w["title_zh"], w["title_en"])]
    if not (exact or found["data"]):
        raise Refused(f"no work matches {title!r}; try part of the title, e.g. its first two characters")
    work = (exact or found["data"])[0]
    say(f"picked work {work['work_id']} ({work['title_zh']}), content digest {work['content_digest']}")
    return dict(work)


def master_rights(api: Api) -> set[str]:
    if api.sign_in is None:
        api.sign_in = api.get("/keys/sign-in")
    return set(api.sign_in["master_rights"])


def run(args: argparse.Namespace) -> int:
    buyer: LocalAccount = Account.from_key(args.key)
    api = Api(args.api)
    say(f"buyer {buyer.address}, hub {api.url}")
    work = find_work(api, args.title)
    work_id = int(work["work_id"])
    entitled = master_rights(api)

    offers = api.get("/offers", work_id=work_id, active="true")["data"]
    say(f"on-chain offers on work {work_id}: {len(offers)}")
    for o in offers:
        say(
            f"  offer {o['offer_id']}: {', '.join(o['terms']['rights'])} for {o['price_decimal']} {o['currency_symbol']}"
        )
    usable = [o for o in offers if set(o["terms"]["rights"]) & entitled and int(o["price"]) <= args.max_price]
    if not usable:
        raise Refused(f"no on-chain offer on work {work_id} grants a right to the master ({', '.join(sorted(entitled))}) "
                      f"at most {args.max_price} wei; ask the studio for one (copyright-hub offer create)")  # fmt: skip
    book = api.get("/signed-offers", work=work_id)["data"]
    book = [
        o
        for o in book
        if o["offer"]["terms"]["currency"] == ETH and int(o["offer"]["terms"]["price"]) <= args.max_price
    ]
    say(f"signed offers in the order book for work {work_id} within the max price: {len(book)}")
    if not book:
        raise Refused(f"no signed offer for work {work_id} in the book within {args.max_price} wei; "
                      "ask the studio for one (copyright-hub offer sign --publish)")  # fmt: skip
    # both offers are chosen before anything is bought, so a missing one costs nothing
    offer = min(usable, key=lambda o: int(o["price"]))
    say(f"buying from on-chain offer {offer['offer_id']} (max price {args.max_price} wei)")
    licence_id = buy(api, buyer, f"/offers/{offer['offer_id']}/fulfil", args.max_price, args.timeout)
    say(f"licence {licence_id} granted")

    signed = min(book, key=lambda o: int(o["offer"]["terms"]["price"]))
    say(f"buying from signed offer {signed['digest']} by {signed['offer']['seller']}")
    signed_licence_id = buy(api, buyer, f"/signed-offers/{signed['digest']}/fulfil", args.max_price, args.timeout)
    say(f"licence {signed_licence_id} granted")

    say("waiting for the hub to show both licences")
    for lid in (licence_id, signed_licence_id):
        wait_for_licence(api, lid, buyer, args.timeout)

    private = X25519PrivateKey.generate()
    public = "0x" + private.public_key().public_bytes_raw().hex()
    body = siwe_body(api, buyer, f"urn:copyright-hub:x25519:{public}")
    api.call("PUT", "/keys/encryption-key", json={**body, "public_key": public})
    say(f"signed in with SIWE and registered X25519 key {public}")

    say(f"waiting for the studio to wrap the content key of work {work_id} for us")
    deadline = time.monotonic() + args.timeout
    while True:
        body = siwe_body(api, buyer, f"urn:copyright-hub:work:{work_id}")
        reply = api.call("POST", f"/keys/{work_id}", ok=(200, 404), json={**body, "licence_id": str(licence_id)})
        if reply.status_code == 200:
            break
        if time.monotonic() > deadline:
            raise Refused(f"no wrapped key after {args.timeout:.0f} s: {reply.json().get('detail')}")
        time.sleep(args.poll)
    content_key = unwrap(reply.json()["wrapped_key"], private, work_id)
    say("received the wrapped content key and opened it")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        cipher, plain = Path(tmp) / "master.chem", Path(tmp) / "master"
        with api.http.stream("GET", f"/ipfs/{work['content_cid']}") as resp, cipher.open("wb") as f:
            if resp.status_code != 200:
                raise Refused(
                    f"GET /ipfs/{work['content_cid']} answered {resp.status_code}; is the ciphertext published?"
                )
            for part in resp.iter_bytes():
                f.write(part)
        say(f"downloaded the ciphertext {work['content_cid']} from the gateway ({cipher.stat().st_size} bytes)")
        with cipher.open("rb") as src, plain.open("wb") as dst:
            decrypt(src, dst, content_key)
        digest = hashlib.sha256(plain.read_bytes()).hexdigest()
        if "0x" + digest != work["content_digest"].lower():
            raise Refused(f"the decrypted master's sha256 {digest} is not the registered {work['content_digest']}")
        os.replace(plain, out)
    say(f"decrypted the master to {out}: sha256 {digest}, the digest registered on chain")
    return 0


def max_price_wei(text: str) -> int:
    try:
        wei = Decimal(text) * 10**18
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount of ETH, e.g. 0.1") from None
    if wei < 0 or wei != wei.to_integral_value():
        raise argparse.ArgumentTypeError(f"{text!r}: give a non-negative amount of ETH with at most 18 decimals")
    return int(wei)


def private_key(text: str) -> str:
    hexpart = text.strip().removeprefix("0x")
    if len(hexpart) != 64 or any(c not in "0123456789abcdefABCDEF" for c in hexpart):
        raise argparse.ArgumentTypeError("the key must be 0x and 64 hex digits")
    return "0x" + hexpart


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--api",
        default=os.environ.get("COPYRIGHT_HUB_API", "http://127.0.0.1:8000"),
        help="the hub's API URL (default $COPYRIGHT_HUB_API or http://127.0.0.1:8000)",
    )
    parser.add_argument(
        "--key",
        type=private_key,
        default=os.environ.get("BUYER_KEY"),
        help="the buyer's private key, 0x + 64 hex (default $BUYER_KEY)",
    )
    parser.add_argument("--title", default="港湾夜航", help="the work's title (or part of it), Chinese or English")
    parser.add_argument("--out", default="master.bin", help="where the decrypted master goes")
    parser.add_argument(
        "--max-price",
        type=max_price_wei,
        default=max_price_wei("0.1"),
        help="the most to pay per licence, in ETH (default 0.1)",
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each step")
    parser.add_argument("--poll", type=float, default=3.0, help="seconds between asks for the wrapped key")
    args = parser.parse_args(argv)
    if args.key is None:
        parser.error("give the buyer's key: --key 0x... or the environment variable BUYER_KEY")
    try:
        return run(args)
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
