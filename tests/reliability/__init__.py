"""Reliability campaigns: tamper evidence, crash safety, concurrent writers, bad input.

The default run is short; `LEDGER_RELIABILITY_SCALE=long` runs the long campaigns that
docs/reliability.md quotes.
"""
