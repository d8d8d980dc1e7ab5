"""The projector: what each hub event does to the mirror, run from the tables' declarations.

Every mirrored table declares in ``__events__`` which events write it and from which arguments
(:mod:`indexer.tables`). At import, this module checks each declaration against its table (columns
exist, a created row gets every column, a patch names the whole primary key) and compiles all the
declarations of one event into one plain Python function, the code a hand-written handler would be:
build the rows, then hand them to :class:`~indexer.store.Changes` as blind writes (no reads), so a
batch of thousands of events becomes a few bulk statements and the projector costs no more than
hand-written handlers did. :data:`HANDLERS` holds those functions by event name.

An event no table projects is still kept in ``raw_event``. A projection that raises (its declaration
does not fit the event's ABI) is logged and the event kept raw; in strict mode, which the tests turn on
with ``COPYRIGHT_HUB_STRICT_PROJECTIONS=1``, it raises :class:`~indexer.errors.ProjectionFailed`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from .decode import Log
from .errors import ProjectionFailed
from .store import Changes
from .tables import MIRRORED, HistoryTable
from .tables._declare import BLOCK, TIME, TX, Arg, Const, Differs, Handler, Projection, Spec, Where

__all__ = ["HANDLERS", "PROJECTIONS", "STRICT_ENV", "Bound", "project"]

log = logging.getLogger("indexer.projections")

#: set to 1 (the tests do) to raise instead of logging when a projection does not fit its event
STRICT_ENV = "COPYRIGHT_HUB_STRICT_PROJECTIONS"
_LOG_INDEX = Where("LOG_INDEX", "lg.log_index")
_POSITION: dict[str, Spec] = {"block_number": BLOCK, "log_index": _LOG_INDEX, "tx_hash": TX, "time": TIME}
_WRITE = {"put": "put", "set": "put", "append": "append", "patch": "patch"}


@dataclass(frozen=True)
class Bound:
    """A declaration bound to its table: the row's columns complete and in table order."""

    table: str
    projection: Projection
    #: (column, value) pairs of the row written (put/set/append) or of the patched values
    columns: tuple[tuple[str, Spec], ...]
    key: tuple[tuple[str, Spec], ...] = ()


def _model_default(model: type[SQLModel], column: str) -> Any:
    f = model.model_fields.get(column)
    if f is None or f.default is PydanticUndefined or f.default_factory is not None:
        return PydanticUndefined
    return f.default


def bind(model: type[SQLModel], p: Projection) -> Bound:
    """``p`` checked against ``model``'s table and completed; ``TypeError`` names what does not fit."""
    t = model.__table__  # type: ignore[attr-defined]
    where = f"{model.__name__}.__events__ {p.kind} {p.event!r}"
    if p.kind == "handler":
        return Bound(t.name, p, ())
    given: dict[str, Spec] = dict(p.columns)
    if p.kind == "append":
        if not issubclass(model, HistoryTable):
            raise TypeError(f"{where}: appends writes history tables only; use creates or patches")
        given = {**_POSITION, **given}
    elif issubclass(model, HistoryTable):
        raise TypeError(f"{where}: a history table is only appended to")
    unknown = [c for c in (*given, *p.key) if c not in t.c]
    if unknown:
        raise TypeError(f"{where}: no column {', '.join(unknown)} in table {t.name}")
    pk = [c.name for c in t.primary_key.columns]
    if p.kind == "patch":
        if sorted(p.key) != sorted(pk) or not given:
            raise TypeError(f"{where}: a patch names the whole primary key ({', '.join(pk)}) and some columns")
        return Bound(t.name, p, tuple(given.items()), tuple(p.key.items()))
    if missing_key := [c for c in pk if c not in given]:
        raise TypeError(f"{where}: the row needs its primary key column(s) {', '.join(missing_key)}")
    row: list[tuple[str, Spec]] = []
    for c in t.columns:
        if c.name in given:
            row.append((c.name, given[c.name]))
        elif p.kind == "set":
            if not c.nullable and c.default is None:
                raise TypeError(f"{where}: column {c.name} has no default, so a new row needs it")
        elif (default := _model_default(model, c.name)) is not PydanticUndefined:
            row.append((c.name, Const(default)))
        else:
            raise TypeError(f"{where}: column {c.name} has no default; give it a value")
    return Bound(t.name, p, tuple(row))


# -- compiling the declarations of one event into one function ----------------------------------


class _Source:
    """The namespace and source lines of one generated function."""

    def __init__(self) -> None:
        self.names: dict[str, Any] = {}
        self.lines: list[str] = []

    def ref(self, value: Any, prefix: str) -> str:
        """A name for ``value`` in the generated function's globals."""
        name = f"_{prefix}{len(self.names)}"
        self.names[name] = value
        return name

    def value(self, spec: Spec) -> str:
        """The expression reading ``spec`` from ``lg`` (the log) and ``a`` (its arguments)."""
        if isinstance(spec, str):
            return self.arg(tuple(spec.split(".")))
        if isinstance(spec, Arg):
            read = self.arg(spec.path)
            return read if spec.convert is None else f"{self.ref(spec.convert, 'convert')}({read})"
        if isinstance(spec, Where):
            return spec.code
        constant = spec.value if isinstance(spec, Const) else spec
        if constant is None or type(constant) in (bool, int):
            return repr(constant)
        return self.ref(constant, "const")

    @staticmethod
    def arg(path: tuple[str, ...]) -> str:
        return "a" + "".join(f"[{name!r}]" for name in path)

    def mapping(self, pairs: Iterable[tuple[str, Spec]]) -> str:
        return "{" + ", ".join(f"{name!r}: {self.value(spec)}" for name, spec in pairs) + "}"


def compile_event(name: str, bounds: list[Bound]) -> Handler:
    """One function doing every write of ``bounds``: all rows are built before the first write, so an
    argument that does not fit leaves the batch untouched by this event."""
    src = _Source()
    body: list[str] = []
    writes: list[str] = []
    conditions: dict[Differs, str] = {}
    for i, b in enumerate(bounds):
        p = b.projection
        if p.kind == "handler":
            writes.append(f"{src.ref(p.handler, 'handler')}(lg, a, c)")
            continue
        build = f"r{i} = {src.mapping(b.columns)}"
        if p.kind == "patch":
            build = f"k{i} = {src.mapping(b.key)}; {build}"
            write = f"c.patch({b.table!r}, k{i}, r{i})"
        else:
            write = f"c.{_WRITE[p.kind]}({b.table!r}, r{i})"
        if p.condition is None:
            body.append(build)
            writes.append(write)
            continue
        if p.condition not in conditions:  # a condition shared by several writes is evaluated once
            conditions[p.condition] = f"w{len(conditions)}"
            body.append(
                f"{conditions[p.condition]} = {src.arg(p.condition.path)} != {src.value(Const(p.condition.value))}"
            )
        body.append(f"if {conditions[p.condition]}:\n        {build}")
        writes.append(f"if {conditions[p.condition]}:\n        {write}")
    fn_name = "project_" + name.replace(".", "_")
    code = f"def {fn_name}(lg, a, c):\n" + "".join(f"    {line}\n" for line in (*body, *writes))
    namespace = dict(src.names)
    # the source is built above from our own declarations only
    exec(compile(code, f"<projection of {name}>", "exec"), namespace)
    fn: Handler = namespace[fn_name]
    fn.__doc__ = code
    return fn


def _declarations(models: Iterable[type[SQLModel]]) -> dict[str, list[Bound]]:
    found: dict[str, list[Bound]] = {}
    for model in models:
        for p in getattr(model, "__events__", ()):
            found.setdefault(p.event, []).append(bind(model, p))
    return found


#: event name (``"Event"`` or ``"Contract.Event"``) -> its declarations, bound to their tables
PROJECTIONS: dict[str, list[Bound]] = _declarations(MIRRORED)
#: event name -> the compiled function projecting it
HANDLERS: dict[str, Handler] = {name: compile_event(name, bounds) for name, bounds in PROJECTIONS.items()}
_resolved: dict[tuple[str | None, str], Handler | None] = {}


def handler_for(contract: str | None, event: str) -> Handler | None:
    """What projects ``event`` from ``contract``: its declarations under ``Contract.Event`` and ``Event``."""
    key = (contract, event)
    if key not in _resolved:
        own, anywhere = f"{contract}.{event}", event
        if own in PROJECTIONS and anywhere in PROJECTIONS:
            _resolved[key] = compile_event(own, PROJECTIONS[own] + PROJECTIONS[anywhere])
        else:
            _resolved[key] = HANDLERS.get(own) or HANDLERS.get(anywhere)
    return _resolved[key]


def _strict() -> bool:
    return os.environ.get(STRICT_ENV, "") not in ("", "0")


def project(logs: list[Log]) -> Changes:
    """The changes a batch of decoded logs makes, in chain order."""
    changes = Changes()
    strict = _strict()
    resolved = _resolved
    for lg in logs:
        event, args = lg.event, lg.args
        if event is None or args is None:
            continue
        fn = resolved.get((lg.contract, event), _UNRESOLVED)
        if fn is _UNRESOLVED:
            fn = handler_for(lg.contract, event)
        if fn is None:
            continue
        try:
            fn(lg, args, changes)
        except (KeyError, TypeError, ValueError, IndexError) as exc:  # an ABI the declaration does not fit
            if strict:
                raise ProjectionFailed(event, lg.block_number, lg.log_index, repr(exc)) from exc
            log.error("no projection for %s at block %d log %d (%r); kept in raw_event only",
                      event, lg.block_number, lg.log_index, exc)  # fmt: skip
    return changes


def _unresolved(lg: Log, a: dict[str, Any], c: Changes) -> None:  # a marker, never called
    raise AssertionError


_UNRESOLVED: Callable[[Log, dict[str, Any], Changes], None] = _unresolved
