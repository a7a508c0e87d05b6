"""Receipt data (レセプト) on AWS: the receipt intake (kokuho.benefits.receipt_intake) wired to DynamoDB and the
exchange bucket."""
