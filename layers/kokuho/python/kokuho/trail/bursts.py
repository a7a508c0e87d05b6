"""Bursts of events in sliding windows (interfaces.md `bulk-read`).

A window is any interval [t, t + L) of event time, t anywhere (not aligned to the clock). A window is over
the threshold when it holds more than N events. Over-threshold windows that overlap (their starts less than
L apart) belong to one burst, transitively. For each burst: the largest number of events in one window,
the events of that window (the earliest such window on a tie), and the burst's first and last events.

Why event starts suffice for the largest window: the events of [t, t + L) all lie in [e, e + L) for e the
first event at or after t, so no window holds more than the window starting at some event, and a window
holding as many holds the same events. The set S of over-threshold starts t is not only event times, though:
count(t) is constant on each (b_k, b_k+1] between the breakpoints {e_i} ∪ {e_i − L}, so S is a union of such
pieces, and two of its components are one burst when the second starts (open end x2) less than L after the
first ends (closed end y1): then some t in the first and t' in the second are less than L apart.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass


@dataclass(frozen=True)
class Burst:
    count: int        # the most events in one window of the burst
    window: range     # indices (into the sorted times) of the events of that window, earliest on a tie
    first: int        # index of the burst's first event
    last: int         # index of its last event


def bursts(times: list[float], threshold: int, length: float) -> list[Burst]:
    """Bursts of more than `threshold` events within `length` seconds; `times` sorted ascending."""
    n = len(times)
    if n <= threshold:
        return []

    def count(t: float) -> int:
        return bisect_left(times, t + length) - bisect_left(times, t)

    breaks = sorted({*times, *(t - length for t in times)})
    # Components of S as (open start, closed end), from consecutive over-threshold pieces (b_k-1, b_k].
    components: list[tuple[float, float]] = []
    previous = float("-inf")
    for b in breaks:
        if count(b) > threshold:
            if components and components[-1][1] == previous:
                components[-1] = (components[-1][0], b)
            else:
                components.append((previous, b))
        previous = b
    groups: list[list[tuple[float, float]]] = []
    for comp in components:
        if groups and comp[0] - groups[-1][-1][1] < length:
            groups[-1].append(comp)
        else:
            groups.append([comp])
    out = []
    for group in groups:
        start, end = group[0][0], group[-1][1]
        first = bisect_right(times, start)  # start is the open end: the events after it
        best_count, best_start = 0, first
        i = first
        while i < n and times[i] <= end:
            c = count(times[i])
            if c > best_count:
                best_count, best_start = c, i
            i = bisect_right(times, times[i], lo=i)  # a window starting at a repeated time is the same one
        last = bisect_left(times, end + length) - 1
        out.append(Burst(best_count, range(best_start, best_start + best_count), first, last))
    return out
