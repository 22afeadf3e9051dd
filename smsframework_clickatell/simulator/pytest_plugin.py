"""The ``clickatell_simulator`` pytest fixture, installed with the package (entry point ``pytest11``).

Loaded by every pytest run of every project that has the package installed, so it imports nothing
beyond pytest until a test asks for the fixture.
"""
import secrets
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from smsframework_clickatell.simulator import ClickatellSimulator


@pytest.fixture
def clickatell_simulator() -> 'Iterator[ClickatellSimulator]':
    """A running :class:`~smsframework_clickatell.simulator.ClickatellSimulator` with credentials for
    every API: ``sim.api_id``, ``sim.user`` and ``sim.password`` for the legacy API, ``sim.api_key``
    for Platform and One API; ``sim.url`` is the `api_url` to give the provider. Set ``sim.status_url``
    and ``sim.reply_url`` to have reports and incoming messages pushed to your application. Stopped
    after the test.
    """
    from smsframework_clickatell.simulator import ClickatellSimulator

    simulator = ClickatellSimulator(api_id='3456789', user='simulator', password=secrets.token_urlsafe(12),
                                    api_key=secrets.token_urlsafe(24))
    with simulator:
        yield simulator
