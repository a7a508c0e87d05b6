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
