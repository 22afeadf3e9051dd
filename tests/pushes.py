"""What Clickatell pushes to the receivers, and how the tests send it."""
import base64
from datetime import datetime
from urllib.parse import quote, quote_from_bytes

IM = '/sms/clickatell/im'
STATUS = '/sms/clickatell/status'
FORM = 'application/x-www-form-urlencoded'

#: The time the receivers stamp a push that carries none, in the tests (see the `clock` fixture).
NOW = datetime(2024, 5, 6, 7, 8, 9)

# Real captures (see shared/spec/clickatell-http-api.md), as Clickatell sends them.
MO_LATIN1_ASCII = ('api_id=3456789&from=27833001171&to=27999000001&timestamp=2014-01-29+02%3A05%3A46'
                   '&text=Hi%2C+man&charset=ISO-8859-1&udh=&moMsgId=c6b1e0eb9d6b8d549621235aaf089a26')
MO_UTF16 = ('api_id=3456789&from=27833001171&to=27999000001&timestamp=2014-01-29+02%3A05%3A46'
            '&text=%04%1F%04%40%048%042%045%04B%00%2C%00+%046%04%3E%04%3F%040%00!&charset=UTF-16BE&udh='
            '&moMsgId=b2aee337abd962489b123fda9c3480fa')
MO_LATIN1_HIGH = ('api_id=3456789&from=27833001171&to=27999000001&timestamp=2014-01-29+02%3A05%3A46'
                  '&text=S%ECbbnda&charset=ISO-8859-1&udh=&moMsgId=c6b1e0eb9d6b8d549621235aaf089a27')
STATUS_DOC = ('api_id=12345&apiMsgId=996f364775e24b8432f45d77da8eca47&cliMsgId=abc123&timestamp=1218007814'
              '&to=279995631564&from=27833001171&status=003&charge=0.300000')
# The XML form of a status push, as Clickatell documents it (no api_id).
STATUS_XML = ('<callback><apiMsgId>996f364775e24b8432f45d77da8eca47</apiMsgId><cliMsgId>abc123</cliMsgId>'
              '<timestamp>1218007814</timestamp><to>279995631564</to><from>27833001171</from>'
              '<charge>0.300000</charge><status>003</status></callback>')


def send(client, url, method, query, **kwargs):
    """`query` as a GET query string, or as a POST form body."""
    if method == 'GET':
        return client.get(url + '?' + query, **kwargs)
    return client.post(url, data=query.encode('ascii'), content_type=FORM, **kwargs)


def send_raw(client, url, method='GET', query=b'', body=b'', content_type=None, headers=None, **environ):
    """A request made of raw bytes: the query string and body go over the wire exactly as given."""
    overrides = {'QUERY_STRING': query.decode('iso-8859-1')}  # WSGI's own way of carrying bytes
    overrides.update(environ)
    return client.open(url, method=method, data=body, content_type=content_type, headers=headers or {},
                       environ_overrides=overrides)


def form_escape(data):
    """Bytes or text percent-encoded as a form value (every byte but letters and digits escaped)."""
    if isinstance(data, str):
        return quote(data, safe='')
    return quote_from_bytes(data, safe='')


def basic(user, password):
    """An ``Authorization`` header value for HTTP Basic."""
    return 'Basic ' + base64.b64encode('{}:{}'.format(user, password).encode('utf-8')).decode('ascii')
