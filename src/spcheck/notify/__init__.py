"""Near real time: Graph change notifications turn an upload into a check within a minute.

- ``receiver``: the notification endpoint (the Function's ``POST /api/notify`` and
  ``spcheck serve``): the validation handshake, clientState, replays, one wake per drive;
- ``upkeep``: the subscription per drive: create, renew, recreate, reauthorize, refusal;
- ``worker``: what a wake does: the incremental cycle, a full resync after ``missed``;
- ``schedule``: when the scheduled cycle still runs as the safety net;
- ``serve``: all of it on one event loop without Azure (``spcheck serve``).

docs/notifications.md describes the whole; runbooks/subscriptions.md operates it.
"""
