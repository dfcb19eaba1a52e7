"""The only code in spcheck that talks to Microsoft Graph (docs/architecture.md, the Graph seam).

Importing this package loads neither msgraph nor azure-identity: they are
imported when a gateway is built, so commands that never reach Graph stay fast.
"""

from spcheck.graph.client import build_gateway, run_with_gateway
from spcheck.graph.interface import (
    FolderResult,
    Gateway,
    GatewayStats,
    GraphAuthError,
    GraphConflict,
    GraphError,
    GraphGone,
    GraphNotFound,
    GraphThrottled,
    GraphUnavailable,
    PermissionsResult,
    Role,
    SiteDrive,
    SyncResult,
)
from spcheck.graph.retry import RetryPolicy

__all__ = [
    "FolderResult",
    "Gateway",
    "GatewayStats",
    "GraphAuthError",
    "GraphConflict",
    "GraphError",
    "GraphGone",
    "GraphNotFound",
    "GraphThrottled",
    "GraphUnavailable",
    "PermissionsResult",
    "RetryPolicy",
    "Role",
    "SiteDrive",
    "SyncResult",
    "build_gateway",
    "run_with_gateway",
]
