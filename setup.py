#!/usr/bin/env python
"""Clickatell provider for smsframework."""
import io
import os
import re

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))


def read(*parts):
    with io.open(os.path.join(HERE, *parts), encoding='utf-8') as f:
        return f.read()


VERSION = re.search(
    r"^__version__ = '([^']+)'", read('smsframework_clickatell', '__init__.py'), re.M
).group(1)

# Every floor is a version the whole suite passes with: constraints/floors.txt pins exactly these
# (tests/test_floors.py checks they agree) and .ci/floors runs the suite on them. A floor is raised
# when a lower version fails, for the reason given.

INSTALL_REQUIRES = [
    # 0.0.7.post1 drops an alphanumeric sender ID (src); 0.0.9 itself is not on the package index.
    'smsframework>=0.0.9.post1',
    # The first requests that accepts urllib3 1.26.
    'requests>=2.25.0',
    # 1.26 brought Retry's `other` count and `allowed_methods`.
    'urllib3>=1.26.0',
]

RECEIVER_REQUIRES = [
    # Flask 2.3 is the first to require Werkzeug 2.3 itself; older ones pass only with Werkzeug held
    # at 2.3.x, since pip gives them Werkzeug 3, which they fail with.
    'flask>=2.3.0',
    # Werkzeug below 2.3 ignores the application's MAX_CONTENT_LENGTH: a too-large push got 200.
    'werkzeug>=2.3.0',
    # 0.7.0 lets malformed XML escape as a 500 instead of a 400.
    'defusedxml>=0.7.1',
]

TEST_REQUIRES = RECEIVER_REQUIRES + [
    'pytest>=7.0.0',
    'responses>=0.23.0',
    # st.characters(exclude_categories=...) is new in 6.85.
    'hypothesis>=6.85.0',
    'trustme>=1.0.0',
    # The receivers under real WSGI servers (tests/test_receiver_servers.py).
    'gunicorn>=21.2.0',
    'waitress>=2.1.0',
]

setup(
    name='smsframework-clickatell',
    version=VERSION,
    description='Clickatell provider for smsframework: send, receive, delivery reports, balance',
    long_description=read('README.md'),
    long_description_content_type='text/markdown',
    # PEP 639: an SPDX expression (Metadata 2.4 License-Expression) instead of a license classifier,
    # which setuptools deprecates; pyproject.toml asks for a setuptools that knows the keyword.
    license_expression='BSD-3-Clause',
    license_files=['LICENSE'],
    author='the smsframework-clickatell authors',
    project_urls={
        'Homepage': 'https://github.com/kolypto/py-smsframework-clickatell',
        'Source': 'https://github.com/kolypto/py-smsframework-clickatell',
        'Issues': 'https://github.com/kolypto/py-smsframework-clickatell/issues',
        'Documentation': 'https://github.com/kolypto/py-smsframework-clickatell#readme',
    },
    keywords=['sms', 'clickatell', 'smsframework', 'send', 'receive', 'delivery report', 'flask'],
    packages=find_packages(exclude=('tests', 'tests.*', 'benchmarks')),
    # PEP 561: the package is typed.
    package_data={'smsframework_clickatell': ['py.typed']},
    python_requires='>=3.9',
    install_requires=INSTALL_REQUIRES,
    extras_require={
        'receiver': RECEIVER_REQUIRES,
        # benchmarks/: run-time TLS certificates for the local HTTPS server.
        'bench': ['cryptography>=3.4'],
        'test': TEST_REQUIRES,
    },
    entry_points={
        # The command line, also run as `python -m smsframework_clickatell`.
        'console_scripts': ['smsframework-clickatell = smsframework_clickatell.cli:main'],
        # The clickatell_simulator fixture, for the test suites of applications that use the package.
        'pytest11': ['clickatell = smsframework_clickatell.simulator.pytest_plugin'],
    },
    classifiers=[
        'Development Status :: 4 - Beta',
        'Intended Audience :: Developers',
        'Programming Language :: Python :: 3',
        'Programming Language :: Python :: 3 :: Only',
        'Programming Language :: Python :: 3.9',
        'Programming Language :: Python :: 3.10',
        'Programming Language :: Python :: 3.11',
        'Programming Language :: Python :: 3.12',
        'Programming Language :: Python :: 3.13',
        'Topic :: Communications :: Telephony',
        'Framework :: Flask',
    ],
)
