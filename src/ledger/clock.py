"""The bound on the recorded clock: how far a writer's clock may lag the log's head.

Every batch is recorded at the writer's `now`, or at the head's recorded time if that is
later, so the recorded clock never runs backwards along the log. Unbounded, that rule let one
record from a clock far ahead (or a restored record dated 9999-12-31) drag every later append
to its time, and `tally(known_at=now)` stopped showing anything new. So a writer whose clock
is more than `CLOCK_TOLERANCE` behind the head is refused with `ClockSkewError`: loudly, once,
at the writer, instead of silently skewing everyone after it. Within the tolerance, the
usual skew between hosts kept in step by NTP, its batch is recorded at the head's time.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from ledger.errors import ClockSkewError

#: How far behind the head's recorded time a writer's clock may be. Hosts kept in step by
#: NTP differ by milliseconds; ten minutes also covers a laptop that slept through its sync.
CLOCK_TOLERANCE: Final = dt.timedelta(minutes=10)


def recorded_time(now: dt.datetime, head: dt.datetime | None) -> dt.datetime:
    """When a batch appended at `now` after a head recorded at `head` is recorded."""
    if head is None or now >= head:
        return now
    if head - now > CLOCK_TOLERANCE:
        raise ClockSkewError(now=now, head=head, tolerance=CLOCK_TOLERANCE)
    return head


def check_not_future(when: dt.datetime, *, now: dt.datetime | None = None) -> None:
    """Refuse a recorded time later than `now` (the system clock) plus the tolerance: a
    record cannot have been recorded after the moment it is read."""
    now = dt.datetime.now(dt.UTC) if now is None else now
    if when - now > CLOCK_TOLERANCE:
        msg = (
            f"{when.isoformat()} is in the future (this machine's clock says "
            f"{now.isoformat()}); a record cannot be recorded after it is read"
        )
        raise ValueError(msg)
