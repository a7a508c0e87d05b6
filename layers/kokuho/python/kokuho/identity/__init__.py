"""Identity: My Number (個人番号) rules, masking, redaction and encryption."""
