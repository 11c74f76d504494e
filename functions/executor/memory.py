"""How much memory a run holds: the resident memory of all its processes together.

A limit per process (RLIMIT_AS) lets four processes hold four times as much; the run is what
the instance must survive. Where the platform gives no writable memory cgroup (Cloud Run's
gen2 and this machine's cgroup v2 expose none to the container), the runner polls this sum
and kills the run as one when it passes `Limits.run_memory_bytes`. Shared pages count once per
process: the sum errs towards stopping a run early, never late. tmpfs pages (/tmp, /dev/shm)
are not resident in any process: those mounts are capped by size instead (sandbox.py).
"""

from __future__ import annotations

import os

__all__ = ["tree_resident_bytes"]

_PAGE = os.sysconf("SC_PAGE_SIZE")


def tree_resident_bytes(root: int, proc: str = "/proc") -> int:
    """Resident bytes of `root` and every process descended from it (0 once it is gone).

    Walks each thread's `children` list from the root (cheap: a run has a handful of
    processes), so it costs nothing per process of the rest of the machine."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"{proc}/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
            threads = os.listdir(f"{proc}/{pid}/task")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        for thread in threads:
            try:
                with open(f"{proc}/{pid}/task/{thread}/children", "rb") as handle:
                    stack.extend(int(child) for child in handle.read().split())
            except OSError:
                continue
    return total
