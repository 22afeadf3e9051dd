"""The package is typed (PEP 561): it says so with py.typed, and ships that marker."""
import os

import smsframework_clickatell

from .setup_py import setup_arguments


def test_the_package_carries_the_py_typed_marker():
    assert os.path.isfile(os.path.join(os.path.dirname(smsframework_clickatell.__file__), 'py.typed'))


def test_setup_ships_the_marker():
    assert 'py.typed' in setup_arguments()['package_data']['smsframework_clickatell']
