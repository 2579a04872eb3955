"""A ticket's two SLA clocks (reaction and resolution), derived from its timeline.

The timeline is append-only: registration (with the targets the matching rule gave),
every change of state (running, paused by an SLA-pausing status, stopped while
resolved or closed), the first reaction, every change of targets, every warning and
breach fired. Deadlines, what is due to fire next and the per-ticket figures are all
computed from it, so a change of rule or priority recomputes exactly, on the same
timeline, with paused time still excluded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

RUNNING, PAUSED, STOPPED = "running", "paused", "stopped"
REACTION, RESOLUTION = "reaction", "resolution"
CLOCKS = (REACTION, RESOLUTION)
BREACH = 1.0

# Timeline entry kinds.
REGISTERED, STATE, REACTION_MET, TARGETS, FIRED = "registered", "state", "reaction_met", "targets", "fired"

Interval = tuple[datetime, datetime]


class Calendar(Protocol):
    def add(self, start: datetime, seconds: float, pauses: Sequence[Interval] = ()) -> datetime: ...
    def between(self, start: datetime, end: datetime, pauses: Sequence[Interval] = ()) -> float: ...


@dataclass(frozen=True)
class Targets:
    rule_id: int | None
    rule_name: str
    calendar_id: int
    reaction_seconds: int | None
    resolution_seconds: int | None
    warn_fractions: tuple[float, ...] = (0.75,)

    def seconds(self, clock: str) -> int | None:
        return self.reaction_seconds if clock == REACTION else self.resolution_seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "calendar_id": self.calendar_id,
            "reaction_seconds": self.reaction_seconds,
            "resolution_seconds": self.resolution_seconds,
            "warn_fractions": list(self.warn_fractions),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Targets:
        return cls(
            rule_id=doc.get("rule_id"),
            rule_name=doc["rule_name"],
            calendar_id=doc["calendar_id"],
            reaction_seconds=doc.get("reaction_seconds"),
            resolution_seconds=doc.get("resolution_seconds"),
            warn_fractions=tuple(doc.get("warn_fractions") or ()),
        )


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Firing:
    clock: str
    level: float
    moment: datetime

    @property
    def is_breach(self) -> bool:
        return self.level >= BREACH


def state_of(status_kind: str | None, sla_paused: bool) -> str:
    if status_kind == "closed":
        return STOPPED
    return PAUSED if sla_paused else RUNNING


@dataclass
class Clocks:
    """What a timeline says, at the end of it."""

    registered_at: datetime
    targets: Targets
    state: str = RUNNING
    state_since: datetime | None = None
    status: str | None = None
    pauses: list[list[datetime | None]] = field(default_factory=list)
    stops: list[list[datetime | None]] = field(default_factory=list)
    reaction_met_at: datetime | None = None
    generation: int = 0
    generation_since: datetime | None = None
    fired: list[tuple[str, float, int]] = field(default_factory=list)

    # -- building -------------------------------------------------------------------
    @classmethod
    def derive(cls, entries: Iterable[Entry]) -> Clocks:
        clocks: Clocks | None = None
        for entry in entries:
            if entry.kind == REGISTERED:
                clocks = cls(registered_at=entry.at, targets=Targets.from_json(entry.data["targets"]))
                clocks.generation_since = entry.at
                clocks._enter(entry.data.get("state", RUNNING), entry.data.get("status"), entry.at)
            elif clocks is None:
                raise ValueError("a timeline starts with the registration")
            else:
                clocks._apply(entry)
        if clocks is None:
            raise ValueError("an empty timeline")
        return clocks

    def _apply(self, entry: Entry) -> None:
        if entry.kind == STATE:
            self._enter(entry.data["state"], entry.data.get("status"), entry.at)
        elif entry.kind == REACTION_MET:
            self.reaction_met_at = self.reaction_met_at or entry.at
        elif entry.kind == TARGETS:
            self.targets = Targets.from_json(entry.data["targets"])
            self.generation += 1
            self.generation_since = entry.at
        elif entry.kind == FIRED:
            self.fired.append((entry.data["clock"], float(entry.data["level"]), int(entry.data["generation"])))

    def _enter(self, state: str, status: str | None, at: datetime) -> None:
        self.status = status or self.status
        if state == self.state and self.state_since is not None:
            return
        for intervals in (self.pauses, self.stops):
            if intervals and intervals[-1][1] is None:
                intervals[-1][1] = max(at, intervals[-1][0])
        if state == PAUSED:
            self.pauses.append([at, None])
        elif state == STOPPED:
            self.stops.append([at, None])
        self.state, self.state_since = state, at

    # -- what changes a snapshot brings ----------------------------------------------
    def entries_for(
        self, *, at: datetime, state: str, status: str, reaction_at: datetime | None, targets: Targets | None
    ) -> list[Entry]:
        """The timeline entries that take these clocks to what the ticket now says."""
        out: list[Entry] = []
        if reaction_at is not None and self.reaction_met_at is None:
            out.append(Entry(max(reaction_at, self.registered_at), REACTION_MET, {}))
        if state != self.state:
            out.append(Entry(max(at, self.state_since or at), STATE, {"state": state, "status": status}))
        if targets is not None and targets != self.targets:
            out.append(Entry(at, TARGETS, {"targets": targets.to_json()}))
        return out

    # -- the arithmetic -------------------------------------------------------------
    def _closed(self, clock: str) -> list[Interval]:
        """Where a clock did not count, as closed intervals (the open one left out)."""
        intervals = list(self.pauses) + (list(self.stops) if clock == RESOLUTION else [])
        met = self.reaction_met_at if clock == REACTION else None
        out: list[Interval] = []
        for start, end in intervals:
            if end is None or (met is not None and start >= met):
                continue
            out.append((start, end))
        return sorted(out)

    def stopped_at(self, clock: str) -> datetime | None:
        """Since when a clock has stopped counting (met, paused or resolved); None: it runs."""
        if clock == REACTION and self.reaction_met_at is not None:
            return self.reaction_met_at
        if self.state == PAUSED or (clock == RESOLUTION and self.state == STOPPED):
            return self.state_since
        return None

    def moment(self, calendar: Calendar, clock: str, fraction: float = BREACH) -> datetime | None:
        """When `fraction` of the clock's target is used up if it counts on from now."""
        seconds = self.targets.seconds(clock)
        if seconds is None:
            return None
        return calendar.add(self.registered_at, seconds * fraction, self._closed(clock))

    def due_at(self, calendar: Calendar, clock: str) -> datetime | None:
        """The deadline, or None while the clock is paused (it moves when it resumes)
        and for a resolution clock stopped by `resolved` (nothing is due)."""
        stopped = self.stopped_at(clock)
        if stopped is not None and not (clock == REACTION and self.reaction_met_at is not None):
            return None
        return self.moment(calendar, clock)

    def elapsed(self, calendar: Calendar, clock: str, now: datetime) -> float:
        """Working seconds the clock has counted up to now."""
        end = min(now, self.stopped_at(clock) or now)
        return calendar.between(self.registered_at, end, self._closed(clock)) if end > self.registered_at else 0.0

    # -- firing ---------------------------------------------------------------------
    def _levels(self) -> list[float]:
        return sorted({f for f in self.targets.warn_fractions if 0 < f < BREACH} | {BREACH})

    def _done(self, clock: str, level: float, moment: datetime) -> bool:
        for fired_clock, fired_level, generation in self.fired:
            if fired_clock != clock or abs(fired_level - level) > 1e-9:
                continue
            # Fired under earlier targets: done only if under these it was due by then too.
            if generation == self.generation or moment <= (self.generation_since or moment):
                return True
        return False

    def pending(self, calendar: Calendar) -> list[Firing]:
        """Warnings and breaches still to fire, in time order."""
        out = []
        for clock in CLOCKS:
            if self.targets.seconds(clock) is None:
                continue
            stopped = self.stopped_at(clock)
            for level in self._levels():
                moment = self.moment(calendar, clock, level)
                if moment is None or (stopped is not None and moment > stopped):
                    continue  # not reached before the clock stopped
                if not self._done(clock, level, moment):
                    out.append(Firing(clock, level, moment))
        return sorted(out, key=lambda f: (f.moment, f.clock, f.level))

    def fired_entry(self, firing: Firing, at: datetime) -> Entry:
        data = {"clock": firing.clock, "level": firing.level, "moment": firing.moment.isoformat()}
        return Entry(at, FIRED, data | {"generation": self.generation})

    # -- figures ----------------------------------------------------------------------
    def figures(self, calendar: Calendar, now: datetime) -> dict[str, Any]:
        """First response and resolution time, wall-clock and working, net of paused time."""
        out: dict[str, Any] = {}
        if self.reaction_met_at is not None:
            out["first_response"] = self._span(calendar, REACTION, self.reaction_met_at)
        if self.state == STOPPED and self.state_since is not None:
            out["resolution"] = self._span(calendar, RESOLUTION, self.state_since)
        for clock in CLOCKS:
            seconds = self.targets.seconds(clock)
            if seconds is not None:
                out[f"{clock}_elapsed_seconds"] = round(self.elapsed(calendar, clock, now), 3)
                out[f"{clock}_remaining_seconds"] = round(seconds - self.elapsed(calendar, clock, now), 3)
        return out

    def _span(self, calendar: Calendar, clock: str, end: datetime) -> dict[str, float]:
        excluded = [(s, min(e, end)) for s, e in self._closed(clock) if s < end]
        wall = (end - self.registered_at) - sum((e - s for s, e in excluded), timedelta())
        working = calendar.between(self.registered_at, end, excluded)
        return {"wall_seconds": round(wall.total_seconds(), 3), "working_seconds": round(working, 3)}

    def breached(self, calendar: Calendar, clock: str, now: datetime) -> bool:
        due = self.moment(calendar, clock)
        if due is None:
            return False
        if clock == REACTION and self.reaction_met_at is not None:
            return self.reaction_met_at > due
        if clock == RESOLUTION and self.state == STOPPED:
            return (self.state_since or now) > due
        return self.elapsed(calendar, clock, now) >= (self.targets.seconds(clock) or 0) and now >= due
