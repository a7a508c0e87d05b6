"""The steps of `kokuho demo` (kokuho_local.cli.demo runs them in order on one embedded AWS), a module
each: assessment (intake, annual and monthly runs), linkage (情報連携 through the sandbox network), api
(the private API over loopback HTTP), access_history (anchoring and verify); leaks (no My Number in
what is exchanged) and summary (the readable report)."""
