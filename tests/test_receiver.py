"""Receivers: what Clickatell pushes, and what the gateway's hooks receive."""
from datetime import datetime
from urllib.parse import urlencode

import pytest
from flask import Flask
from smsframework import Gateway, MessageAccepted, MessageDelivered, MessageError, MessageExpired

from smsframework_clickatell import ClickatellMessageStatus, ClickatellProvider
from smsframework_clickatell.status import S003, S004

from .conftest import CREDENTIALS, HookRecorder
from .pushes import FORM, IM, MO_LATIN1_ASCII, MO_LATIN1_HIGH, MO_UTF16, NOW, STATUS, STATUS_DOC, send

MO_CASES = [
    ('ASCII in ISO-8859-1', MO_LATIN1_ASCII, 'Hi, man', 'ISO-8859-1', 'c6b1e0eb9d6b8d549621235aaf089a26'),
    ('Cyrillic in UTF-16BE', MO_UTF16, 'Привет, жопа!', 'UTF-16BE', 'b2aee337abd962489b123fda9c3480fa'),
    ('bytes >= 0x80 in ISO-8859-1', MO_LATIN1_HIGH, 'Sìbbnda', 'ISO-8859-1', 'c6b1e0eb9d6b8d549621235aaf089a27'),
]


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('query, body, charset, msgid', [c[1:] for c in MO_CASES], ids=[c[0] for c in MO_CASES])
def test_incoming_message_from_real_captures(client, hooks, method, query, body, charset, msgid):
    response = send(client, IM, method, query)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    [message] = hooks.messages
    assert message.body == body
    assert (message.src, message.dst, message.msgid, message.provider) == (
        '27833001171', '27999000001', msgid, 'clickatell')
    assert message.rtime == datetime(2014, 1, 29, 0, 5, 46)  # GMT+2 → UTC
    assert message.meta == {'api_id': '3456789', 'charset': charset, 'udh': ''}


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('text, charset', [('Grüße €', 'UTF-8'), ('Grüße', 'ISO-8859-1'), ('日本 😀', 'UTF-16BE'),
                                           ('Grüße', 'windows-1252'), ('Привет', 'UTF-16')])
def test_text_is_decoded_from_the_raw_bytes_with_its_charset(client, hooks, method, text, charset):
    query = 'from=1&charset={}&'.format(charset) + urlencode({'text': text.encode(charset)})
    assert send(client, IM, method, query).status_code == 200
    assert hooks.messages[0].body == text


def test_missing_charset_means_latin1_and_missing_udh_means_empty(client, hooks):
    assert client.get(IM + '?from=1&text=Gr%FC%DFe').status_code == 200
    [message] = hooks.messages
    assert message.body == 'Grüße'
    assert message.meta == {'api_id': None, 'charset': 'ISO-8859-1', 'udh': ''}
    assert message.msgid is None and message.dst is None


def test_incoming_message_without_timestamp_is_stamped_now(client, hooks, clock):
    client.get(IM + '?from=1&text=hi')
    assert hooks.messages[0].rtime == NOW


def test_query_and_form_fields_combine(client, hooks):
    response = client.post(IM + '?api_id=42', data='from=1&text=hi', content_type=FORM)
    assert response.status_code == 200
    assert hooks.messages[0].meta['api_id'] == '42'


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_status_report_from_clickatells_documentation(client, hooks, method):
    response = send(client, STATUS, method, STATUS_DOC)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    [status] = hooks.statuses
    assert type(status) is S003 and isinstance(status, MessageAccepted)
    assert isinstance(status, ClickatellMessageStatus)
    assert (status.msgid, status.provider, status.status_code, status.status) == (
        '996f364775e24b8432f45d77da8eca47', 'clickatell', 3, 'Delivered to gateway')
    assert status.rtime == datetime(2008, 8, 6, 7, 30, 14)  # UNIX 1218007814, UTC
    assert status.meta == {'status': 3, 'api_id': '12345', 'charge': 0.3, 'cliMsgId': 'abc123'}


@pytest.mark.parametrize('code, cls', [('002', MessageAccepted), ('004', MessageDelivered), ('005', MessageError),
                                       ('007', MessageError), ('010', MessageExpired), ('012', MessageError)])
def test_status_code_gives_the_smsframework_class(client, hooks, code, cls):
    client.get(STATUS + '?apiMsgId=x&status=' + code)
    assert isinstance(hooks.statuses[0], cls)


def test_minimal_status_report(client, hooks, clock):
    """`from`, `api_id`, `charge`, `cliMsgId` and `timestamp` may all be absent (the XML form has no api_id)."""
    assert client.get(STATUS + '?apiMsgId=abc&status=004&cliMsgId=').status_code == 200
    [status] = hooks.statuses
    assert type(status) is S004 and status.msgid == 'abc'
    assert status.meta == {'status': 4, 'api_id': None, 'charge': None}
    assert status.rtime == NOW


def test_old_setups_sending_moMsgId_are_accepted(client, hooks):
    assert client.get(STATUS + '?moMsgId=old&status=004').status_code == 200
    assert hooks.statuses[0].msgid == 'old'


def test_unknown_status_code_gives_the_base_class(client, hooks):
    client.get(STATUS + '?apiMsgId=x&status=013')
    status = hooks.statuses[0]
    assert type(status) is ClickatellMessageStatus and status.status_code == 13


def test_two_clickatell_accounts_in_one_app():
    gateway = Gateway()
    gateway.add_provider('primary', ClickatellProvider, **CREDENTIALS)
    gateway.add_provider('secondary', ClickatellProvider, **CREDENTIALS)
    hooks = HookRecorder(gateway)
    app = Flask(__name__)
    gateway.receiver_blueprints_register(app, prefix='/sms/')
    client = app.test_client()
    assert client.get('/sms/primary/im?from=1&text=one').status_code == 200
    assert client.get('/sms/secondary/im?from=2&text=two').status_code == 200
    assert client.get('/sms/secondary/status?apiMsgId=x&status=004').status_code == 200
    assert [(m.provider, m.body) for m in hooks.messages] == [('primary', 'one'), ('secondary', 'two')]
    assert hooks.statuses[0].provider == 'secondary'


def test_each_call_makes_a_new_blueprint_named_after_the_provider(provider):
    first, second = provider.make_receiver_blueprint(), provider.make_receiver_blueprint()
    assert first is not second
    assert first.name == 'clickatell'


def test_a_provider_whose_api_has_no_receivers_cannot_mount_them(provider):
    provider.api.api = 'carrier-pigeon'
    with pytest.raises(ValueError, match="no Clickatell receivers for api 'carrier-pigeon'"):
        provider.make_receiver_blueprint()
