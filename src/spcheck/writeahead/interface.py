"""Contracts of the write-ahead audit: what a reconciler is asked and what it answers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from spcheck.graph.interface import Gateway
from spcheck.store.records import AuditResult, Intent, Store


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a reconciler found: the outcome of a change whose run stopped before recording it.

    ``result`` is ``ok`` when the change was made, ``failed`` when it was not (or only
    in part: ``detail`` says which part), ``skipped`` when there was nothing to do.
    ``detail`` is one line, with no secret and no unmasked identifier; ``after`` is
    the JSON of what was read back (the entry's ``after``).
    """

    result: AuditResult
    detail: str
    after: str = "null"

    def __post_init__(self) -> None:
        if AuditResult(self.result) is AuditResult.PENDING:
            raise ValueError("a settlement has an outcome")


class Reconciler(ABC):
    """Finds out whether the change of an open intent of one ``kind`` was made.

    It may read Graph (through the gateway) or the store; it must not change
    anything (the next plan does what is still to do), and it raises the usual
    typed errors when what it needs cannot be read (the intent then stays open).
    A change made in the store alone sets ``needs_graph`` to False: commands that
    do not reach Graph (``spcheck accept``) settle it too.
    """

    kind: ClassVar[str]
    needs_graph: ClassVar[bool] = True

    @abstractmethod
    async def settle(self, intent: Intent, gateway: Gateway | None, store: Store) -> Settlement:
        """Read what is there now and say what became of the intent's change."""
