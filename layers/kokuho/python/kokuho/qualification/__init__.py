"""Qualification management (資格管理): reasons, history, household rules and registered changes (pure),
and the application service that commits them with their access records and household projection."""
