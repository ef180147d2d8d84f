"""The ground floor: configuration, database, accounts, ledger, audit, notifications, jobs
and the outbox, money, errors and operations. Nothing here imports a feature.

``core.setup.init_app`` connects all of it to an app; the factory (``affiliate.create_app``)
calls it first, then each feature's own ``init_app``.
"""
