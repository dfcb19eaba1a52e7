"""Graph URLs built by hand, and the safe one-line label of a call used in logs and errors."""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from spcheck.domain.findings import mask


def segment(value: str) -> str:
    """One path segment, percent-encoded whole (ids may hold "!", ",", ":")."""
    return quote(value, safe="")


def drive_path(path: str) -> str:
    """``root:/A/B:`` addressing for a path under the drive root; "" is the root itself."""
    parts = [part for part in path.strip("/").split("/") if part]
    if not parts:
        return "root"
    return "root:/" + "/".join(segment(part) for part in parts) + ":"


def label(method: str, url: str, base_path: str = "") -> str:
    """``METHOD /path`` with the query dropped and any email-like segment masked.

    Queries are dropped because delta tokens are long and say nothing useful to
    a reader; emails (a sender in ``/users/{email}/sendMail``) are masked like
    every identifier spcheck prints.
    """
    path = urlsplit(url).path
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :] or "/"
    shown = "/".join(
        mask(part) if "@" in part or "%40" in part else part for part in path.split("/")
    )
    return f"{method} {shown}"


def has_delta_token(url: str) -> bool:
    """A delta request that carries a token (a nextLink or deltaLink) costs 1 RU, not 2."""
    query = urlsplit(url).query
    return "token=" in query or "delta(token=" in url or "$skiptoken=" in query


def key_segments(path: str, *, errors: str = "strict") -> list[str]:
    """A raw Graph path's decoded segments, with ``key:`` ... ``:`` groups joined back.

    Graph addresses by path inside a segment (``root:/A/B:``, ``host:/sites/x:``): a
    hand-written URL spreads it over several segments, msgraph-sdk sends it
    percent-encoded as one; both come back as the one segment ``root:/A/B:``.
    With ``errors="strict"`` a segment that is not UTF-8 raises ``UnicodeDecodeError``.
    """
    parts = [unquote(part, errors=errors) for part in path.split("/") if part]
    merged: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        index += 1
        if part.endswith(":") and part.count(":") == 1 and index < len(parts):
            group = [part]
            while index < len(parts):
                group.append(parts[index])
                index += 1
                if group[-1].endswith(":"):
                    break
            part = "/".join(group)
        merged.append(part)
    return merged
