"""Lambda entry points of the audit area (the hourly anchoring of the access history)."""
