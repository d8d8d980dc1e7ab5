"""Sign-In with Ethereum (EIP-4361): the one module that writes, parses and verifies sign-in messages.

It is held to the EIP's ABNF exactly, checked against spruceid's reference parser (npm ``siwe`` 3.0.0)
by ``tests/content/test_siwe.py``. The message text::

    [scheme "://"]{domain} wants you to sign in with your Ethereum account:
    {address}                      EIP-55 checksummed, "0x" + 40 hex digits

    {statement}                    optional line (absent: no line; empty: an empty line)

    URI: {uri}                     RFC 3986 absolute URI (scheme ":" hier-part [?query] [#fragment])
    Version: 1
    Chain ID: {chain id}           1*DIGIT (ASCII 0-9 only)
    Nonce: {nonce}                 8 or more ASCII letters and digits
    Issued At: {date-time}         RFC 3339
    Expiration Time: {date-time}   optional, and so is each line below, but the order is fixed
    Not Before: {date-time}
    Request ID: {request id}       *pchar (RFC 3986), may be empty
    Resources:                     a "Resources:" line, then zero or more "- {uri}" lines
    - {uri}

Lines end with LF alone and the text ends right after the last field (no trailing LF). Every
character is ASCII: each field has the character set of its ABNF rule, so a BOM, a quote in the
domain, CR or a control character in the statement, a space in a URI, or a digit from another script
in the chain id is refused, with the line and the rule named in the error.

- domain: RFC 3986 ``authority`` (``[userinfo "@"] host [":" port]``, host a reg-name, an IPv6 or
  IPvFuture literal in brackets), not empty; scheme: RFC 3986 ``scheme``.
- statement: EIP-4361 ``*( reserved / unreserved / " " )``: letters, digits, space and
  ``-._~:/?#[]@!$&'()*+,;=`` only (no ``"%<>\\^`{|}``, no CR/LF, no controls).
- times: RFC 3339 ``date-time`` only: ``T`` and ``Z`` in either case, seconds 00-60 (a leap second is
  accepted wherever it falls; leap seconds are announced too late for a table to be exact), a
  fraction of any length, ``Z`` or ``±hh:mm``. ISO 8601 variants (a space for ``T``, basic format
  ``20240501T120000Z``, ``+0000``, no offset) are refused; dates are checked against the calendar.
- chain id: refused when larger than a uint256 (no EVM chain id can be; this is the one limit the
  ABNF does not state).

Signatures are EIP-191 ``personal_sign`` signatures over the exact message text, as hex text
``"0x"`` + 130 hex digits (``r || s || v``, 65 bytes, ``v`` 27/28 or 0/1) or ``"0x"`` + 128 hex
digits (the EIP-2098 compact ``r || yParityAndS``, 64 bytes), or the same as raw bytes. Only
canonical low-s signatures (EIP-2: ``s <= n/2``) are accepted, so a signature has no malleable twin.

Errors (all are :class:`SiweError`, a :class:`~client_sdk.content.errors.ContentError` and ValueError)::

    SiweError                 root: any refusal by this module
    ├── MalformedMessage      the text or a field breaks the grammar (``.field``, ``.line``)
    ├── InvalidSignature      the signature is not in an accepted form, is high-s, or recovers no key
    └── SignerMismatch        the signature is valid but by another account (``.expected``, ``.recovered``)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Final

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import is_checksum_address

from .errors import ContentError

#: The secp256k1 group order; a canonical signature has ``1 <= s <= SECP256K1_N // 2``.
SECP256K1_N: Final = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_MAX_CHAIN_ID: Final = 2**256 - 1

HEADER_SUFFIX: Final = " wants you to sign in with your Ethereum account:"


class SiweError(ContentError, ValueError):
    """A sign-in message or signature this module refuses; the text says what to change."""


class MalformedMessage(SiweError):
    """The text is not an EIP-4361 message, or a field breaks its ABNF rule.

    Attributes:
        field: the field at fault ("domain", "Chain ID", ...), or "message" for the layout.
        line: the 1-based line of the text, or None when a field was passed to the constructor.
    """

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        self.field = field
        self.line = line
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{field} {reason} (EIP-4361 grammar)")


class InvalidSignature(SiweError):
    """The signature is not 0x-hex of 65 or 64 bytes, is not canonical (high s), or recovers no key."""


class SignerMismatch(SiweError, PermissionError):
    """The signature is well formed but was made by another account than the message names."""

    def __init__(self, expected: str, recovered: str) -> None:
        self.expected = expected
        self.recovered = recovered
        super().__init__(
            f"the signature is not by the address in the message ({expected}) but by {recovered}; "
            "sign the message with the account it names"
        )


# --- the grammar, from RFC 3986 / RFC 3339 / EIP-4361; explicit ASCII classes, always fullmatch ------

_HEX = "0-9A-Fa-f"
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = f"%[{_HEX}]{{2}}"
_PCHAR = f"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_USERINFO = f"(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*"
_REG_NAME = f"(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*"
_IP_LITERAL = r"\[[^\[\]]*\]"  # the inside is checked by _ip_literal_ok
_AUTHORITY = f"(?:{_USERINFO}@)?(?P<host>{_IP_LITERAL}|{_REG_NAME})(?::[0-9]*)?"
_SCHEME = "[A-Za-z][A-Za-z0-9+.-]*"
_SEGMENT = f"{_PCHAR}*"
_SEGMENT_NZ = f"{_PCHAR}+"
_QUERY = f"(?:{_PCHAR}|[/?])*"
_URI = (
    f"{_SCHEME}:"
    f"(?://{_AUTHORITY}(?:/{_SEGMENT})*"  # "//" authority path-abempty
    f"|/(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?"  # path-absolute
    f"|{_SEGMENT_NZ}(?:/{_SEGMENT})*"  # path-rootless
    f"|)"  # path-empty
    f"(?:\\?{_QUERY})?(?:#{_QUERY})?"
)

_SCHEME_RE = re.compile(_SCHEME)
_AUTHORITY_RE = re.compile(_AUTHORITY)
_URI_RE = re.compile(_URI)
_IPV_FUTURE_RE = re.compile(f"[vV][{_HEX}]+\\.[{_UNRESERVED}{_SUB_DELIMS}:]+")
_IPV6_CHARS_RE = re.compile(f"[{_HEX}:.]+")
_HEADER_RE = re.compile(f"(?:(?P<scheme>{_SCHEME})://)?(?P<domain>.*)" + re.escape(HEADER_SUFFIX))
_ADDRESS_RE = re.compile(f"0x[{_HEX}]{{40}}")
_STATEMENT_RE = re.compile(f"[{_UNRESERVED}:/?#\\[\\]@{_SUB_DELIMS} ]*")
_CHAIN_ID_RE = re.compile("[0-9]+")
_NONCE_RE = re.compile("[A-Za-z0-9]{8,}")
_REQUEST_ID_RE = re.compile(f"{_PCHAR}*")
_DATE_TIME_RE = re.compile(
    "(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    "(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?P<fraction>\\.[0-9]+)?"
    "(?:(?P<utc>[Zz])|(?P<sign>[+-])(?P<off_hour>[0-9]{2}):(?P<off_minute>[0-9]{2}))"
)
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_OPTIONAL_TIMES: Final = (("Expiration Time", "expiration_time"), ("Not Before", "not_before"))


def _show(value: str, limit: int = 60) -> str:
    """A value as Python repr (escapes CR, controls, BOM), cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def _ip_literal_ok(host: str) -> bool:
    inner = host[1:-1]
    if _IPV_FUTURE_RE.fullmatch(inner):
        return True
    if not _IPV6_CHARS_RE.fullmatch(inner):  # no zone ids ("%eth0"), which RFC 3986 does not allow
        return False
    try:
        ipaddress.IPv6Address(inner)
    except ValueError:
        return False
    return True


def _authority_ok(value: str) -> bool:
    m = _AUTHORITY_RE.fullmatch(value)
    return m is not None and (not m.group("host").startswith("[") or _ip_literal_ok(m.group("host")))


def is_uri(value: str) -> bool:
    """True when ``value`` is an RFC 3986 ``URI`` (absolute: a scheme, then ``:``), ASCII only."""
    m = _URI_RE.fullmatch(value)
    if m is None:
        return False
    host = m.group("host")
    return host is None or not host.startswith("[") or _ip_literal_ok(host)


def _check_str(field: str, value: object, line: int | None) -> str:
    if not isinstance(value, str):
        raise MalformedMessage(field, f"must be text, not {type(value).__name__}", line)
    return value


def _check_domain(value: object, line: int | None = None) -> str:
    domain = _check_str("domain", value, line)
    if domain == "":
        raise MalformedMessage("domain", "is empty; name the host that asks for the sign-in", line)
    if not _authority_ok(domain):
        raise MalformedMessage(
            "domain",
            f"{_show(domain)} is not an RFC 3986 authority ([userinfo@]host[:port] in ASCII letters, digits "
            "and -._~!$&'()*+,;= or %XX, or an [IPv6] literal)",
            line,
        )
    return domain


def _check_scheme(value: object, line: int | None = None) -> str | None:
    if value is None:
        return None
    scheme = _check_str("scheme", value, line)
    if not _SCHEME_RE.fullmatch(scheme):
        raise MalformedMessage("scheme", f"{_show(scheme)} is not an RFC 3986 scheme (a letter, then a-z0-9+.-)", line)
    return scheme


def _check_address(value: object, line: int | None = None) -> str:
    address = _check_str("address", value, line)
    if not _ADDRESS_RE.fullmatch(address) or not is_checksum_address(address):
        raise MalformedMessage(
            "address", f"{_show(address)} is not an EIP-55 checksummed address ('0x' and 40 hex digits)", line
        )
    return address


def _check_statement(value: object, line: int | None = None) -> str | None:
    if value is None:
        return None
    statement = _check_str("statement", value, line)
    if not _STATEMENT_RE.fullmatch(statement):
        bad = next(c for c in statement if not _STATEMENT_RE.fullmatch(c))
        raise MalformedMessage(
            "statement",
            f"has the character {bad!r}; only ASCII letters, digits, space and -._~:/?#[]@!$&'()*+,;= are allowed "
            "(no line breaks, control characters, quotes or non-ASCII)",
            line,
        )
    return statement


def _check_uri(field: str, value: object, line: int | None = None) -> str:
    uri = _check_str(field, value, line)
    if not is_uri(uri):
        raise MalformedMessage(
            field,
            f"{_show(uri)} is not an RFC 3986 absolute URI (scheme ':' then ASCII path/query without spaces, "
            "e.g. 'https://hub.example.org/keys/42')",
            line,
        )
    return uri


def _check_version(value: object, line: int | None = None) -> str:
    if value != "1":
        raise MalformedMessage("Version", f"{_show(str(value))} is not supported; only Version 1 exists", line)
    return "1"


def _check_chain_id(value: object, line: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedMessage("Chain ID", f"must be an int, not {type(value).__name__}", line)
    if not 0 <= value <= _MAX_CHAIN_ID:
        raise MalformedMessage("Chain ID", f"{value} is outside 0..2**256-1", line)
    return value


def _parse_chain_id(text: str, line: int) -> int:
    if not _CHAIN_ID_RE.fullmatch(text):
        raise MalformedMessage("Chain ID", f"{_show(text)} must be ASCII decimal digits 0-9 only", line)
    digits = text.lstrip("0") or "0"
    if len(digits) > 78:  # before int(): Python refuses to convert very long digit strings
        raise MalformedMessage("Chain ID", f"{_show(text)} is larger than any EVM chain id (uint256)", line)
    return _check_chain_id(int(digits), line)


def _check_nonce(value: object, line: int | None = None) -> str:
    nonce = _check_str("Nonce", value, line)
    if not _NONCE_RE.fullmatch(nonce):
        raise MalformedMessage("Nonce", f"{_show(nonce)} must be at least 8 ASCII letters or digits", line)
    return nonce


def _check_time(field: str, value: object, line: int | None = None, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    text = _check_str(field, value, line)
    m = _DATE_TIME_RE.fullmatch(text)
    if m is None:
        raise MalformedMessage(
            field,
            f"{_show(text)} is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.frac] then Z or ±HH:MM, "
            "e.g. '2024-05-01T12:00:00Z')",
            line,
        )
    year, month, day = int(m["year"]), int(m["month"]), int(m["day"])
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    ok = (
        1 <= month <= 12
        and 1 <= day <= _DAYS_IN_MONTH[month - 1] + (1 if month == 2 and leap else 0)
        and int(m["hour"]) <= 23
        and int(m["minute"]) <= 59
        and int(m["second"]) <= 60  # 60: a leap second
        and (m["utc"] is not None or (int(m["off_hour"]) <= 23 and int(m["off_minute"]) <= 59))
    )
    if not ok:
        raise MalformedMessage(field, f"{_show(text)} is not a real date and time (RFC 3339 ranges)", line)
    return text


def _check_request_id(value: object, line: int | None = None) -> str | None:
    if value is None:
        return None
    request_id = _check_str("Request ID", value, line)
    if not _REQUEST_ID_RE.fullmatch(request_id):
        raise MalformedMessage(
            "Request ID",
            f"{_show(request_id)} may only hold RFC 3986 pchar (ASCII letters, digits, -._~!$&'()*+,;=:@ and %XX)",
            line,
        )
    return request_id


def to_datetime(value: str) -> datetime:
    """An RFC 3339 date-time (as checked by this module) as an aware UTC ``datetime``.

    A leap second (``:60``) becomes the first instant of the next minute; fractions beyond
    microseconds are cut. Raises :class:`SiweError` for instants Python cannot hold (year 0000).
    """
    _check_time("time", value)
    m = _DATE_TIME_RE.fullmatch(value)
    assert m is not None
    second = int(m["second"])
    micro = int((m["fraction"] or ".0")[1:7].ljust(6, "0"))
    if m["utc"] is not None:
        tz = UTC
    else:
        offset = timedelta(hours=int(m["off_hour"]), minutes=int(m["off_minute"]))
        tz = timezone(-offset if m["sign"] == "-" else offset)
    try:
        t = datetime(int(m["year"]), int(m["month"]), int(m["day"]), int(m["hour"]), int(m["minute"]), 0, micro, tz)
        return (t + timedelta(seconds=second)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise SiweError(f"the time {value!r} is outside the years 0001-9999 this hub can compare") from None


def format_time(value: datetime) -> str:
    """An aware ``datetime`` as the RFC 3339 text this hub writes: UTC, ``Z``, microseconds if any."""
    if value.tzinfo is None:
        raise SiweError("a naive datetime has no time zone; pass an aware one (e.g. datetime.now(UTC))")
    text = value.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


@dataclass(frozen=True)
class SiweMessage:
    """One EIP-4361 message. Constructing it checks every field, so :meth:`to_text` always writes a
    message :meth:`parse` reads back equal. Times are kept as their exact RFC 3339 text (use the
    ``*_dt`` properties to compare them); ``statement`` and ``resources`` tell "absent" (None) from
    "empty" (``""``, ``()``), as the EIP does.
    """

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
    resources: Sequence[str] | None = None
    scheme: str | None = None

    def __post_init__(self) -> None:
        _check_scheme(self.scheme)
        _check_domain(self.domain)
        _check_address(self.address)
        _check_statement(self.statement)
        _check_uri("URI", self.uri)
        _check_version(self.version)
        _check_chain_id(self.chain_id)
        _check_nonce(self.nonce)
        _check_time("Issued At", self.issued_at)
        for label, attr in _OPTIONAL_TIMES:
            _check_time(label, getattr(self, attr), optional=True)
        _check_request_id(self.request_id)
        if self.resources is not None:
            if isinstance(self.resources, str):
                raise MalformedMessage("Resources", "must be a list of URIs, not one string")
            resources = tuple(self.resources)
            for r in resources:
                _check_uri("resource", r)
            object.__setattr__(self, "resources", resources)

    @property
    def issued_at_dt(self) -> datetime:
        return to_datetime(self.issued_at)

    @property
    def expiration_dt(self) -> datetime | None:
        return to_datetime(self.expiration_time) if self.expiration_time is not None else None

    @property
    def not_before_dt(self) -> datetime | None:
        return to_datetime(self.not_before) if self.not_before is not None else None

    def to_text(self) -> str:
        """The message text to sign (LF line ends, no trailing LF)."""
        prefix = f"{self.scheme}://" if self.scheme is not None else ""
        lines = [f"{prefix}{self.domain}{HEADER_SUFFIX}", self.address, ""]
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
        if self.expiration_time is not None:
            lines.append(f"Expiration Time: {self.expiration_time}")
        if self.not_before is not None:
            lines.append(f"Not Before: {self.not_before}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources is not None:
            lines.append("Resources:")
            lines += [f"- {r}" for r in self.resources]
        return "\n".join(lines)

    @classmethod
    def parse(cls, text: str) -> SiweMessage:
        """Read a message; raises :class:`MalformedMessage` naming the line and rule it breaks."""
        return _Parser(_check_str("message", text, None)).message()


class _Parser:
    """Reads a message line by line; each ``take`` checks one field where the grammar puts it."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.i = 0

    def _at(self) -> str | None:
        return self.lines[self.i] if self.i < len(self.lines) else None

    def _fail(self, expected: str) -> MalformedMessage:
        got = self._at()
        found = "the text ends" if got is None else f"found {_show(got)}"
        return MalformedMessage("message", f"expects {expected} here, but {found}", self.i + 1)

    def _take(self, label: str, *, optional: bool = False) -> str | None:
        line = self._at()
        if line is not None and line.startswith(label + ": "):
            self.i += 1
            return line[len(label) + 2 :]
        if optional:
            return None
        raise self._fail(f"the line '{label}: …'")

    def _blank(self, why: str) -> None:
        if self._at() != "":
            raise self._fail(f"an empty line ({why})")
        self.i += 1

    def message(self) -> SiweMessage:
        header = self._at() or ""
        m = _HEADER_RE.fullmatch(header)
        if m is None:
            raise self._fail(f"the header '<domain>{HEADER_SUFFIX}'")
        scheme = _check_scheme(m["scheme"], 1)
        domain = _check_domain(m["domain"], 1)
        self.i += 1
        if self._at() is None:
            raise self._fail("the signing address")
        address = _check_address(self._at(), 2)
        self.i += 1
        self._blank("after the address")
        statement: str | None = None
        # absent statement: the next line is already past the blank; present (maybe empty): a blank follows it
        nxt = self.lines[self.i + 1] if self.i + 1 < len(self.lines) else None
        if not (self._at() == "" and nxt != ""):
            statement = _check_statement(self._at(), self.i + 1)
            self.i += 1
        self._blank("before URI" if statement is None else "after the statement")
        uri = _check_uri("URI", self._take("URI"), self.i)
        version = _check_version(self._take("Version"), self.i)
        chain_id = _parse_chain_id(self._take("Chain ID") or "", self.i)
        nonce = _check_nonce(self._take("Nonce"), self.i)
        issued_at = _check_time("Issued At", self._take("Issued At"), self.i)
        times: dict[str, str | None] = {}
        for label, attr in _OPTIONAL_TIMES:
            value = self._take(label, optional=True)
            times[attr] = _check_time(label, value, self.i, optional=True)
        value = self._take("Request ID", optional=True)
        request_id = _check_request_id(value, self.i)
        resources: list[str] | None = None
        if self._at() == "Resources:":
            self.i += 1
            resources = []
            while (line := self._at()) is not None and line.startswith("- "):
                self.i += 1
                resources.append(_check_uri("resource", line[2:], self.i))
        if self.i != len(self.lines):
            raise self._fail("the end of the message (fields come in the EIP's order; no trailing line break)")
        return SiweMessage(
            domain=domain,
            address=address,
            uri=uri,
            chain_id=chain_id,
            nonce=nonce,
            issued_at=issued_at or "",
            statement=statement,
            version=version,
            expiration_time=times["expiration_time"],
            not_before=times["not_before"],
            request_id=request_id,
            resources=resources,
            scheme=scheme,
        )


_SIG_HEX_RE = re.compile(f"0x(?:[{_HEX}]{{128}}|[{_HEX}]{{130}})")


def signature_vrs(signature: str | bytes) -> tuple[int, int, int]:
    """``(v, r, s)`` with ``v`` 27 or 28 from a 65-byte or EIP-2098 64-byte signature, checked canonical.

    Hex text must be ``"0x"`` + 130 or 128 hex digits; bytes must be 65 or 64 long.
    """
    if isinstance(signature, str):
        if not _SIG_HEX_RE.fullmatch(signature):
            raise InvalidSignature(
                f"the signature {_show(signature, 20)} is not '0x' followed by 130 hex digits (65 bytes r||s||v) "
                "or 128 hex digits (EIP-2098 compact); send it as personal_sign returns it"
            )
        raw = bytes.fromhex(signature[2:])
    elif isinstance(signature, bytes | bytearray):
        raw = bytes(signature)
    else:
        raise InvalidSignature(f"a signature is 0x-hex text or bytes, not {type(signature).__name__}")
    if len(raw) == 65:
        r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
        if v in (0, 1):
            v += 27
        if v not in (27, 28):
            raise InvalidSignature(f"the signature's v is {v}; expected 27 or 28 (or 0 or 1)")
    elif len(raw) == 64:
        r, y_parity_and_s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        v, s = 27 + (y_parity_and_s >> 255), y_parity_and_s & ((1 << 255) - 1)
    else:
        raise InvalidSignature(f"a signature is 65 bytes (or 64, EIP-2098 compact), not {len(raw)}")
    if not 1 <= r < SECP256K1_N or not 1 <= s < SECP256K1_N:
        raise InvalidSignature("the signature's r or s is out of range; it is not an ECDSA signature")
    if s > SECP256K1_N // 2:
        raise InvalidSignature(
            "the signature has a high s value (not canonical, EIP-2); sign again with a wallet that "
            "produces low-s signatures"
        )
    return v, r, s


def recover_signer(text: str, signature: str | bytes) -> str:
    """The checksummed address that signed ``text`` with EIP-191 ``personal_sign`` (canonical form only)."""
    vrs = signature_vrs(signature)
    try:
        return str(Account.recover_message(encode_defunct(text=text), vrs=vrs))
    except Exception:  # eth-keys raises several types for points off the curve
        raise InvalidSignature("the signature recovers no public key; it is not a signature of this message") from None


def verify(text: str, signature: str | bytes) -> SiweMessage:
    """Parse the message and check the signature is by the address it names (no time or nonce checks)."""
    msg = SiweMessage.parse(text)
    signer = recover_signer(text, signature)
    if signer != msg.address:
        raise SignerMismatch(msg.address, signer)
    return msg


__all__ = [
    "HEADER_SUFFIX",
    "SECP256K1_N",
    "InvalidSignature",
    "MalformedMessage",
    "SignerMismatch",
    "SiweError",
    "SiweMessage",
    "format_time",
    "is_uri",
    "recover_signer",
    "signature_vrs",
    "to_datetime",
    "verify",
]
