"""The fake store passes the real store's repository contract (issue 19).

Unit and UI tests run the services on ``tests.fakes.FakeStore``; a fake that answers
otherwise than the store (ties in another order, a kind with no documents missing from
the counts, times in the zone they came in) would let a service pass here and fail on
the kiosk. ``RepositoryContract`` is the same class ``test_store.py`` runs on SQLite.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes import FakeStore
from tests.integration.test_store_contract import RepositoryContract


class _FakeUnderContract:
    """The fake as the contract sees a store: ``uow_factory`` and ``ping``."""

    def __init__(self) -> None:
        self.fake = FakeStore()
        self.uow_factory = self.fake

    def ping(self) -> None:
        return None


class TestFakeStore(RepositoryContract):
    @pytest.fixture
    def store(self) -> _FakeUnderContract:
        return _FakeUnderContract()

    def rows(self, store: Any, table: str) -> int:
        return len(getattr(store.fake.data, table))
