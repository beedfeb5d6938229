"""The store contract, as `ledger.testing.contract` ships it, against every store of ours.

`make_store` (tests/conftest.py) gives each test fresh stores of one kind in turn.
"""

from ledger.testing.contract import *  # noqa: F403 - the suite is the module's tests
