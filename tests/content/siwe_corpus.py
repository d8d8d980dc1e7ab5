"""Sign-in message corpora shared by the SIWE tests and the key-release route tests.

``malformed`` turns one valid message into texts that break the EIP-4361 grammar in one place each
(every example of issue 19 among them); the reference library and the hub must both refuse all of them,
and the key-release route must answer each with a 401 even when it is signed by the named address.
"""

from __future__ import annotations

from datetime import datetime

from client_sdk.content.siwe import SiweMessage, format_time

DOMAIN = "hub.test"
CHAIN_ID = 31337
WORK_ID = 42


def base_message(
    address: str,
    nonce: str,
    issued: datetime,
    expires: datetime,
    *,
    domain: str = DOMAIN,
    chain_id: int = CHAIN_ID,
    work_id: int = WORK_ID,
) -> SiweMessage:
    """A message with every field present, naming ``work_id`` as its resource."""
    return SiweMessage(
        domain=domain,
        address=address,
        statement=f"Release the content key of work {work_id} to me.",
        uri=f"https://{domain}/keys/{work_id}",
        chain_id=chain_id,
        nonce=nonce,
        issued_at=format_time(issued),
        expiration_time=format_time(expires),
        request_id="req-1",
        resources=[
            f"urn:copyright-hub:work:{work_id}",
            "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        ],
    )


def _with_line(text: str, label: str, value: str) -> str:
    """``text`` with the line that starts with ``label`` replaced by ``label + value``."""
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(label))
    lines[index] = label + value
    return "\n".join(lines)


def _digits(value: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in value)


_ARABIC_INDIC = {str(i): chr(0x0660 + i) for i in range(10)}
_FULL_WIDTH = {str(i): chr(0xFF10 + i) for i in range(10)}


def malformed(message: SiweMessage, issued: datetime) -> list[tuple[str, str]]:
    """(what is wrong, message text) pairs: ``message`` broken in one place each.

    ``issued`` is the message's Issued At, so the ISO 8601 variants name the same instant.
    """
    text = message.to_text()
    header = text.split("\n", 1)[0]
    domain = message.domain
    chain = str(message.chain_id)
    uri = message.uri
    resource = f"- {message.resources[0]}" if message.resources else "- urn:x"
    stamp = issued.strftime("%Y-%m-%dT%H:%M:%S")
    cases: list[tuple[str, str]] = [
        # domain
        ("quote in domain", text.replace(header, header.replace(domain, domain.replace(".", '".'), 1))),
        ("BOM before domain", "\ufeff" + text),
        ("non-ASCII domain", text.replace(header, header.replace(domain, "hüb.test", 1))),
        ("space in domain", text.replace(header, header.replace(domain, "hub .test", 1))),
        ("empty domain", text.replace(header, header.replace(domain, "", 1))),
        ("slash in domain", text.replace(header, header.replace(domain, domain + "/keys", 1))),
        ("bad scheme", "1https://" + text),
        ("header reworded", text.replace("wants you to sign in", "wants to sign in")),
        # address
        ("lowercase address", text.replace(message.address, message.address.lower())),
        ("0X address", text.replace(message.address, "0X" + message.address[2:])),
        ("short address", text.replace(message.address, message.address[:-1])),
        # statement
        ("BEL in statement", text.replace("Release the", "Release\x07 the")),
        ("CR at end of statement", text.replace(" to me.", " to me.\r")),
        ("CR inside statement", text.replace("Release the", "Release\rthe")),
        ("tab in statement", text.replace("Release the", "Release\tthe")),
        ("non-ASCII statement", text.replace("Release the", "Releasé the")),
        ("quote in statement", text.replace("Release the", 'Release "the"')),
        ("percent in statement", text.replace("Release the", "Release 100% the")),
        ("angle brackets in statement", text.replace("Release the", "Release <the>")),
        ("CRLF line ends", text.replace("\n", "\r\n")),
        # URI
        ("empty URI", _with_line(text, "URI: ", "")),
        ("relative URI", _with_line(text, "URI: ", "/keys/42")),
        ("scheme-less URI", _with_line(text, "URI: ", f"{domain}/keys/42")),
        ("space-padded URI", _with_line(text, "URI: ", " " + uri)),
        ("URI with trailing space", _with_line(text, "URI: ", uri + " ")),
        ("space in URI", _with_line(text, "URI: ", uri + "/a b")),
        ("non-ASCII URI", _with_line(text, "URI: ", uri + "/ü")),
        ("quote in URI host", _with_line(text, "URI: ", 'https://hub".test/keys/42')),
        # Version
        ("Version 2", _with_line(text, "Version: ", "2")),
        ("padded Version", _with_line(text, "Version: ", " 1")),
        # Chain ID
        ("Arabic-Indic chain id", _with_line(text, "Chain ID: ", _digits(chain, _ARABIC_INDIC))),
        ("full-width chain id", _with_line(text, "Chain ID: ", _digits(chain, _FULL_WIDTH))),
        ("superscript chain id", _with_line(text, "Chain ID: ", "²")),
        ("negative chain id", _with_line(text, "Chain ID: ", "-" + chain)),
        ("hex chain id", _with_line(text, "Chain ID: ", hex(message.chain_id))),
        ("empty chain id", _with_line(text, "Chain ID: ", "")),
        ("padded chain id", _with_line(text, "Chain ID: ", " " + chain)),
        ("decimal chain id", _with_line(text, "Chain ID: ", chain + ".0")),
        # Nonce
        ("short nonce", _with_line(text, "Nonce: ", "abc123")),
        ("punctuation in nonce", _with_line(text, "Nonce: ", message.nonce + "!")),
        ("non-ASCII nonce", _with_line(text, "Nonce: ", message.nonce + "é")),
        ("full-width nonce", _with_line(text, "Nonce: ", message.nonce + "１")),
        # times
        ("space for T", _with_line(text, "Issued At: ", stamp.replace("T", " ") + "Z")),
        ("basic format", _with_line(text, "Issued At: ", issued.strftime("%Y%m%dT%H%M%SZ"))),
        ("+0000 offset", _with_line(text, "Issued At: ", stamp + "+0000")),
        ("no offset", _with_line(text, "Issued At: ", stamp)),
        ("no seconds", _with_line(text, "Issued At: ", stamp[:-3] + "Z")),
        ("hour-only offset", _with_line(text, "Issued At: ", stamp + "+00")),
        ("empty fraction", _with_line(text, "Issued At: ", stamp + ".Z")),
        ("comma fraction", _with_line(text, "Issued At: ", stamp + ",5Z")),
        ("ordinal date", _with_line(text, "Issued At: ", issued.strftime("%Y-%jT%H:%M:%SZ"))),
        ("Arabic-Indic year", _with_line(text, "Issued At: ", _digits(stamp[:4], _ARABIC_INDIC) + stamp[4:] + "Z")),
        ("February 30", _with_line(text, "Issued At: ", "2024-02-30T12:00:00Z")),
        ("month 13", _with_line(text, "Issued At: ", "2024-13-01T12:00:00Z")),
        ("hour 24", _with_line(text, "Issued At: ", "2024-05-01T24:00:00Z")),
        ("second 61", _with_line(text, "Issued At: ", "2024-05-01T12:00:61Z")),
        ("offset +24:00", _with_line(text, "Issued At: ", "2024-05-01T12:00:00+24:00")),
        (
            "space-padded time",
            _with_line(text, "Expiration Time: ", " " + message.expiration_time if message.expiration_time else ""),
        ),
        # Request ID
        ("space in request id", _with_line(text, "Request ID: ", "req 1")),
        ("hash in request id", _with_line(text, "Request ID: ", "req#1")),
        ("slash in request id", _with_line(text, "Request ID: ", "req/1")),
        ("quote in request id", _with_line(text, "Request ID: ", 'req"1')),
        ("non-ASCII request id", _with_line(text, "Request ID: ", "req-ü")),
        ("bad percent in request id", _with_line(text, "Request ID: ", "req%zz")),
        # Resources
        ("space in resource", text.replace(resource, resource + " extra")),
        ("empty resource", text.replace(resource, "- ")),
        ("relative resource", text.replace(resource, "- /works/42")),
        ("space-padded resource", text.replace(resource, resource.replace("- ", "-  ", 1))),
        ("resource without space", text.replace(resource, resource.replace("- ", "-", 1))),
        ("non-ASCII resource", text.replace(resource, resource + "ü")),
        # layout
        ("trailing line break", text + "\n"),
        ("extra line", text + "\nhello"),
        ("missing blank line", text.replace("\n\n", "\n", 1)),
        ("statement without blank line after it", text.replace(" to me.\n\n", " to me.\n", 1)),
        ("fields out of order", _swap(text, "Expiration Time: ", "Request ID: ")),
        ("field twice", text.replace("\nVersion: 1", "\nVersion: 1\nVersion: 1")),
        ("label in lower case", text.replace("Chain ID: ", "chain id: ")),
        ("no space after colon", text.replace("Nonce: ", "Nonce:")),
        ("empty text", ""),
    ]
    return [(label, broken) for label, broken in cases if broken != text]


def _swap(text: str, first: str, second: str) -> str:
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(first))
    j = next(n for n, line in enumerate(lines) if line.startswith(second))
    lines[i], lines[j] = lines[j], lines[i]
    return "\n".join(lines)
