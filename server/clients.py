"""Per-client limits, after the Wikidata Query Service's: queries at once, and query seconds
per minute. A client over its share is answered 429 with Retry-After; the rest are not slowed.

The client key comes from the web layer (the peer address). Query time is a token bucket:
`seconds` of query time available, refilled at `seconds` per `window`, each query's run time
taken when it ends; a client whose bucket is empty waits until it refills. A client's `usage`
(the time it has taken from its bucket, plus the time of its queries still running) is also its
priority in the worker pool's queue: a quiet client goes before busy ones.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from server.evaluate import Outcome

MAX_TRACKED = 10_000  # clients remembered at once; idle ones with a full bucket are forgotten


@dataclass(frozen=True)
class ClientPolicy:
    """The limits of one client (defaults: the Wikidata Query Service's)."""

    concurrency: int = 5  # queries in flight at once (waiting for a worker or running)
    seconds: float = 60.0  # query seconds per window
    window: float = 60.0  # seconds


@dataclass
class _Client:
    level: float  # query seconds left in the bucket
    stamp: float  # when `level` was last brought up to date
    running: list[float] = field(default_factory=list)  # start times of queries in flight


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
            if not c.running and c.level + (now - c.stamp) * rate >= self.policy.seconds:
                del self._clients[key]

    def admit(self, key: str) -> tuple[Outcome | None, float]:
        """A 429 outcome for a client over its share, or (None, start time) once it is counted
        in; `finish(key, start)` must follow."""
        client = self._get(key)
        policy = self.policy
        if len(client.running) >= policy.concurrency:
            self.refused["concurrency"] += 1
            return Outcome(429, error="too-many-queries", retry_after=1,
                           message=f"this client already has {policy.concurrency} queries "
                           "running or waiting, the most one client may have at once; retry "
                           "when one has answered",
                           details={"limit": policy.concurrency}), 0.0
        if client.level <= 0:
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

    def finish(self, key: str, start: float) -> None:
        """A query admitted at `start` ended: take its run time from the bucket."""
        client = self._get(key)
        try:
            client.running.remove(start)
        except ValueError:
            return
        client.level -= max(0.0, self.clock() - start)

    def usage(self, key: str) -> float:
        """Query seconds the client has taken lately, its running queries included."""
        client = self._clients.get(key)
        if client is None:
            return 0.0
        client = self._get(key)
        now = self.clock()
        return self.policy.seconds - client.level + sum(now - s for s in client.running)

    def health(self) -> dict[str, object]:
        p = self.policy
        return {"concurrency": p.concurrency, "seconds": p.seconds, "window": p.window,
                "tracked": len(self._clients), "refused": dict(self.refused)}
