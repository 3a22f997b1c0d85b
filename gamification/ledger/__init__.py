"""The double-entry points ledger: the only writer of balances."""
