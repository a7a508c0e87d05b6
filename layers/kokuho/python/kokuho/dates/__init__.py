"""Dates as staff read them (和暦)."""
