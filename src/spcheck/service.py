"""One check cycle: sync what changed, check new content and changed sharing, evaluate
every rule, follow each finding's history and acceptance, record the run, alert once.

Used by `spcheck check`, `spcheck watch`, the demo and the Azure Function. The
gateway and the store are passed in (adapters); everything else here is wiring.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from spcheck.content.interface import DEFAULT_LIMITS, Limits
from spcheck.cycle import access as access_mod
from spcheck.cycle import content as content_mod
from spcheck.cycle import replay, sharing
from spcheck.cycle.alerts import InspectionAlert, changes, compose
from spcheck.cycle.history import follow_inspection
from spcheck.cycle.layout import InspectionItems, folder_key, inspection_root, select, uploads
from spcheck.domain.attestation import attested_at
from spcheck.domain.findings import Severity, finding_key
from spcheck.domain.history import Ended
from spcheck.domain.policy import Policy
from spcheck.domain.snapshot import Access, ContentCheck, InspectionSnapshot, Unverified
from spcheck.graph.interface import Gateway, GatewayStats, GraphError, SiteDrive, SyncResult
from spcheck.graph.views import Permission
from spcheck.loader import LoadedInspection
from spcheck.report.interface import Report
from spcheck.rules.interface import InspectionResult
from spcheck.rules.registry import check_inspection
from spcheck.settings import Settings
from spcheck.store.interface import StoredItem
from spcheck.store.records import CheckRun, RunStatus, Store
from spcheck.writeahead.reconcile import Settled, settle_open


class Progress(Protocol):
    def stage(self, name: str, total: int) -> None: ...

    def advance(self, count: int = 1) -> None: ...


class _Silent:
    def stage(self, name: str, total: int) -> None:
        return None

    def advance(self, count: int = 1) -> None:
        return None


@dataclass(frozen=True, slots=True)
class CycleOptions:
    as_of: dt.datetime | None = None  # None: now; an earlier date replays that day
    sweep_every: dt.timedelta = dt.timedelta(hours=24)
    alerts: bool = True
    scan_workers: int | None = None
    # False skips downloading and scanning: every file is then reported as not checked
    # (check.unverifiable), never as clean. For measuring the Graph side alone.
    content: bool = True
    limits: Limits = DEFAULT_LIMITS  # what one file's check may cost (time, memory, size)
    report_at: str | None = None  # where this cycle's report will be, for the alert mail
    # False: no finding history and no acceptances (every finding counts). Only for
    # measuring what history costs (bench/check_cycle.py).
    history: bool = True
    # True lists the whole drive again instead of asking delta for what changed (after
    # Graph reports missed change notifications); it also re-reads every permission.
    full_sync: bool = False


@dataclass(frozen=True, slots=True)
class CycleStats:
    downloads: int = 0
    scans: int = 0
    cached_scans: int = 0
    permission_reads: int = 0
    swept: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    report: Report
    sync: SyncResult
    stats: CycleStats
    gateway: GatewayStats
    alerts: tuple[InspectionAlert, ...] = field(default=())
    alert_sent: bool = False
    # Changes an interrupted run left unrecorded, read back and audited before this cycle.
    reconciled: Settled = field(default_factory=Settled)


@dataclass
class _Work:
    """What the cycle learns about one inspection before the rules run."""

    loaded: LoadedInspection
    selected: InspectionItems
    content: dict[str, ContentCheck] = field(default_factory=dict)
    unverified: list[Unverified] = field(default_factory=list)
    sweep: bool = False


async def run_cycle(
    gateway: Gateway,
    store: Store,
    inspections: Sequence[LoadedInspection],
    settings: Settings,
    *,
    options: CycleOptions = CycleOptions(),
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    progress: Progress | None = None,
    site: SiteDrive | None = None,
) -> CycleOutcome:
    """One cycle. ``site`` saves the two requests that resolve SPCHECK_SITE when the
    caller already knows its drive (a change notification names it)."""
    tracker = progress or _Silent()
    started = now()
    as_of = options.as_of or started
    site = site or await gateway.resolve_site()
    drive = site.drive_id
    reconciled = await settle_open(store, gateway, [i.inspection.id for i in inspections])
    tracker.stage("sync", 1)
    sync = await gateway.sync(drive, store, full=options.full_sync)
    tracker.advance()
    items = store.items(drive)
    work = [
        _Work(loaded, select(items, inspection_root(settings.root_folder, loaded.inspection.id)))
        for loaded in inspections
    ]
    downloads, scans, cached = await _check_content(gateway, store, drive, work, options, tracker)
    reads = await _read_permissions(gateway, store, drive, items, work, sync, options, started)
    results = []
    ended: dict[str, tuple[Ended, ...]] = {}
    for entry in work:
        snapshot = _snapshot(store, entry, as_of)
        result = check_inspection(snapshot, entry.loaded, as_of)
        if options.history:
            followed = follow_inspection(
                store,
                result,
                selected=entry.selected,
                access=snapshot.access,
                policy=entry.loaded.policy,
                as_of=as_of,
                now=now(),
            )
            result, ended[result.id] = followed.result, followed.ended
        results.append(result)
    generated = now()
    report = Report(generated, as_of, settings.site or drive, tuple(results))
    run_id = uuid.uuid4().hex
    for result in results:
        store.record_run(_run(run_id, result, as_of, generated))
    alerts: tuple[InspectionAlert, ...] = ()
    sent = False
    if options.alerts:
        alerts, sent = await _alert(
            gateway, store, settings, results, ended, generated, options.report_at
        )
    stats = CycleStats(
        downloads=downloads,
        scans=scans,
        cached_scans=cached,
        permission_reads=reads,
        swept=tuple(e.loaded.inspection.id for e in work if e.sweep),
    )
    return CycleOutcome(report, sync, stats, gateway.stats(), alerts, sent, reconciled)


# --- content ------------------------------------------------------------------------------------


async def _check_content(
    gateway: Gateway,
    store: Store,
    drive: str,
    work: Sequence[_Work],
    options: CycleOptions,
    tracker: Progress,
) -> tuple[int, int, int]:
    if not options.content:
        return 0, 0, 0
    from spcheck.content.api import checks_fingerprint

    checks = checks_fingerprint()
    pending: list[tuple[_Work, content_mod.Pending]] = []
    cached = 0
    for entry in work:
        policy = entry.loaded.policy
        severities = _content_severities(policy)
        for path, item in entry.selected.items:
            if item.is_folder or not content_mod.wants_scan(item, policy.files):
                continue
            rules = content_mod.rules_for(folder_key(path, policy), policy)
            key = content_mod.cache_key(item, rules, policy.files, severities, checks)
            stored = store.get(item.id, key) if key is not None else None
            if stored is not None:
                entry.content[path] = content_mod.decode(path, stored)
                cached += 1
            else:
                pending.append((entry, content_mod.Pending(path, item, rules, key or "")))
    if not pending:
        return 0, 0, cached
    tracker.stage("download", len(pending))
    blobs = await asyncio.gather(*(_download(gateway, drive, e, p, tracker) for e, p in pending))
    ready = [(e, p, data) for (e, p), data in zip(pending, blobs, strict=True) if data is not None]
    tracker.stage("scan", len(ready))
    await asyncio.to_thread(_scan, store, ready, options, tracker)
    return len(ready), len(ready), cached


async def _download(
    gateway: Gateway, drive: str, entry: _Work, pending: content_mod.Pending, tracker: Progress
) -> bytes | None:
    limit = entry.loaded.policy.files.max_size_bytes
    try:
        return await gateway.download(drive, pending.item.id, max_bytes=limit)
    except GraphError as error:
        entry.unverified.append(Unverified(pending.path, f"could not be downloaded: {error}"))
        return None
    finally:
        tracker.advance()


def _scan(
    store: Store,
    ready: Sequence[tuple[_Work, content_mod.Pending, bytes]],
    options: CycleOptions,
    tracker: Progress,
) -> None:
    from spcheck.content.api import ScanJob, scan_jobs

    # One pool for every file whatever its folder's rules: several scanned files keep
    # every core busy.
    jobs = [
        ScanJob(
            pending.item.name,
            data,
            pending.rules,
            entry.loaded.policy.files,
            _content_severities(entry.loaded.policy),
        )
        for entry, pending, data in ready
    ]
    pages = _ScanPages(tracker, len(ready))
    scanned_at = dt.datetime.now(dt.UTC)
    results = scan_jobs(
        jobs, workers=options.scan_workers, limits=options.limits, progress=pages.advance
    )
    for (entry, pending, _), scan in zip(ready, results, strict=True):
        check = content_mod.from_scan(pending.path, scan.status, scan.findings, scan.words)
        entry.content[pending.path] = check
        if pending.key and not scan.interrupted:
            store.put(pending.item.id, pending.key, content_mod.encode(check), scanned_at)


class _ScanPages:
    """The scan stage counted in pages: a file is one until it is opened, then one more
    for each scanned page or picture in it, so the stage grows as files are opened."""

    def __init__(self, tracker: Progress, files: int) -> None:
        self.tracker = tracker
        self.total = files
        self.done = 0

    def advance(self, done: int, total: int) -> None:
        if total != self.total:
            self.total = total
            self.tracker.stage("pages", total)
            self.tracker.advance(done)
        else:
            self.tracker.advance(done - self.done)
        self.done = done


def _content_rule_ids() -> tuple[str, ...]:
    from spcheck.domain.catalogue import RULE_IDS

    return tuple(r for r in RULE_IDS if r.split(".")[0] in ("content", "file", "check"))


def _content_severities(policy: Policy) -> dict[str, Severity]:
    return {rule: policy.severity(rule) for rule in _content_rule_ids()}


# --- permissions --------------------------------------------------------------------------------


async def _read_permissions(
    gateway: Gateway,
    store: Store,
    drive: str,
    items: Sequence[StoredItem],
    work: Sequence[_Work],
    sync: SyncResult,
    options: CycleOptions,
    started: dt.datetime,
) -> int:
    by_id = {item.id: item for item in items}
    changed = set(sync.sharing_changed)
    added = set(sync.added)
    targets: list[str] = []
    for entry in work:
        selected = entry.selected
        if selected.root is None:
            continue
        inside = [item for _, item in selected.items]
        # The root's parent is read too: it tells which of the root's entries are inherited.
        parent = by_id.get(selected.root.parent_id or "")
        folders = [f for f in (parent, selected.root) if f is not None]
        folders += [item for path, item in selected.items if item.is_folder and "/" not in path]
        last = store.access_read_at(selected.root.id)
        entry.sweep = access_mod.sweep_due(last, started, options.sweep_every, forced=sync.full)
        cached = store.get_access([f.id for f in folders])
        targets += access_mod.read_targets(
            sweep=entry.sweep,
            folder_ids=[f.id for f in folders],
            shared_ids=[i.id for i in inside if i.shared],
            sharing_changed=[i.id for i in inside if i.id in changed],
            new_ids=[i.id for i in inside if i.id in added and i.shared],
            cached=cached,
        )
    targets = list(dict.fromkeys(targets))
    if not targets:
        return 0
    result = await gateway.permissions_many(drive, targets)
    fresh = {item_id: access_mod.encode(perms) for item_id, perms in result.found.items()}
    fresh.update({item_id: "[]" for item_id in result.missing})
    if fresh:
        read = {item_id: result.found.get(item_id, ()) for item_id in fresh}
        store.put_access(fresh, started, _histories(store, read, started))
    for entry in work:
        for path, item in [("", entry.selected.root), *entry.selected.items]:
            if item is not None and item.id in result.failed:
                reason = result.failed[item.id]
                entry.unverified.append(
                    Unverified(path, f"permissions could not be read: {reason}")
                )
    return len(targets)


def _histories(
    store: Store, read: Mapping[str, Sequence[Permission]], read_at: dt.datetime
) -> dict[str, str]:
    """Each read item's sharing history advanced by this read (sharing.py)."""
    previous = store.get_access(list(read))
    kept = store.get_sharing_history(list(read))
    histories: dict[str, str] = {}
    for item_id, permissions in read.items():
        before = previous.get(item_id)
        last = (access_mod.decode(before[0]), before[1]) if before is not None else None
        spans = sharing.decode(kept[item_id]) if item_id in kept else None
        histories[item_id] = sharing.encode(sharing.advance(spans, last, permissions, read_at))
    return histories


def _access_of(store: Store, entry: _Work, as_of: dt.datetime) -> tuple[Access, ...] | None:
    """Every permission under the inspection folder at ``as_of``; None if the folder's were
    never read. A replay (``as_of`` before the reads) asks the sharing history and the
    audit log which permissions existed then (replay.py)."""
    selected = entry.selected
    if selected.root is None:
        return None
    everything = [("", selected.root), *selected.items]
    ids = [item.id for _, item in everything]
    parent_id = selected.root.parent_id
    cached = store.get_access(ids + ([parent_id] if parent_id else []))
    if selected.root.id not in cached:
        return None
    if all(read_at <= as_of for _, read_at in cached.values()):
        return _access_now(everything, cached)
    return _access_then(store, entry, everything, cached, as_of)


def _access_now(
    everything: Sequence[tuple[str, StoredItem]], cached: Mapping[str, tuple[str, dt.datetime]]
) -> tuple[Access, ...]:
    perms: dict[str, tuple[Permission, ...]] = {
        item_id: access_mod.decode(text) for item_id, (text, _) in cached.items()
    }
    found: list[Access] = []
    for path, item in everything:
        own = perms.get(item.id)
        if own is None:
            continue  # never read: inherits, or sharing never reported as changed
        parent = perms.get(item.parent_id) if item.parent_id else None
        found.extend(access_mod.classify(path, own, parent))
    return tuple(found)


def _access_then(
    store: Store,
    entry: _Work,
    everything: Sequence[tuple[str, StoredItem]],
    cached: Mapping[str, tuple[str, dt.datetime]],
    as_of: dt.datetime,
) -> tuple[Access, ...]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(entry.loaded.policy.calendar.timezone)

    def shown(moment: dt.datetime) -> str:
        local = moment.astimezone(zone)
        return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")

    kept = store.get_sharing_history(list(cached))
    events = replay.audit_events(store.entries(entry.loaded.inspection.id))
    root = everything[0][1]
    items = {item.id: item for _, item in everything}
    if root.parent_id is not None:
        items.setdefault(root.parent_id, _parent_stand_in(root))
    then: dict[str, tuple[replay.Then, ...]] = {}
    for item_id, (text, read_at) in cached.items():
        item = items.get(item_id)
        if item is None:
            continue
        spans = sharing.decode(kept[item_id]) if item_id in kept else None
        if spans is None:
            spans = sharing.seeded(access_mod.decode(text), read_at)
        path = item.path.casefold()
        then[item_id] = replay.at_moment(
            spans,
            [e for e in events if e.path == path],
            as_of=as_of,
            created_at=item.created_at,
            latest_read=read_at,
            shown=shown,
        )
    found: list[Access] = []
    for path, item in everything:
        own = then.get(item.id)
        if own is None:
            continue
        parent = then.get(item.parent_id) if item.parent_id else None
        classified = access_mod.classify(
            path,
            [t.permission for t in own],
            None if parent is None else [t.permission for t in parent],
        )
        found.extend(
            replace(access, doubt=t.doubt, one_of=t.one_of)
            for access, t in zip(classified, own, strict=True)
        )
    return tuple(found)


def _parent_stand_in(root: StoredItem) -> StoredItem:
    """The inspection folder's parent, known here only by id (its age is not needed)."""
    return StoredItem(root.parent_id or "", "", "", None, True, root.first_seen)


def _snapshot(store: Store, entry: _Work, as_of: dt.datetime) -> InspectionSnapshot:
    loaded = entry.loaded
    selected = entry.selected
    present = uploads(selected, loaded.policy, as_of)
    paths = {u.path for u in present}
    return InspectionSnapshot(
        inspection_id=loaded.inspection.id,
        root_path=selected.root_path,
        provisioned=selected.root is not None,
        uploads=present,
        access=_access_of(store, entry, as_of),
        content={p: c for p, c in entry.content.items() if p in paths},
        unverified=tuple(entry.unverified),
        attested=attested_at(store.attestations(loaded.inspection.id), as_of),
    )


# --- history and alerts -------------------------------------------------------------------------


def _run(run_id: str, result: InspectionResult, as_of: dt.datetime, at: dt.datetime) -> CheckRun:
    # Live findings by severity (what the trend draws), and what is accepted and new.
    counts = {s.value: result.count(s) for s in Severity}
    counts["accepted"] = len(result.accepted)
    counts["new"] = result.count_new(Severity.ERROR)
    return CheckRun(
        run_id=run_id,
        inspection_id=result.id,
        as_of=as_of,
        generated_at=at,
        status=RunStatus(result.status),
        counts=counts,
        finding_keys=frozenset(finding_key(f) for f in result.findings),
        milestones={m.id: m.state.value for m in result.milestones},
    )


async def _alert(
    gateway: Gateway,
    store: Store,
    settings: Settings,
    results: Sequence[InspectionResult],
    ended: Mapping[str, Sequence[Ended]],
    at: dt.datetime,
    report_at: str | None,
) -> tuple[tuple[InspectionAlert, ...], bool]:
    if not (settings.alert_to and settings.alert_from):
        return (), False
    pending = tuple(
        alert
        for alert in (
            changes(result, store.alerted_keys(result.id), ended.get(result.id, ()))
            for result in results
        )
        if not alert.empty
    )
    if not pending:
        return (), False
    subject, body = compose(pending, settings.site or "the inspection site", report_at)
    recipients = [address.strip() for address in settings.alert_to.split(",") if address.strip()]
    await gateway.send_mail(settings.alert_from, recipients, subject, body)
    for alert in pending:
        store.mark_alerted(alert.inspection_id, [finding_key(f) for f in alert.new], at)
        # An accepted finding leaves the alerted set, so its return (a lapse) is mailed.
        store.mark_resolved(alert.inspection_id, [*alert.resolved, *alert.accepted], at)
    return pending, True
