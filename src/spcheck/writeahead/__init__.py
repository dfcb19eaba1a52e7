"""The write-ahead audit: every change is recorded before it is made and settled after.

A change that spcheck makes (a folder, a grant, a removal; later an acceptance, an
attestation, a team grant) goes through three moments:

1. ``WriteAhead.open``: an ``Intent`` is stored durably (the audit entry to be,
   its result ``pending``, and what a reconciler needs to read the truth back);
2. the call that makes the change (Graph, or the store);
3. ``WriteAhead.close``: the entry is appended with its outcome and the intent
   closed, in one transaction; or ``WriteAhead.abandon`` when the outcome is not
   known (the call failed in a way that may or may not have made the change).

If the process dies between 1 and 3, the intent stays open. The next run that
touches the inspection calls ``settle_open``: for each intent whose run is gone,
the ``Reconciler`` registered for its kind reads what is there now and the entry
is appended with what really happened, and the run says so in one line. So the
audit log accounts for every change even when a run is killed at any point.

To make a new kind of change crash-consistent: pick a kind name, open an intent
before the change and close it after, and register a reconciler for the kind in
``registry.py`` (see ``interface.Reconciler`` and ``provision/reconcile.py``).
"""

from spcheck.writeahead.interface import Reconciler, Settlement
from spcheck.writeahead.journal import OpenChange, WriteAhead
from spcheck.writeahead.reconcile import Settled, settle_open

__all__ = ["OpenChange", "Reconciler", "Settled", "Settlement", "WriteAhead", "settle_open"]
