"""給付 (benefits) — domain.md §2: 高額療養費 (high-cost medical expense benefit). Pure, no AWS."""
