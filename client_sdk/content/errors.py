"""Errors of the content package; all subclass :class:`client_sdk.errors.HubError`."""

from __future__ import annotations

from client_sdk.errors import HubError


class ContentError(HubError):
    """Root of every content (CID, store, CAR, encryption) error."""


class InvalidCID(ContentError, ValueError):
    """Text or bytes that are not a CID this hub understands."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(
            f"{value!r} is not a valid CID: {reason}. Expect a CIDv0 (Qm…, base58btc) or a CIDv1 in base32 (b…)."
        )


class UnsupportedHash(ContentError, ValueError):
    """A CID whose multihash is not sha2-256, so this hub cannot verify its blocks."""


class NotAFile(ContentError, ValueError):
    """A path is missing, or is a folder where a file is expected."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        super().__init__(f"{path}: {reason}; pass the path of a regular file.")


class BlockNotFound(ContentError, LookupError):
    """The store does not hold a block (or the root of a DAG) with this CID."""

    def __init__(self, cid: object, where: str = "the content store") -> None:
        self.cid = cid
        super().__init__(f"{where} does not hold {cid}; add the content first (`copyright-hub content add FILE`).")


class CorruptBlock(ContentError):
    """A stored block does not hash to its CID: storage is corrupted; nothing from it is served."""

    def __init__(self, cid: object, where: str) -> None:
        self.cid = cid
        self.where = where
        super().__init__(
            f"block {cid} in {where} does not match its hash: the storage is corrupted. Nothing was served; "
            "delete the block and re-add the original file (or import it again from a CAR)."
        )


class MalformedDAG(ContentError, ValueError):
    """A block hashes correctly but is not a UnixFS file node this hub can read."""


class StoreUnavailable(ContentError, ConnectionError):
    """A remote store (kubo) did not answer, or answered with an error."""


class CarError(ContentError, ValueError):
    """A CAR file is malformed, truncated, or holds a block that does not match its CID."""


class CryptoError(ContentError):
    """Root of the encrypted-master errors."""


class WrongKey(CryptoError, ValueError):
    """The key does not open this ciphertext (or this wrapped key)."""


class TamperedCiphertext(CryptoError, ValueError):
    """A chunk failed authentication, is out of order, or the header was changed."""


class TruncatedCiphertext(CryptoError, ValueError):
    """The ciphertext ends before its authenticated final chunk."""


class NotPublishable(ContentError, TypeError):
    """The content store keeps no record of what is public, so nothing in it can be published."""

    def __init__(self, store: object) -> None:
        super().__init__(
            f"{type(store).__name__} keeps no record of what is public, so the gateway would not serve "
            "what was published; use the local content store (--content-dir) or a kubo node for public objects"
        )


class InvalidISCC(ContentError, ValueError):
    """Text that is not a 64-bit ISCC Content- (video, audio, image), Data- or Instance-Code unit, or two
    units of different types compared with each other."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(
            f"{value!r} is not a usable ISCC code: {reason}. Pass one unit as `copyright-hub similar FILE` "
            "prints it (ISCC:EMA… video, ISCC:EIA… audio, ISCC:EEA… image, ISCC:GAA… data)."
        )


class MediaError(ContentError, ValueError):
    """A file ffmpeg cannot read as video, audio or image, or media with nothing in it (zero length)."""

    def __init__(self, path: object, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(
            f"{path}: {reason}. A Content-Code needs a video, audio or image file ffmpeg can decode; "
            "pass another file (`ffprobe FILE` shows what ffmpeg sees)."
        )


class MediaToolMissing(ContentError, FileNotFoundError):
    """``ffmpeg``/``ffprobe`` is not installed, so no Content-Code can be computed."""

    def __init__(self, tool: str) -> None:
        self.tool = tool
        super().__init__(
            f"{tool} is not installed, so no ISCC Content-Code can be computed: install Debian's ffmpeg "
            f"(`sudo apt-get install ffmpeg`, or `make` does it) or set COPYRIGHT_HUB_{tool.upper()} to the binary."
        )
