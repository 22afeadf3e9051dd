"""Requests the receivers cannot read: 400, one line naming the field and the problem, a warning, no hook."""
import logging

import pytest

from .conftest import CREDENTIALS
from .pushes import IM, STATUS, STATUS_XML, form_escape, send, send_raw

NOT_AN_ID = 'is not an id (up to 64 letters, digits, - and _): '

# (query string or form body, the whole answer)
UNREADABLE_MESSAGES = [
    ('', 'missing field from'),
    ('text=hi', 'missing field from'),
    ('from=&text=hi', 'missing field from'),
    ('from=1', 'missing field text'),
    ('from=sender&text=hi', "field from is not a phone number: 'sender'"),
    ('from=1&to=shortcode&text=hi', "field to is not a phone number: 'shortcode'"),
    ('from=%FF&text=hi', 'field from is not valid UTF-8'),
    ('from=1&text=hi&moMsgId=%C3', 'field moMsgId is not valid UTF-8'),
    ('from=1&text=hi&charset=KOI-9', "unknown charset 'KOI-9'"),
    ('from=1&text=hi&charset=hex', "unknown charset 'hex'"),  # a Python codec, not a character set
    ('from=1&text=hi&charset=rot13', "unknown charset 'rot13'"),
    ('from=1&text=%5Cu0041&charset=unicode_escape', "unknown charset 'unicode_escape'"),
    ('from=1&text=hi&charset=UTF%008', "unknown charset 'UTF\\x008'"),
    ('from=1&text=%D8%00%00&charset=UTF-16BE', 'field text is not valid UTF-16BE'),  # odd length
    ('from=1&text=%D8%00%00A&charset=UTF-16BE', 'field text is not valid UTF-16BE'),  # lone surrogate
    ('from=1&text=%FF&charset=UTF-8', 'field text is not valid UTF-8'),
    ('from=1&text=%ED%A0%80&charset=UTF-8', 'field text is not valid UTF-8'),  # an encoded surrogate
    ('from=1&text=hi&timestamp=2014-13-45+25%3A00%3A00',
     'field timestamp is not a date "YYYY-MM-DD HH:MM:SS": \'2014-13-45 25:00:00\''),
    ('from=1&text=hi&timestamp=2014-02-30+10%3A00%3A00',
     'field timestamp is not a date "YYYY-MM-DD HH:MM:SS": \'2014-02-30 10:00:00\''),
    ('from=1&text=hi&timestamp=0001-01-01+01%3A00%3A00',  # GMT+2: before the first UTC instant
     'field timestamp is not a date "YYYY-MM-DD HH:MM:SS": \'0001-01-01 01:00:00\''),
    ('from=1&text=hi&timestamp=yesterday', 'field timestamp is not a date "YYYY-MM-DD HH:MM:SS": \'yesterday\''),
    ('from=1&text=hi&timestamp=' + form_escape('２０１４-01-29 02:05:46'),
     'field timestamp is not a date "YYYY-MM-DD HH:MM:SS": '
     "'\\uff12\\uff10\\uff11\\uff14-01-29 02:05:46'"),
    ('from=1&text=100%', 'field text has a malformed percent-escape'),
    ('from=1&text=%ZZ', 'field text has a malformed percent-escape'),
    ('from=1&text=%4', 'field text has a malformed percent-escape'),
    ('from=1&text=hi&%ZZ=1', 'a field name has a malformed percent-escape'),
    ('from=1&text=hi&text=ho', 'field text is given twice'),
    ('from=1&text=hi&moMsgId=a%0D%0Ab', 'field moMsgId ' + NOT_AN_ID + "'a\\r\\nb'"),
    ('from=1&text=hi&moMsgId=..%2Fstatus', 'field moMsgId ' + NOT_AN_ID + "'../status'"),
    # UTF-7 encodes lone surrogates: no hook could store, log or pass on such a text.
    ('from=1&text=%2B2AA-&charset=UTF-7', 'field text holds a lone surrogate'),
    ('from=1&text=hi%2B3AA-&charset=utf7', 'field text holds a lone surrogate'),
]

UNREADABLE_STATUSES = [
    ('', 'missing field apiMsgId or moMsgId'),
    ('status=004', 'missing field apiMsgId or moMsgId'),
    ('apiMsgId=&status=004', 'missing field apiMsgId or moMsgId'),
    ('apiMsgId=x', 'missing field status'),
    ('apiMsgId=x&status=', 'missing field status'),
    ('apiMsgId=%FF&status=004', 'field apiMsgId is not valid UTF-8'),
    ('apiMsgId=x&status=delivered', "field status is not a number: 'delivered'"),
    ('apiMsgId=x&status=-4', "field status is not a number: '-4'"),
    ('apiMsgId=x&status=4.0', "field status is not a number: '4.0'"),
    ('apiMsgId=x&status=1_0', "field status is not a number: '1_0'"),
    ('apiMsgId=x&status=%D9%A4', "field status is not a number: '\\u0664'"),  # ARABIC-INDIC DIGIT FOUR
    ('apiMsgId=x&status=1234567890', "field status is not a number: '1234567890'"),
    ('apiMsgId=x&status=004&charge=free', "field charge is not a number: 'free'"),
    ('apiMsgId=x&status=004&charge=nan', "field charge is not a number: 'nan'"),
    ('apiMsgId=x&status=004&charge=inf', "field charge is not a number: 'inf'"),
    ('apiMsgId=x&status=004&charge=-0.3', "field charge is not a number: '-0.3'"),
    ('apiMsgId=x&status=004&timestamp=2014-01-29', "field timestamp is not a number: '2014-01-29'"),
    ('apiMsgId=x&status=004&timestamp=1e300', "field timestamp is not a number: '1e300'"),
    ('apiMsgId=x&status=004&timestamp=99999999999999999999',
     "field timestamp is not a UNIX time: '99999999999999999999'"),
    ('apiMsgId=%G0&status=004', 'field apiMsgId has a malformed percent-escape'),
    ('apiMsgId=x&status=004%', 'field status has a malformed percent-escape'),
    ('apiMsgId=a&apiMsgId=b&status=004', 'field apiMsgId is given twice'),
    ('apiMsgId=a%0D%0Ab&status=004', 'field apiMsgId ' + NOT_AN_ID + "'a\\r\\nb'"),
    ('apiMsgId=a+b&status=004', 'field apiMsgId ' + NOT_AN_ID + "'a b'"),
    ('apiMsgId=%C3%A9&status=004', 'field apiMsgId ' + NOT_AN_ID + "'\\xe9'"),
    ('moMsgId=a%00&status=004', 'field moMsgId ' + NOT_AN_ID + "'a\\x00'"),
    ('apiMsgId=x&cliMsgId=order%0A42&status=004', 'field cliMsgId ' + NOT_AN_ID + "'order\\n42'"),
    ('data=' + form_escape('<callback><apiMsgId>x</apiMsgId>'), 'field data is malformed XML (line 1, column 32)'),
    ('data=' + form_escape(STATUS_XML) + '&xml=' + form_escape(STATUS_XML),
     'fields data and xml both hold an XML document'),
]

# (content type, body, the whole answer): documents in a POST body.
XML_ENTITY = b'<!DOCTYPE callback [<!ENTITY id "x">]><callback><apiMsgId>&id;</apiMsgId><status>4</status></callback>'
XML_EXTERNAL = (b'<!DOCTYPE callback [<!ENTITY id SYSTEM "file:///etc/passwd">]>'
                b'<callback><apiMsgId>&id;</apiMsgId><status>4</status></callback>')
XML_LAUGHS = (b'<!DOCTYPE callback [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><callback><apiMsgId>&c;</apiMsgId></callback>')
XML_DTD = b'<!DOCTYPE callback SYSTEM "http://attacker.example/callback.dtd"><callback/>'
UNREADABLE_STATUS_DOCUMENTS = [
    ('text/xml', XML_ENTITY, 'the body is XML with a DTD or entities, which are refused'),
    ('application/xml', XML_EXTERNAL, 'the body is XML with a DTD or entities, which are refused'),
    (None, XML_LAUGHS, 'the body is XML with a DTD or entities, which are refused'),
    ('text/xml', XML_DTD, 'the body is XML with a DTD or entities, which are refused'),
    ('text/xml', b'<callback><apiMsgId>x</apiMsgId>', 'the body is malformed XML (line 1, column 32)'),
    ('text/xml', b'', 'the body is malformed XML (line 1, column 0)'),
    ('text/xml', b'<callback><apiMsgId>x</apiMsgId><status><code>4</code></status></callback>',
     'the body: field status is not a plain value'),
    ('text/xml', b'<callback><status>4</status><status>5</status></callback>', 'the body: field status is given twice'),
    ('text/xml', b'<?xml version="1.0" encoding="KOI-9"?><callback/>',
     'the body is XML in an unknown or unsupported encoding'),
    ('text/xml', b'<?xml version="1.0" encoding="Shift_JIS"?><callback/>',
     'the body is XML in an unknown or unsupported encoding'),
    ('text/xml', b'<callback><apiMsgId>\xff</apiMsgId></callback>', 'the body is malformed XML (line 1, column 20)'),
    ('application/json', b'{"apiMsgId": "x", "status": ',
     'the body is malformed JSON (Expecting value at line 1, column 29)'),
    ('application/json', b'', 'the body is malformed JSON (Expecting value at line 1, column 1)'),
    ('application/json', b'[' * 20000, 'the body is malformed JSON (nested too deeply)'),
    ('application/json', b'["x"]', 'the JSON body is not an object'),
    ('application/json', b'{"apiMsgId": "x", "status": NaN}', 'the JSON body holds NaN, which is not a number'),
    ('application/json', b'{"apiMsgId": "x", "status": true}', 'JSON field status is not a string or a number'),
    ('application/json', b'{"apiMsgId": ["x"], "status": 4}', 'JSON field apiMsgId is not a string or a number'),
    ('application/json', b'{"apiMsgId": "\\ud800", "status": 4}', 'JSON field apiMsgId holds a lone surrogate'),
    ('application/json', b'{"apiMsgId": "a", "apiMsgId": "b", "status": 4}',
     'the JSON body gives field apiMsgId twice'),
    ('application/json', b'{"apiMsgId": "\xff", "status": 4}', 'the JSON body is not valid utf-8'),
    (None, b'{"apiMsgId": "x"', 'the body is malformed JSON (Expecting \',\' delimiter at line 1, column 17)'),
    ('text/xml', b'<callback><apiMsgId>a&#13;&#10;b</apiMsgId><status>4</status></callback>',
     'field apiMsgId ' + NOT_AN_ID + "'a\\r\\nb'"),
    ('application/json', b'{"apiMsgId": "x", "cliMsgId": "a/b", "status": 4}', 'field cliMsgId ' + NOT_AN_ID + "'a/b'"),
    ('multipart/form-data; boundary=x', b'--x--', 'Content-Type multipart/form-data is not supported: '
                                                  'send a url-encoded form'),
]


UNREADABLE_MESSAGE_DOCUMENTS = [
    ('application/json', b'{"from": "1", "text": "hi", "charset": "KOI-9"}', "unknown charset 'KOI-9'"),
    ('text/xml', b'<callback><from>1</from><text>hi</text><charset>hex</charset></callback>', "unknown charset 'hex'"),
    ('application/json', b'{"from": "1", "text": "\\ud83d"}', 'JSON field text holds a lone surrogate'),
]


def assert_rejected(response, hooks, caplog, reason):
    assert response.status_code == 400
    assert response.mimetype == 'text/plain'
    assert response.get_data(as_text=True) == reason + '\n'
    assert hooks.messages == [] and hooks.statuses == []
    [record] = [r for r in caplog.records if r.name == 'smsframework_clickatell.receiver']
    assert record.levelno == logging.WARNING and record.getMessage().endswith(': ' + reason)
    assert CREDENTIALS['password'] not in caplog.text


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('query, reason', UNREADABLE_MESSAGES)
def test_unreadable_incoming_message_is_rejected_with_its_reason(client, hooks, caplog, method, query, reason):
    assert_rejected(send(client, IM, method, query), hooks, caplog, reason)


@pytest.mark.parametrize('method', ['GET', 'POST'])
@pytest.mark.parametrize('query, reason', UNREADABLE_STATUSES)
def test_unreadable_status_is_rejected_with_its_reason(client, hooks, caplog, method, query, reason):
    assert_rejected(send(client, STATUS, method, query), hooks, caplog, reason)


@pytest.mark.parametrize('content_type, body, reason', UNREADABLE_STATUS_DOCUMENTS)
def test_unreadable_status_document_is_rejected_with_its_reason(client, hooks, caplog, content_type, body, reason):
    assert_rejected(send_raw(client, STATUS, 'POST', body=body, content_type=content_type), hooks, caplog, reason)


@pytest.mark.parametrize('content_type, body, reason', UNREADABLE_MESSAGE_DOCUMENTS)
def test_unreadable_incoming_message_document_is_rejected_with_its_reason(
        client, hooks, caplog, content_type, body, reason):
    assert_rejected(send_raw(client, IM, 'POST', body=body, content_type=content_type), hooks, caplog, reason)


@pytest.mark.parametrize('url', [IM, STATUS])
@pytest.mark.parametrize('query', [b'<callback><apiMsgId>x</apiMsgId>', b'%3Ccallback%3E%3CapiMsgId%3E'])
def test_a_malformed_document_as_the_whole_query_string_is_rejected(client, hooks, caplog, url, query):
    response = send_raw(client, url, query=query)
    assert_rejected(response, hooks, caplog, response.get_data(as_text=True).rstrip('\n'))
    assert response.get_data(as_text=True).startswith('the query string is malformed XML (line 1, column ')


def test_a_reason_quotes_any_value_in_ascii_on_one_line(client, hooks, caplog):
    """Client bytes never reach the answer or the log as they are: no line breaks, no invalid text."""
    response = send(client, IM, 'GET', 'from=1&text=hi&charset=' + form_escape('4\r\n\U0001f600' + 'x' * 50))
    assert_rejected(response, hooks, caplog, "unknown charset '4\\r\\n\\U0001f600" + 'x' * 36 + "'")
