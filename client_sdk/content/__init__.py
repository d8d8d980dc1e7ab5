"""Content: IPFS-compatible CIDs, block stores (local and kubo), CAR files and encrypted masters.

>>> from client_sdk.content import compute_cid
>>> str(compute_cid(b""))
'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'
"""

from __future__ import annotations

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
