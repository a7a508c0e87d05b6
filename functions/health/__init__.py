"""Lambda entry points of the health programmes (保健事業: 医療費通知, 特定健診受診券, the attendance file)."""
