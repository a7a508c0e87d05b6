"""The `kokuho` command line."""
