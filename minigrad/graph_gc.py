"""Python's cyclic collector kept off a large graph while it is being recorded (the engine
counts the nodes it records and calls ``freeze``; ``release`` when a backward ends)."""

from __future__ import annotations

import gc

__all__ = ["GraphGC"]


class GraphGC:
    """Keep Python's cyclic collector from re-walking a large live graph over and over.

    The graph is acyclic by construction (outputs are held weakly) and freed by reference
    counting, yet every full collection walks all of it: building a 100,000-op graph cost
    3x per op what a 100-op one does. So, only while a big graph is being recorded (past
    ``START`` nodes), the objects alive so far are moved to the collector's permanent
    generation (``gc.freeze``, which costs the same for any number of objects) every
    ``EVERY`` nodes, and put back (``gc.unfreeze``) when a backward pass ends. Young objects
    are still collected as usual; a program that uses ``gc.freeze`` itself is left alone.
    """

    START = 1000  # a graph smaller than this is never frozen
    EVERY = 100

    def __init__(self) -> None:
        self.recorded = 0
        self.freeze_at = self.START
        self.frozen = False

    def freeze(self) -> None:
        """Move the objects alive so far to the permanent generation (a node was recorded
        at ``freeze_at``)."""
        self.freeze_at = self.recorded + self.EVERY
        if gc.isenabled() and (self.frozen or gc.get_freeze_count() == 0):
            gc.freeze()
            self.frozen = True

    def release(self) -> None:
        """A backward ended: count from zero again, and unfreeze what was frozen."""
        self.recorded, self.freeze_at = 0, self.START
        if self.frozen:
            self.frozen = False
            gc.unfreeze()
