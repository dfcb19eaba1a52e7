"""The SQLite schema as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied; opening a store
applies the missing ones in one transaction. Never edit a released migration:
append a new one. ``APPLICATION_ID`` marks a file as spcheck's so that another
program's database is refused instead of altered.
"""

from __future__ import annotations

# "SPCK" in ASCII: written to the SQLite header's application_id field.
APPLICATION_ID = 0x5350434B

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: what delta sync remembers.
    (
        """
        CREATE TABLE delta_links (
            drive_id TEXT PRIMARY KEY,
            link TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE items (
            drive_id TEXT NOT NULL,
            id TEXT NOT NULL,
            name TEXT NOT NULL,
            path TEXT NOT NULL,
            path_key TEXT NOT NULL,
            parent_id TEXT,
            is_folder INTEGER NOT NULL,
            first_seen TEXT NOT NULL,
            size INTEGER,
            created_at TEXT,
            modified_at TEXT,
            created_by TEXT,
            modified_by TEXT,
            sha256 TEXT,
            quick_xor TEXT,
            mime_type TEXT,
            etag TEXT,
            ctag TEXT,
            shared INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (drive_id, id)
        )
        """,
        "CREATE INDEX items_by_path ON items (drive_id, path_key)",
    ),
    # 2: the audit log of folder and permission changes.
    (
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            plan_id TEXT NOT NULL,
            inspection_id TEXT NOT NULL,
            step INTEGER NOT NULL,
            action TEXT NOT NULL,
            path TEXT,
            email TEXT,
            actor TEXT NOT NULL,
            before TEXT NOT NULL,
            after TEXT NOT NULL,
            at TEXT NOT NULL,
            at_utc TEXT NOT NULL,
            result TEXT NOT NULL CHECK (result IN ('ok', 'failed', 'skipped')),
            detail TEXT NOT NULL DEFAULT ''
        )
        """,
        "CREATE INDEX audit_by_inspection ON audit (inspection_id, at_utc)",
        "CREATE INDEX audit_by_plan ON audit (plan_id)",
    ),
    # 3: check history, alert de-duplication and the content cache.
    (
        """
        CREATE TABLE check_runs (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id TEXT NOT NULL,
            inspection_id TEXT NOT NULL,
            as_of TEXT NOT NULL,
            generated_at TEXT NOT NULL,
            generated_utc TEXT NOT NULL,
            status TEXT NOT NULL,
            counts TEXT NOT NULL,
            finding_keys TEXT NOT NULL,
            UNIQUE (run_id, inspection_id)
        )
        """,
        "CREATE INDEX check_runs_by_inspection ON check_runs (inspection_id, generated_utc)",
        """
        CREATE TABLE alerts (
            inspection_id TEXT NOT NULL,
            key TEXT NOT NULL,
            alerted_at TEXT NOT NULL,
            resolved_at TEXT,
            PRIMARY KEY (inspection_id, key)
        )
        """,
        """
        CREATE TABLE content_cache (
            item_id TEXT PRIMARY KEY,
            content_hash TEXT NOT NULL,
            result TEXT NOT NULL,
            scanned_at TEXT NOT NULL
        )
        """,
    ),
    # 4: permissions as last read, so a cycle re-reads only what changed.
    (
        """
        CREATE TABLE access_cache (
            item_id TEXT PRIMARY KEY,
            permissions TEXT NOT NULL,
            read_at TEXT NOT NULL
        )
        """,
    ),
    # 5: findings over time, accepted findings, attested milestones, milestone states per run.
    (
        "ALTER TABLE check_runs ADD COLUMN milestones TEXT NOT NULL DEFAULT '{}'",
        """
        CREATE TABLE history_cycles (
            inspection_id TEXT PRIMARY KEY,
            cycle INTEGER NOT NULL,
            at TEXT NOT NULL
        )
        """,
        """
        CREATE TABLE finding_history (
            inspection_id TEXT NOT NULL,
            key TEXT NOT NULL,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            path TEXT,
            milestone TEXT,
            location TEXT,
            first_seen TEXT NOT NULL,
            first_cycle INTEGER NOT NULL,
            last_seen TEXT NOT NULL,
            resolved_at TEXT,
            reopened INTEGER NOT NULL DEFAULT 0,
            content TEXT,
            sharing TEXT,
            PRIMARY KEY (inspection_id, key)
        )
        """,
        """
        CREATE TABLE acceptances (
            id TEXT PRIMARY KEY,
            inspection_id TEXT NOT NULL,
            key TEXT NOT NULL,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            path TEXT,
            location TEXT,
            milestone TEXT,
            content TEXT,
            sharing TEXT,
            reason TEXT NOT NULL,
            accepted_by TEXT NOT NULL,
            at TEXT NOT NULL,
            at_utc TEXT NOT NULL,
            until TEXT NOT NULL,
            ended_at TEXT,
            ended_by TEXT,
            end_reason TEXT
        )
        """,
        "CREATE INDEX acceptances_by_inspection ON acceptances (inspection_id, at_utc)",
        """
        CREATE TABLE attestations (
            id TEXT PRIMARY KEY,
            inspection_id TEXT NOT NULL,
            milestone TEXT NOT NULL,
            happened_on TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            recorded_utc TEXT NOT NULL,
            recorded_by TEXT NOT NULL,
            value INTEGER,
            note TEXT NOT NULL DEFAULT '',
            withdrawn_at TEXT,
            withdrawn_by TEXT
        )
        """,
        "CREATE INDEX attestations_by_inspection ON attestations (inspection_id, recorded_utc)",
    ),
    # 6: the write-ahead audit: each change's intent, recorded before the change is made
    # and closed by the audit entry of its outcome.
    (
        """
        CREATE TABLE intents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            inspection_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            opened_utc TEXT NOT NULL,
            entry TEXT NOT NULL,
            subject TEXT NOT NULL,
            closed_utc TEXT,
            audit_id INTEGER REFERENCES audit (id)
        )
        """,
        "CREATE INDEX intents_open ON intents (inspection_id) WHERE closed_utc IS NULL",
    ),
    # 7: change notifications: the subscription per drive, notifications seen, pending wakes.
    (
        """
        CREATE TABLE drive_subscriptions (
            drive_id TEXT PRIMARY KEY,
            site_id TEXT NOT NULL,
            subscription_id TEXT,
            expires_at TEXT,
            checked_at TEXT NOT NULL,
            created_at TEXT,
            url_digest TEXT NOT NULL DEFAULT '',
            state_digest TEXT NOT NULL DEFAULT '',
            security INTEGER NOT NULL DEFAULT 0,
            refused TEXT
        )
        """,
        """
        CREATE TABLE notifications_seen (
            subscription_id TEXT NOT NULL,
            notification_id TEXT NOT NULL,
            seen_utc TEXT NOT NULL,
            PRIMARY KEY (subscription_id, notification_id)
        )
        """,
        "CREATE INDEX notifications_seen_by_time ON notifications_seen (seen_utc)",
        """
        CREATE TABLE pending_wakes (
            key TEXT PRIMARY KEY,
            since_utc TEXT NOT NULL
        )
        """,
    ),
    # 8: the person who asked for each audited change, beside the app it was made as,
    # and each item's sharing history beside its last permissions read (for replays).
    (
        "ALTER TABLE audit ADD COLUMN requested_by TEXT",
        "ALTER TABLE access_cache ADD COLUMN history TEXT",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)

# The tables each version must have: a file claiming a version without them is refused.
TABLES_AT: dict[int, frozenset[str]] = {
    1: frozenset({"delta_links", "items"}),
    2: frozenset({"delta_links", "items", "audit"}),
    3: frozenset({"delta_links", "items", "audit", "check_runs", "alerts", "content_cache"}),
    4: frozenset(
        {"delta_links", "items", "audit", "check_runs", "alerts", "content_cache", "access_cache"}
    ),
    5: frozenset(
        {
            "delta_links",
            "items",
            "audit",
            "check_runs",
            "alerts",
            "content_cache",
            "access_cache",
            "history_cycles",
            "finding_history",
            "acceptances",
            "attestations",
        }
    ),
}
TABLES_AT[6] = TABLES_AT[5] | {"intents"}
TABLES_AT[7] = TABLES_AT[6] | {"drive_subscriptions", "notifications_seen", "pending_wakes"}
TABLES_AT[8] = TABLES_AT[7]  # columns only
