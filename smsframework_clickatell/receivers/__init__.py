"""The receivers of what Clickatell pushes: incoming messages (``/im``) and delivery reports (``/status``).

* :mod:`.blueprint`: the Flask views and the answers (200, 400, 401, 405, 413, 500);
* :mod:`.body`: reading a request's body whole, within a bound; :mod:`.auth`: HTTP Basic (Flask-free);
* :mod:`.formats`: query strings, forms, XML and JSON, read into fields;
* :mod:`.legacy`, :mod:`.platform` and :mod:`.one`: what a push means for each API generation, as
  smsframework objects (:data:`.blueprint.RECEIVERS` picks them by the provider's API);
* :mod:`.fields`: the field rules the newer generations share (ids, phone numbers, times, texts).

Importing this package does not import Flask; :func:`make_receiver_blueprint` does.
"""
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Blueprint

    from ..provider import ClickatellProvider


def make_receiver_blueprint(provider: 'ClickatellProvider') -> 'Blueprint':
    """A new Flask Blueprint with the receivers of `provider` (see :mod:`.blueprint`).

    :raises ImportError: Flask is not installed (``pip install 'smsframework-clickatell[receiver]'``)
    """
    from .blueprint import make_receiver_blueprint as make
    return make(provider)
