"""The mirror's schema: every table, each next to the events that write it.

One module per group of tables (:mod:`.works`, :mod:`.attestations`, :mod:`.market`, :mod:`.payments`,
:mod:`.disputes`, :mod:`.distribution`, :mod:`.evidence`, :mod:`.settings`; the indexer's own tables in :mod:`.bookkeeping`). A mirrored table
derives from :class:`StateTable` or :class:`HistoryTable`, and that base alone decides how a reorg
undoes it; its ``__events__`` declare which events create, patch or append its rows
(:mod:`._declare`), and :mod:`indexer.projections` runs them. Tables the API owns (shared state of
API processes, not mirrored) are in :mod:`.api_state`; what is derived from the chain and the content store
(work metadata documents, not mirrored either) in :mod:`.metadata`. Hub events no table mirrors are listed,
with the reason, in :data:`IGNORED_EVENTS`.

To mirror a new event: add a declaration to the ``__events__`` of the table it writes. A new table:
a class here (and an Alembic migration); the sets below pick it up from its base class.
"""

from __future__ import annotations

from sqlmodel import SQLModel

from . import (
    api_state,
    attestations,
    bookkeeping,
    disputes,
    distribution,
    evidence,
    ignored,
    market,
    metadata,
    payments,
    settings,
    similarity,
    works,
)
from ._base import U256, U256_DIGITS, HistoryTable, StateTable, tables_of, u256
from .api_state import *  # noqa: F403 - each group module lists its tables in __all__
from .attestations import *  # noqa: F403
from .bookkeeping import *  # noqa: F403
from .disputes import *  # noqa: F403
from .distribution import *  # noqa: F403
from .evidence import *  # noqa: F403
from .ignored import *  # noqa: F403
from .market import *  # noqa: F403
from .metadata import *  # noqa: F403
from .payments import *  # noqa: F403
from .settings import *  # noqa: F403
from .similarity import *  # noqa: F403
from .works import *  # noqa: F403

#: every mirrored table class, state tables first, each group in definition order
MIRRORED: tuple[type[SQLModel], ...] = (*tables_of(StateTable), *tables_of(HistoryTable))
#: state tables (restored from undo_log on a reorg) and history tables (rows deleted above the ancestor)
STATE_TABLES: frozenset[str] = frozenset(t.__tablename__ for t in tables_of(StateTable))  # type: ignore[misc]
HISTORY_TABLES: frozenset[str] = frozenset(t.__tablename__ for t in tables_of(HistoryTable))  # type: ignore[misc]
#: every table whose content must equal that of a fresh index (bookkeeping excluded)
MIRROR_TABLES: tuple[str, ...] = ("raw_event", *sorted(STATE_TABLES), *sorted(HISTORY_TABLES))

__all__ = [
    "HISTORY_TABLES", "MIRRORED", "MIRROR_TABLES", "STATE_TABLES", "U256", "U256_DIGITS", "HistoryTable",
    "StateTable", "u256",
]  # fmt: skip
__all__ += api_state.__all__
__all__ += attestations.__all__
__all__ += bookkeeping.__all__
__all__ += disputes.__all__
__all__ += distribution.__all__
__all__ += evidence.__all__
__all__ += ignored.__all__
__all__ += market.__all__
__all__ += metadata.__all__
__all__ += payments.__all__
__all__ += settings.__all__
__all__ += similarity.__all__
__all__ += works.__all__
