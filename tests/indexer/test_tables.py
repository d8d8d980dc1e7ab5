"""The tables' event declarations held against the ABI of the deployed contracts and against the tables:
every event is projected or ignored with a reason, every argument a declaration reads exists, every
mirrored table is classified by its base and written by some event, and a projection that does not fit
its event fails loudly in tests. No chain needed: events are built from the ABI."""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from sqlmodel import SQLModel

from client_sdk import shapes
from indexer import projections
from indexer.decode import Log
from indexer.errors import ProjectionFailed
from indexer.tables import HISTORY_TABLES, IGNORED_EVENTS, MIRRORED, STATE_TABLES, Licence, Offer, Work
from indexer.tables._base import tables_of
from indexer.tables._declare import ZERO_ADDRESS, appends, creates, patches
from indexer.tables.api_state import API_TABLES
from indexer.tables.metadata import OffChainTable

#: the indexer's own tables, written by the sync loop rather than by events
BOOKKEEPING = {"raw_event", "block", "checkpoint", "undo_log", "indexer_status"}


def _names(e: shapes.EventShape) -> set[str]:
    return {f"{e.contract}.{e.name}", e.name}


def _events_named(key: str) -> list[shapes.EventShape]:
    contract, _, name = key.rpartition(".")
    return [e for e in shapes.events() if e.name == name and contract in ("", e.contract)]


def test_every_abi_event_is_projected_or_ignored_with_a_reason() -> None:
    problems = []
    for e in shapes.events():
        projected = _names(e) & set(projections.PROJECTIONS)
        ignored = _names(e) & set(IGNORED_EVENTS)
        if not projected and not ignored:
            problems.append(f"{e.contract}.{e.name} is neither projected by a table nor in IGNORED_EVENTS")
        if projected and ignored:
            problems.append(f"{e.contract}.{e.name} is projected ({projected}) and ignored ({ignored})")
    assert problems == []
    assert all(len(reason) > 20 for reason in IGNORED_EVENTS.values())


def test_the_four_events_once_dropped_are_mirrored() -> None:
    for key in (
        "LicenceMarket.SignedOfferCancelled",
        "Paused",
        "LicenceMarket.FeeChanged",
        "LicenceMarket.CurrencyAllowed",
    ):
        assert projections.PROJECTIONS[key], key


def test_no_declaration_names_an_event_the_abi_lacks() -> None:
    stale = [key for key in (*projections.PROJECTIONS, *IGNORED_EVENTS) if not _events_named(key)]
    assert stale == []


def _has(inputs: Sequence[Mapping[str, Any]], path: tuple[str, ...]) -> bool:
    for param in inputs:
        if param["name"] == path[0]:
            return len(path) == 1 or (param["type"] == "tuple" and _has(param["components"], path[1:]))
    return False


def test_declarations_read_only_arguments_their_event_has() -> None:
    problems = [
        f"{b.table}: {key} has no argument {'.'.join(path)}"
        for key, bounds in projections.PROJECTIONS.items()
        for b in bounds
        for path in b.projection.arg_paths()
        for e in _events_named(key)
        if not _has(e.inputs, path)
    ]
    assert problems == []


def test_tables_are_classified_by_their_base_and_each_is_written() -> None:
    api_state = {t.__tablename__ for t in API_TABLES}  # type: ignore[misc]
    off_chain = {t.__tablename__ for t in tables_of(OffChainTable)}  # type: ignore[attr-defined]
    # the document, its search tokens, its ISCC codes and those the hub computed from its preview
    assert off_chain == {"work_metadata", "work_search_token", "work_content_code", "work_preview_code"}
    assert set(SQLModel.metadata.tables) == BOOKKEEPING | STATE_TABLES | HISTORY_TABLES | api_state | off_chain
    assert not api_state & (STATE_TABLES | HISTORY_TABLES)  # the API's own rows are never mirror rows
    assert not off_chain & (STATE_TABLES | HISTORY_TABLES)  # derived from the content store too: not mirror rows
    assert not STATE_TABLES & HISTORY_TABLES
    written = {b.table for bounds in projections.PROJECTIONS.values() for b in bounds}
    assert written == STATE_TABLES | HISTORY_TABLES
    assert {m.__tablename__ for m in MIRRORED} == STATE_TABLES | HISTORY_TABLES  # type: ignore[misc]


# -- running the compiled projections on events built from the ABI ----------------------------------

_rnd = random.Random(8)


def _value(param: Mapping[str, Any]) -> Any:
    t = param["type"]
    if t.endswith("[]"):
        return [_value({**param, "type": t[:-2]}) for _ in range(2)]
    if t == "tuple":
        return {c["name"]: _value(c) for c in param["components"]}
    if t.startswith("uint"):
        return _rnd.randrange(1, 2**16)
    if t == "address":
        return "0x" + _rnd.randbytes(20).hex()
    if t == "bool":
        return True
    if t.startswith("bytes"):
        return "0x" + _rnd.randbytes(32).hex()
    assert t == "string", t
    return f"text{_rnd.randrange(100)}"


def _log(e: shapes.EventShape, **overrides: Any) -> Log:
    args = {p["name"]: _value(p) for p in e.inputs} | overrides
    return Log(block_number=7, block_hash="0x" + "ab" * 32, log_index=3, tx_hash="0x" + "cd" * 32, tx_index=0,
               address="0x" + "ef" * 20, topics=[], data="0x", block_time=1_700_000_000, contract=e.contract,
               event=e.name, args=args)  # fmt: skip


def _event(contract: str, name: str) -> shapes.EventShape:
    (e,) = [e for e in shapes.events() if (e.contract, e.name) == (contract, name)]
    return e


def test_every_projection_runs_on_arguments_shaped_by_its_abi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(projections.STRICT_ENV, "1")
    for e in shapes.events():
        changes = projections.project([_log(e)])
        projected = bool(_names(e) & set(projections.PROJECTIONS))
        assert bool(changes.ops) == projected, e


def test_a_projection_writes_the_columns_its_declaration_names() -> None:
    granted = _log(_event("LicenceMarket", "LicenceGranted"), flags=0b101)
    ((kind, table, row),) = projections.project([granted]).ops
    assert (kind, table) == ("put", "licence")
    assert list(row) == Licence.__table__.c.keys()  # type: ignore[attr-defined] # a whole row, in table order
    assert (row["exclusive"], row["sublicensable"], row["transferable"]) == (True, False, True)
    assert row["holder"] == row["licensee"] == granted.args["licensee"]  # type: ignore[index]
    assert (row["granted_block"], row["granted_at"], row["revoked"], row["revoked_by"]) == (
        7,
        1_700_000_000,
        False,
        None,
    )


def test_a_transfer_patches_the_owner_unless_it_is_a_mint() -> None:
    transfer = _event("WorkRegistry", "Transfer")
    mint = projections.project([_log(transfer, **{"from": ZERO_ADDRESS})]).ops
    assert [(kind, table) for kind, table, _ in mint] == [("append", "ownership_transfer")]
    moved = projections.project([_log(transfer, to="0x" + "22" * 20, id=5)]).ops
    assert ("patch", "work", ({"work_id": 5}, {"owner": "0x" + "22" * 20, "updated_block": 7})) in moved
    assert ("patch", "work_owner", ({"work_id": 5, "position": 0}, {"account": "0x" + "22" * 20})) in moved


def test_a_projection_that_does_not_fit_fails_loudly_in_tests_and_is_logged_otherwise(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    registered = _log(_event("WorkRegistry", "WorkRegistered"))
    assert registered.args is not None
    del registered.args["registeredAt"]  # an ABI the declaration was not written for
    fine = _log(_event("LicenceMarket", "CounterIncremented"))
    monkeypatch.setenv(projections.STRICT_ENV, "1")
    with pytest.raises(ProjectionFailed, match="WorkRegistered at block 7 log 3") as raised:
        projections.project([registered])
    assert isinstance(raised.value.__cause__, KeyError)
    monkeypatch.setenv(projections.STRICT_ENV, "0")
    with caplog.at_level(logging.ERROR, logger="indexer.projections"):
        changes = projections.project([registered, fine])
    assert "no projection for WorkRegistered" in caplog.text
    # the event that did not fit wrote nothing (not even the metadata_version row it also declares)
    assert [table for _, table, _ in changes.ops] == ["seller_counter"]


@pytest.mark.parametrize(
    ("model", "declaration", "message"),
    [
        (Offer, patches("OfferPriceChanged", key={"offer_id": "offerId"}, prize="price"), "no column prize"),
        (Offer, patches("OfferPriceChanged", key={"work_id": "workId"}, price="price"), "whole primary key"),
        (Offer, creates("OfferCreated", offer_id="offerId"), "work_id has no default"),
        (Work, appends("WorkRegistered", work_id="workId"), "history tables only"),
    ],
)
def test_a_declaration_that_does_not_fit_its_table_is_refused_at_import(
    model: type[SQLModel], declaration: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        projections.bind(model, declaration)
