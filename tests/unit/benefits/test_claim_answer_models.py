"""The claim routes' answer models follow the claim as filed (kokuho.benefits.other_benefits.Claim, the one list of
its fields): every field of a claim — a 海外療養費 with its Decimal, a birth with its 直接支払制度, a funeral — is
answered under its name and type, and nothing else is."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

from kokuho.benefits.other_benefits import Claim
from kokuho.receipts.claim_routes import ClaimBasisOut, ClaimFieldsOut

CLAIMS = (
    Claim("OB-0123456789", "療養費", "H1", "P2", date(2025, 8, 5), date(2025, 8, 20), ("診療内容明細書",),
          subkind="海外療養費", standard=100_000, paid_foreign=Decimal("812.40"), currency="USD"),
    Claim("OB-0123456780", "出産育児一時金", "H1", "P3", date(2025, 7, 1), date(2025, 7, 20), children=2,
          gestation_days=280, provider_code="4010001", provider_charged=520_000),
    Claim("OB-0123456781", "葬祭費", "H1", "P4", date(2025, 6, 1), date(2025, 6, 20), chief_mourner="試験 花子",
          funeral_on=date(2025, 6, 5)),
)


def test_every_field_of_the_claim_is_answered_as_to_json_writes_it() -> None:
    assert list(ClaimFieldsOut.model_fields) == [f.name for f in fields(Claim)]
    for claim in CLAIMS:
        answered = ClaimFieldsOut.model_validate(claim.to_json())
        assert answered.model_dump(exclude_none=True) == claim.to_json()


def test_the_basis_takes_the_claims_figures_with_the_claims_types() -> None:
    basis = ClaimBasisOut.model_validate({"fiscal_year": 2025, "kind": "療養費", "claim_limit": "2027-08-05",
                                          "subkind": "海外療養費", "paid_foreign": "812.40", "currency": "USD"})
    assert basis.model_dump(exclude_none=True)["paid_foreign"] == "812.40"
    for name in ("subkind", "paid", "standard", "paid_foreign", "currency", "children", "compensation_scheme"):
        assert name in ClaimBasisOut.model_fields and name in {f.name for f in fields(Claim)}
