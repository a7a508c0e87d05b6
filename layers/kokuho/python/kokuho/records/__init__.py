"""Data access: pynamodb models and repositories, one module per area (the only place that talks to DynamoDB)."""
