"""setup.py's metadata, for the tests that hold other files to it."""
import os
import runpy
import sys
import types
from unittest import mock

#: The project's root: setup.py, README.md, tox.ini, .ci/ (all shipped in the sdist too).
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))


def setup_arguments():
    """What setup.py passes to setup(), got by running it with a stand-in setuptools (which 3.12+
    virtual environments do not even have)."""
    given = {}
    stand_in = types.ModuleType('setuptools')
    stand_in.setup = lambda **kwargs: given.update(kwargs)
    stand_in.find_packages = lambda *args, **kwargs: []
    with mock.patch.dict(sys.modules, setuptools=stand_in):
        runpy.run_path(os.path.join(ROOT, 'setup.py'))
    return given
