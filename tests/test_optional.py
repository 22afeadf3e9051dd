"""Without the ``receiver`` extra, the package still imports and sends, and the receivers fail with an
ImportError that says what to install.

Each case runs in a fresh interpreter where the module is made unimportable (``sys.modules[name] = None``)
before anything else is imported: this one already has Flask loaded.
"""
import subprocess
import sys
import textwrap

import pytest

HINT = "pip install 'smsframework-clickatell[receiver]'"

PROLOGUE = '''
import sys
sys.modules[{missing!r}] = None  # as if not installed: importing it raises ModuleNotFoundError

from smsframework import Gateway, OutgoingMessage
from smsframework_clickatell import ClickatellProvider

gateway = Gateway()
provider = gateway.add_provider('clickatell', ClickatellProvider, api_url='https://clickatell.test',
                                api_id='1', user='u', password='p')
'''


def run(missing, code):
    script = PROLOGUE.format(missing=missing) + textwrap.dedent(code)
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize('missing', ['flask', 'werkzeug', 'defusedxml'])
def test_a_missing_receiver_dependency_names_the_extra(missing):
    out = run(missing, '''
        try:
            provider.make_receiver_blueprint()
        except ImportError as e:
            print(type(e).__name__, e.name, '|', e)
    ''')
    assert out.startswith('ImportError {} |'.format(missing)), out
    assert 'need {}, which is not installed: {}'.format(missing, HINT) in out


def test_without_flask_a_message_is_still_sent():
    out = run('flask', '''
        import responses
        with responses.RequestsMock() as mocked:
            mocked.add(responses.POST, 'https://clickatell.test/http/sendmsg', body='ID: 0123abcd')
            print(gateway.send(OutgoingMessage('+27999000001', 'hi')).msgid)
    ''')
    assert out == '0123abcd'


def test_only_a_missing_optional_module_is_reported_as_a_missing_extra():
    from smsframework_clickatell._optional import extra_imports
    # A dependency of Flask's own that is missing: the extra is installed, something else is wrong.
    with pytest.raises(ModuleNotFoundError, match='itsdangerous') as raised:
        with extra_imports():
            raise ModuleNotFoundError("No module named 'itsdangerous'", name='itsdangerous')
    assert 'pip install' not in str(raised.value)
    # An installed Flask that fails to import (an incompatible Werkzeug): installing the extra is no fix.
    with pytest.raises(ImportError, match='url_quote') as raised:
        with extra_imports():
            raise ImportError("cannot import name 'url_quote' from 'werkzeug.urls'", name='werkzeug.urls')
    assert 'pip install' not in str(raised.value)
