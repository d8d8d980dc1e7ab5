"""The ``copyright-hub`` command line and the local stack (devnet launcher, make-up orchestration).

This package composes the others (client_sdk, indexer, api); nothing imports it but the CLI and tests.
"""
