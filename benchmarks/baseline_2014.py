"""The baseline: how the 2014 smsframework_clickatell sent messages.

One message, one request: each send opens a brand-new connection with `urllib.request.urlopen`
(so a TCP handshake and a full TLS handshake every time, with no keep-alive and no session reuse),
carries one recipient, and reads back `ID: <apiMsgId>`. Its TLS is verified like any client's
would be, here against the benchmark's own CA.

It is written for Python 3 (the 2014 code could not send on Python 3 at all: it handed urllib a str
body), but the network behaviour, which is what the benchmark compares, is the same.
"""
import time
import urllib.parse
import urllib.request


class BaselineError(Exception):
    """The server answered something other than `ID: ...`."""


class BaselineSender:
    """Send single SMS the 2014 way: a fresh `urlopen` per message."""

    def __init__(self, api_url, api_id, user, password, ssl_context=None, timeout=10):
        self.url = api_url.rstrip('/') + '/http/sendmsg'
        self.credentials = {'api_id': api_id, 'user': user, 'password': password}
        self.ssl_context = ssl_context
        self.timeout = timeout

    def send(self, to, text):
        """Send `text` to one number; returns the message id Clickatell gave it."""
        form = dict(self.credentials, to=to, text=text)
        body = urllib.parse.urlencode(form).encode('ascii')
        request = urllib.request.Request(self.url, data=body, method='POST')
        # urlopen makes a new HTTPSConnection each call and asks the server to close it after
        # the answer: that per-message connection setup is exactly the cost being measured.
        with urllib.request.urlopen(request, timeout=self.timeout, context=self.ssl_context) as r:
            answer = r.read().decode('latin-1').strip()
        if not answer.startswith('ID: '):
            raise BaselineError(answer)
        return answer[len('ID: '):].split()[0]


def send_many(sender, numbers, text):
    """Send to each number in turn, one request each; returns (message ids, seconds taken)."""
    start = time.perf_counter()
    ids = [sender.send(number, text) for number in numbers]
    return ids, time.perf_counter() - start
