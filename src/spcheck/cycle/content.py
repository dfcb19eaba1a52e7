"""Content checks in a cycle: only new or changed files are downloaded and scanned.

A result is kept in the store under the item id and a key made of the file's
hash, the rules and severities it was checked against and the build of the
checks, so an unchanged file is never downloaded twice, while a policy change
(or a move to a folder with other rules) or a new spcheck checks it again. A
check that was cut short (a time or memory limit) is reported but not kept: the
next cycle tries again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from spcheck.domain.findings import Finding, Severity
from spcheck.domain.policy import ContentRules, FileRules, Policy
from spcheck.domain.snapshot import ContentCheck, ContentStatus
from spcheck.store.interface import StoredItem

# Files outside every policy folder get the strictest checks: they may be anything.
STRICT = ContentRules(identifiers="forbid", redaction="verify", hidden_data="forbid")


@dataclass(frozen=True, slots=True)
class Pending:
    """A file this cycle must download and check."""

    path: str  # under the inspection folder
    item: StoredItem
    rules: ContentRules
    key: str


def rules_for(folder_key: str | None, policy: Policy) -> ContentRules:
    if folder_key is None:
        return STRICT
    try:
        return policy.folder(folder_key).content
    except KeyError:
        return STRICT


def cache_key(
    item: StoredItem,
    rules: ContentRules,
    files: FileRules,
    severities: Mapping[str, Severity],
    checks: str,
) -> str | None:
    """The content's hash plus what judged it: rules, severities and the checks' build
    (``checks``); None when the file has no hash or tag to trust."""
    version = item.sha256 or item.quick_xor or item.ctag
    if version is None:
        return None
    judged_by = [
        rules.model_dump(mode="json"),
        files.model_dump(mode="json"),
        {rule: severity.value for rule, severity in severities.items()},
        checks,
    ]
    fingerprint = json.dumps(judged_by, sort_keys=True)
    return version + "|" + hashlib.sha256(fingerprint.encode()).hexdigest()[:16]


def wants_scan(item: StoredItem, files: FileRules) -> bool:
    """Empty and over-size files are judged by the file rules without downloading them."""
    return item.size is None or 0 < item.size <= files.max_size_bytes


def encode(check: ContentCheck) -> str:
    return json.dumps(
        {
            "status": check.status.value,
            "words": check.words,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity.value,
                    "message": f.message,
                    "kind": f.kind,
                    "location": f.location,
                    "masked": f.masked,
                }
                for f in check.findings
            ],
        }
    )


def decode(path: str, text: str) -> ContentCheck:
    data = json.loads(text)
    findings = tuple(
        Finding(
            rule=f["rule"],
            severity=Severity(f["severity"]),
            message=f["message"],
            path=path,
            kind=f.get("kind"),
            location=f.get("location"),
            masked=f.get("masked"),
        )
        for f in data["findings"]
    )
    return ContentCheck(path, ContentStatus(data["status"]), findings, data.get("words"))


def from_scan(
    path: str, status: str, findings: Sequence[Finding], words: int | None
) -> ContentCheck:
    located = tuple(
        Finding(f.rule, f.severity, f.message, path, f.milestone, f.kind, f.location, f.masked)
        for f in findings
    )
    return ContentCheck(path, ContentStatus(status), located, words)


def group_by_rules(pending: Sequence[Pending]) -> Mapping[ContentRules, list[Pending]]:
    groups: dict[ContentRules, list[Pending]] = {}
    for entry in pending:
        groups.setdefault(entry.rules, []).append(entry)
    return groups
