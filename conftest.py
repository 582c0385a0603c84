"""Names the docstring examples in bot/ and storage/ use, for ``pytest --doctest-modules``."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from storage.db import create

# The loopback Slack's fixtures (``standin``, ``socket_server``) for every test module.
pytest_plugins = ["tests.slack.fixtures"]


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace):
    doctest_namespace.update(
        UTC=UTC,
        date=date,
        datetime=datetime,
        ZoneInfo=ZoneInfo,
        now=datetime(2026, 12, 1, 10, 0, tzinfo=UTC),
        tz=ZoneInfo("Europe/London"),
        db=create(":memory:"),
    )


def pytest_ignore_collect(collection_path, config):
    """Docstring examples run for product code; test helpers' docstrings are sketches."""
    parts = collection_path.parts
    if "tests" in parts and collection_path.suffix == ".py":
        return not collection_path.name.startswith(("test_", "conftest"))
    return None
