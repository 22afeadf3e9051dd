"""The receivers, under the import path of 0.0.x: they live in :mod:`smsframework_clickatell.receivers`.

Importing this module imports Flask (``pip install 'smsframework-clickatell[receiver]'``).
"""
from .receivers.blueprint import MAX_BODY_SIZE, METHODS, make_receiver_blueprint, receive

__all__ = ['MAX_BODY_SIZE', 'METHODS', 'make_receiver_blueprint', 'receive']
