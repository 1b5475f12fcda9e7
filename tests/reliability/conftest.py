"""The Slack side for these suites: the real app behind LocalSlack, started for each test on the
test's own database (tests/conftest.py's db_url: a new SQLite file, or a reset PostgreSQL schema)."""
from __future__ import annotations

import pytest

from slack.conftest import running_stack


@pytest.fixture
def stack(db_url):
    with running_stack(db_url) as running:
        yield running
        running.settle()
