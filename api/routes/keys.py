"""Content keys over HTTP: a licensee registers an X25519 public key, the work's owner files the
content key wrapped for each licensee, and a licensee who proves (SIWE, EIP-4361) it holds a licence
that entitles it to the master gets its wrapped copy. The hub never sees a plaintext content key.

Every signed request is a SIWE message with a nonce from ``GET /keys/nonce`` (single-use, kept in the
database), bound to the request:

- it parses under the EIP's grammar exactly and is signed by the address it names, with a canonical
  (low-s) 0x-hex signature of 65 bytes or the 64-byte EIP-2098 form (:mod:`client_sdk.content.siwe`);
- ``domain`` is the server's configured SIWE domain and ``Chain ID`` the chain whose licences count;
- its ``Resources:`` name what it is for, as exactly one resource of the kind:
  ``urn:copyright-hub:work:<work_id>`` to receive a key (:func:`work_resource`),
  ``urn:copyright-hub:file-keys:<work_id>`` to file keys (:func:`filing_resource`),
  ``urn:copyright-hub:x25519:0x<64 hex>`` to register that encryption key (:func:`x25519_resource`);
- it has an ``Expiration Time`` at most :data:`MAX_SIGN_IN_WINDOW` (10 minutes) after ``Issued At``;
  it is refused before ``Not Before``, at or after ``Expiration Time``, and when ``Issued At`` is more
  than ``max_clock_skew`` in the future.

Release (``POST /keys/{work_id}``) then asks the chain through ``app.state.licence_checker``: the
licence is the caller's, on this work, valid now, grants a right in
:data:`~api.stores.licences.MASTER_RIGHTS`, and the work is not frozen (403 otherwise); the wrapped key
must be on file (404). Filing (``PUT /keys/{work_id}``) is for the work's current owner on chain only.
Every sign-in refusal is a 401 problem document that says what to change. Configure with
``app.state.key_release = KeyReleasePolicy(domain=..., chain_id=...)``; without a policy or a checker
the endpoints answer 503 rather than releasing anything. Answers carrying nonces or keys are
``Cache-Control: no-store``.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eth_utils import to_checksum_address
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from client_sdk import Right
from client_sdk.content.crypto import CryptoError, WrappedKey
from client_sdk.content.errors import ContentError
from client_sdk.content.siwe import SiweError, SiweMessage, verify
from client_sdk.terms import rights_names

from ..deps import (
    ChainId,
    EncryptionKeysDep,
    LicenceCheckerDep,
    NoncesDep,
    Uint256,
    WrappedKeysDep,
    get_hub,
)
from ..guards import GuardedRoute
from ..models import Uint256Text
from ..problems import Problem
from ..services import chain_call
from ..stores.keys import account_of, public_key_hex
from ..stores.licences import MASTER_RIGHTS, master_rights_text

# Routes with a work id take only digits in that segment (``{work_id:int}``), so ``PUT /keys/nonce`` is a
# 405 naming the methods /keys/nonce has, not a 422 for a work id that is not a number.
router = APIRouter(prefix="/keys", tags=["keys"], route_class=GuardedRoute)

#: The longest a signed key request may stay usable: ``Expiration Time`` minus ``Issued At``.
MAX_SIGN_IN_WINDOW = timedelta(minutes=10)

#: The resource that binds a sign-in message to receiving one work's key (``urn:copyright-hub:work:42``).
WORK_RESOURCE_PREFIX = "urn:copyright-hub:work:"
#: The resource that binds a sign-in message to filing one work's wrapped keys.
FILING_RESOURCE_PREFIX = "urn:copyright-hub:file-keys:"
#: The resource that binds a sign-in message to registering one X25519 public key.
X25519_RESOURCE_PREFIX = "urn:copyright-hub:x25519:"

#: The most wrapped keys one filing request may carry.
MAX_FILED_KEYS = 100

#: Answers that carry a nonce or a key are never stored by a cache.
NO_STORE = {"Cache-Control": "no-store"}


def work_resource(work_id: int) -> str:
    """The ``Resources:`` entry a key request for ``work_id`` must carry."""
    return f"{WORK_RESOURCE_PREFIX}{work_id}"


def filing_resource(work_id: int) -> str:
    """The ``Resources:`` entry a request filing ``work_id``'s wrapped keys must carry."""
    return f"{FILING_RESOURCE_PREFIX}{work_id}"


def x25519_resource(public_key: str) -> str:
    """The ``Resources:`` entry a request registering ``public_key`` (``0x`` + 64 hex) must carry."""
    return f"{X25519_RESOURCE_PREFIX}{public_key_hex(public_key)}"


@dataclass(frozen=True)
class KeyReleasePolicy:
    """What a sign-in message must say to be accepted here."""

    domain: str  # the host the API is served as, e.g. "hub.example.org"
    chain_id: int  # the chain whose licences count
    max_clock_skew: timedelta = timedelta(minutes=2)  # how far in the future Issued At may be
    max_window: timedelta = MAX_SIGN_IN_WINDOW  # the longest Expiration Time - Issued At accepted


class SignInPolicyPublic(BaseModel):
    domain: str = Field(description="the SIWE domain messages must name")
    chain_id: int = Field(description="the SIWE Chain ID messages must name: the chain whose licences count")
    max_window_seconds: int = Field(description="the longest Expiration Time - Issued At accepted")
    master_rights: list[str] = Field(description="a licence granting one of these rights may receive the key")


class NoncePublic(BaseModel):
    nonce: str
    expires_at: int = Field(description="unix seconds; use the nonce before then, once")


_SIGNATURE_TEXT = (
    "EIP-191 personal_sign signature of the message: 0x + 130 hex digits (65 bytes) or 0x + 128 (EIP-2098 "
    "compact); low s only"
)


class SignedRequest(BaseModel):
    message: str = Field(description="EIP-4361 message text with a nonce from GET /keys/nonce")
    signature: str = Field(description=_SIGNATURE_TEXT)


class KeyRequest(SignedRequest):
    message: str = Field(
        description="EIP-4361 message text with a nonce from GET /keys/nonce, the resource "
        "urn:copyright-hub:work:{work_id}, and an Expiration Time at most 10 minutes after Issued At"
    )
    licence_id: Uint256


class WrappedKeyPublic(BaseModel):
    work_id: Uint256Text
    licence_id: Uint256Text
    account: str
    wrapped_key: dict[str, str]


#: what :meth:`WrappedKey.to_json` writes: its scheme, and its bytes fields as unpadded base64url
WRAP_SCHEME = str(next(f.default for f in dataclasses.fields(WrappedKey) if f.name == "scheme"))
WRAPPED_BYTES = tuple(f.name for f in dataclasses.fields(WrappedKey) if f.type in (bytes, "bytes"))
_B64URL = r"^([A-Za-z0-9_-]{4})*([A-Za-z0-9_-]{2,3})?$"


class FiledKey(BaseModel):
    # the shapes below are declared in OpenAPI and checked by the handler, with its own messages
    account: str = Field(
        description="the licensee's Ethereum address (EIP-55 checksummed when mixed case)",
        json_schema_extra={"pattern": r"^0x[0-9a-fA-F]{40}$"},
    )
    wrapped_key: dict[str, str] = Field(
        description="client_sdk.content.wrap_key(content_key, licensee_x25519, context='work:{work_id}').to_json()",
        json_schema_extra={
            "required": ["scheme", "ephemeral_public", "recipient_public", "nonce", "ciphertext"],
            "properties": {
                "scheme": {"type": "string", "enum": [WRAP_SCHEME]},
                "context": {"type": "string", "description": "work:{work_id}"},
                **{name: {"type": "string", "pattern": _B64URL} for name in WRAPPED_BYTES},
            },
        },
    )


class KeyFiling(SignedRequest):
    message: str = Field(
        description="EIP-4361 message signed by the work's current owner, with a nonce from GET /keys/nonce and "
        "the resource urn:copyright-hub:file-keys:{work_id}"
    )
    keys: list[FiledKey] = Field(min_length=1, max_length=MAX_FILED_KEYS)


class FilingPublic(BaseModel):
    work_id: Uint256Text
    filed: list[str] = Field(description="the licensees whose wrapped key is now on file (EIP-55)")


class EncryptionKeyRequest(SignedRequest):
    message: str = Field(
        description="EIP-4361 message with a nonce from GET /keys/nonce and the resource "
        "urn:copyright-hub:x25519:0x{public_key hex}"
    )
    public_key: str = Field(
        description="the account's X25519 public key: 0x + 64 hex digits",
        json_schema_extra={"pattern": r"^(0[xX])?[0-9a-fA-F]{64}$"},
    )


class EncryptionKeyPublic(BaseModel):
    account: str
    public_key: str


class PendingLicenseePublic(BaseModel):
    account: str
    public_key: str = Field(description="the X25519 key to wrap the content key for")
    licence_id: Uint256Text


class PendingPublic(BaseModel):
    work_id: Uint256Text
    licensees: list[PendingLicenseePublic]


def _policy(request: Request) -> KeyReleasePolicy:
    """``app.state.key_release`` if set, else one built from settings and the connected chain."""
    policy = getattr(request.app.state, "key_release", None)
    if policy is None:
        hub = get_hub(request)
        policy = KeyReleasePolicy(domain=request.app.state.settings.siwe_domain, chain_id=hub.deployment.chain_id)
        request.app.state.key_release = policy
    return policy


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Sign-in rejected", detail + "; sign a new message with a nonce from GET /keys/nonce")


def _signed_in(body: SignedRequest, prefix: str, wanted: str, policy: KeyReleasePolicy, now: datetime) -> SiweMessage:
    """The verified message of ``body`` if it is bound to this server, chain, moment and to exactly one
    resource starting with ``prefix``, equal to ``wanted``; else a 401."""
    try:
        msg = verify(body.message, body.signature)
        issued, expires, not_before = msg.issued_at_dt, msg.expiration_dt, msg.not_before_dt
    except SiweError as exc:
        raise _unauthorized(str(exc)) from None
    if msg.domain != policy.domain:
        raise _unauthorized(f"the message is for {msg.domain!r}, this server is {policy.domain!r}")
    if msg.chain_id != policy.chain_id:
        raise _unauthorized(f"the message is for chain {msg.chain_id}, licences here are on chain {policy.chain_id}")
    named = [r for r in msg.resources or () if r.startswith(prefix)]
    if named != [wanted]:
        shown = ", ".join(repr(r) for r in named) or "none"
        raise _unauthorized(
            f"the message must carry exactly one resource {wanted!r} under 'Resources:' (it names {shown})"
        )
    limit = int(policy.max_window.total_seconds() // 60)
    if expires is None:
        raise _unauthorized(f"the message has no Expiration Time; set one at most {limit} minutes after Issued At")
    if expires <= issued:
        raise _unauthorized("the message's Expiration Time is not after its Issued At")
    if expires - issued > policy.max_window:
        raise _unauthorized(
            f"the message is valid for too long; set Expiration Time at most {limit} minutes after Issued At"
        )
    if issued > now + policy.max_clock_skew:
        raise _unauthorized("the message is issued in the future; check the signing device's clock")
    if now >= expires:
        raise _unauthorized("the message has expired")
    if not_before is not None and now < not_before:
        raise _unauthorized("the message is not valid yet (Not Before)")
    return msg


def _sign_in(body: SignedRequest, request: Request, nonces: NoncesDep, prefix: str, wanted: str) -> SiweMessage:
    """:func:`_signed_in`, then its nonce used up (a replay fails on any worker)."""
    msg = _signed_in(body, prefix, wanted, _policy(request), datetime.now(UTC))
    if not nonces.consume(msg.nonce):
        raise _unauthorized("the nonce is unknown, expired or already used")
    return msg


@router.get("/nonce", responses={429: {}, 503: {}})
def get_nonce(nonces: NoncesDep, response: Response) -> NoncePublic:
    """A fresh single-use nonce for a SIWE message, valid for ``COPYRIGHT_HUB_NONCE_TTL_SECONDS``.

    Nonces are kept in the database (shared by every API process), expire, and are capped
    (``COPYRIGHT_HUB_NONCE_CAP`` outstanding: 503 beyond). Each client may make
    ``COPYRIGHT_HUB_RATE_LIMIT_PER_MINUTE`` requests a minute to ``/keys`` (429 with ``Retry-After``
    beyond). The client is the TCP peer's address; behind a reverse proxy, list the proxy addresses in
    ``COPYRIGHT_HUB_TRUSTED_PROXIES`` and the right-most ``X-Forwarded-For`` address that is not a
    trusted proxy is the client (the header is ignored from any other peer)."""
    nonce, expires = nonces.issue()
    response.headers.update(NO_STORE)
    return NoncePublic(nonce=nonce, expires_at=expires)


@router.get("/sign-in", responses={429: {}, 503: {}})
def sign_in_policy(request: Request) -> SignInPolicyPublic:
    """What a SIWE message to ``/keys`` must name (domain and chain), how long it may stay valid, and
    which licensed rights entitle their holder to a work's content key."""
    policy = _policy(request)
    return SignInPolicyPublic(
        domain=policy.domain, chain_id=policy.chain_id, max_window_seconds=int(policy.max_window.total_seconds()),
        master_rights=rights_names(MASTER_RIGHTS),
    )  # fmt: skip


@router.put("/encryption-key", responses={401: {}, 413: {}, 422: {}, 429: {}, 503: {}})
def register_encryption_key(
    body: EncryptionKeyRequest, request: Request, nonces: NoncesDep, keys: EncryptionKeysDep, response: Response
) -> EncryptionKeyPublic:
    """Register the signer's X25519 public key, to which studios wrap content keys for it.

    The SIWE message must carry the resource ``urn:copyright-hub:x25519:0x<the key's 64 hex digits>``.
    Registering again replaces the key; keys already wrapped for the old one are wrapped again by the
    studio's ``copyright-hub keys wrap-all``; until then release answers 404, never the old key's copy."""
    try:
        public_key = public_key_hex(body.public_key)
    except ContentError as exc:
        raise Problem(422, "Invalid public key", f"{exc}, e.g. 0x{'ab' * 32}") from None
    msg = _sign_in(body, request, nonces, X25519_RESOURCE_PREFIX, x25519_resource(public_key))
    stored = keys.register(msg.address, public_key)
    response.headers.update(NO_STORE)
    return EncryptionKeyPublic(account=msg.address, public_key=stored)


@router.get("/{work_id:int}/pending", responses={404: {}, 429: {}, 503: {}})
def pending_licensees(
    work_id: ChainId, keys: EncryptionKeysDep, limit: int = Query(default=1000, ge=1, le=1000)
) -> PendingPublic:
    """Licensees of ``work_id`` the studio has yet to wrap the content key for: by the mirror, they
    hold a licence valid now that grants a right entitling them to the master, and registered an
    encryption key no copy on file is sealed for. Release still asks the chain."""
    rows = keys.pending(work_id, limit=limit)
    return PendingPublic(
        work_id=work_id,
        licensees=[PendingLicenseePublic(account=r.account, public_key=r.public_key, licence_id=r.licence_id)
                   for r in rows],
    )  # fmt: skip


@router.put("/{work_id:int}", responses={401: {}, 403: {}, 404: {}, 413: {}, 422: {}, 429: {}, 503: {}})
def file_keys(
    work_id: ChainId,
    body: KeyFiling,
    request: Request,
    checker: LicenceCheckerDep,
    keys: WrappedKeysDep,
    nonces: NoncesDep,
    response: Response,
) -> FilingPublic:
    """File the content key of ``work_id`` wrapped for licensees (at most 100 in one request), as the
    work's current owner on chain.

    The SIWE message, signed by the owner, carries the resource ``urn:copyright-hub:file-keys:{work_id}``.
    Each wrapped key must be bound to the work (``context`` ``work:{work_id}``); filing a key again for
    an account replaces it. All or none are filed."""
    # signed in first: the keys are read only for their owner, and a stranger's request is a 401 whatever
    # it carries (the checks below depend on the path's work, which the body's schema cannot state)
    msg = _sign_in(body, request, nonces, FILING_RESOURCE_PREFIX, filing_resource(work_id))
    wrapped: dict[str, WrappedKey] = {}
    for i, filed in enumerate(body.keys):
        try:
            account = account_of(filed.account)
            key = WrappedKey.from_json(filed.wrapped_key)
        except (ContentError, CryptoError) as exc:
            raise Problem(422, "Invalid wrapped key", f"keys[{i}]: {exc}") from None
        if key.context != f"work:{work_id}":
            raise Problem(
                422, "Invalid wrapped key",
                f"keys[{i}] is wrapped with context {key.context!r}; wrap it with context 'work:{work_id}'",
            )  # fmt: skip
        if account in wrapped:
            raise Problem(422, "Invalid wrapped key", f"keys[{i}]: {filed.account} is listed twice")
        wrapped[account] = key
    with chain_call():
        owner = checker.owner_of(work_id)
    if owner is None:
        raise Problem(404, "No such work", f"work {work_id} is not registered on chain {_policy(request).chain_id}")
    if owner.lower() != msg.address.lower():
        raise Problem(403, "Not the owner", f"{msg.address} does not own work {work_id}; its owner {owner} files keys")
    keys.put_many(work_id, wrapped, filed_by=msg.address)
    response.headers.update(NO_STORE)
    return FilingPublic(work_id=work_id, filed=[to_checksum_address(a) for a in wrapped])


@router.post(
    "/{work_id:int}",
    responses={401: {}, 403: {}, 404: {}, 413: {}, 429: {}, 503: {}},
    description=(
        "The content key of `work_id` wrapped for the caller's registered X25519 key.\n\n"
        "The signed EIP-4361 message must name this server's domain and chain, carry the nonce from "
        "`GET /keys/nonce`, list the resource `urn:copyright-hub:work:{work_id}` under `Resources:`, and have "
        "an `Expiration Time` at most 10 minutes after `Issued At`; the signature is 0x-hex (65 bytes, or 64 in "
        "the EIP-2098 compact form) with a low s.\n\n"
        "The chain decides (403 otherwise): the licence is the caller's, on this work, valid now, and grants at "
        f"least one right that entitles its holder to the master ({master_rights_text()}; "
        f"{' or '.join(rights_names(Right.ALL & ~MASTER_RIGHTS))} alone do not), and the work is not frozen. 404 while the studio has not filed a key "
        "wrapped for the caller's X25519 key registered now (register one with `PUT /keys/encryption-key`)."
    ),
)
def release_key(
    work_id: ChainId,
    body: KeyRequest,
    request: Request,
    checker: LicenceCheckerDep,
    keys: WrappedKeysDep,
    registered: EncryptionKeysDep,
    nonces: NoncesDep,
    response: Response,
) -> WrappedKeyPublic:
    msg = _sign_in(body, request, nonces, WORK_RESOURCE_PREFIX, work_resource(work_id))
    with chain_call():
        refusal = checker.refusal(body.licence_id, work_id, msg.address, int(time.time()))
    if refusal is not None:
        raise Problem(403, "Key not released", refusal)
    wrapped = keys.get(work_id, msg.address)
    if wrapped is None:
        raise Problem(
            404,
            "No wrapped key",
            f"the studio has not filed the content key of work {work_id} wrapped for {msg.address}; register "
            "your X25519 public key with PUT /keys/encryption-key and ask again once the studio has wrapped it",
        )
    # a licensee who registered a new key gets nothing sealed for the key it replaced (it may be lost);
    # /pending lists it again, so the studio's next wrap-all round files a copy for the current key
    current = registered.get(msg.address)
    if current is not None and public_key_hex(wrapped.recipient_public) != current:
        raise Problem(
            404,
            "No wrapped key",
            f"the copy on file for {msg.address} is sealed for the X25519 key it registered before {current}; "
            "ask again once the studio has wrapped the content key for the key registered now",
        )
    response.headers.update(NO_STORE)
    return WrappedKeyPublic(
        work_id=work_id, licence_id=body.licence_id, account=msg.address, wrapped_key=wrapped.to_json()
    )
