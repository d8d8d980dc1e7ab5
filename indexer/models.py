"""The mirror's schema, as the API, the migrations and the tests import it.

The tables live in :mod:`indexer.tables`, each next to the events that write it; this module
re-exports them (every group module's ``__all__``), ``U256``, and :data:`STATE_TABLES`,
:data:`HISTORY_TABLES`, :data:`MIRROR_TABLES`, which are derived there from each table's base class.
"""

from __future__ import annotations

from .tables import (  # noqa: F401
    HISTORY_TABLES,
    MIRROR_TABLES,
    MIRRORED,
    STATE_TABLES,
    U256,
    U256_DIGITS,
    HistoryTable,
    StateTable,
    u256,
)
from .tables.api_state import *  # noqa: F403 - the API's shared state: in the schema, not in the mirror
from .tables.attestations import *  # noqa: F403 - the re-export is the point
from .tables.bookkeeping import *  # noqa: F403
from .tables.disputes import *  # noqa: F403
from .tables.evidence import *  # noqa: F403
from .tables.ignored import *  # noqa: F403
from .tables.market import *  # noqa: F403
from .tables.metadata import *  # noqa: F403 - derived from chain and content store, not mirrored
from .tables.payments import *  # noqa: F403
from .tables.settings import *  # noqa: F403
from .tables.similarity import *  # noqa: F403 - ISCC codes from metadata documents, not mirrored
from .tables.works import *  # noqa: F403
