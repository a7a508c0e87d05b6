"""Deterministic synthetic data (a fictitious city) for the demo, tests and benchmarks."""

from kokuho_local.synthetic.city import City, Person, SynthHousehold, generate_city, month_changes

__all__ = ["City", "Person", "SynthHousehold", "generate_city", "month_changes"]
