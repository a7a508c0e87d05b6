"""How the engine benchmarks time a function over items: the median of K runs, each after a garbage
collection, on the CPU time of this process (the one-core figure: on a shared machine wall time also counts
time spent descheduled) with the wall-time median beside it. Run as `python benchmarks/<name>.py`: this
folder is on the path."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any, NamedTuple


class Rate(NamedTuple):
    cpu: float  # median items/s on CPU time
    wall: float  # median items/s on wall time
    runs: list[float]  # items/s on CPU time, run by run


def rate(fn: Callable[[list[Any]], Any], items: list[Any], runs: int) -> Rate:
    cpu, wall = [], []
    for _ in range(runs):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        fn(items)
        cpu.append(len(items) / (time.process_time() - c0))
        wall.append(len(items) / (time.perf_counter() - w0))
    return Rate(statistics.median(cpu), statistics.median(wall), cpu)
