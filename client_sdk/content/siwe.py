"""Sign-In with Ethereum (EIP-4361) messages: parse, write, and recover the signer.

The message text (from the EIP's ABNF)::

    {domain} wants you to sign in with your Ethereum account:
    {address}

    {statement}            <- optional line; without it the two blank lines are adjacent

    URI: {uri}
    Version: 1
    Chain ID: {chain_id}
    Nonce: {nonce}
    Issued At: {RFC 3339 time}
    Expiration Time: {RFC 3339 time}    <- optional, and so are the following
    Not Before: {RFC 3339 time}
    Request ID: {id}
    Resources:
    - {uri}

Fields appear in exactly this order. The signature is an EIP-191 ``personal_sign`` over the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_checksum_address

from client_sdk.errors import HubError

_HEADER = re.compile(
    r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?P<domain>[^\s/?#]+) wants you to sign in with your Ethereum account:$"
)
_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_NONCE = re.compile(r"^[A-Za-z0-9]{8,}$")
_OPTIONAL = [("Expiration Time", "expiration_time"), ("Not Before", "not_before"), ("Request ID", "request_id")]


class SiweError(HubError, ValueError):
    """A sign-in message that is malformed or whose signature does not match its address."""


def _time(value: str, name: str) -> datetime:
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SiweError(f"{name} {value!r} is not an RFC 3339 time") from None
    if t.tzinfo is None:
        raise SiweError(f"{name} {value!r} has no time zone")
    return t


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: str
    statement: str | None = None
    version: str = "1"
    expiration_time: str | None = None
    not_before: str | None = None
    request_id: str | None = None
    resources: list[str] = field(default_factory=list)
    scheme: str | None = None

    @property
    def issued_at_dt(self) -> datetime:
        return _time(self.issued_at, "Issued At")

    @property
    def expiration_dt(self) -> datetime | None:
        return _time(self.expiration_time, "Expiration Time") if self.expiration_time else None

    @property
    def not_before_dt(self) -> datetime | None:
        return _time(self.not_before, "Not Before") if self.not_before else None

    def to_text(self) -> str:
        prefix = f"{self.scheme}://" if self.scheme else ""
        lines = [f"{prefix}{self.domain} wants you to sign in with your Ethereum account:", self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines += [
            "",
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {self.issued_at}",
        ]
        for label, attr in _OPTIONAL:
            value = getattr(self, attr)
            if value is not None:
                lines.append(f"{label}: {value}")
        if self.resources:
            lines.append("Resources:")
            lines += [f"- {r}" for r in self.resources]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> SiweMessage:
        lines = text.split("\n")
        if len(lines) < 9:
            raise SiweError("not an EIP-4361 sign-in message: too few lines")
        m = _HEADER.match(lines[0])
        if m is None:
            raise SiweError("first line must be '<domain> wants you to sign in with your Ethereum account:'")
        scheme = lines[0].split("://", 1)[0] if "://" in lines[0].split(" ", 1)[0] else None
        address = lines[1]
        if not _ADDRESS.match(address) or not is_checksum_address(address):
            raise SiweError("second line must be an EIP-55 checksummed Ethereum address")
        if lines[2] != "":
            raise SiweError("a blank line must follow the address")
        if lines[3] == "":
            statement, i = None, 4
        else:
            if lines[4] != "":
                raise SiweError("a blank line must follow the statement")
            statement, i = lines[3], 5

        def take(label: str, required: bool = True) -> str | None:
            nonlocal i
            if i < len(lines) and lines[i].startswith(label + ": "):
                i += 1
                return lines[i - 1][len(label) + 2 :]
            if required:
                raise SiweError(f"expected the '{label}:' line at line {i + 1}")
            return None

        uri = take("URI")
        version = take("Version")
        if version != "1":
            raise SiweError("only SIWE Version 1 is supported")
        chain = take("Chain ID")
        if chain is None or not chain.isdigit():
            raise SiweError("Chain ID must be a decimal number")
        nonce = take("Nonce")
        if nonce is None or not _NONCE.match(nonce):
            raise SiweError("Nonce must be at least 8 letters or digits")
        issued = take("Issued At")
        optional = {attr: take(label, required=False) for label, attr in _OPTIONAL}
        resources: list[str] = []
        if i < len(lines) and lines[i] == "Resources:":
            i += 1
            while i < len(lines) and lines[i].startswith("- "):
                resources.append(lines[i][2:])
                i += 1
        if i != len(lines):
            raise SiweError(f"unexpected text at line {i + 1}: {lines[i][:40]!r}")
        msg = cls(
            domain=m.group("domain"),
            address=address,
            uri=uri or "",
            chain_id=int(chain),
            nonce=nonce,
            issued_at=issued or "",
            statement=statement,
            version=version,
            resources=resources,
            scheme=scheme,
            **optional,
        )
        # validate the times now so later checks cannot trip on a malformed value
        _ = msg.issued_at_dt, msg.expiration_dt, msg.not_before_dt
        return msg


def recover_signer(text: str, signature: str | bytes) -> str:
    """The checksummed address that signed ``text`` with EIP-191 ``personal_sign``."""
    try:
        return Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception as exc:  # eth-account raises several types for malformed signatures
        raise SiweError(f"the signature cannot be recovered: {exc}") from None


def verify(text: str, signature: str | bytes) -> SiweMessage:
    """Parse the message and check the signature is by the address it names (no time/nonce checks)."""
    msg = SiweMessage.parse(text)
    signer = recover_signer(text, signature)
    if signer != msg.address:
        raise SiweError("the signature is not by the address in the message")
    return msg
