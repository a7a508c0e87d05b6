"""The collection services the handlers call (payment files, the unmatched queue, overpayments), wired to the
DynamoDB adapter of the collection port; the rules themselves are in the pure kokuho.collection."""
