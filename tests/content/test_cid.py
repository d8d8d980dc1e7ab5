"""CIDs: ours against the independent JS importer (ipfs-unixfs-importer) at kubo's settings."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from client_sdk.content import CHUNK_SIZE, CID, InvalidCID, NotAFile, compute_cid, import_stream
from client_sdk.content._multiformats import b32decode, b32encode, b58decode, b58encode, read_varint, varint

from .conftest import ReferenceCids

# Edge sizes: empty, one byte, one chunk minus/exactly/plus one, a few chunks, exactly one full node
# of 174 leaves, and more leaves than fit one node (a two-level tree).
EDGE_SIZES = [
    0,
    1,
    CHUNK_SIZE - 1,
    CHUNK_SIZE,
    CHUNK_SIZE + 1,
    3 * CHUNK_SIZE + 5,
    174 * CHUNK_SIZE,
    174 * CHUNK_SIZE + 1,
]


def _write(path: Path, size: int, seed: int) -> Path:
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


@pytest.fixture(scope="module")
def edge_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    d = tmp_path_factory.mktemp("edge")
    return [_write(d / f"f{size}", size, size) for size in EDGE_SIZES]


@pytest.mark.parametrize("version", [0, 1])
def test_cid_matches_independent_importer_at_edge_sizes(
    version: int, edge_files: list[Path], reference_cids: ReferenceCids
) -> None:
    expected = reference_cids(version, edge_files)
    ours = [str(compute_cid(p, version)) for p in edge_files]
    assert ours == expected


def test_known_kubo_cids_of_the_empty_file() -> None:
    # What `ipfs add` and `ipfs add --cid-version 1` print for an empty file.
    assert str(compute_cid(b"")) == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    assert str(compute_cid(b"", 1)) == "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"


@pytest.mark.parametrize("version", [0, 1])
def test_deep_trees_match_with_tiny_chunks_and_fanout(
    version: int, tmp_path: Path, reference_cids: ReferenceCids
) -> None:
    # Chunks of 16 bytes and 3 links per node make trees 3-5 levels deep from a few hundred bytes,
    # exercising the same level-by-level code that a >7.9 GB file needs at kubo's settings.
    sizes = [0, 1, 16, 17, 48, 49, 144, 145, 16 * 27, 16 * 27 + 5, 16 * 81 + 1, 2000]
    files = [_write(tmp_path / f"t{s}", s, s + 7) for s in sizes]
    expected = reference_cids(version, files, chunk_size=16, max_links=3)
    ours = []
    for f in files:
        with f.open("rb") as fh:
            ours.append(str(import_stream(fh, version, chunk_size=16, max_links=3).cid))
    assert ours == expected


class _ShortReads(io.RawIOBase):
    """A stream that hands out at most ``step`` bytes per read, like a pipe."""

    def __init__(self, data: bytes, step: int) -> None:
        self._buf = io.BytesIO(data)
        self._step = step

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[no-untyped-def, override]
        chunk = self._buf.read(min(len(b), self._step))
        b[: len(chunk)] = chunk
        return len(chunk)


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=5000), step=st.integers(1, 700), version=st.sampled_from([0, 1]))
def test_short_reads_give_the_same_cid(data: bytes, step: int, version: int) -> None:
    a = import_stream(io.BytesIO(data), version, chunk_size=64, max_links=4)
    b = import_stream(_ShortReads(data, step), version, chunk_size=64, max_links=4)  # type: ignore[arg-type]
    assert a.cid == b.cid
    assert a.size == b.size == len(data)


@settings(max_examples=50)
@given(st.binary(max_size=80))
def test_base_encodings_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    assert b32decode(b32encode(data)) == data


@given(st.integers(0, 2**63))
def test_varint_round_trip(n: int) -> None:
    assert read_varint(varint(n)) == (n, len(varint(n)))


@pytest.mark.parametrize("version", [0, 1])
def test_cid_text_and_binary_round_trip(version: int) -> None:
    cid = compute_cid(b"hello world " * 50_000, version)
    assert CID.parse(str(cid)) == cid
    assert CID.from_bytes(cid.to_bytes()) == cid
    assert str(cid).startswith("Qm" if version == 0 else "bafy")


@pytest.mark.parametrize(
    "text",
    ["", "hello", "Qm" + "0" * 44, "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQ", "bafy!!", "bafkrei", "x123"],
)
def test_malformed_cid_is_a_clear_error(text: str) -> None:
    with pytest.raises(InvalidCID, match="not a valid CID"):
        CID.parse(text)


def test_missing_path_and_folder_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(NotAFile, match="no such file"):
        compute_cid(tmp_path / "nope.mp4")
    with pytest.raises(NotAFile, match="is a folder"):
        compute_cid(tmp_path)
