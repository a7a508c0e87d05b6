"""Platform: observability and the definitions of what is deployed (tables, catalog), read by the CDK
stacks and by the embedded AWS (kokuho_local, outside the layer)."""
