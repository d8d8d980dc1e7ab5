"""Key release: an account that proves (SIWE, EIP-4361) it holds a valid licence gets the work's
content key, wrapped for its own X25519 key by the studio beforehand.

Flow: ``GET /keys/nonce`` -> sign a SIWE message with that nonce -> ``POST /keys/{work_id}`` with
message, signature and licence id. The message is bound to the request:

- it parses under the EIP's grammar exactly and is signed by the address it names, with a canonical
  (low-s) 0x-hex signature of 65 bytes or the 64-byte EIP-2098 form (:mod:`client_sdk.content.siwe`);
- ``domain`` is the server's configured SIWE domain and ``Chain ID`` the chain whose licences count;
- its ``Resources:`` name the work, as exactly one resource ``urn:copyright-hub:work:<work_id>``
  (:func:`work_resource`) equal to the work in the path;
- it has an ``Expiration Time`` at most :data:`MAX_SIGN_IN_WINDOW` (10 minutes) after ``Issued At``;
  it is refused before ``Not Before``, at or after ``Expiration Time``, and when ``Issued At`` is more
  than ``max_clock_skew`` in the future.

Then: nonce issued here and unused (consumed now, so a replay fails), licence valid at this moment
through ``app.state.licence_checker`` (403), wrapped key on file (404). Every sign-in refusal is a 401
problem document that says what to change. Configure with ``app.state.key_release =
KeyReleasePolicy(domain=..., chain_id=...)``; without a policy or a checker the endpoint answers 503
rather than releasing anything.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from client_sdk.content.siwe import SiweError, SiweMessage, verify

from ..deps import UINT256_MAX, ChainId, LicenceCheckerDep, NoncesDep, WrappedKeysDep, get_hub
from ..guards import GuardedRoute
from ..problems import Problem
from ..services import chain_call

router = APIRouter(prefix="/keys", tags=["keys"], route_class=GuardedRoute)

#: The longest a signed key request may stay usable: ``Expiration Time`` minus ``Issued At``.
MAX_SIGN_IN_WINDOW = timedelta(minutes=10)

#: The resource that binds a sign-in message to one work (``urn:copyright-hub:work:42``).
WORK_RESOURCE_PREFIX = "urn:copyright-hub:work:"


def work_resource(work_id: int) -> str:
    """The ``Resources:`` entry a key request for ``work_id`` must carry."""
    return f"{WORK_RESOURCE_PREFIX}{work_id}"


@dataclass(frozen=True)
class KeyReleasePolicy:
    """What a sign-in message must say to be accepted here."""

    domain: str  # the host the API is served as, e.g. "hub.example.org"
    chain_id: int  # the chain whose licences count
    max_clock_skew: timedelta = timedelta(minutes=2)  # how far in the future Issued At may be
    max_window: timedelta = MAX_SIGN_IN_WINDOW  # the longest Expiration Time - Issued At accepted


class NoncePublic(BaseModel):
    nonce: str
    expires_at: int = Field(description="unix seconds; use the nonce before then, once")


class KeyRequest(BaseModel):
    message: str = Field(
        description="EIP-4361 message text with a nonce from GET /keys/nonce, the resource "
        "urn:copyright-hub:work:{work_id}, and an Expiration Time at most 10 minutes after Issued At"
    )
    signature: str = Field(
        description="EIP-191 personal_sign signature of the message: 0x + 130 hex digits (65 bytes) or "
        "0x + 128 (EIP-2098 compact); low s only"
    )
    licence_id: int = Field(ge=0, le=UINT256_MAX)


class WrappedKeyPublic(BaseModel):
    work_id: int
    licence_id: int
    account: str
    wrapped_key: dict[str, str]


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


def _signed_in(body: KeyRequest, work_id: int, policy: KeyReleasePolicy, now: datetime) -> SiweMessage:
    """The verified message of ``body`` if it is bound to this server, chain, work and moment; else a 401."""
    try:
        msg = verify(body.message, body.signature)
        issued, expires, not_before = msg.issued_at_dt, msg.expiration_dt, msg.not_before_dt
    except SiweError as exc:
        raise _unauthorized(str(exc)) from None
    if msg.domain != policy.domain:
        raise _unauthorized(f"the message is for {msg.domain!r}, this server is {policy.domain!r}")
    if msg.chain_id != policy.chain_id:
        raise _unauthorized(f"the message is for chain {msg.chain_id}, licences here are on chain {policy.chain_id}")
    wanted = work_resource(work_id)
    named = [r for r in msg.resources or () if r.startswith(WORK_RESOURCE_PREFIX)]
    if named != [wanted]:
        shown = ", ".join(repr(r) for r in named) or "none"
        raise _unauthorized(
            f"the message must name work {work_id} as exactly one resource {wanted!r} under 'Resources:' "
            f"(it names {shown})"
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


@router.get("/nonce", responses={429: {}, 503: {}})
def get_nonce(nonces: NoncesDep) -> NoncePublic:
    """A fresh single-use nonce for a SIWE message, valid for ``COPYRIGHT_HUB_NONCE_TTL_SECONDS``.

    Nonces are kept in the database (shared by every API process), expire, and are capped
    (``COPYRIGHT_HUB_NONCE_CAP`` outstanding: 503 beyond). Each client may make
    ``COPYRIGHT_HUB_RATE_LIMIT_PER_MINUTE`` requests a minute to ``/keys`` (429 with ``Retry-After``
    beyond). The client is the TCP peer's address; behind a reverse proxy, list the proxy addresses in
    ``COPYRIGHT_HUB_TRUSTED_PROXIES`` and the right-most ``X-Forwarded-For`` address that is not a
    trusted proxy is the client (the header is ignored from any other peer)."""
    nonce, expires = nonces.issue()
    return NoncePublic(nonce=nonce, expires_at=expires)


@router.post("/{work_id}", responses={401: {}, 403: {}, 404: {}, 413: {}, 429: {}, 503: {}})
def release_key(
    work_id: ChainId,
    body: KeyRequest,
    request: Request,
    checker: LicenceCheckerDep,
    keys: WrappedKeysDep,
    nonces: NoncesDep,
) -> WrappedKeyPublic:
    """The content key of ``work_id`` wrapped for the caller, if the caller holds a valid licence.

    The signed EIP-4361 message must name this server's domain and chain, carry the nonce from
    ``GET /keys/nonce``, list the resource ``urn:copyright-hub:work:{work_id}`` under ``Resources:``,
    and have an ``Expiration Time`` at most 10 minutes after ``Issued At``; the signature is 0x-hex
    (65 bytes, or 64 in the EIP-2098 compact form) with a low s.
    """
    msg = _signed_in(body, work_id, _policy(request), datetime.now(UTC))
    if not nonces.consume(msg.nonce):
        raise _unauthorized("the nonce is unknown, expired or already used")
    with chain_call():
        valid = checker.is_valid_holder(body.licence_id, work_id, msg.address, int(time.time()))
    if not valid:
        raise Problem(
            403,
            "No valid licence",
            f"{msg.address} does not hold a valid licence {body.licence_id} for work {work_id} now "
            "(expired, revoked, not started, or not yours); buy or renew a licence first",
        )
    wrapped = keys.get(work_id, msg.address)
    if wrapped is None:
        raise Problem(
            404,
            "No wrapped key",
            f"the studio has not wrapped the content key of work {work_id} for {msg.address}; "
            "send the studio your X25519 public key",
        )
    return WrappedKeyPublic(
        work_id=work_id, licence_id=body.licence_id, account=msg.address, wrapped_key=wrapped.to_json()
    )
