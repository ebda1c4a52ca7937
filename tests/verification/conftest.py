"""A clock frozen at T0 for the whole test, moved only by the test itself."""

from collections.abc import Iterator
from typing import Any

import pytest
from freezegun import freeze_time

from tests.helpers import T0


@pytest.fixture
def t0(rt: Any) -> Iterator[Any]:
    """Freeze time at T0 once the runtime is up; ``t0.tick`` moves it."""
    with freeze_time(T0) as frozen:
        yield frozen
