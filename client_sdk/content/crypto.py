"""Encrypted masters: chunked AES-256-GCM with a key wrapped per licensee (X25519).

Ciphertext format (version 1)::

    header  = b"CHEM" | version (1 byte, 1) | chunk_size (u32 BE) | nonce_prefix (4 random bytes)
              | key_check (32 bytes: HMAC-SHA256 under a key derived from the content key, over the
                13 bytes before it)
    chunk i = AES-256-GCM(enc_key, nonce = nonce_prefix | i (u64 BE),
                          data = plaintext[i*chunk_size : (i+1)*chunk_size],
                          aad  = header | i (u64 BE) | final (1 byte: 1 on the last chunk, else 0))
              -> ciphertext | 16-byte tag

Every chunk has its own nonce and tag; its position and whether it is the last are bound in as
associated data, so reordering, dropping or appending chunks and cutting the stream short all fail
authentication. There is always a final chunk (empty for an empty file). ``key_check`` tells a wrong
key apart from tampering. Both keys come from the 32-byte content key by HKDF-SHA256 (RFC 5869, no
salt, 32 bytes out): ``enc_key`` with info ``b"CHEM enc"``, the check key with info ``b"CHEM key check"``.

Key wrapping (per licensee): an ephemeral X25519 key agrees a secret with the licensee's public key;
HKDF-SHA256 (salt = ephemeral public | recipient public, info names the scheme and the work) makes
the key-encryption key; AES-256-GCM seals the 32-byte content key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import CryptoError, TamperedCiphertext, TruncatedCiphertext, WrongKey

MAGIC = b"CHEM"
VERSION = 1
DEFAULT_CHUNK_SIZE = 1 << 20
TAG = 16
HEADER_LEN = 4 + 1 + 4 + 4 + 32
KEY_LEN = 32
_WRAP_INFO = b"copyright-hub/x25519-hkdf-sha256-aes256gcm/v1"


def new_content_key() -> bytes:
    """A fresh random 256-bit content key."""
    return AESGCM.generate_key(bit_length=256)


def _hkdf(key: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_LEN:
        raise WrongKey("the content key must be 32 bytes (AES-256); check you passed the unwrapped key")


def _key_check(key: bytes, head13: bytes) -> bytes:
    return hmac.new(_hkdf(key, b"CHEM key check"), head13, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class EncryptResult:
    """What encrypting a master produced: the plaintext's sha256 (provenance) and sizes."""

    plaintext_sha256: str
    plaintext_size: int
    ciphertext_size: int


def _read_full(src: BinaryIO, n: int) -> bytes:
    parts = []
    left = n
    while left:
        data = src.read(left)
        if not data:
            break
        parts.append(data)
        left -= len(data)
    return b"".join(parts)


def encrypt_stream(
    src: BinaryIO,
    dst: BinaryIO,
    key: bytes,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> EncryptResult:
    """Encrypt ``src`` into ``dst`` chunk by chunk (memory: two chunks)."""
    _check_key(key)
    if not 1 <= chunk_size < 1 << 32:
        raise ValueError("chunk_size must fit in 32 bits")
    head13 = MAGIC + bytes((VERSION,)) + struct.pack(">I", chunk_size) + os.urandom(4)
    header = head13 + _key_check(key, head13)
    aead = AESGCM(_hkdf(key, b"CHEM enc"))
    prefix = head13[9:13]
    dst.write(header)
    digest = hashlib.sha256()
    size = len(header)
    plain = 0
    index = 0
    current = _read_full(src, chunk_size)
    while True:
        following = _read_full(src, chunk_size) if len(current) == chunk_size else b""
        final = not following
        pos = struct.pack(">Q", index)
        digest.update(current)
        sealed = aead.encrypt(prefix + pos, current, header + pos + (b"\x01" if final else b"\x00"))
        dst.write(sealed)
        size += len(sealed)
        plain += len(current)
        if on_progress is not None:
            on_progress(len(current))
        if final:
            break
        current = following
        index += 1
    return EncryptResult(digest.hexdigest(), plain, size)


def decrypt_stream(
    src: BinaryIO, dst: BinaryIO, key: bytes, *, on_progress: Callable[[int], None] | None = None
) -> int:
    """Decrypt and authenticate ``src`` into ``dst``; returns the plaintext size.

    Raises :class:`WrongKey`, :class:`TamperedCiphertext` or :class:`TruncatedCiphertext`. Chunks are
    written only after their tag checks; on error, discard whatever ``dst`` received (the CLI writes to
    a temporary file and renames it only on success).
    """
    _check_key(key)
    header = _read_full(src, HEADER_LEN)
    if len(header) < HEADER_LEN:
        raise TruncatedCiphertext("the encrypted master is shorter than its header; re-download it")
    if header[:4] != MAGIC or header[4] != VERSION:
        raise TamperedCiphertext("not a Copyright Hub encrypted master (bad magic or version)")
    if not hmac.compare_digest(header[13:], _key_check(key, header[:13])):
        raise WrongKey(
            "this key does not open the master (or its header was changed); use the content key released for this work"
        )
    chunk_size = struct.unpack(">I", header[5:9])[0]
    aead = AESGCM(_hkdf(key, b"CHEM enc"))
    prefix = header[9:13]
    sealed_size = chunk_size + TAG
    index = 0
    total = 0
    current = _read_full(src, sealed_size)
    while True:
        following = _read_full(src, sealed_size) if len(current) == sealed_size else b""
        final = not following
        pos = struct.pack(">Q", index)
        if len(current) < TAG:
            raise TruncatedCiphertext(f"the encrypted master ends inside chunk {index}; re-download it")
        try:
            plain = aead.decrypt(prefix + pos, current, header + pos + (b"\x01" if final else b"\x00"))
        except InvalidTag:
            if final and _opens_as_middle(aead, prefix + pos, current, header + pos):
                raise TruncatedCiphertext(
                    f"the encrypted master stops after chunk {index}, which is not its last; re-download it"
                ) from None
            raise TamperedCiphertext(
                f"chunk {index} failed authentication: the master was changed, reordered or cut; "
                "do not use it, fetch it again by its CID"
            ) from None
        dst.write(plain)
        total += len(plain)
        if on_progress is not None:
            on_progress(len(plain))
        if final:
            return total
        current = following
        index += 1


def _opens_as_middle(aead: AESGCM, nonce: bytes, sealed: bytes, aad_base: bytes) -> bool:
    try:
        aead.decrypt(nonce, sealed, aad_base + b"\x00")
    except InvalidTag:
        return False
    return True


# -- key wrapping -----------------------------------------------------------------------------------


def _raw_public(key: X25519PublicKey | bytes) -> bytes:
    if isinstance(key, X25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    if len(key) != 32:
        raise CryptoError("an X25519 public key is 32 bytes")
    return bytes(key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A content key sealed for one licensee's X25519 public key."""

    ephemeral_public: bytes
    recipient_public: bytes
    nonce: bytes
    ciphertext: bytes
    context: str = ""
    scheme: str = "x25519-hkdf-sha256-aes256gcm-v1"

    def to_json(self) -> dict[str, str]:
        return {
            "scheme": self.scheme,
            "context": self.context,
            "ephemeral_public": _b64(self.ephemeral_public),
            "recipient_public": _b64(self.recipient_public),
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WrappedKey:
        try:
            if data["scheme"] != "x25519-hkdf-sha256-aes256gcm-v1":
                raise CryptoError(f"unknown key wrapping scheme {data['scheme']!r}")
            return cls(
                _unb64(data["ephemeral_public"]),
                _unb64(data["recipient_public"]),
                _unb64(data["nonce"]),
                _unb64(data["ciphertext"]),
                data.get("context", ""),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CryptoError(f"malformed wrapped key: {exc}") from None


def _kek(shared: bytes, eph: bytes, recipient: bytes, context: str) -> bytes:
    return _hkdf(shared, _WRAP_INFO + b"|" + context.encode(), salt=eph + recipient)


def wrap_key(content_key: bytes, recipient: X25519PublicKey | bytes, *, context: str = "") -> WrappedKey:
    """Seal ``content_key`` so only the holder of ``recipient``'s private key can open it.
    ``context`` (e.g. ``"work:42"``) is bound in: the wrapped key cannot be passed off for another."""
    _check_key(content_key)
    recipient_raw = _raw_public(recipient)
    eph = X25519PrivateKey.generate()
    eph_raw = _raw_public(eph.public_key())
    shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_raw))
    nonce = os.urandom(12)
    aad = _WRAP_INFO + b"|" + context.encode()
    sealed = AESGCM(_kek(shared, eph_raw, recipient_raw, context)).encrypt(nonce, content_key, aad)
    return WrappedKey(eph_raw, recipient_raw, nonce, sealed, context)


def unwrap_key(wrapped: WrappedKey, private_key: X25519PrivateKey, *, context: str | None = None) -> bytes:
    """Open a wrapped content key with the licensee's X25519 private key. Raises :class:`WrongKey`."""
    own = _raw_public(private_key.public_key())
    if own != wrapped.recipient_public:
        raise WrongKey("this wrapped key was made for another X25519 key; use the key you registered")
    if context is not None and context != wrapped.context:
        raise WrongKey(f"this wrapped key is for {wrapped.context!r}, not {context!r}")
    shared = private_key.exchange(X25519PublicKey.from_public_bytes(wrapped.ephemeral_public))
    aad = _WRAP_INFO + b"|" + wrapped.context.encode()
    try:
        return AESGCM(_kek(shared, wrapped.ephemeral_public, own, wrapped.context)).decrypt(
            wrapped.nonce, wrapped.ciphertext, aad
        )
    except InvalidTag:
        raise WrongKey("the wrapped key does not open with this private key (or it was altered)") from None


# -- whole files ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EncryptedMaster:
    """What a registration records for an encrypted master."""

    plaintext_sha256: str  # provenance: the digest of the original file
    ciphertext_cid: str  # distribution: the CID of the encrypted file (as `ipfs add` would give)
    plaintext_size: int
    ciphertext_size: int


def encrypt_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    key: bytes,
    *,
    cid_version: int = 0,
    store: Any = None,
    on_progress: Callable[[int], None] | None = None,
) -> EncryptedMaster:
    """Encrypt ``src`` to ``dst`` (written to a temporary file and renamed: never left half-written),
    then take the ciphertext's CID (adding it to ``store`` if one is given)."""
    from pathlib import Path

    from .cid import compute_cid, open_regular_file

    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.partial")
    try:
        with open_regular_file(src) as fin, open(tmp, "wb") as fout:
            result = encrypt_stream(fin, fout, key, on_progress=on_progress)
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()
    cid = store.add(dst, cid_version) if store is not None else compute_cid(dst, cid_version)
    return EncryptedMaster(result.plaintext_sha256, str(cid), result.plaintext_size, result.ciphertext_size)


def decrypt_file(src: str | os.PathLike[str], dst: str | os.PathLike[str], key: bytes) -> int:
    """Decrypt ``src`` to ``dst``; ``dst`` appears only if every chunk authenticated."""
    from pathlib import Path

    from .cid import open_regular_file

    dst = Path(dst)
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.partial")
    try:
        with open_regular_file(src) as fin, open(tmp, "wb") as fout:
            n = decrypt_stream(fin, fout, key)
        os.replace(tmp, dst)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n
