"""setup.py's dependency floors and constraints/floors.txt, which .ci/floors installs, say the same.

The floors job proves the floors only if it installs exactly what setup.py declares: a floor raised in
one file and not in the other would leave the job testing versions users never get.
"""
import os
import re

from .setup_py import ROOT, setup_arguments

CONSTRAINTS = os.path.join(ROOT, 'constraints', 'floors.txt')

#: Extras whose dependencies the suite does not use, so that no floors job installs them.
UNTESTED_EXTRAS = {'bench'}

_FLOOR = re.compile(r'(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)>=(?P<version>[0-9][0-9A-Za-z.]*)\Z')
_PIN = re.compile(r'(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[0-9][0-9A-Za-z.]*)\Z')


def _normalized(name):
    return re.sub(r'[-_.]+', '-', name).lower()  # PEP 503: Flask, flask and FLASK are one project


def declared_floors():
    """{project: floor} for every dependency the suite installs, each required to be ``name>=version``."""
    arguments = setup_arguments()
    requirements = list(arguments['install_requires'])
    for extra, extra_requirements in sorted(arguments['extras_require'].items()):
        if extra not in UNTESTED_EXTRAS:
            requirements += extra_requirements
    floors = {}
    for requirement in requirements:
        match = _FLOOR.match(requirement)
        assert match, 'setup.py: {!r} is not a plain floor (name>=version)'.format(requirement)
        name = _normalized(match.group('name'))
        assert floors.setdefault(name, match.group('version')) == match.group('version'), \
            'setup.py gives {} two floors'.format(name)
    return floors


def pinned_floors():
    """{project: version} from the constraints file, each line ``name==version``."""
    pins = {}
    with open(CONSTRAINTS, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            match = _PIN.match(line)
            assert match, '{}: {!r} is not name==version'.format(CONSTRAINTS, line)
            name = _normalized(match.group('name'))
            assert name not in pins, '{} is pinned twice'.format(name)
            pins[name] = match.group('version')
    return pins


def test_the_constraints_pin_exactly_the_declared_floors():
    assert pinned_floors() == declared_floors()


def test_the_floors_cover_the_receiver_dependencies():
    # Werkzeug comes with Flask, but the receivers import it directly and need its 2.3 behaviour.
    assert {'flask', 'werkzeug', 'defusedxml', 'smsframework', 'requests', 'urllib3'} <= set(declared_floors())
