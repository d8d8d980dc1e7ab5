"""Every uint256 is a string in JSON (DESIGN: "so JavaScript clients read it exactly"), held to the ABI.

The rule (:mod:`api.models`): an integer the ABI declares wider than 53 bits (uint256 ids, amounts,
nonces, counters; uint96 prices) is kept as ``U256`` in the mirror and served as a decimal string; a
narrower one (times, block numbers, caps, codes) stays a JSON number. Two walks hold it:

- every event argument a table declaration reads into a column (``__events__``) that the ABI declares
  wider than 53 bits lands in a ``U256`` column;
- every property of every schema the API answers with, whose name the ABI gives only wide integers
  (``work_id``, ``licence_id``, ``price``, ``amount``...) or that is a ``U256`` column of a served table,
  is ``type: string`` with the uint256 pattern in OpenAPI.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.main import create_app
from api.models import UINT256_PATTERN
from api.resources import RESOURCES
from api.settings import Settings
from client_sdk import shapes
from indexer import models as m
from indexer.db import make_engine, migrate
from indexer.tables._base import HistoryTable, StateTable, tables_of

#: integers JSON numbers carry exactly in JavaScript (2^53 - 1 is Number.MAX_SAFE_INTEGER)
SAFE_BITS = 53


def _bits(abi_type: str) -> int | None:
    found = re.fullmatch(r"u?int(\d*)(\[\d*\])*", abi_type)
    return None if found is None else int(found.group(1) or 256)


def _leaves(param: Mapping[str, Any]) -> Iterator[tuple[tuple[str, ...], str]]:
    """``(path, abi type)`` of every non-tuple value inside an ABI parameter."""
    if param["type"].startswith("tuple"):
        for c in param["components"]:
            for path, t in _leaves(c):
                yield (param["name"], *path), t
    else:
        yield (param["name"],), param["type"]


def _abi_integer_widths() -> dict[str, set[int]]:
    """Field name (snake case) -> every integer width the ABI gives it, over events and structs."""
    widths: dict[str, set[int]] = defaultdict(set)
    for event in shapes.events():
        for arg in event.inputs:
            for path, t in _leaves(arg):
                if (bits := _bits(t)) is not None:
                    widths[shapes.snake_case(path[-1])].add(bits)
    for struct in shapes.STRUCTS.values():
        for f in struct.fields:
            if (bits := _bits(f.abi_type)) is not None:
                widths[shapes.snake_case(f.name)].add(bits)
    return widths


WIDE_NAMES = {name for name, bits in _abi_integer_widths().items() if min(bits) > SAFE_BITS}


def test_the_abi_names_the_ids_and_amounts_as_wide() -> None:
    """The walk below checks something: the ids and amounts buyers see are among the wide names."""
    assert {"work_id", "licence_id", "offer_id", "dispute_id", "attestation_id", "amount", "nonce"} <= WIDE_NAMES
    assert not {"start", "end", "supply_cap", "rights", "territories"} & WIDE_NAMES


def _event_types() -> dict[str, dict[tuple[str, ...], str]]:
    """``"Contract.Event"`` and ``"Event"`` -> argument path -> ABI type."""
    out: dict[str, dict[tuple[str, ...], str]] = defaultdict(dict)
    for event in shapes.events():
        for arg in event.inputs:
            for path, t in _leaves(arg):
                out[f"{event.contract}.{event.name}"][path] = t
                out[event.name][path] = t
    return out


def test_every_wide_event_argument_lands_in_a_u256_column() -> None:
    types = _event_types()
    checked = 0
    for table in [*tables_of(StateTable), *tables_of(HistoryTable)]:
        for projection in getattr(table, "__events__", ()):
            for column, spec in {**projection.key, **projection.columns}.items():
                if isinstance(spec, str):
                    path = tuple(spec.split("."))
                elif type(spec).__name__ == "Arg" and spec.convert is None:
                    path = spec.path
                else:
                    continue
                bits = _bits(types[projection.event].get(path, ""))
                if bits is None or bits <= SAFE_BITS:
                    continue
                checked += 1
                sql_type = table.__table__.c[column].type  # type: ignore[attr-defined]
                assert isinstance(sql_type, m.U256), f"{table.__name__}.{column} holds uint{bits} {spec}: make it U256"
    assert checked >= 20


def _is_decimal_text(schema: Mapping[str, Any], exact: bool) -> bool:
    """A JSON string (arrays: of strings), or null; ``exact``: with :data:`UINT256_PATTERN` (the
    read layer's one form; other routes may bound the digits tighter, e.g. a uint96 price)."""
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    if options and all(o.get("type") == "array" for o in options):
        return all(_is_decimal_text(o["items"], exact) for o in options)
    return bool(options) and all(
        o.get("type") == "string" and (not exact or o.get("pattern") == UINT256_PATTERN) for o in options
    )


def _response_schemas(spec: Mapping[str, Any]) -> set[str]:
    """Names of the component schemas any response refers to, directly or through other schemas."""
    components = spec["components"]["schemas"]
    seen: set[str] = set()

    def follow(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    follow(components[name])
            for child in node.values():
                follow(child)
        elif isinstance(node, list):
            for child in node:
                follow(child)

    for item in spec["paths"].values():
        for op in item.values():
            follow(op.get("responses", {}))
    return seen


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("uint256-openapi")
    settings = Settings(database_url=f"sqlite:///{tmp / 'm.sqlite3'}", content_dir=tmp / "content")
    return create_app(settings).openapi()


def test_openapi_declares_a_string_for_every_uint256_the_api_answers_with(spec: dict[str, Any]) -> None:
    components = spec["components"]["schemas"]
    served_u256 = {
        c.name
        for r in RESOURCES
        for c in r.table.__table__.columns
        if isinstance(c.type, m.U256)  # type: ignore[attr-defined]
    }
    served_models = {r.public.__name__ for r in RESOURCES} | {"WorkDetail", "EarningPublic"}
    wrong, checked = [], 0
    for name in sorted(_response_schemas(spec)):
        for prop, schema in components[name].get("properties", {}).items():
            if prop in WIDE_NAMES or prop in served_u256:
                checked += 1
                if not _is_decimal_text(schema, exact=prop in served_u256 and name in served_models):
                    wrong.append(f"{name}.{prop}: {schema}")
    assert not wrong, "uint256 fields that are not decimal strings in OpenAPI:\n" + "\n".join(wrong)
    assert checked >= 15
    assert components["WorkPublic"]["properties"]["parents"]["items"]["pattern"] == UINT256_PATTERN


def test_a_licence_id_above_2_53_round_trips_exactly(tmp_path: Path) -> None:
    """A licence id (the market packs the work id into its high bits) that a float cannot hold, written
    into the mirror, read back through the path parameter and the list filter as the same digits."""
    licence_id = (7 << 128) | (2**53 + 1)
    assert float(licence_id) != licence_id
    holder, tx = "0x" + "3c" * 20, "0x" + "ab" * 32
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as s:
        s.add(
            m.Licence(
                licence_id=licence_id, work_id=2**64 + 3, licensee=holder, holder=holder, offer_id=2**70,
                signed_offer_digest="0x" + "00" * 32, rights=1, start=0, end=2**40, exclusive=False,
                sublicensable=False, transferable=True, currency="0x" + "00" * 20, price=10**30, fee=1,
                granted_block=1, granted_at=1, granted_tx=tx,
            )
        )  # fmt: skip
        s.commit()
    engine.dispose()
    with TestClient(create_app(Settings(database_url=url, content_dir=tmp_path / "c"))) as client:
        one = client.get(f"/licences/{licence_id}")
        assert one.status_code == 200, one.text
        assert f'"licence_id":"{licence_id}"' in one.text and f'"work_id":"{2**64 + 3}"' in one.text
        assert one.json()["offer_id"] == str(2**70) and one.json()["price"] == str(10**30)
        listed = client.get("/licences", params={"work_id": str(2**64 + 3)}).json()
        assert [lic["licence_id"] for lic in listed["data"]] == [str(licence_id)]
        account = client.get(f"/accounts/{holder}").json()
        assert [lic["licence_id"] for lic in account["licences"]["data"]] == [str(licence_id)]
