"""Reusable constructs of the kokuho CDK app."""
