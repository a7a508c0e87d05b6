"""Lambda entry points of the collection area (収納: payment files, the unmatched queue, refunds)."""
