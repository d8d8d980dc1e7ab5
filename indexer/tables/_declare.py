"""The declarations a table uses to say which events write it, and from which arguments.

A table class lists them in ``__events__``; :mod:`indexer.projections` compiles every declaration at
import into one plain function per event (the same code a hand-written handler would be), so the
projector costs no more than hand-written handlers did. Each declaration is a *blind write* on
:class:`~indexer.store.Changes` (no reads), which is what lets a batch become a few bulk statements::

    class Offer(StateTable, table=True):
        __events__ = (
            creates("OfferCreated", offer_id="offerId", creator="creator", **terms_columns("terms"),
                    created_block=BLOCK, created_at=TIME, created_tx=TX, updated_block=BLOCK),
            patches("OfferPriceChanged", key={"offer_id": "offerId"}, price="price", updated_block=BLOCK),
        )

Events are named ``"Event"`` (from any hub contract) or ``"Contract.Event"``. A column's value is

* a string: the event argument of that name (``"terms.workId"`` reads a struct's field);
* :func:`arg` with a conversion (:func:`as_json`, :func:`flag`);
* where the log is: :data:`BLOCK`, :data:`TIME` (block time, 0 if unknown), :data:`TX`, :data:`ADDRESS`
  (the emitting contract), :data:`CONTRACT` (its name in the deployment);
* a constant: ``None``, a bool or an int as is, anything else through :func:`const`.

The writes:

* :func:`creates` -- put a whole row; the columns not named take the model's default.
* :func:`sets` -- insert the row or update only the named columns (rows that several events fill in).
* :func:`patches` -- change some columns of an existing row by its primary key. Only when the event
  creating the row is emitted first; otherwise give the value its own table (``work_royalty``).
* :func:`appends` -- a history row; ``block_number``, ``log_index``, ``tx_hash`` and ``time`` are filled in.
* :func:`handled_by` -- the escape hatch: an imperative handler ``fn(log, args, changes)`` for what
  is not a column mapping (one row per element of an array, deleting rows first).

``patches(...).only_if(differs("from", ZERO_ADDRESS))`` makes a write conditional on an argument.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..decode import Log
    from ..store import Changes

Handler = Callable[["Log", dict[str, Any], "Changes"], None]
ZERO_ADDRESS = "0x" + "00" * 20


@dataclass(frozen=True)
class Arg:
    """An event argument (``path``: names from the event down into structs), optionally converted."""

    path: tuple[str, ...]
    convert: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Const:
    """A constant column value."""

    value: Any


@dataclass(frozen=True)
class Where:
    """A value from the log's position rather than its arguments; ``code`` reads it from ``lg``."""

    name: str
    code: str


BLOCK = Where("BLOCK", "lg.block_number")
TIME = Where("TIME", "(lg.block_time or 0)")
TX = Where("TX", "lg.tx_hash")
ADDRESS = Where("ADDRESS", "lg.address")
CONTRACT = Where("CONTRACT", "lg.contract")

Spec = str | Arg | Const | Where | bool | int | None


def arg(path: str, convert: Callable[[Any], Any] | None = None) -> Arg:
    """The argument ``path`` (``"terms.workId"`` for a struct's field), passed through ``convert``."""
    return Arg(tuple(path.split(".")), convert)


def const(value: Any) -> Const:
    return Const(value)


def _json(value: Any) -> str:
    return json.dumps(value)


def _json_sorted(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def as_json(path: str, *, sort_keys: bool = False) -> Arg:
    """The argument as JSON text (arrays, whole structs)."""
    return arg(path, _json_sorted if sort_keys else _json)


def flag(path: str, bit: int) -> Arg:
    """Whether ``bit`` is set in the integer argument ``path``."""

    def is_set(value: int) -> bool:
        return bool(value & bit)

    is_set.__name__ = f"bit_{bit}"
    return arg(path, is_set)


@dataclass(frozen=True)
class Differs:
    """Condition: the argument ``path`` is not ``value``."""

    path: tuple[str, ...]
    value: Any


def differs(path: str, value: Any) -> Differs:
    return Differs(tuple(path.split(".")), value)


Kind = Literal["put", "set", "patch", "append", "handler"]


@dataclass(frozen=True)
class Projection:
    """One write an event makes to the table that declares it (see the module docstring)."""

    kind: Kind
    event: str
    columns: Mapping[str, Spec] = field(default_factory=dict)
    key: Mapping[str, Spec] = field(default_factory=dict)
    condition: Differs | None = None
    handler: Handler | None = None

    def only_if(self, condition: Differs) -> Projection:
        """This write, made only when ``condition`` holds for the event's arguments."""
        return dataclasses.replace(self, condition=condition)

    def arg_paths(self) -> list[tuple[str, ...]]:
        """Every event argument the declaration reads (for the test that holds it to the ABI)."""
        specs = [*self.key.values(), *self.columns.values()]
        paths = [tuple(s.split(".")) if isinstance(s, str) else s.path for s in specs if isinstance(s, (str, Arg))]
        return paths + ([self.condition.path] if self.condition is not None else [])


def creates(event: str, /, **columns: Spec) -> Projection:
    """``event`` puts a whole row (columns left out take the model's default)."""
    return Projection("put", event, columns)


def sets(event: str, /, **columns: Spec) -> Projection:
    """``event`` inserts the row, or updates only these columns of the row with the same key."""
    return Projection("set", event, columns)


def patches(event: str, /, *, key: Mapping[str, Spec], **columns: Spec) -> Projection:
    """``event`` changes ``columns`` of the row whose primary key is ``key`` (no-op if there is none)."""
    return Projection("patch", event, columns, key=key)


def appends(event: str, /, **columns: Spec) -> Projection:
    """``event`` adds a history row (its position on the chain is filled in)."""
    return Projection("append", event, columns)


def handled_by(event: str, handler: Handler) -> Projection:
    """``event`` is projected by ``handler(log, args, changes)``, which writes what it likes, blindly."""
    return Projection("handler", event, handler=handler)
