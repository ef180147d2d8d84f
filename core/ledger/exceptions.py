"""Ledger errors. Each one means the entry was not written."""


class LedgerError(Exception):
    pass


class UnbalancedEntry(LedgerError):
    """The postings of an entry do not sum to zero in some currency."""


class InvalidPosting(LedgerError):
    """A posting is malformed (zero, not an integer, too few postings)."""


class DuplicateEntry(LedgerError):
    """An entry of this kind was already posted for this cause."""


class InsufficientFunds(LedgerError):
    """A guarded account would go below zero."""

    def __init__(self, account_key: str, balance: int) -> None:
        super().__init__(f"{account_key} would fall to {balance}")
        self.account_key = account_key
        self.balance = balance
