"""Sliding-window bursts (interfaces.md bulk-read): checked against a brute force over every window start."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kokuho.trail.bursts import Burst, bursts


def brute_force(times: list[int], threshold: int, length: int) -> list[Burst]:
    """Every start t on a half-second grid (exact for whole-second times: the count only changes at event
    times and event times minus the length); over-threshold windows chained while less than `length` apart."""
    grid = [x / 2 for x in range(2 * (times[0] - length) - 2, 2 * times[-1] + 4)]
    over = []
    for t in grid:
        inside = [i for i, e in enumerate(times) if t <= e < t + length]
        if len(inside) > threshold:
            over.append((t, inside))
    groups: list[list[tuple[float, list[int]]]] = []
    for t, inside in over:
        if groups and t - groups[-1][-1][0] < length:
            groups[-1].append((t, inside))
        else:
            groups.append([(t, inside)])
    out = []
    for group in groups:
        best = max(len(inside) for _, inside in group)
        window = next(inside for _, inside in group if len(inside) == best)  # earliest
        covered = [i for _, inside in group for i in inside]
        out.append(Burst(best, range(window[0], window[-1] + 1), min(covered), max(covered)))
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 80), min_size=1, max_size=25), st.integers(0, 5), st.integers(1, 20))
def test_matches_brute_force(times: list[int], threshold: int, length: int) -> None:
    times.sort()
    assert bursts([float(t) for t in times], threshold, length) == brute_force(times, threshold, length)


def test_window_is_not_aligned_to_the_clock() -> None:
    # 01:03:00 .. 01:07:59: two in each clock-aligned 5-minute box, all four in [01:03:00, 01:08:00).
    assert bursts([180.0, 250.0, 330.0, 479.0], 3, 300) == [Burst(4, range(0, 4), 0, 3)]


def test_the_window_is_half_open() -> None:
    assert bursts([0.0, 100.0, 200.0, 300.0], 3, 300) == []


def test_windows_that_overlap_make_one_burst() -> None:
    # [0, 300) holds 0,1,2 and [102.5, 402.5) holds 400,401,402: both over 2 and they overlap.
    assert bursts([0.0, 1.0, 2.0, 400.0, 401.0, 402.0], 2, 300) == [Burst(3, range(0, 3), 0, 5)]
    # A gap where every window holds 2 or fewer separates two bursts.
    assert bursts([0.0, 1.0, 2.0, 700.0, 701.0, 702.0], 2, 300) == [
        Burst(3, range(0, 3), 0, 2), Burst(3, range(3, 6), 3, 5)]


def test_the_largest_window_and_the_earliest_on_a_tie() -> None:
    assert bursts([0.0, 100.0, 290.0, 300.0, 310.0, 320.0], 2, 300) == [Burst(5, range(1, 6), 0, 5)]
    assert bursts([0.0, 100.0, 200.0, 350.0, 450.0, 550.0], 2, 300) == [Burst(3, range(0, 3), 0, 5)]
    assert bursts([0.0, 0.0, 1.0, 500.0, 500.0, 501.0], 2, 300) == [Burst(3, range(0, 3), 0, 5)]
