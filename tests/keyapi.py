"""What the tests of the key-based APIs (One API, Platform) share: keys, URLs, providers, answers."""
import json

from smsframework import Gateway

from smsframework_clickatell import ClickatellProvider

#: Keys as Clickatell's portal shows them (module constants, so that no test frame holds one in a local).
ONE_KEY = 'Xq7pL2vK9sR4tY1wZ8mN3bC6dF0gH5j=='
PLATFORM_KEY = 'pLaTfOrM-k3y_9f8e7d6c5b4a3210zyxw'
KEYS = {'one': ONE_KEY, 'platform': PLATFORM_KEY}

#: Clickatell's base URL for both key-based APIs.
PLATFORM_URL = 'https://platform.clickatell.com'
ONE_SEND_URL = PLATFORM_URL + '/v1/message'
PLATFORM_SEND_URL = PLATFORM_URL + '/messages'
BALANCE_URL = PLATFORM_URL + '/public-client/balance'
PLATFORM_STATUS_URL = PLATFORM_URL + '/public-client/message/status'

MSGID = '77fb29ee9a2b4b6fa3e5c8d1e0f3a2b1'


def key_provider(api, gateway=None, **options):
    """A 'clickatell' provider of `api` ('one' or 'platform') with its key; a short time-out."""
    options.setdefault('timeout', 2)
    if api == 'platform':
        options['api'] = 'platform'
    return (gateway or Gateway()).add_provider('clickatell', ClickatellProvider, api_key=KEYS[api], **options)


def sent_json(call):
    """The JSON document a recorded `responses` call sent."""
    return json.loads(call.request.body.decode('utf-8'))


def one_accepted(to, msgid=MSGID, **extra):
    """One API's 202 answer accepting one message."""
    return {'messages': [dict({'apiMessageId': msgid, 'accepted': True, 'to': to, 'error': None}, **extra)],
            'error': None}


def platform_accepted(to, msgid=MSGID):
    """The Platform's 202 answer accepting one recipient."""
    return {'messages': [{'apiMessageId': msgid, 'accepted': True, 'to': to, 'errorCode': None, 'error': None,
                          'errorDescription': None}], 'errorCode': None, 'error': None, 'errorDescription': None}


def chain(error):
    """`error` and every exception it was raised from or during."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen
