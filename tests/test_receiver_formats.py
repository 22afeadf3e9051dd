"""Every format Clickatell pushes in gives the hook the same message or status."""
import json
from datetime import datetime

import pytest

from smsframework_clickatell.status import S003

from .pushes import FORM, IM, STATUS, STATUS_DOC, STATUS_XML, form_escape, send_raw

STATUS_FIELDS = dict(pair.split('=') for pair in STATUS_DOC.split('&'))
STATUS_XML_PRETTY = '''<?xml version="1.0" encoding="UTF-8"?>
<!-- pushed by Clickatell -->
<callback>
  <apiMsgId>996f364775e24b8432f45d77da8eca47</apiMsgId>
  <cliMsgId>abc123</cliMsgId>
  <timestamp>1218007814</timestamp>
  <to>279995631564</to>
  <from>27833001171</from>
  <charge>0.300000</charge>
  <status>003</status>
</callback>
'''
STATUS_JSON_NUMBERS = ('{"api_id": 12345, "apiMsgId": "996f364775e24b8432f45d77da8eca47", "cliMsgId": "abc123",'
                       ' "timestamp": 1218007814, "to": "279995631564", "from": "27833001171", "status": 3,'
                       ' "charge": 0.300000}')

# (format, request: method, query, body, content type, the api_id the status carries)
STATUS_FORMATS = [
    ('HTTP GET', 'GET', STATUS_DOC, '', None, '12345'),
    ('HTTP POST', 'POST', '', STATUS_DOC, FORM, '12345'),
    ('XML GET, data field', 'GET', 'data=' + form_escape(STATUS_XML), '', None, None),
    ('XML GET, xml field', 'GET', 'xml=' + form_escape(STATUS_XML), '', None, None),
    ('XML GET, data field with + for spaces', 'GET', 'data=' + form_escape(STATUS_XML_PRETTY).replace('%20', '+'),
     '', None, None),
    ('XML GET, the whole query string', 'GET', form_escape(STATUS_XML), '', None, None),
    ('XML GET, the whole query string unescaped', 'GET', STATUS_XML, '', None, None),
    ('XML POST, data field', 'POST', '', 'data=' + form_escape(STATUS_XML), FORM, None),
    ('XML POST, text/xml body', 'POST', '', STATUS_XML, 'text/xml', None),
    ('XML POST, application/xml body, declared and indented', 'POST', '', STATUS_XML_PRETTY, 'application/xml', None),
    ('XML POST, body labelled as a form', 'POST', '', STATUS_XML, FORM, None),
    ('XML POST, body without a content type', 'POST', '', STATUS_XML, None, None),
    ('XML POST, percent-encoded body', 'POST', '', form_escape(STATUS_XML), FORM, None),
    ('JSON POST', 'POST', '', json.dumps(STATUS_FIELDS), 'application/json', '12345'),
    ('JSON POST, numbers as numbers', 'POST', '', STATUS_JSON_NUMBERS, 'application/json', '12345'),
    ('JSON POST, body without a content type', 'POST', '', json.dumps(STATUS_FIELDS), None, '12345'),
    ('JSON POST, body labelled as text', 'POST', '', json.dumps(STATUS_FIELDS), 'text/plain', '12345'),
]


def summary(status):
    return (type(status), status.msgid, status.provider, status.status_code, status.status, status.rtime,
            status.meta)


@pytest.mark.parametrize('method, query, body, content_type, api_id', [f[1:] for f in STATUS_FORMATS],
                         ids=[f[0] for f in STATUS_FORMATS])
def test_every_status_format_gives_the_same_status(client, hooks, method, query, body, content_type, api_id):
    response = send_raw(client, STATUS, method, query.encode('ascii'), body.encode('ascii'), content_type)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    [status] = hooks.statuses
    assert summary(status) == (
        S003, '996f364775e24b8432f45d77da8eca47', 'clickatell', 3, 'Delivered to gateway',
        datetime(2008, 8, 6, 7, 30, 14),
        {'status': 3, 'api_id': api_id, 'charge': 0.3, 'cliMsgId': 'abc123'})


def test_json_null_means_absent(client, hooks, clock):
    body = b'{"apiMsgId": "abc", "status": "004", "cliMsgId": null, "charge": null, "timestamp": null}'
    assert send_raw(client, STATUS, 'POST', body=body, content_type='application/json').status_code == 200
    [status] = hooks.statuses
    assert (status.msgid, status.rtime, status.meta) == ('abc', clock, {'status': 4, 'api_id': None, 'charge': None})


def test_a_documents_fields_win_over_the_query_and_the_form(client, hooks):
    response = send_raw(client, STATUS, 'POST', b'status=002&api_id=42', b'status=005&data=' + form_escape(
        STATUS_XML).encode('ascii'), FORM)
    assert response.status_code == 200
    [status] = hooks.statuses
    assert (status.status_code, status.meta['api_id']) == (3, '42')


def test_an_xml_field_that_is_not_a_document_is_an_ordinary_field(client, hooks):
    assert send_raw(client, STATUS, query=b'apiMsgId=x&status=004&data=hello').status_code == 200
    assert hooks.statuses[0].msgid == 'x'


# Incoming messages: the raw-byte formats decode `text` with `charset`; the documents give characters.
MO_TEXT = 'Привет, Grüße 😀'
MO_UTF16_QUERY = ('from=27833001171&to=27999000001&moMsgId=abc&timestamp=2014-01-29+02%3A05%3A46&charset=UTF-16BE'
                  '&udh=&text=' + form_escape(MO_TEXT.encode('utf-16-be')))
MO_JSON = json.dumps({'from': '27833001171', 'to': '27999000001', 'moMsgId': 'abc', 'charset': 'UTF-16BE',
                      'timestamp': '2014-01-29 02:05:46', 'udh': '', 'text': MO_TEXT})
MO_XML = ('<callback><from>27833001171</from><to>27999000001</to><moMsgId>abc</moMsgId><charset>UTF-16BE</charset>'
          '<timestamp>2014-01-29 02:05:46</timestamp><udh/><text>{}</text></callback>').format(MO_TEXT)

MO_FORMATS = [
    ('HTTP GET', 'GET', MO_UTF16_QUERY.encode('ascii'), b'', None),
    ('HTTP POST', 'POST', b'', MO_UTF16_QUERY.encode('ascii'), FORM),
    ('JSON POST', 'POST', b'', MO_JSON.encode('utf-8'), 'application/json'),
    ('JSON POST in UTF-16', 'POST', b'', MO_JSON.encode('utf-16-le'), 'application/json'),
    ('XML POST', 'POST', b'', MO_XML.encode('utf-8'), 'text/xml'),
    ('XML POST in a data field', 'POST', b'', b'data=' + form_escape(MO_XML.encode('utf-8')).encode('ascii'), FORM),
    ('XML GET in a data field', 'GET', b'data=' + form_escape(MO_XML.encode('utf-8')).encode('ascii'), b'', None),
]


@pytest.mark.parametrize('method, query, body, content_type', [f[1:] for f in MO_FORMATS],
                         ids=[f[0] for f in MO_FORMATS])
def test_every_incoming_message_format_gives_the_same_message(client, hooks, method, query, body, content_type):
    response = send_raw(client, IM, method, query, body, content_type)
    assert (response.status_code, response.get_data(as_text=True)) == (200, 'OK')
    [message] = hooks.messages
    assert (message.src, message.dst, message.msgid, message.body, message.rtime, message.meta) == (
        '27833001171', '27999000001', 'abc', MO_TEXT, datetime(2014, 1, 29, 0, 5, 46),
        {'api_id': None, 'charset': 'UTF-16BE', 'udh': ''})


def test_json_numbers_are_read_as_the_text_they_were_written_with(client, hooks):
    body = b'{"from": 27833001171, "text": 1.50, "moMsgId": 7}'
    assert send_raw(client, IM, 'POST', body=body, content_type='application/json').status_code == 200
    [message] = hooks.messages
    assert (message.src, message.body, message.msgid) == ('27833001171', '1.50', '7')


def test_an_xml_document_is_decoded_with_its_declared_encoding(client, hooks):
    document = '<?xml version="1.0" encoding="ISO-8859-1"?><callback><from>1</from><text>Grüße</text></callback>'
    response = send_raw(client, IM, 'POST', body=document.encode('iso-8859-1'), content_type='text/xml')
    assert response.status_code == 200
    assert hooks.messages[0].body == 'Grüße'


@pytest.mark.parametrize('content_type', [None, FORM, 'text/xml'])
def test_a_raw_xml_body_is_not_percent_decoded(client, hooks, content_type):
    """In a document as it is, "+" and "%" are text: only a percent-encoded document is decoded."""
    document = b'<callback><from>+27833001171</from><text>1+1 = 100%, %41</text></callback>'
    assert send_raw(client, IM, 'POST', body=document, content_type=content_type).status_code == 200
    assert hooks.messages[0].body == '1+1 = 100%, %41'


def test_the_network_field_is_kept_in_meta(client, hooks):
    assert send_raw(client, IM, query=b'from=1&text=hi&network=Vodacom').status_code == 200
    assert hooks.messages[0].meta == {'api_id': None, 'charset': 'ISO-8859-1', 'udh': '', 'network': 'Vodacom'}


def test_phone_numbers_keep_their_digits(client, hooks):
    assert send_raw(client, IM, query=b'from=%2B27+83+300-1171&to=%2827%29999000001&text=hi').status_code == 200
    [message] = hooks.messages
    assert (message.src, message.dst) == ('27833001171', '27999000001')
