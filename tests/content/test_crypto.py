"""Encrypted masters: round trips, and tampering, truncation, reordering and wrong keys all caught."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk.content import (
    CryptoError,
    LocalBlockStore,
    TamperedCiphertext,
    TruncatedCiphertext,
    WrappedKey,
    WrongKey,
    compute_cid,
    decrypt_file,
    decrypt_stream,
    encrypt_file,
    encrypt_stream,
    new_content_key,
    unwrap_key,
    wrap_key,
)
from client_sdk.content.crypto import HEADER_LEN, TAG
from client_sdk.errors import HubError

CHUNK = 64  # small chunks so a few hundred bytes span many of them


def _encrypt(data: bytes, key: bytes, chunk: int = CHUNK) -> bytes:
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(data), out, key, chunk_size=chunk)
    return out.getvalue()


def _decrypt(blob: bytes, key: bytes) -> bytes:
    out = io.BytesIO()
    decrypt_stream(io.BytesIO(blob), out, key)
    return out.getvalue()


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=1000), chunk=st.integers(1, 300))
def test_round_trip_any_bytes_any_chunk_size(data: bytes, chunk: int) -> None:
    key = new_content_key()
    blob = _encrypt(data, key, chunk)
    assert _decrypt(blob, key) == data
    chunks = max(1, -(-len(data) // chunk))  # the last full chunk is the final one; empty data: one
    assert len(blob) == HEADER_LEN + len(data) + TAG * chunks


def test_errors_are_hub_errors() -> None:
    for cls in (WrongKey, TamperedCiphertext, TruncatedCiphertext):
        assert issubclass(cls, CryptoError) and issubclass(cls, HubError)


def test_wrong_key() -> None:
    blob = _encrypt(b"master" * 100, new_content_key())
    with pytest.raises(WrongKey, match="does not open"):
        _decrypt(blob, new_content_key())


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_any_flipped_byte_is_detected(data: st.DataObject) -> None:
    key = new_content_key()
    blob = bytearray(_encrypt(b"\x00" * 500, key))
    i = data.draw(st.integers(0, len(blob) - 1))
    blob[i] ^= data.draw(st.integers(1, 255))
    # magic and version: not our format; chunk size, nonce prefix and key check: the key check fails
    # (it covers them); anything in a chunk: that chunk's tag fails
    expected = TamperedCiphertext if i < 5 or i >= HEADER_LEN else WrongKey
    with pytest.raises(CryptoError) as info:
        _decrypt(bytes(blob), key)
    assert type(info.value) is expected, (i, info.value)


def test_flipped_body_byte_is_tampered() -> None:
    key = new_content_key()
    blob = bytearray(_encrypt(b"a" * 500, key))
    blob[HEADER_LEN + 100] ^= 1
    with pytest.raises(TamperedCiphertext, match="chunk 1 failed authentication"):
        _decrypt(bytes(blob), key)


def test_reordered_chunks_are_tampered() -> None:
    key = new_content_key()
    blob = _encrypt(bytes(range(200)), key)
    size = CHUNK + TAG
    body = blob[HEADER_LEN:]
    c0, c1, rest = body[:size], body[size : 2 * size], body[2 * size :]
    with pytest.raises(TamperedCiphertext):
        _decrypt(blob[:HEADER_LEN] + c1 + c0 + rest, key)


def test_truncated_at_a_chunk_boundary() -> None:
    key = new_content_key()
    blob = _encrypt(bytes(500), key)
    cut = HEADER_LEN + 3 * (CHUNK + TAG)
    with pytest.raises(TruncatedCiphertext, match="not its last"):
        _decrypt(blob[:cut], key)


@pytest.mark.parametrize("cut", [0, 10, HEADER_LEN, HEADER_LEN + 5])
def test_truncated_header_or_inside_a_chunk(cut: int) -> None:
    key = new_content_key()
    blob = _encrypt(bytes(500), key)
    with pytest.raises(TruncatedCiphertext, match="re-download it"):
        _decrypt(blob[:cut], key)


def test_appended_chunk_is_detected() -> None:
    key = new_content_key()
    blob = _encrypt(bytes(200), key)
    with pytest.raises(TamperedCiphertext):
        _decrypt(blob + blob[HEADER_LEN : HEADER_LEN + CHUNK + TAG], key)


def test_encrypt_file_records_plaintext_digest_and_ciphertext_cid(tmp_path: Path) -> None:
    src = tmp_path / "master.mov"
    src.write_bytes(b"frame" * 300_000)
    key = new_content_key()
    store = LocalBlockStore(tmp_path / "store")
    rec = encrypt_file(src, tmp_path / "master.mov.chem", key, store=store)
    assert rec.plaintext_sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
    assert rec.ciphertext_cid == str(compute_cid(tmp_path / "master.mov.chem"))
    assert store.has(rec.ciphertext_cid)
    decrypt_file(tmp_path / "master.mov.chem", tmp_path / "out.mov", key)
    assert (tmp_path / "out.mov").read_bytes() == src.read_bytes()


def test_decrypt_file_leaves_no_output_on_error(tmp_path: Path) -> None:
    src = tmp_path / "m"
    src.write_bytes(b"x" * 3_000_000)
    key = new_content_key()
    encrypt_file(src, tmp_path / "m.chem", key)
    blob = bytearray((tmp_path / "m.chem").read_bytes())
    blob[-100] ^= 1
    (tmp_path / "m.chem").write_bytes(bytes(blob))
    with pytest.raises(TamperedCiphertext):
        decrypt_file(tmp_path / "m.chem", tmp_path / "out", key)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "m.chem"]


def test_wrap_and_unwrap_for_a_licensee() -> None:
    key = new_content_key()
    licensee = X25519PrivateKey.generate()
    wrapped = wrap_key(key, licensee.public_key(), context="work:7")
    again = WrappedKey.from_json(wrapped.to_json())
    assert unwrap_key(again, licensee, context="work:7") == key


def test_unwrap_with_another_key_or_context_or_altered_is_wrong_key() -> None:
    key = new_content_key()
    licensee = X25519PrivateKey.generate()
    wrapped = wrap_key(key, licensee.public_key(), context="work:7")
    with pytest.raises(WrongKey, match="another X25519 key"):
        unwrap_key(wrapped, X25519PrivateKey.generate())
    with pytest.raises(WrongKey):
        unwrap_key(wrapped, licensee, context="work:8")
    forged = WrappedKey(wrapped.ephemeral_public, wrapped.recipient_public, wrapped.nonce, wrapped.ciphertext, "work:8")
    with pytest.raises(WrongKey):
        unwrap_key(forged, licensee)
    altered = WrappedKey(wrapped.ephemeral_public, wrapped.recipient_public, wrapped.nonce, bytes(48), wrapped.context)
    with pytest.raises(WrongKey):
        unwrap_key(altered, licensee)


def test_known_answer_from_the_documented_format() -> None:
    """Open the format with nothing but the module docstring and `cryptography`'s primitives: derive the
    keys by HKDF, check the header's key check, and decrypt chunks with AESGCM from the documented nonce
    and associated data. An identity "cipher" with tags, or any other layout, fails here."""
    import hmac
    import struct

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = bytes(range(32))
    chunk = 64
    plaintext = b"a recognisable plaintext line. " * 5  # 155 bytes: chunks of 64, 64 and 27
    out = io.BytesIO()
    encrypt_stream(io.BytesIO(plaintext), out, key, chunk_size=chunk)
    blob = out.getvalue()

    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key)

    header, body = blob[:45], blob[45:]
    assert header[:4] == b"CHEM" and header[4] == 1 and struct.unpack(">I", header[5:9]) == (chunk,)
    assert header[13:] == hmac.new(hkdf(b"CHEM key check"), header[:13], hashlib.sha256).digest()
    sealed = [body[: chunk + 16], body[chunk + 16 : 2 * (chunk + 16)], body[2 * (chunk + 16) :]]
    assert [len(s) for s in sealed] == [chunk + 16, chunk + 16, 27 + 16]

    aead = AESGCM(hkdf(b"CHEM enc"))
    prefix = header[9:13]
    opened = [
        aead.decrypt(prefix + struct.pack(">Q", i), s, header + struct.pack(">Q", i) + (b"\x01" if i == 2 else b"\x00"))
        for i, s in enumerate(sealed)
    ]
    assert b"".join(opened) == plaintext
    # the middle chunk alone, as a reader would check one chunk of a large master
    assert aead.decrypt(prefix + struct.pack(">Q", 1), sealed[1], header + struct.pack(">Q", 1) + b"\x00") == (
        plaintext[chunk : 2 * chunk]
    )

    # no stretch of the plaintext (not even 8 bytes) shows through
    assert all(plaintext[i : i + 8] not in blob for i in range(len(plaintext) - 8))
