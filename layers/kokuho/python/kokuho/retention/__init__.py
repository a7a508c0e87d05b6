"""Retention (保存期間) of every class of record: the classes and their periods as data
(kokuho/data/retention/classes.v1.json), the pure rule (kokuho.retention.classes), and the run that reports
and deletes what is due (kokuho.retention.run). See docs/retention.md."""
