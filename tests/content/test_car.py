"""CAR v1 export/import: round trips, header bytes, corruption and truncation."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from client_sdk.content import CHUNK_SIZE, CarError, LocalBlockStore, export_car, import_car, read_car
from client_sdk.content.car import encode_header

DATA = b"\x07" * (2 * CHUNK_SIZE + 99)


def test_header_is_the_dag_cbor_of_roots_and_version(store: LocalBlockStore) -> None:
    cid = store.add(b"x")
    header = encode_header([cid])
    # a2 (map of 2) 65 "roots" 81 (array of 1) d8 2a (tag 42) 58 23 (bytes, 35) 00 <cid> 67 "version" 01
    assert header == b"\xa2\x65roots\x81\xd8\x2a\x58\x23\x00" + cid.to_bytes() + b"\x67version\x01"


@pytest.mark.parametrize("version", [0, 1])
def test_car_round_trip_into_an_empty_store(store: LocalBlockStore, tmp_path, version: int) -> None:
    cid = store.add(DATA, version)
    buf = io.BytesIO()
    export_car(store, cid, buf)
    other = LocalBlockStore(tmp_path / "other")
    assert import_car(other, io.BytesIO(buf.getvalue())) == [cid]
    assert b"".join(other.cat(cid)) == DATA
    roots, blocks = read_car(io.BytesIO(buf.getvalue()))
    assert roots == [cid]
    # depth-first, each distinct block once (dups=n): the DAG's walk with repeats dropped
    assert [c for c, _ in blocks] == list(dict.fromkeys(c for c, _ in store.blocks(cid)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_car_round_trip_any_bytes(store: LocalBlockStore, tmp_path_factory, data: bytes) -> None:
    cid = store.add(data, 1)
    buf = io.BytesIO()
    export_car(store, cid, buf)
    other = LocalBlockStore(tmp_path_factory.mktemp("o"))
    import_car(other, io.BytesIO(buf.getvalue()))
    assert b"".join(other.cat(cid)) == data


def test_corrupted_or_truncated_car_imports_nothing(store: LocalBlockStore, tmp_path) -> None:
    cid = store.add(DATA)
    buf = io.BytesIO()
    export_car(store, cid, buf)
    car = bytearray(buf.getvalue())
    flipped = bytearray(car)
    flipped[-10] ^= 0xFF
    other = LocalBlockStore(tmp_path / "other")
    with pytest.raises(CarError, match="does not match its CID"):
        import_car(other, io.BytesIO(bytes(flipped)))
    with pytest.raises(CarError, match="truncated"):
        import_car(other, io.BytesIO(bytes(car[:-5])))
    assert not [p for p in (other.root / "blocks").rglob("*") if p.is_file()]
    with pytest.raises(CarError, match="not a CAR"):
        import_car(other, io.BytesIO(b""))
    import_car(other, io.BytesIO(bytes(car)))  # the same look finds blocks after a good import
    assert [p for p in (other.root / "blocks").rglob("*") if p.is_file()]
