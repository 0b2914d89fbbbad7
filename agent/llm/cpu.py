"""How many threads the embedded model gets: the cores that are free when it starts.

llama.cpp splits every token's work evenly over its threads and waits for the slowest, so
a thread that shares its core with another busy process holds all the others back. On a
2-core machine (``evals/bench_threads.py``): quiet, 2 threads write 22 tokens/s and 1
thread 14; beside one core-bound process, 2 threads fall to 6 while 1 thread keeps 15.
Counting busy cores at start picks 2 on a quiet machine and 1 on a busy one.
"""

from __future__ import annotations

import logging
import math
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

PROC_STAT = Path("/proc/stat")


def _cpu_times() -> tuple[float, float] | None:
    """(busy, total) jiffies of all CPUs from ``/proc/stat``; None off Linux."""
    try:
        first = PROC_STAT.read_text(encoding="ascii").splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if not first or first[0] != "cpu":
        return None
    values = [float(x) for x in first[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


def busy_cores(sample_s: float = 0.5) -> float:
    """Cores kept busy by all processes over the next ``sample_s`` seconds (the one-minute
    load average where ``/proc/stat`` is missing)."""
    before = _cpu_times()
    if before is None:
        try:
            return os.getloadavg()[0]
        except OSError:
            return 0.0
    time.sleep(sample_s)
    after = _cpu_times()
    if after is None or after[1] <= before[1]:
        return 0.0
    share = (after[0] - before[0]) / (after[1] - before[1])
    return share * (os.cpu_count() or 1)


def threads_for(cpus: int, busy: float) -> int:
    """Free cores, at least one: a core counts as taken when over half of it is busy."""
    return max(1, cpus - math.floor(busy + 0.5))


def auto_threads() -> int:
    cpus = os.cpu_count() or 1
    if cpus == 1:
        return 1
    busy = busy_cores()
    threads = threads_for(cpus, busy)
    log.info("embedded model: %d thread%s (%.1f of %d cores busy at start; AGENT_THREADS "
             "sets it)", threads, "" if threads == 1 else "s", busy, cpus)
    return threads
