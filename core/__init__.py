"""The ground floor: configuration, database, accounts, ledger, audit, notifications, jobs
and the outbox, money, errors and operations. Nothing here imports a feature."""
