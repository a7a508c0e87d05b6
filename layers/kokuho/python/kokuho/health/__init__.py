"""保健事業 (health programmes, issue 13 items 7–8): the 医療費通知 from the stored receipts and the 特定健診受診券 —
pure rules here (periods, lines, eligibility, the attendance file), storage behind the port
`kokuho.health.ports.HealthStore` (DynamoDB: `kokuho.records.health`), runs in `kokuho.health.*_run`."""
