"""Per-client limits, after the Wikidata Query Service's: queries at once, and query seconds
per minute. A client over its share is answered 429 with Retry-After; the rest are not slowed.

The client key comes from the web layer (the peer address). Query time is the time a client's
queries spend in a worker, kept as a token bucket: `seconds` available, refilled at `seconds`
per `window`, each query's run time taken when it ends; a client whose bucket is empty waits
until it refills.

A client's `priority` orders the worker pool's queue, and says who may take the worker the pool
keeps for quiet clients (server.engine.workers): class 0, quiet, for a client whose recent
queries all ran briefly (and for the server's own page queries); class 2, heavy, for a client
with a query that ran past the long-query threshold or was stopped within the last `window`,
or one running that long now; class 1 for a client not seen lately. Within a class, less recent
query time goes first.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from server.engine.evaluate import Outcome

MAX_TRACKED = 10_000  # clients remembered at once; idle, full-bucket ones are forgotten first
QUIET, UNKNOWN, HEAVY = 0, 1, 2
Priority = tuple[int, float]
STOPPED = {(504, "timeout"), (503, "long-lane-full"), (507, "memory-limit")}  # pool stops


@dataclass(frozen=True)
class ClientPolicy:
    """The limits of one client (defaults: the Wikidata Query Service's)."""

    concurrency: int = 5  # queries in flight at once (waiting for a worker or running)
    seconds: float = 60.0  # query seconds per window
    window: float = 60.0  # seconds
    long_after: float = 1.0  # run time past which a query marks its client heavy


@dataclass
class _Client:
    level: float  # query seconds left in the bucket
    stamp: float  # when `level` was last brought up to date
    running: list[float] = field(default_factory=list)  # start times of queries in flight
    quiet_until: float = 0.0
    heavy_until: float = 0.0


class ClientLimits:
    """The state of every client's limits (event-loop thread only)."""

    def __init__(self, policy: ClientPolicy | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy or ClientPolicy()
        self.clock = clock
        self._clients: dict[str, _Client] = {}
        self.refused = {"concurrency": 0, "time": 0}

    def _get(self, key: str) -> _Client:
        now = self.clock()
        client = self._clients.get(key)
        if client is None:
            if len(self._clients) >= MAX_TRACKED:
                self._forget_idle(now)
            client = self._clients[key] = _Client(self.policy.seconds, now)
        rate = self.policy.seconds / self.policy.window
        client.level = min(self.policy.seconds, client.level + (now - client.stamp) * rate)
        client.stamp = now
        return client

    def _forget_idle(self, now: float) -> None:
        rate = self.policy.seconds / self.policy.window
        for key, c in list(self._clients.items()):
            if (not c.running and c.heavy_until < now
                    and c.level + (now - c.stamp) * rate >= self.policy.seconds):
                del self._clients[key]

    def admit(self, key: str) -> tuple[Outcome | None, float]:
        """A 429 outcome for a client over its share, or (None, start time) once it is counted
        in; `finish(key, start, outcome)` must follow."""
        client = self._get(key)
        policy = self.policy
        if len(client.running) >= policy.concurrency:
            self.refused["concurrency"] += 1
            return Outcome(429, error="too-many-queries", retry_after=1,
                           message=f"this client already has {policy.concurrency} queries "
                           "running or waiting, the most one client may have at once; retry "
                           "when one has answered",
                           details={"limit": policy.concurrency}), 0.0
        if client.level < -1e-6:  # (a float hair under 0 after the wait it was told)
            self.refused["time"] += 1
            rate = policy.seconds / policy.window
            wait = max(1, math.ceil(-client.level / rate))
            return Outcome(429, error="query-time-exceeded", retry_after=wait,
                           message=f"this client used its {policy.seconds:g} s of query time "
                           f"per {policy.window:g} s; retry in {wait} s",
                           details={"seconds": policy.seconds, "window": policy.window}), 0.0
        start = self.clock()
        client.running.append(start)
        return None, start

    def finish(self, key: str, start: float, outcome: Outcome) -> None:
        """A query admitted at `start` ended with `outcome`: take its run time from the bucket,
        and mark the client quiet or heavy."""
        client = self._get(key)
        try:
            client.running.remove(start)
        except ValueError:
            return
        client.level -= outcome.ran
        now = self.clock()
        if outcome.ran > self.policy.long_after or (outcome.status, outcome.error) in STOPPED:
            client.heavy_until = now + self.policy.window
            client.quiet_until = 0.0
        elif outcome.ran > 0:
            client.quiet_until = now + self.policy.window

    def priority(self, key: str | None) -> Priority:
        """Where the client's next query waits in the pool's queue (lower first)."""
        if key is None:
            return (QUIET, 0.0)
        client = self._clients.get(key)
        if client is None:
            return (UNKNOWN, 0.0)
        client = self._get(key)
        now = self.clock()
        running = sum(now - s for s in client.running)
        used = self.policy.seconds - client.level + running
        if client.heavy_until > now or any(now - s > self.policy.long_after
                                           for s in client.running[:-1]):
            return (HEAVY, used)
        return (QUIET if client.quiet_until > now else UNKNOWN, used)

    def health(self) -> dict[str, object]:
        p = self.policy
        now = self.clock()
        heavy = sum(1 for c in self._clients.values() if c.heavy_until > now)
        return {"concurrency": p.concurrency, "seconds": p.seconds, "window": p.window,
                "tracked": len(self._clients), "heavy": heavy, "refused": dict(self.refused)}
