"""One stack per concern: Network, Keys & Data, Audit, Workflows, Api."""
