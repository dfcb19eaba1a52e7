"""A local, stateful emulator of the part of Microsoft Graph that spcheck uses.

Like moto for AWS or Azurite for Azure Storage: spcheck's demo and end-to-end tests
run against it with no tenant and no network. The model (``state``) is separate
from HTTP (``app``, ``service``), as moto separates models from responses.

Run it in process (``inprocess.transport(state)``, an httpx transport; what tests
and ``spcheck demo`` use) or as a server on loopback (``server.serve``, behind
``spcheck emulator [--port N] [--seed demo|empty] [--faults SPEC]``).

Endpoints (below the base URL, default ``http://graph.emulator.local/v1.0``):

- ``GET /sites/{hostname}:/sites/{path}`` and ``GET /sites/{site-id}``
- ``GET /sites/{site}/drive``, ``GET /sites/{site}/drives``, ``GET /drives/{drive-id}``
- items, addressed as ``/drives/{d}/root``, ``/drives/{d}/root:/{path}:``,
  ``/drives/{d}/items/{id}``, ``/drives/{d}/items/{id}:/{path}:`` or the same
  below ``/sites/{site}/drive``:
  ``GET`` (with ``$select``), ``PATCH`` (rename, move; ``If-Match``), ``DELETE``
- ``GET .../children`` (``$top``, default and page size 200; ``$select``;
  ``@odata.nextLink`` with ``$skiptoken``)
- ``POST .../children`` create a folder, ``@microsoft.graph.conflictBehavior``
  ``fail`` (409 ``nameAlreadyExists``), ``replace`` or ``rename``
- ``PUT .../{parent-id}:/{name}:/content`` simple upload (up to 250 MB; 201 new,
  200 replaced); ``GET .../content`` answers 302 to a download URL on the emulator
- ``GET /drives/{d}/root/delta`` (also ``delta()``, ``delta(token='...')``,
  ``?token=...``, ``token=latest``, ``/drives/{d}/items/root/delta``,
  ``/sites/{s}/drive/root/delta``): pages of at most 200 with ``@odata.nextLink``,
  then ``@odata.deltaLink``; deleted items carry ``deleted``; ``Prefer:
  hierarchicalsharing`` brings items back after a permission change, with ``shared``
  (``deltashowsharingchanges`` also marks them ``@microsoft.graph.sharedChanged``);
  an expired token (``EmulatorState.expire_delta_tokens``) gets 410 ``resyncRequired``
- ``GET .../permissions``, ``GET``/``DELETE .../permissions/{id}``,
  ``POST .../invite`` (roles ``read`` or ``write``; ``requireSignIn``,
  ``sendInvitation``, ``expirationDateTime``, ``retainInheritedPermissions``),
  ``POST .../createLink`` (``view|edit|embed``, ``anonymous|organization|users``)
- ``POST /$batch``: at most 20 requests, ``dependsOn`` or ``depends_on``, per-item status
- ``POST /users/{id}/sendMail``: 202, recorded in ``state.sent_mail``
- ``POST /subscriptions`` (Graph's validation handshake with the URL first),
  ``GET /subscriptions``, ``GET``/``PATCH``/``DELETE /subscriptions/{id}``,
  ``POST /subscriptions/{id}/reauthorize``: change notifications on a drive root,
  POSTed to loopback URLs by ``notifier`` (``subscriptions`` has the model)

Behaviour: routing on the raw path (percent-encoded ids, ``//`` after the version);
Graph's error body ``{"error": {"code", "message", "innerError"}}``; the acting user
named by ``X-Emulator-User`` (unknown: 403; none: the app, with full control), whose
access is checked against the item's effective permissions; resource units per
request (1 single read or delta page with a token, 2 multi-item read or write, 5
permission operation, 0 for mail, subscriptions and the ``$batch`` envelope), ``RateLimit-*``
headers from 80 % of the per-minute budget (default 1,200) and 429 with
``Retry-After`` past it; request counts in ``state.stats``.

Faults (``faults.FaultSpec``), reproducible by seed: ``429:0.2,503:0.05,reset:0.01,latency:20ms``
gives each request a 20 % chance of 429, 5 % of 503, 1 % of a dropped connection,
and 20 ms of latency; also ``500``, ``502``, ``504``, ``latency:5-50ms``,
``retry-after:N``, and ``notify-drop:P`` / ``notify-delay:D`` for notifications.
From Python (``create_app(faults=..., fault_seed=...)``), the environment
(``SPCHECK_EMULATOR_FAULTS``, ``SPCHECK_EMULATOR_FAULT_SEED``) or the CLI.

Tenant modes in the same spec (``modes``): ``grant:read``, ``site:missing``,
``token:expired``, ``secret:expired``, ``roles:...``, ``graph:unreachable``,
``skew:10m``, ``subscriptions:refused``, ``sharing:disabled|existing-guests`` (the
tenant's external sharing, refusing invitations). Tokens from ``POST /_emulator/token``
(``tokens``; the test credential is ``credential.EmulatorCredential``) carry a
``roles`` claim and are checked; every
answer carries a ``Date`` and is shown to the observers of ``observe`` (the schema
contract of ``contract`` is one).

Deliberately not emulated: authentication beyond its own tokens (any other bearer,
or none, is accepted);
upload sessions, thumbnails, versions, check-in/out, search, ``$filter``,
``$orderby``, ``$expand`` (refused with 400, not ignored); subscriptions to
anything but drive roots; sharing-link redemption; delta on folders other than
the root (refused, as SharePoint does); other Graph workloads beyond ``sendMail``.
"""
