"""A WSGI application that mounts a Clickatell provider's receivers under ``/sms/``, for the tests that
run them under a real server (``gunicorn tests.wsgi_app:app``).

``GET /hook-calls`` answers how many times this process's gateway hooks were called, so that a test
in another process can tell whether a request reached them.
"""
from flask import Flask
from smsframework import Gateway

from smsframework_clickatell import ClickatellProvider

gateway = Gateway()
gateway.add_provider('clickatell', ClickatellProvider, api_url='https://clickatell.test',
                     api_id='3456789', user='alice', password='S3cr3t-pa55')
calls = []
gateway.onReceive += calls.append
gateway.onStatus += calls.append

app = Flask(__name__)
gateway.receiver_blueprints_register(app, prefix='/sms/')


@app.get('/hook-calls')
def hook_calls():
    return str(len(calls))
