"""Lambda entry points of the benefits area (給付: the receipt-file intake)."""
