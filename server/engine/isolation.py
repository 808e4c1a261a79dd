"""Query workers without a network: each worker moves into a network namespace of its own as it
starts, before it opens the store, and checks that nothing is reachable from there.

A new network namespace holds only a loopback interface, down: no address, no route, so any
connection a query engine might try (SERVICE, LOAD) fails at once with ENETUNREACH, whatever
the query says. As root the worker unshares its network namespace directly; otherwise it
unshares a user namespace with it, where the kernel allows unprivileged user namespaces. The
result is reported to the pool (and so to /health) and logged; where it fails, the server
refuses every SERVICE rather than rely on the query check alone (server.engine.guard).
"""

from __future__ import annotations

import ctypes
import errno
import os
import socket
from dataclasses import asdict, dataclass

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PROBE = ("127.0.0.1", 9)  # any loopback port: reachable only if the namespace has a network


@dataclass(frozen=True)
class Isolation:
    """Whether a worker runs without a network, how, and why not when it does not."""

    isolated: bool
    method: str = ""  # e.g. "unshare(CLONE_NEWNET)"
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


NOT_TRIED = Isolation(False, "", "network isolation was turned off for this pool")


def isolate_network() -> Isolation:
    """Leave the host's network (this process only) and verify it; never raises."""
    attempts = [(CLONE_NEWNET, "unshare(CLONE_NEWNET)")] if os.geteuid() == 0 else []
    attempts.append((CLONE_NEWUSER | CLONE_NEWNET, "unshare(CLONE_NEWUSER|CLONE_NEWNET)"))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        unshare = libc.unshare
    except (OSError, AttributeError) as exc:
        return Isolation(False, "", f"unshare(2) is not available: {exc}")
    failures = []
    for flags, method in attempts:
        if unshare(flags) == 0:
            problem = network_reachable()
            if problem:
                return Isolation(False, method, problem)
            return Isolation(True, method, "no network interface but a loopback that is down")
        failures.append(f"{method}: {os.strerror(ctypes.get_errno())}")
    return Isolation(False, "", "; ".join(failures))


def network_reachable() -> str:
    """'' when this process can reach no network, else what it can reach."""
    interfaces = sorted(name for _, name in socket.if_nameindex())
    if interfaces != ["lo"]:
        return f"network interfaces present: {', '.join(interfaces)}"
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(PROBE)
    except OSError as exc:
        if exc.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL):
            return ""
        return f"loopback answered a connection attempt ({exc.strerror or exc})"
    finally:
        probe.close()
    return "a connection to the loopback address succeeded"
