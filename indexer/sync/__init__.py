"""The indexer's sync: :mod:`.loop` (the :class:`Indexer`, its loop and reorg policy),
:mod:`.pipeline` (the backfill's fetchers behind one range iterator, and the writer thread) and
:mod:`.status` (the status row, metrics and outage reporting)."""

from .loop import Indexer, Position
from .status import Progress

__all__ = ["Indexer", "Position", "Progress"]
