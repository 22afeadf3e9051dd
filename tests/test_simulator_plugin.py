"""The pytest plugin: installed through its entry point, its fixture gives a running simulator with
credentials for every API, and loading it costs next to nothing."""
import subprocess
import sys
from importlib.metadata import entry_points

import requests
from smsframework import Gateway, OutgoingMessage

from smsframework_clickatell import ClickatellProvider


def test_the_plugin_is_registered_for_pytest():
    group = entry_points()
    plugins = group.select(group='pytest11') if hasattr(group, 'select') else group.get('pytest11', ())
    # A set: Python 3.9 lists a distribution once per sys.path entry holding its metadata, and after
    # `pip install -e .` the checkout (on sys.path in a pytest run) holds an .egg-info as well.
    values = {p.value for p in plugins if p.name == 'clickatell'}
    assert values == {'smsframework_clickatell.simulator.pytest_plugin'}


def test_the_fixture_serves_every_api(clickatell_simulator):
    sim = clickatell_simulator  # from the installed plugin: this suite's conftest does not define it
    assert all((sim.api_id, sim.user, sim.password, sim.api_key))
    gateway = Gateway()
    gateway.add_provider('clickatell', ClickatellProvider, api_id=sim.api_id, user=sim.user, password=sim.password,
                         api_url=sim.url)
    message = gateway.send(OutgoingMessage('+27999000001', 'hi'))
    answer = requests.post(sim.url + '/v1/message', headers={'Authorization': sim.api_key}, timeout=5,
                           json={'messages': [{'channel': 'sms', 'to': '27999000002', 'content': 'hi'}]})
    assert answer.status_code == 202
    assert [m.msgid for m in sim.messages] == [message.msgid, answer.json()['messages'][0]['apiMessageId']]


def test_each_test_gets_its_own_simulator(clickatell_simulator):
    assert clickatell_simulator.messages == []  # nothing left from the test above


def test_loading_the_plugin_imports_neither_the_server_nor_the_provider():
    heavy = ('http.server', 'smsframework_clickatell.simulator.server', 'smsframework_clickatell.provider',
             'requests', 'smsframework')
    code = ('import sys, smsframework_clickatell.simulator.pytest_plugin; '
            'print(sorted(m for m in {!r} if m in sys.modules))'.format(heavy))
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == '[]', result.stderr
