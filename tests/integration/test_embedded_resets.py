"""Each embedded AWS starts clean: nothing a previous one built (clients with their event hooks, caches)
carries over — a client kept from before would, for instance, escape the local trail recorder."""

from __future__ import annotations

from kokuho.records import base
from kokuho_local.embedded import embedded_aws


def test_the_transaction_connection_is_not_carried_from_one_embedded_aws_to_the_next() -> None:
    with embedded_aws():
        first = base.connection()
        assert base.connection() is first  # one connection a container
    with embedded_aws():
        assert base.connection() is not first


def test_the_collector_does_not_walk_the_database_every_70000_allocations() -> None:
    # Every table of the embedded AWS lives in this process: each full collection walked all of it
    # (40 % of the monthly run's CPU at 5,000 households went to the collector).
    import gc

    outside = gc.get_threshold()
    with embedded_aws():
        inside = gc.get_threshold()
        # The collector's counts carry over from before the embedded AWS (a test worker's earlier tests):
        # start them at nought, so what is measured is these thresholds alone.
        gc.collect()
        fulls_before = gc.get_stats()[2]["collections"]
        kept = [{"n": [i]} for i in range(300_000)]  # a city's worth of items, each a container
        fulls = gc.get_stats()[2]["collections"] - fulls_before
    assert gc.get_threshold() == outside  # restored
    assert inside[0] >= 10_000 and fulls == 0 and len(kept) == 300_000
