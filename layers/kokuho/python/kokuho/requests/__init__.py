"""Requests from the person about their own data (assessment V: 開示・訂正・利用停止) and the inquiry log."""
