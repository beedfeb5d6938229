"""Import keys: what makes running the same import twice append it once.

An import's events get ids derived from its key (`import-<digest>-<n>`, n from 1), so the
store's idempotent append by event id recognises a repeat: a run whose first id is in the
log was committed before, in one batch, from that id on. The key is the caller's (a name the
file carries, such as a wire story's id) or the digest of the file's content.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable

import attrs

from ledger._fields import check_text
from ledger.events import StoredEvent
from ledger.log import Store

#: Import keys derived from content start with this, so they read as what they are.
CONTENT_KEY_PREFIX = "sha256:"


def content_key(lines: Iterable[str]) -> str:
    """The key of an import file's content: the digest of its non-blank lines, each with
    surrounding white space removed, so re-saving the file with other line endings or a
    trailing blank line still gives the same key."""
    digest = hashlib.sha256()
    for line in lines:
        if text := line.strip():
            digest.update(text.encode("utf-8", errors="surrogatepass") + b"\n")
    return CONTENT_KEY_PREFIX + digest.hexdigest()


def key_ids(key: str, n: int, *, start: int = 1) -> list[str]:
    """The event ids of `n` events of an import under `key`, numbered from `start` (an
    import appends in batches: each continues the numbering)."""
    check_text("key", key, required=True)
    tag = hashlib.sha256(key.encode("utf-8", errors="surrogatepass")).hexdigest()[:32]
    return [f"import-{tag}-{i}" for i in range(start, start + n)]


def line_tag(raw: object) -> str:
    """A line's own name, from its content (keys sorted, spacing ignored): its events' ids
    are this and `-1`, `-2`, ...; an import with `skip_known` skips a line whose first id
    the log holds."""
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("utf-8", errors="surrogatepass")).hexdigest()
    return f"line-{digest[:32]}"


def line_ids(tags: list[str], origins: list[int]) -> list[str]:
    """The event ids of events that came from the lines `tags` names (`origins[i]` is the
    index of event i's line), each line's numbered from 1."""
    ids: list[str] = []
    seen: dict[int, int] = {}
    for origin in origins:
        seen[origin] = seen.get(origin, 0) + 1
        ids.append(f"{tags[origin]}-{seen[origin]}")
    return ids


@attrs.frozen(kw_only=True, slots=True)
class Imported:
    """An import found in the log: the positions of its first and last events."""

    first: int
    last: int


def imported(
    store: Store, key: str, read: Callable[[int], Iterable[StoredEvent]]
) -> Imported | None:
    """The import committed under `key`, or None if there is none; `read(after)` gives the
    stored events after a position, in order. Its events are contiguous (one transaction),
    so the walk stops at the first event that is not one of them."""
    first_id = key_ids(key, 1)[0]
    found = store.find([first_id])
    if first_id not in found:
        return None
    first = last = found[first_id]
    prefix = first_id.removesuffix("-1") + "-"
    for stored in read(first - 1):
        if not stored.event_id.startswith(prefix):
            break
        last = stored.position
    return Imported(first=first, last=last)
