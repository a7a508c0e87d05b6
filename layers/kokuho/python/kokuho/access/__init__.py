"""Access control and accountability: staff, grants, and hash-chained access records (アクセス記録)."""
