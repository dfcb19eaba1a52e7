"""Reconcilers by intent kind, imported only when an open intent of that kind is found.

Add a line here for each new kind of change (``kind: (module, class)``).
"""

from __future__ import annotations

import importlib

from spcheck.writeahead.interface import Reconciler

_RECONCILERS: dict[str, tuple[str, str]] = {
    "provision.step": ("spcheck.provision.reconcile", "StepReconciler"),
    "acceptance": ("spcheck.writeahead.decisions", "AcceptanceReconciler"),
    "attestation": ("spcheck.writeahead.decisions", "AttestationReconciler"),
}


def kinds() -> list[str]:
    return list(_RECONCILERS)


def reconciler(kind: str) -> Reconciler | None:
    """The reconciler of ``kind``; None for a kind this build does not know (a newer one's)."""
    found = _RECONCILERS.get(kind)
    if found is None:
        return None
    module_name, class_name = found
    cls: type[Reconciler] = getattr(importlib.import_module(module_name), class_name)
    if cls.kind != kind:
        raise TypeError(f"{module_name}.{class_name} settles {cls.kind!r}, not {kind!r}")
    return cls()
