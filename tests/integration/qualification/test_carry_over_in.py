"""Probe (benefits, carry-over gaps): a household moving INTO the city within the prefecture keeps its 高額療養費
count (domain.md §2: judged continuous on its NHI householder). The federation's KOGAKU row names the household by
its id at the municipality moved FROM (docs/federation_files.md); the intake stored the months under that id and
the benefit run read them under the city's own household id — the count never carried over, and a household of
the city whose id happened to be the other municipality's counted a stranger's months. The months are kept under
the householder (the person the federation names, as it names QUALCONT's persons by the city's id) and count for
the household that person heads here."""

from __future__ import annotations

from datetime import UTC, date, datetime

from march_benefit_helpers import decided_march, register_householder

from kokuho.linkage.federation_apply import apply_file
from kokuho.linkage.federation_codec import CarryOverRow, build_file
from kokuho.records.federation_store import PynamoFederationStore

FUKUOKA = "401307"


def test_months_carried_in_count_for_the_household_the_householder_heads_here(staffed: None) -> None:
    register_householder("P0001", "H0001", "2025-01-10")  # came from 福岡市, where the household was H0009
    register_householder("P0009", "H0009", "2025-01-10")  # another family of the city, whose id is the one 福岡市 used
    rows = [CarryOverRow("H0009", "P0001", FUKUOKA, "401005", date(2025, 1, 10), ("2024-06", "2024-09", "2024-12"))]
    data = build_file("KOGAKU", "KG-FED-202501", rows, "400009", "401005", datetime(2025, 2, 1, tzinfo=UTC))
    assert apply_file(PynamoFederationStore(), data, "incoming/kg.txt").status == "applied"

    moved_in = decided_march("H0001")
    assert moved_in["carried_over_used"] == ["2024-06", "2024-09", "2024-12"]
    # ウ, 多数回: 44,400 (the 4th month in 12)
    assert (moved_in["result"]["multiple"], moved_in["result"]["ceiling"]) == (True, 44_400)

    stranger = decided_march("H0009")
    assert stranger["carried_over_used"] == [] and stranger["result"]["multiple"] is False
