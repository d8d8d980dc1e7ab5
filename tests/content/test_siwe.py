"""Sign-In with Ethereum held to EIP-4361, and checked against the reference implementation.

The reference is spruceid's npm ``siwe`` 3.0.0 with ethers 6 (pinned in package.json), run offline by
``siwe_reference.mjs``: messages it writes and signs parse in the hub with equal fields and signer,
messages the hub writes parse, reprint and verify there, and malformed messages are refused by both.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_sdk.content.errors import ContentError
from client_sdk.content.siwe import (
    SECP256K1_N,
    InvalidSignature,
    MalformedMessage,
    SignerMismatch,
    SiweError,
    SiweMessage,
    format_time,
    is_uri,
    recover_signer,
    signature_vrs,
    to_datetime,
    verify,
)
from client_sdk.errors import HubError
from tests.content.siwe_corpus import base_message, malformed

HERE = Path(__file__).parent
REPO = HERE.parents[1]
ISSUED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _key(i: int) -> str:
    return "0x" + f"{i + 1:064x}"


def _address(i: int) -> str:
    return str(Account.from_key(_key(i)).address)


def _sign(text: str, i: int) -> str:
    return str(Account.from_key(_key(i)).sign_message(encode_defunct(text=text)).signature.to_0x_hex())


def _compact(signature: str) -> str:
    """The EIP-2098 form of a 65-byte 0x-hex signature: r || (yParity << 255 | s)."""
    raw = bytes.fromhex(signature[2:])
    y_parity = (raw[64] - 27) if raw[64] >= 27 else raw[64]
    s = int.from_bytes(raw[32:64], "big") | (y_parity << 255)
    return "0x" + (raw[:32] + s.to_bytes(32, "big")).hex()


def _js_fields(msg: SiweMessage) -> dict[str, Any]:
    """The hub's fields under the reference's names (None for absent)."""
    return {
        "scheme": msg.scheme,
        "domain": msg.domain,
        "address": msg.address,
        "statement": msg.statement,
        "uri": msg.uri,
        "version": msg.version,
        "chainId": msg.chain_id,
        "nonce": msg.nonce,
        "issuedAt": msg.issued_at,
        "expirationTime": msg.expiration_time,
        "notBefore": msg.not_before,
        "requestId": msg.request_id,
        "resources": None if msg.resources is None else list(msg.resources),
    }


# --- the corpora ------------------------------------------------------------------------------------

#: Written and signed by the reference (its field names); "address" comes from the key.
REFERENCE_WRITES: list[dict[str, Any]] = [
    {
        "domain": "hub.test",
        "uri": "https://hub.test/keys/42",
        "chainId": 31337,
        "nonce": "abcdefgh1",
        "issuedAt": "2024-05-01T12:00:00.000Z",
    },
    {
        "domain": "hub.test",
        "statement": "Release the content key of work 42 to me.",
        "uri": "https://hub.test/keys/42",
        "chainId": 31337,
        "nonce": "0123456789abcdefABCDEF",
        "issuedAt": "2024-05-01T12:00:00Z",
        "expirationTime": "2024-05-01T12:05:00Z",
        "notBefore": "2024-05-01T12:00:30Z",
        "requestId": "req-1",
        "resources": [
            "urn:copyright-hub:work:42",
            "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        ],
    },
    {
        "domain": "hub.test",
        "statement": "",
        "uri": "https://hub.test",
        "chainId": 1,
        "nonce": "abcdefgh",
        "issuedAt": "2024-05-01T12:00:00Z",
        "resources": [],
    },
    {
        "scheme": "https",
        "domain": "hub.test:8443",
        "statement": "-._~:/?#[]@!$&'()*+,;= all allowed",
        "uri": "https://user:pw@hub.test:8443/a/b%20c?x=1&y=/?#frag",
        "chainId": 137,
        "nonce": "NONCEnonce99",
        "issuedAt": "2024-05-01t12:00:00z",
        "expirationTime": "2024-05-01T20:00:00.123456789+08:00",
    },
    {
        "domain": "[::1]:8000",
        "uri": "http://[::1]:8000/keys/7",
        "chainId": 11155111,
        "nonce": "abcdefgh1",
        "issuedAt": "2016-12-31T23:59:60Z",
        "notBefore": "2024-05-01T12:00:00-05:30",
        "requestId": "%41%62:@!$&'()*+,;=-._~",
    },
    {
        "domain": "studio@hub.test",
        "uri": "urn:copyright-hub:work:42",
        "chainId": 9007199254740991,
        "nonce": "Zz0Zz0Zz0",
        "issuedAt": "2000-02-29T00:00:00Z",
        "resources": [
            "mailto:licensing@hub.test",
            "file:///srv/masters/42",
            "urn:isan:0000-0000-3A8D-0000-Z-0000-0000-6",
        ],
    },
    {
        "scheme": "web+siwe",
        "domain": "192.168.0.10",
        "statement": "Sign in.",
        "uri": "https://[2001:db8::1]/k?q#f",
        "chainId": 31337,
        "nonce": "abcdefgh1",
        "issuedAt": "2024-05-01T12:00:00.5Z",
        "expirationTime": "2024-05-01T12:10:00Z",
        "requestId": "x",
        "resources": ["https://hub.test/keys/42?licence=7"],
    },
]


def _hub_writes() -> list[SiweMessage]:
    """Written by the hub and signed with eth-account; covers each optional part present and absent."""
    a = _address
    return [
        SiweMessage(
            domain="hub.test",
            address=a(0),
            uri="https://hub.test/keys/42",
            chain_id=31337,
            nonce="abcdefgh1",
            issued_at="2024-05-01T12:00:00Z",
        ),
        base_message(a(1), "abcdefgh2", ISSUED, ISSUED + timedelta(minutes=5)),
        SiweMessage(
            domain="hub.test",
            address=a(2),
            statement="",
            uri="https://hub.test",
            chain_id=1,
            nonce="abcdefgh3",
            issued_at="2024-05-01T12:00:00Z",
            resources=[],
        ),
        SiweMessage(
            scheme="https",
            domain="hub.test:8443",
            address=a(3),
            statement="Release; now!",
            uri="https://hub.test:8443/keys/42?licence=7#key",
            chain_id=137,
            nonce="abcdefgh4",
            issued_at="2024-05-01t12:00:00z",
            expiration_time="2024-05-01T20:05:00.25+08:00",
            not_before="2024-05-01T07:00:00-05:00",
            request_id="a%20b:@",
            resources=["urn:x:y"],
        ),
        SiweMessage(
            domain="[2001:db8::1]:443",
            address=a(4),
            uri="urn:copyright-hub:work:42",
            chain_id=10,
            nonce="abcdefgh5",
            issued_at="2016-12-31T23:59:60Z",
            expiration_time="2017-01-01T00:05:00Z",
            resources=["ipfs://bafy", "https://hub.test/keys/42", "mailto:a@b.c"],
        ),
    ]


def _valid_edge_texts() -> list[tuple[str, str]]:
    """EIP-valid texts that a writer may not produce, which both parsers must accept alike."""
    text = base_message(_address(5), "abcdefgh6", ISSUED, ISSUED + timedelta(minutes=5)).to_text()
    return [
        ("leading zeros in chain id", text.replace("Chain ID: 31337", "Chain ID: 0031337")),
        ("empty request id", text.replace("Request ID: req-1", "Request ID: ")),
        ("Resources: with no entries", text.split("\n- ")[0]),
        ("lowercase t and z", text.replace("T12:00:00Z", "t12:00:00z")),
        ("leap second", text.replace("2024-05-01T12:00:00Z", "2016-12-31T23:59:60Z")),
        ("fraction and offset", text.replace("2024-05-01T12:00:00Z", "2024-05-01T20:00:00.000000001+08:00")),
        ("-00:00 offset", text.replace("2024-05-01T12:00:00Z", "2024-05-01T12:00:00-00:00")),
        ("IPvFuture domain", text.replace("hub.test wants", "[v1.fe80::a+en1] wants")),
        ("empty port", text.replace("hub.test wants", "hub.test: wants")),
        ("percent-encoded domain", text.replace("hub.test wants", "h%C3%BCb.test wants")),
        ("URI with empty path", text.replace("URI: https://hub.test/keys/42", "URI: https://hub.test")),
        ("URI path-absolute", text.replace("URI: https://hub.test/keys/42", "URI: urn:/keys/42")),
        ("URI path-empty", text.replace("URI: https://hub.test/keys/42", "URI: about:")),
    ]


@dataclass
class ReferenceRun:
    """What the reference answered for each corpus (one node run writes, a second parses everything)."""

    written: list[dict[str, Any]]
    written_parsed: list[dict[str, Any]]
    hub_written: list[tuple[SiweMessage, str, str, dict[str, Any]]]  # message, signature, time, answer
    valid_edges: list[tuple[str, str, dict[str, Any]]]
    malformed: list[tuple[str, str, dict[str, Any]]]


def _node(request: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "siwe").is_dir() or not (REPO / "node_modules" / "ethers").is_dir():
        pytest.fail("the SIWE reference needs `node` and `npm ci` (siwe, ethers in package.json)")
    out = subprocess.run(
        [node, str(HERE / "siwe_reference.mjs")],
        input=json.dumps(request),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return dict(json.loads(out.stdout))


@pytest.fixture(scope="module")
def reference() -> ReferenceRun:
    written = _node({"write": [{"fields": f, "key": _key(10 + i)} for i, f in enumerate(REFERENCE_WRITES)]})["written"]
    failed = [(f, w["error"]) for f, w in zip(REFERENCE_WRITES, written, strict=True) if "error" in w]
    assert not failed, f"the reference refused to write corpus entries: {failed}"

    hub_written = []
    for n, msg in enumerate(_hub_writes()):
        index = next(i for i in range(10) if _address(i) == msg.address)
        signature = _sign(msg.to_text(), index)
        if n % 2:
            signature = _compact(signature)  # the reference must take the EIP-2098 form too
        moment = max(msg.issued_at_dt, msg.not_before_dt or msg.issued_at_dt)
        hub_written.append((msg, signature, format_time(moment)))
    edges = _valid_edge_texts()
    issued = ISSUED
    bad = malformed(base_message(_address(6), "abcdefgh7", issued, issued + timedelta(minutes=5)), issued)

    parse: list[dict[str, Any]] = [{"text": w["text"], "signature": w["signature"]} for w in written]
    parse += [{"text": m.to_text(), "signature": sig, "time": t} for m, sig, t in hub_written]
    parse += [{"text": t} for _, t in edges]
    parse += [{"text": t} for _, t in bad]
    answers = _node({"parse": parse})["parsed"]
    assert len(answers) == len(parse)
    k, h, e = len(written), len(hub_written), len(edges)
    return ReferenceRun(
        written=written,
        written_parsed=answers[:k],
        hub_written=[(*entry, answer) for entry, answer in zip(hub_written, answers[k : k + h], strict=True)],
        valid_edges=[(*edge, answer) for edge, answer in zip(edges, answers[k + h : k + h + e], strict=True)],
        malformed=[(*case, answer) for case, answer in zip(bad, answers[k + h + e :], strict=True)],
    )


def _fail_on(disagreements: list[str]) -> None:
    if disagreements:
        pytest.fail(f"{len(disagreements)} disagreement(s) with the reference:\n" + "\n".join(disagreements))


# --- agreement with the reference -----------------------------------------------------------------


def test_reference_written_messages_parse_in_the_hub_with_equal_fields_and_signer(reference: ReferenceRun) -> None:
    problems = []
    for fields, w, ref in zip(REFERENCE_WRITES, reference.written, reference.written_parsed, strict=True):
        text = w["text"]
        try:
            msg = SiweMessage.parse(text)
        except SiweError as exc:
            problems.append(f"hub refuses reference text {text!r}: {exc}")
            continue
        expected = {
            "scheme": None,
            "statement": None,
            "expirationTime": None,
            "notBefore": None,
            "requestId": None,
            "resources": None,
            "version": "1",
            **fields,
            "address": w["address"],
        }
        if _js_fields(msg) != expected or not ref["ok"] or ref["fields"] != expected:
            problems.append(f"fields differ for {text!r}: hub {_js_fields(msg)}, reference {ref.get('fields')}")
        if msg.to_text() != text:
            problems.append(f"hub rewrites {text!r} as {msg.to_text()!r}")
        for form in ("signature", "compact"):
            try:
                signer = verify(text, w[form]).address
            except SiweError as exc:
                problems.append(f"hub refuses the reference's {form} signature of {text!r}: {exc}")
                continue
            if signer != w["address"]:
                problems.append(f"hub recovers {signer} from the {form} signature of {text!r}, not {w['address']}")
    _fail_on(problems)


def test_hub_written_messages_parse_reprint_and_verify_in_the_reference(reference: ReferenceRun) -> None:
    problems = []
    for msg, signature, _time, ref in reference.hub_written:
        text = msg.to_text()
        if not ref["ok"]:
            problems.append(f"reference refuses hub text {text!r}: {ref['error']}")
            continue
        if ref["fields"] != _js_fields(msg):
            problems.append(f"fields differ for {text!r}: hub {_js_fields(msg)}, reference {ref['fields']}")
        if not ref["reprinted"]:
            problems.append(f"reference rewrites hub text {text!r} differently")
        if ref["signer"] != msg.address or not ref["verified"]:
            problems.append(
                f"reference does not verify {signature} over {text!r}: signer {ref['signer']}, {ref.get('verifyError')}"
            )
        if verify(text, signature) != msg:
            problems.append(f"hub does not verify its own message {text!r}")
    _fail_on(problems)


def test_eip_valid_edge_texts_are_accepted_by_both_with_equal_fields(reference: ReferenceRun) -> None:
    problems = []
    for label, text, ref in reference.valid_edges:
        try:
            msg = SiweMessage.parse(text)
        except SiweError as exc:
            problems.append(f"{label}: hub refuses {text!r}: {exc}")
            continue
        if not ref["ok"]:
            problems.append(f"{label}: reference refuses {text!r}: {ref['error']}")
        elif ref["fields"] != _js_fields(msg):
            problems.append(f"{label}: fields differ for {text!r}: hub {_js_fields(msg)}, reference {ref['fields']}")
    _fail_on(problems)


def test_malformed_messages_are_refused_by_both(reference: ReferenceRun) -> None:
    assert len(reference.malformed) >= 70
    problems = []
    for label, text, ref in reference.malformed:
        try:
            SiweMessage.parse(text)
            problems.append(f"{label}: hub accepts {text!r}")
        except MalformedMessage:
            pass
        if ref["ok"]:
            problems.append(f"{label}: reference accepts {text!r}")
    _fail_on(problems)


# --- the issue's cases, one by one ---------------------------------------------------------------


def _text(**over: Any) -> str:
    fields: dict[str, Any] = {
        "domain": "hub.test",
        "address": _address(0),
        "uri": "https://hub.test/keys/42",
        "chain_id": 31337,
        "nonce": "abcdefgh1",
        "issued_at": "2024-05-01T12:00:00Z",
    }
    return SiweMessage(**{**fields, **over}).to_text()


def test_an_empty_statement_is_written_and_read_back() -> None:
    text = _text(statement="")
    assert "\n\n\n\nURI:" in text
    assert SiweMessage.parse(text).statement == ""
    assert SiweMessage.parse(_text()).statement is None
    assert "\n\n\nURI:" in _text() and "\n\n\n\nURI:" not in _text()


def test_lowercase_t_and_z_and_a_leap_second_are_read() -> None:
    msg = SiweMessage.parse(_text(issued_at="2016-12-31t23:59:60z", expiration_time="2017-01-01T08:00:00.5+08:00"))
    assert msg.issued_at == "2016-12-31t23:59:60z"
    assert msg.issued_at_dt == datetime(2017, 1, 1, tzinfo=UTC)
    assert msg.expiration_dt == datetime(2017, 1, 1, 0, 0, 0, 500_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("Chain ID: 31337", "Chain ID: ٣١٣٣٧", "Chain ID"),
        ("Chain ID: 31337", "Chain ID: ²", "Chain ID"),
        ("Chain ID: 31337", "Chain ID: ３１３３７", "Chain ID"),
        ("2024-05-01T12:00:00Z", "2024-05-01 12:00:00Z", "Issued At"),
        ("2024-05-01T12:00:00Z", "20240501T120000Z", "Issued At"),
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00+0000", "Issued At"),
        ("hub.test wants", 'hub".test wants', "domain"),
        ("URI: https://hub.test/keys/42", "URI: /keys/42", "URI"),
        ("URI: https://hub.test/keys/42", "URI:  https://hub.test/keys/42", "URI"),
    ],
)
def test_the_issues_lenient_readings_are_refused_naming_the_field(old: str, new: str, field: str) -> None:
    with pytest.raises(MalformedMessage) as caught:
        SiweMessage.parse(_text().replace(old, new))
    assert caught.value.field == field
    assert caught.value.line is not None and f"line {caught.value.line}:" in str(caught.value)


def test_writer_refuses_fields_it_could_not_read_back() -> None:
    for over in (
        {"statement": "two\nlines"},
        {"statement": "carriage\r"},
        {"domain": "hüb.test"},
        {"uri": "keys/42"},
        {"chain_id": -1},
        {"chain_id": True},
        {"nonce": "short"},
        {"issued_at": "2024-05-01T12:00:00"},
        {"request_id": "a b"},
        {"resources": ["https://x y"]},
        {"resources": "https://x"},
        {"version": "2"},
        {"scheme": "1x"},
    ):
        with pytest.raises(MalformedMessage):
            _text(**over)


def test_every_refusal_is_a_content_error_never_a_bare_value_error() -> None:
    assert issubclass(SiweError, ContentError) and issubclass(SiweError, HubError)
    for cls in (MalformedMessage, InvalidSignature, SignerMismatch):
        assert issubclass(cls, SiweError)
    with pytest.raises(SiweError):
        SiweMessage.parse(None)  # type: ignore[arg-type]
    with pytest.raises(SiweError):
        SiweMessage.parse(_text().replace("31337", "9" * 5000))  # longer than int() converts
    with pytest.raises(SiweError):
        to_datetime("0000-01-01T00:00:00Z")  # valid RFC 3339, outside what datetime holds


def test_format_time_writes_utc_rfc3339() -> None:
    assert format_time(datetime(2024, 5, 1, 20, tzinfo=UTC).astimezone()) == "2024-05-01T20:00:00Z"
    assert format_time(datetime(2024, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)) == "2024-05-01T12:00:00.250000Z"
    with pytest.raises(SiweError):
        format_time(datetime(2024, 5, 1))


def test_is_uri_follows_rfc_3986() -> None:
    for good in ("https://hub.test", "urn:a:b", "about:", "https://[::1]:80/", "x://@:/", "mailto:a@b"):
        assert is_uri(good), good
    for bad in ("", "/rel", "hub.test/x", "https://hub test", "https://[::1%eth0]/", "https://[zz]/", "ht tp://x"):
        assert not is_uri(bad), bad


# --- signatures ------------------------------------------------------------------------------------


def test_65_byte_and_compact_signatures_recover_the_same_signer() -> None:
    text = _text()
    sig = _sign(text, 0)
    assert recover_signer(text, sig) == _address(0)
    assert recover_signer(text, _compact(sig)) == _address(0)
    assert recover_signer(text, bytes.fromhex(sig[2:])) == _address(0)
    assert recover_signer(text, bytes.fromhex(_compact(sig)[2:])) == _address(0)
    v0 = sig[:-2] + f"{int(sig[-2:], 16) - 27:02x}"  # v as 0/1, as some hardware wallets send it
    assert recover_signer(text, v0) == _address(0)
    assert recover_signer(text, sig.upper().replace("0X", "0x")) == _address(0)


def test_high_s_twin_of_a_valid_signature_is_refused() -> None:
    text = _text()
    raw = bytes.fromhex(_sign(text, 0)[2:])
    s = int.from_bytes(raw[32:64], "big")
    twin = raw[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([55 - raw[64]])  # 27 <-> 28
    with pytest.raises(InvalidSignature, match="high s"):
        recover_signer(text, "0x" + twin.hex())


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "0x",
        "0x1234",
        "00" * 65,  # no 0x
        "0X" + "11" * 65,
        "0x" + "11" * 63,
        "0x" + "11" * 66,
        "0x" + "gg" * 65,
        " 0x" + "11" * 65,
        "0x" + "00" * 64 + "1b",  # r = s = 0
        "0x" + "11" * 64 + "1d",  # v = 29
        b"\x11" * 63,
    ],
)
def test_malformed_signatures_are_invalid_signature(signature: str | bytes) -> None:
    with pytest.raises(InvalidSignature):
        recover_signer(_text(), signature)


def test_a_signature_by_another_account_is_a_signer_mismatch() -> None:
    text = _text()
    with pytest.raises(SignerMismatch) as caught:
        verify(text, _sign(text, 1))
    assert caught.value.expected == _address(0) and caught.value.recovered == _address(1)


def test_signature_vrs_reads_compact_parity() -> None:
    sig = _sign(_text(), 0)
    assert signature_vrs(sig) == signature_vrs(_compact(sig))


# --- properties ------------------------------------------------------------------------------------

_UNRESERVED = r"A-Za-z0-9._~\-"
_SUB = "!$&'()*+,;="
_PCHAR = f"(?:[{_UNRESERVED}{_SUB}:@]|%[0-9A-Fa-f]{{2}})"
_reg_name = st.from_regex(f"(?:[{_UNRESERVED}{_SUB}]|%[0-9a-f]{{2}}){{1,20}}", fullmatch=True)
_host = st.one_of(_reg_name, st.sampled_from(["[::1]", "[2001:db8::7]", "[v7.a:b]", "127.0.0.1"]))
_domain = st.builds(
    lambda user, host, port: f"{user}{host}{port}",
    st.one_of(st.just(""), st.from_regex(f"[{_UNRESERVED}{_SUB}:]{{0,8}}@", fullmatch=True)),
    _host,
    st.one_of(st.just(""), st.from_regex(":[0-9]{0,5}", fullmatch=True)),
)
_scheme = st.from_regex("[A-Za-z][A-Za-z0-9+.-]{0,8}", fullmatch=True)
_segment = st.from_regex(f"{_PCHAR}{{0,8}}", fullmatch=True)
_path = st.lists(_segment, max_size=4).map(lambda segs: "".join("/" + s for s in segs))
_query = st.from_regex(f"(?:{_PCHAR}|[/?]){{0,12}}", fullmatch=True)
_uri = st.builds(
    lambda scheme, hier, q, f: f"{scheme}:{hier}{q}{f}",
    _scheme,
    st.one_of(st.builds(lambda d, p: f"//{d}{p}", _domain, _path), st.from_regex(f"{_PCHAR}{{1,8}}", fullmatch=True)),
    st.one_of(st.just(""), _query.map(lambda q: "?" + q)),
    st.one_of(st.just(""), _query.map(lambda q: "#" + q)),
)
_time = st.builds(
    lambda dt, t, frac, second, off: f"{dt.year:04d}-{dt:%m-%d}{t}{dt:%H:%M}:{second}{frac}{off}",
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.sampled_from("Tt"),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,12}", fullmatch=True)),
    st.one_of(st.integers(0, 59).map(lambda s: f"{s:02d}"), st.just("60")),
    st.one_of(
        st.sampled_from(["Z", "z", "+00:00", "-00:00"]),
        st.from_regex("[+-](?:[01][0-9]|2[0-3]):[0-5][0-9]", fullmatch=True),
    ),
)
_statement_alphabet = "abcXYZ0189 -._~:/?#[]@!$&'()*+,;="
_valid_fields = st.fixed_dictionaries(
    {
        "domain": _domain,
        "address": st.binary(min_size=20, max_size=20).map(to_checksum_address),
        "uri": _uri,
        "chain_id": st.integers(0, 2**256 - 1),
        "nonce": st.from_regex("[A-Za-z0-9]{8,24}", fullmatch=True),
        "issued_at": _time,
    },
    optional={
        "statement": st.text(_statement_alphabet, max_size=40),
        "expiration_time": _time,
        "not_before": _time,
        "request_id": st.from_regex(f"{_PCHAR}{{0,12}}", fullmatch=True),
        "resources": st.lists(_uri, max_size=3),
        "scheme": _scheme,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_valid_fields)
def test_writer_and_parser_agree_for_every_field_combination(fields: dict[str, Any]) -> None:
    msg = SiweMessage(**fields)
    text = msg.to_text()
    parsed = SiweMessage.parse(text)
    assert parsed == msg, text
    assert parsed.to_text() == text


_any_text = st.text(st.characters(codec="utf-8"), max_size=12) | st.text("aZ9 :/@%-.\r\n\t\"'٣²Tz+", max_size=12)


@settings(max_examples=300, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "domain": _any_text,
            "uri": _any_text,
            "statement": _any_text,
            "nonce": _any_text,
            "issued_at": _any_text,
            "request_id": _any_text,
            "scheme": _any_text,
            "resources": st.lists(_any_text, max_size=2),
        },
    )
)
def test_any_field_value_is_refused_by_the_writer_or_read_back_equal(over: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "domain": "hub.test",
        "address": _address(0),
        "uri": "https://hub.test",
        "chain_id": 1,
        "nonce": "abcdefgh1",
        "issued_at": "2024-05-01T12:00:00Z",
        **over,
    }
    try:
        msg = SiweMessage(**fields)
    except MalformedMessage:
        return
    assert SiweMessage.parse(msg.to_text()) == msg


_BASE_TEXT = base_message(_address(0), "abcdefgh1", ISSUED, ISSUED + timedelta(minutes=5)).to_text()


@settings(max_examples=400, deadline=None)
@given(st.integers(0, len(_BASE_TEXT)), st.integers(0, 3), st.text(st.characters(codec="utf-8"), max_size=3))
def test_parsing_any_edit_of_a_message_raises_only_siwe_errors(at: int, cut: int, insert: str) -> None:
    text = _BASE_TEXT[:at] + insert + _BASE_TEXT[at + cut :]
    try:
        msg = SiweMessage.parse(text)
    except SiweError:
        return
    assert SiweMessage.parse(msg.to_text()) == msg
