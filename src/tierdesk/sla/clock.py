"""Business-time arithmetic for SLA clocks: pure Python, standard library only.

A :class:`Calendar` says when the clock runs; :func:`deadline` answers "when is this target used
up?", :func:`elapsed` "how much business time lies between two instants?" and
:func:`business_intervals` "which stretches of time counted?" (for the explain command).

Conventions
-----------
* Every datetime must be aware; a naive one raises ``ValueError``. Deadlines come back in the
  calendar's time zone. Targets are ``int``/``float`` seconds or a ``timedelta``; ``elapsed``
  returns whole seconds (``int``), truncated toward zero. Sub-second parts of instants are kept
  internally (integer microseconds), so ``elapsed`` is exactly additive for whole-second inputs.
* Time accrues inside the half-open working intervals ``[open, close)`` of each local working day,
  read in the calendar's wall-clock time (08:00-18:00 stays 08:00-18:00 across DST changes).
  A close of ``00:00`` (or ``"24:00"`` in :meth:`Calendar.from_dict`) means the end of that day.
* A local date in ``holidays`` has no working time at all.
* DST: a wall time is turned into an instant with ``fold=0`` (zoneinfo/PEP 495), i.e. with the
  offset in force *before* the transition. For an ambiguous (repeated) time that is its first
  occurrence; for a non-existent time (in the spring-forward gap) that lands *after* the gap, e.g.
  London 01:30 on the spring-forward day is 02:30 BST. Each day's intervals are then clamped so
  they never run backwards, overlap or leave the day; the time counted is the real time between the
  resulting instants. So a London Sunday interval 00:30-03:00 counts 1.5 h on the spring-forward
  day and 3.5 h on the fall-back day, and 01:30-02:00 on the spring-forward day counts nothing.
* ``deadline`` returns the *earliest* instant at which the target is used up: a target used up
  exactly at a closing time ends AT that closing time (not at the next opening), and a zero target
  ends at its start instant, even outside working hours.
* "N business days" is ``N * calendar.working_day_seconds`` (see :func:`business_days`).
* ``always_open`` (24x7) counts real elapsed time (UTC difference), so 2026-03-29 00:00 GMT plus 3 h
  in London is 04:00 BST. Holidays still stop a 24x7 clock; ``week`` is then ignored.
* Pauses are half-open instant ranges ``[start, end)``; they may overlap, be unsorted or lie outside
  working hours. Paused time never counts.
* ``elapsed(calendar, start, end)`` with ``end < start`` is ``-elapsed(calendar, end, start)``.
* A calendar without any weekly working time makes ``deadline`` raise ``ValueError`` (holiday sets
  are finite, so any other calendar always reaches its target).
* Supported instants: years 0001-9999. UTC offset changes are found by sampling the zone once a day
  (cached per zone), so two changes that cancel out within one day would go unnoticed.

Performance: per calendar we precompute the weekly interval offsets, the weekly total and a sorted
holiday table with prefix sums, so a deadline is a closed-form computation in local wall-clock
microseconds (whole weeks, then the day, then the interval; holidays via bisect) instead of a walk
over days. That is exact wherever the UTC offset is constant; the local days that contain an offset
change ("transition days") are walked one by one with zoneinfo instead.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:  # annotations only: at run time this module imports just what it computes with
    from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = ["Calendar", "business_days", "business_intervals", "deadline", "elapsed"]

Interval = tuple[time, time]
Week = dict[int, tuple[Interval, ...]]
type Pauses = Sequence[tuple[datetime, datetime]]

US = 1_000_000  # microseconds per second: all internal arithmetic is in integer microseconds
DAY = 86_400 * US
WEEK_DAYS = 7
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()  # day 0 of our day numbers, a Thursday
EPOCH_WEEKDAY = 3  # (day + 3) % 7 is the weekday, Monday = 0
UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LOCAL_EPOCH = datetime(1970, 1, 1)
ONE_US = timedelta(microseconds=1)
MIN_U = (date(1, 1, 3).toordinal() - EPOCH_ORDINAL) * DAY  # keep clear of datetime's limits
MAX_U = (date(9999, 12, 29).toordinal() - EPOCH_ORDINAL) * DAY
SCAN_DAYS = 366  # the zone table grows a year at a time
MARGIN = 5 * DAY  # distrust the edges of the scanned range: a block there may be half seen

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEK: Week = {d: ((time(8), time(18)),) for d in range(5)}


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """When an SLA clock runs. Immutable; the arithmetic tables are built once, on creation."""

    timezone: str
    week: Week = field(default_factory=lambda: dict(DEFAULT_WEEK))
    holidays: frozenset[date] = frozenset()
    always_open: bool = False
    _engine: _Engine = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "week", _normalise_week(self.week))
        object.__setattr__(self, "holidays", frozenset(_as_date(h) for h in self.holidays))
        object.__setattr__(self, "_engine", _Engine(self))

    def __hash__(self) -> int:
        return hash((self.timezone, tuple(self.week.items()), self.holidays, self.always_open))

    def __reduce__(self) -> tuple[type[Calendar], tuple[str, Week, frozenset[date], bool]]:
        """Pickle the definition only; the tables are rebuilt (and shared) on load."""
        return Calendar, (self.timezone, self.week, self.holidays, self.always_open)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calendar:
        """Build from the JSON shape stored in the database (see the module docstring)."""
        unknown = set(data) - {"timezone", "week", "holidays", "always_open"}
        if unknown:
            raise ValueError(f"unknown calendar keys: {sorted(unknown)}")
        if "timezone" not in data:
            raise ValueError("a calendar needs a timezone")
        week_data = data.get("week")
        week = DEFAULT_WEEK if week_data is None else _parse_week(week_data)
        return cls(
            timezone=data["timezone"],
            week=dict(week),
            holidays=frozenset(_as_date(h) for h in data.get("holidays") or ()),
            always_open=_as_bool(data.get("always_open", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        """The inverse of :meth:`from_dict` (working days only, holidays sorted)."""
        week = {
            DAY_NAMES[d]: [[_format_time(o, False), _format_time(c, True)] for o, c in spans]
            for d, spans in self.week.items()
            if spans
        }
        return {
            "timezone": self.timezone,
            "week": week,
            "holidays": [h.isoformat() for h in sorted(self.holidays)],
            "always_open": self.always_open,
        }

    @property
    def working_day_seconds(self) -> int:
        """Length of a typical working day: the most common non-zero daily total (ties: longest).

        "N business days" means N of these, so a 2-day target on a Mon-Fri 9 h calendar is 18 h
        of business time whatever weekday it starts on.
        """
        totals = [t for t in self._engine.totals if t]
        if not totals:
            return 0
        best = max(totals, key=lambda t: (totals.count(t), t))
        return best // US


def _normalise_week(week: Mapping[int, Iterable[Interval]]) -> Week:
    """Sort and merge each day's intervals so equal working time gives equal calendars."""
    if set(week) - set(range(WEEK_DAYS)):
        raise ValueError("week keys are weekdays 0 (Monday) to 6 (Sunday)")
    out: Week = {}
    for day in range(WEEK_DAYS):
        spans = sorted(_span_us(o, c) for o, c in week.get(day, ()))
        merged: list[list[int]] = []
        for o, c in spans:
            if merged and o <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], c)
            else:
                merged.append([o, c])
        out[day] = tuple((_us_to_time(o), _us_to_time(c % DAY)) for o, c in merged)
    return out


def _span_us(opening: time, closing: time) -> tuple[int, int]:
    if opening.tzinfo is not None or closing.tzinfo is not None:
        raise ValueError("working hours are local wall-clock times without tzinfo")
    o, c = _time_us(opening), _time_us(closing) or DAY
    if o >= c:
        raise ValueError(f"working interval {opening}-{closing} must open before it closes")
    return o, c


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US + t.microsecond


def _us_to_time(us: int) -> time:
    s, micro = divmod(us, US)
    return time(s // 3600, s // 60 % 60, s % 60, micro)


def _parse_week(data: Mapping[Any, Any]) -> Week:
    week: Week = {}
    for key, spans in data.items():
        day = _parse_day(key)
        week[day] = tuple(
            (_parse_time(o, closing=False), _parse_time(c, closing=True)) for o, c in spans
        )
    return week


def _parse_day(key: object) -> int:
    text = str(key).strip().lower()
    if text.isdigit() and int(text) < WEEK_DAYS:
        return int(text)
    for number, name in enumerate(DAY_NAMES):
        if text in (name, FULL_DAY_NAMES[number]):
            return number
    raise ValueError(f"unknown weekday {key!r}")


def _parse_time(value: object, *, closing: bool) -> time:
    """``"8:00"``, ``"08:00"``, ``"08:00:30"``; ``"24:00"`` as a closing time means midnight."""
    if isinstance(value, time):
        return value
    text = str(value).strip()
    if closing and text in ("24:00", "24:00:00"):
        return time(0)
    parts = [int(p) if p.isdigit() and len(p) <= 2 else -1 for p in text.split(":")]
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        return time(parts[0], parts[1], parts[2] if len(parts) == 3 else 0)
    except ValueError:
        raise ValueError(f"not a time of day (HH:MM): {value!r}") from None


def _format_time(t: time, closing: bool) -> str:
    if closing and t == time(0):
        return "24:00"
    return t.strftime("%H:%M:%S" if t.second or t.microsecond else "%H:%M")


def _as_bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"always_open must be true or false, not {value!r}")
    return value


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"holidays are dates, not datetimes: {value!r}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"not a date: {value!r}") from None


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def business_days(n: float, calendar: Calendar) -> int:
    """Seconds in ``n`` business days of ``calendar`` (``n * working_day_seconds``)."""
    return round(n * calendar.working_day_seconds)


def deadline(
    calendar: Calendar, start: datetime, target: timedelta | float, pauses: Pauses = ()
) -> datetime:
    """The earliest instant at which ``target`` of business time since ``start`` is used up."""
    eng = calendar._engine
    rem = _target_us(target)
    if start.tzinfo is not eng.zi:
        start = _aware(start, "start").astimezone(eng.zi)
    if rem == 0:
        return start
    if eng.week_total == 0:
        raise ValueError("the calendar has no working time, so no target can ever be reached")
    if not pauses:
        fast = eng.fast_deadline(start, rem)
        if fast is not None:
            return fast
    u = _to_u(start)
    return eng.from_u(eng.advance_paused(u, rem, _merge_pauses(pauses)))


def elapsed(calendar: Calendar, start: datetime, end: datetime, pauses: Pauses = ()) -> int:
    """Whole seconds of business time in ``[start, end)``, pauses excluded."""
    eng = calendar._engine
    zi = eng.zi
    if start.tzinfo is not zi:
        start = _aware(start, "start").astimezone(zi)
    if end.tzinfo is not zi:
        end = _aware(end, "end").astimezone(zi)
    if not pauses:
        fast = eng.fast_elapsed(start, end)
        if fast is not None:
            return fast // US if fast >= 0 else -(-fast // US)
    a, b = _to_u(start), _to_u(end)
    if b < a:
        return -(eng.count_paused(b, a, _merge_pauses(pauses)) // US)
    return eng.count_paused(a, b, _merge_pauses(pauses)) // US


def business_intervals(
    calendar: Calendar, start: datetime, end: datetime, pauses: Pauses = ()
) -> Iterator[tuple[datetime, datetime]]:
    """The ``[from, to)`` stretches of ``[start, end)`` that count, in order, in calendar time."""
    eng = calendar._engine
    a, b = _to_u(_aware(start, "start")), _to_u(_aware(end, "end"))
    pieces = _subtract(eng.spans(a, b), _merge_pauses(pauses))
    for x, y in _coalesce(pieces):
        yield eng.from_u(x), eng.from_u(y)


def _target_us(target: timedelta | float) -> int:
    if type(target) is int:
        us = target * US
    elif isinstance(target, timedelta):
        us = (target.days * 86_400 + target.seconds) * US + target.microseconds
    else:
        us = round(float(target) * US)
    if us < 0:
        raise ValueError(f"a target cannot be negative: {target!r}")
    return us


def _aware(dt: datetime, what: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {dt!r}")
    return dt


def _to_u(dt: datetime) -> int:
    """Microseconds since the Unix epoch (an instant; fold is honoured)."""
    return (dt - UTC_EPOCH) // ONE_US


def _merge_pauses(pauses: Pauses) -> list[tuple[int, int]]:
    """Pauses as sorted, disjoint instant ranges; empty ones dropped."""
    spans = []
    for p_start, p_end in pauses:
        a, b = _to_u(_aware(p_start, "pause start")), _to_u(_aware(p_end, "pause end"))
        if b < a:
            raise ValueError(f"a pause must not end before it starts: {p_start} > {p_end}")
        if b > a:
            spans.append((a, b))
    return _union(spans)


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _subtract(
    spans: Iterable[tuple[int, int]], holes: list[tuple[int, int]]
) -> Iterator[tuple[int, int]]:
    """Sorted ``spans`` minus sorted disjoint ``holes``."""
    i = 0
    for a, b in spans:
        while i < len(holes) and holes[i][1] <= a:
            i += 1
        j = i
        while a < b and j < len(holes) and holes[j][0] < b:
            if holes[j][0] > a:
                yield a, holes[j][0]
            a = max(a, holes[j][1])
            j += 1
        if a < b:
            yield a, b


def _coalesce(spans: Iterable[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Join spans that touch (a 24x7 calendar would otherwise break at every midnight)."""
    current: tuple[int, int] | None = None
    for a, b in spans:
        if current is not None and a == current[1]:
            current = (current[0], b)
            continue
        if current is not None:
            yield current
        current = (a, b)
    if current is not None:
        yield current


# --------------------------------------------------------------------------------------------
# Zone table: where the UTC offset changes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """An immutable view of a zone's offset changes over the scanned instants ``[lo_u, hi_u)``.

    A *block* is a run of local days that contain an offset change (as ``[day_lo, day_hi)`` day
    numbers and as ``[u_lo, u_hi)`` instants). Between blocks the offset is constant, so wall-clock
    arithmetic there is exact; ``seg_off[i]`` is the offset (microseconds) before block ``i``.
    Only ``[safe_lo_day, safe_hi_day]`` (instants below ``safe_hi_u``) is trusted: a block at the
    very edge of the scan may be half seen. Replaced whole when the table grows, so readers on
    other threads never see half an update.
    """

    lo_u: int
    hi_u: int
    changes: tuple[tuple[int, int, int], ...]  # (instant, offset before, offset after)
    day_lo: tuple[int, ...] = ()
    day_hi: tuple[int, ...] = ()
    u_lo: tuple[int, ...] = ()
    u_hi: tuple[int, ...] = ()
    seg_off: tuple[int, ...] = (0,)
    safe_lo_day: int = 1
    safe_hi_day: int = 0
    safe_hi_u: int = 0


class _ZoneTable:
    """Offset changes of one zone, found lazily a year at a time and shared by its calendars."""

    def __init__(self, zi: ZoneInfo) -> None:
        self.zi = zi
        self.snap = _Snapshot(0, 0, ())

    def ensure(self, lo_u: int, hi_u: int) -> _Snapshot:
        """Make sure ``[lo_u, hi_u]`` is well inside the scanned range; return the snapshot."""
        lo_u, hi_u = lo_u - 2 * MARGIN, hi_u + 2 * MARGIN
        if lo_u < MIN_U or hi_u > MAX_U:
            raise ValueError("date outside the supported range (years 0001-9999)")
        snap = self.snap
        if snap.lo_u <= lo_u and hi_u <= snap.hi_u:
            return snap
        lo, hi = (snap.lo_u, snap.hi_u) if snap.hi_u > snap.lo_u else (lo_u, lo_u)
        changes = list(snap.changes)
        while hi < hi_u:
            step = min(SCAN_DAYS * DAY, MAX_U - hi)
            changes.extend(self._scan(hi, hi + step))
            hi += step
        while lo > lo_u:
            step = min(SCAN_DAYS * DAY, lo - MIN_U)
            changes[:0] = self._scan(lo - step, lo)
            lo -= step
        self.snap = self._build(lo, hi, tuple(changes))
        return self.snap

    def offset(self, u: int) -> int:
        """UTC offset in microseconds at instant ``u``."""
        off = datetime.fromtimestamp(u // US, self.zi).utcoffset()
        assert off is not None
        return off // ONE_US

    def _scan(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """Offset changes in ``(lo, hi]``, sampling daily and bisecting to the second."""
        found = []
        prev_u, prev = lo, self.offset(lo)
        while prev_u < hi:
            u = min(prev_u + DAY, hi)
            cur = self.offset(u)
            if cur != prev:
                found.append((self._bisect_change(prev_u, u, prev), prev, cur))
            prev_u, prev = u, cur
        return found

    def _bisect_change(self, lo: int, hi: int, before: int) -> int:
        lo_s, hi_s = lo // US, hi // US  # offset(lo) == before != offset(hi)
        while hi_s - lo_s > 1:
            mid = (lo_s + hi_s) // 2
            if self.offset(mid * US) == before:
                lo_s = mid
            else:
                hi_s = mid
        return hi_s * US

    def _build(self, lo: int, hi: int, changes: tuple[tuple[int, int, int], ...]) -> _Snapshot:
        days: list[list[int]] = []
        for u, before, after in changes:
            d0 = (u + min(before, after)) // DAY
            d1 = (u + max(before, after)) // DAY + 1
            if days and d0 <= days[-1][1]:
                days[-1][1] = max(days[-1][1], d1)
            else:
                days.append([d0, d1])
        u_hi = tuple(_wall_to_u(self.zi, d1 * DAY) for _, d1 in days)
        return _Snapshot(
            lo_u=lo,
            hi_u=hi,
            changes=changes,
            day_lo=tuple(d0 for d0, _ in days),
            day_hi=tuple(d1 for _, d1 in days),
            u_lo=tuple(_wall_to_u(self.zi, d0 * DAY) for d0, _ in days),
            u_hi=u_hi,
            seg_off=(self.offset(lo), *(self.offset(u) for u in u_hi)),
            safe_lo_day=(lo + MARGIN) // DAY + 1,
            safe_hi_day=(hi - MARGIN) // DAY - 1,
            safe_hi_u=hi - MARGIN,
        )


_ZONE_TABLES: dict[str, _ZoneTable] = {}


def _zone_table(zi: ZoneInfo) -> _ZoneTable:
    table = _ZONE_TABLES.get(zi.key)
    if table is None:
        table = _ZONE_TABLES.setdefault(zi.key, _ZoneTable(zi))
    return table


def _wall_to_u(zi: ZoneInfo, wall: int) -> int:
    """The instant of local wall time ``wall`` (microseconds since local 1970-01-01), fold=0."""
    local = (LOCAL_EPOCH + timedelta(microseconds=wall)).replace(tzinfo=zi)
    return (local - UTC_EPOCH) // ONE_US


# --------------------------------------------------------------------------------------------
# Engine: the precomputed arithmetic of one calendar
# --------------------------------------------------------------------------------------------


class _Engine:
    """Everything a calendar needs at run time, precomputed in microseconds.

    *Wall* positions are microseconds since local 1970-01-01 00:00 as read on the wall clock;
    *instants* (``u``) are microseconds since the Unix epoch. ``cum(wall)`` is a running total of
    working time valid wherever the offset is constant; transition days use ``day_spans``.
    """

    def __init__(self, cal: Calendar) -> None:
        try:
            self.zi = ZoneInfo(cal.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(f"unknown time zone {cal.timezone!r}") from None
        self.table = _zone_table(self.zi)
        full = ((0, DAY),)
        spans = [full if cal.always_open else _day_us(cal.week[d]) for d in range(WEEK_DAYS)]
        self.opens = tuple(tuple(o for o, _ in s) for s in spans)
        self.lens = tuple(tuple(c - o for o, c in s) for s in spans)
        self.cums = tuple(_prefix(lens) for lens in self.lens)
        self.totals = tuple(c[-1] for c in self.cums)
        self.week_cum = _prefix(self.totals)
        self.week_total = self.week_cum[-1]
        self.weekdays = tuple(zip(self.week_cum, self.opens, self.lens, self.cums, strict=False))
        self.stretch = (1, 0, 0)  # see _find_stretch
        self.all_time = cal.always_open and not cal.holidays
        self.holiday_days = frozenset(h.toordinal() - EPOCH_ORDINAL for h in cal.holidays)
        self._build_holiday_index()
        self._day_cache: dict[int, tuple[int, int, tuple[tuple[int, int], ...]]] = {}

    def _build_holiday_index(self) -> None:
        """Holidays that remove working time, with prefix sums of what they remove.

        ``hol_cum[j]`` is ``cum()`` at the start of holiday ``j``; it lets ``wall_at`` find how
        many holidays precede the answer with one bisect instead of a loop.
        """
        days = sorted(d for d in self.holiday_days if self.totals[(d + EPOCH_WEEKDAY) % 7])
        self.hol_days = days
        self.hol_prefix = _prefix([self.totals[(d + EPOCH_WEEKDAY) % 7] for d in days])
        self.hol_cum = [self._base(d) - self.hol_prefix[j] for j, d in enumerate(days)]

    def _base(self, day: int) -> int:
        q, k = divmod(day + EPOCH_WEEKDAY, WEEK_DAYS)
        return q * self.week_total + self.week_cum[k]

    # -- wall-clock arithmetic (constant offset) ----------------------------------------------

    def cum(self, wall: int) -> int:
        """Working time from the (arbitrary) origin up to wall position ``wall``."""
        day, sod = divmod(wall, DAY)
        return self.cum_at(day, sod)

    def cum_at(self, day: int, sod: int) -> int:
        """``cum`` at ``sod`` microseconds into local day ``day`` (the hot path: keep it lean)."""
        q, k = divmod(day + EPOCH_WEEKDAY, WEEK_DAYS)
        week_cum, opens, lens, cums = self.weekdays[k]
        c = q * self.week_total + week_cum
        hol = self.hol_days
        if hol:
            i = bisect_left(hol, day)
            c -= self.hol_prefix[i]
            if i < len(hol) and hol[i] == day:
                return c
        j = bisect_right(opens, sod) - 1
        if j < 0:
            return c
        into, length = sod - opens[j], lens[j]
        return c + cums[j] + (into if into < length else length)

    def wall_at(self, total: int) -> int:
        """The earliest wall position where ``cum`` reaches ``total`` (needs a working week)."""
        i = bisect_left(self.hol_cum, total)
        q, r = divmod(total + self.hol_prefix[i] - 1, self.week_total)
        r += 1
        k = bisect_left(self.week_cum, r) - 1
        week_cum, opens, _, cums = self.weekdays[k]
        rem = r - week_cum
        j = bisect_left(cums, rem) - 1
        return (q * WEEK_DAYS + k - EPOCH_WEEKDAY) * DAY + opens[j] + rem - cums[j]

    def fast_deadline(self, start: datetime, rem: int) -> datetime | None:
        """Closed-form deadline when start and answer share a constant-offset stretch."""
        day = start.toordinal() - EPOCH_ORDINAL
        lo, hi, off = self.stretch
        if not lo <= day < hi:
            lo, hi, off = self._find_stretch(day)
            if not lo <= day < hi:
                return None
        sod = (start.hour * 3600 + start.minute * 60 + start.second) * US + start.microsecond
        wall = self.wall_at(self.cum_at(day, sod) + rem)
        if wall > hi * DAY:
            return None
        return self.from_u(wall - off)

    def fast_elapsed(self, start: datetime, end: datetime) -> int | None:
        """Closed-form elapsed microseconds when both ends share a constant-offset stretch."""
        day, end_day = start.toordinal() - EPOCH_ORDINAL, end.toordinal() - EPOCH_ORDINAL
        lo, hi, _ = self.stretch
        if not (lo <= day < hi and lo <= end_day < hi):
            lo, hi, _ = self._find_stretch(day)
            if not (lo <= day < hi and lo <= end_day < hi):
                return None
        return self.cum(_wall_of(end)) - self.cum(_wall_of(start))

    def _find_stretch(self, day: int) -> tuple[int, int, int]:
        """The run of days ``[lo, hi)`` around ``day`` free of offset changes, and its offset.

        Remembered in ``self.stretch`` (one atomic assignment), so the next call usually needs
        two comparisons instead of a bisect. ``lo > hi`` when ``day`` is on a transition day or
        outside the scanned range; the caller then takes the day-by-day path.
        """
        snap = self.table.snap
        if not snap.safe_lo_day <= day <= snap.safe_hi_day:
            return 1, 0, 0
        i = bisect_right(snap.day_hi, day)
        if i < len(snap.day_lo) and day >= snap.day_lo[i]:
            return 1, 0, 0
        lo = max(snap.day_hi[i - 1] if i else snap.safe_lo_day, snap.safe_lo_day)
        hi = min(snap.day_lo[i] if i < len(snap.day_lo) else snap.safe_hi_day, snap.safe_hi_day)
        self.stretch = (lo, hi, snap.seg_off[i])
        return self.stretch

    def from_u(self, u: int) -> datetime:
        secs, micro = divmod(u, US)
        try:
            dt = datetime.fromtimestamp(secs, self.zi)
        except (OverflowError, OSError, ValueError):
            raise ValueError("result outside the supported range (years 0001-9999)") from None
        return dt.replace(microsecond=micro) if micro else dt

    # -- walking instants: constant-offset stretches in closed form, transition days by day ---

    def _locate(self, snap: _Snapshot, u: int) -> tuple[bool, int, int]:
        """(inside a block?, block end or stretch end, offset of the stretch) for instant ``u``."""
        i = bisect_right(snap.u_hi, u)
        if i < len(snap.u_hi) and u >= snap.u_lo[i]:
            return True, snap.u_hi[i], 0
        end = snap.u_lo[i] if i < len(snap.u_lo) else snap.safe_hi_u
        return False, end, snap.seg_off[i]

    def count(self, a: int, b: int) -> int:
        """Working microseconds in ``[a, b)``, ``a <= b``."""
        if self.all_time or a >= b:
            return max(b - a, 0)
        snap = self.table.ensure(a, b)
        total = 0
        while a < b:
            in_block, end, off = self._locate(snap, a)
            end = min(end, b)
            if in_block:
                total += self._count_days(a, end)
            else:
                total += self.cum(end + off) - self.cum(a + off)
            a = end
        return total

    def advance(self, u: int, rem: int) -> int:
        """The earliest instant where ``rem`` (> 0) working microseconds after ``u`` are used."""
        if self.all_time:
            return u + rem
        snap = self.table.ensure(u, u)
        while True:
            if u >= snap.safe_hi_u:
                snap = self.table.ensure(u, u)
            in_block, end, off = self._locate(snap, u)
            if in_block:
                done, u, rem = self._advance_days(u, end, rem)
                if done:
                    return u
                continue
            wall = self.wall_at(self.cum(u + off) + rem)
            if wall - off <= end:
                return wall - off
            if end >= snap.safe_hi_u:  # ran past the scanned range: scan further, retry
                snap = self.table.ensure(u, wall - off)
                continue
            rem -= self.cum(end + off) - self.cum(u + off)
            u = end

    def count_paused(self, a: int, b: int, pauses: list[tuple[int, int]]) -> int:
        total = self.count(a, b)
        for p, q in pauses:
            if q > a and p < b:
                total -= self.count(max(a, p), min(b, q))
        return total

    def advance_paused(self, u: int, rem: int, pauses: list[tuple[int, int]]) -> int:
        """Like ``advance`` but the clock stands still inside pauses."""
        for p, q in pauses:
            if q <= u:
                continue
            if p > u:
                answer = self.advance(u, rem)
                if answer <= p:
                    return answer
                rem -= self.count(u, p)
            u = q
        return self.advance(u, rem)

    # -- day by day, with zoneinfo: transition days and explain ------------------------------

    def day_spans(self, day: int) -> tuple[int, int, tuple[tuple[int, int], ...]]:
        """(day start, next day start, working instant spans) of local day ``day``, cached."""
        hit = self._day_cache.get(day)
        if hit is None:
            hit = self._compute_day(day)
            if len(self._day_cache) > 100_000:
                self._day_cache.clear()
            self._day_cache[day] = hit
        return hit

    def _compute_day(self, day: int) -> tuple[int, int, tuple[tuple[int, int], ...]]:
        base = day * DAY
        lo, hi = _wall_to_u(self.zi, base), _wall_to_u(self.zi, base + DAY)
        if day in self.holiday_days:
            return lo, hi, ()
        k = (day + EPOCH_WEEKDAY) % WEEK_DAYS
        out, prev = [], lo
        for o, length in zip(self.opens[k], self.lens[k], strict=True):
            a = min(max(_wall_to_u(self.zi, base + o), prev), hi)
            b = min(max(_wall_to_u(self.zi, base + o + length), a), hi)
            if b > a:
                out.append((a, b))
            prev = b
        return lo, hi, tuple(out)

    def _first_day(self, u: int) -> int:
        """A local day number at or just before the day holding instant ``u``."""
        return (u + self.table.offset(u)) // DAY - 1

    def spans(self, a: int, b: int) -> Iterator[tuple[int, int]]:
        """Working instant spans clipped to ``[a, b)``, in order, day by day."""
        if self.all_time:
            if a < b:
                yield a, b
            return
        day = self._first_day(a)
        while True:
            lo, _, spans = self.day_spans(day)
            if lo >= b:
                return
            for x, y in spans:
                x, y = max(x, a), min(y, b)
                if x < y:
                    yield x, y
            day += 1

    def _count_days(self, a: int, b: int) -> int:
        return sum(y - x for x, y in self.spans(a, b))

    def _advance_days(self, u: int, limit: int, rem: int) -> tuple[bool, int, int]:
        """Spend ``rem`` in ``[u, limit)`` day by day: (done?, answer or limit, what is left)."""
        for x, y in self.spans(u, limit):
            if y - x >= rem:
                return True, x + rem, 0
            rem -= y - x
        return False, limit, rem


def _day_us(spans: tuple[Interval, ...]) -> list[tuple[int, int]]:
    return [(_time_us(o), _time_us(c) or DAY) for o, c in spans]


def _prefix(values: Sequence[int]) -> list[int]:
    out = [0]
    for v in values:
        out.append(out[-1] + v)
    return out


def _wall_of(dt: datetime) -> int:
    """Wall position of a datetime already in the calendar's zone."""
    day = dt.toordinal() - EPOCH_ORDINAL
    return day * DAY + ((dt.hour * 60 + dt.minute) * 60 + dt.second) * US + dt.microsecond
