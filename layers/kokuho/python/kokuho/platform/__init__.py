"""Platform: observability, table definitions and the embedded AWS used for local runs."""
