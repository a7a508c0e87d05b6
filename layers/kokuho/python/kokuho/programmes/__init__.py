"""保健事業 on AWS (issue 13 items 7–8): the print run of the 医療費通知, the voucher (受診券) runs and the
attendance-file intake, and the private API's health routes. The rules are kokuho.health's (pure); storage is
kokuho.records.health (port kokuho.health.ports), the receipts kokuho.records.receipts, the persons and their
送付先 the qualification file."""
