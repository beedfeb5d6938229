"""`python -m ledger.cli`: the `ledger` command, for environments without its script."""

from ledger.cli import main

raise SystemExit(main())
