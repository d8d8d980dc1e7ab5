"""Content: IPFS-compatible CIDs, block stores (local and kubo), CAR files and encrypted masters.

The names load on first use (PEP 562): computing a CID does not import the crypto or kubo modules.

>>> from client_sdk.content import compute_cid
>>> str(compute_cid(b""))
'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names, eagerly, for type checkers
    from .car import car_chunks, export_car, import_car, read_car
    from .cid import CHUNK_SIZE, CID, MAX_LINKS, ImportResult, cid_of_bytes, compute_cid, import_stream
    from .crypto import (
        EncryptedMaster,
        EncryptResult,
        WrappedKey,
        decrypt_file,
        decrypt_stream,
        encrypt_file,
        encrypt_stream,
        new_content_key,
        unwrap_key,
        wrap_key,
    )
    from .errors import (
        BlockNotFound,
        CarError,
        ContentError,
        CorruptBlock,
        CryptoError,
        InvalidCID,
        MalformedDAG,
        NotAFile,
        NotPublishable,
        StoreUnavailable,
        TamperedCiphertext,
        TruncatedCiphertext,
        UnsupportedHash,
        WrongKey,
    )
    from .kubo import KuboStore
    from .store import ContentStore, DagReader, LocalBlockStore, PublishingStore, is_published, publish

#: Each public name and the submodule that defines it; the names load when first used.
_EXPORTS: dict[str, str] = {
    "car_chunks": "car",
    "export_car": "car",
    "import_car": "car",
    "read_car": "car",
    "CHUNK_SIZE": "cid",
    "CID": "cid",
    "MAX_LINKS": "cid",
    "ImportResult": "cid",
    "cid_of_bytes": "cid",
    "compute_cid": "cid",
    "import_stream": "cid",
    "EncryptedMaster": "crypto",
    "EncryptResult": "crypto",
    "WrappedKey": "crypto",
    "decrypt_file": "crypto",
    "decrypt_stream": "crypto",
    "encrypt_file": "crypto",
    "encrypt_stream": "crypto",
    "new_content_key": "crypto",
    "unwrap_key": "crypto",
    "wrap_key": "crypto",
    "BlockNotFound": "errors",
    "CarError": "errors",
    "ContentError": "errors",
    "CorruptBlock": "errors",
    "CryptoError": "errors",
    "InvalidCID": "errors",
    "MalformedDAG": "errors",
    "NotAFile": "errors",
    "NotPublishable": "errors",
    "StoreUnavailable": "errors",
    "TamperedCiphertext": "errors",
    "TruncatedCiphertext": "errors",
    "UnsupportedHash": "errors",
    "WrongKey": "errors",
    "KuboStore": "kubo",
    "ContentStore": "store",
    "DagReader": "store",
    "LocalBlockStore": "store",
    "PublishingStore": "store",
    "is_published": "store",
    "publish": "store",
}

__all__ = [
    "CHUNK_SIZE",
    "CID",
    "MAX_LINKS",
    "BlockNotFound",
    "CarError",
    "ContentError",
    "ContentStore",
    "CorruptBlock",
    "CryptoError",
    "DagReader",
    "EncryptResult",
    "EncryptedMaster",
    "ImportResult",
    "InvalidCID",
    "KuboStore",
    "LocalBlockStore",
    "MalformedDAG",
    "NotAFile",
    "NotPublishable",
    "PublishingStore",
    "StoreUnavailable",
    "TamperedCiphertext",
    "TruncatedCiphertext",
    "UnsupportedHash",
    "WrappedKey",
    "WrongKey",
    "car_chunks",
    "cid_of_bytes",
    "compute_cid",
    "decrypt_file",
    "decrypt_stream",
    "encrypt_file",
    "encrypt_stream",
    "export_car",
    "import_car",
    "import_stream",
    "is_published",
    "new_content_key",
    "publish",
    "read_car",
    "unwrap_key",
    "wrap_key",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
