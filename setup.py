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

RECEIVER_REQUIRES = ['flask>=2.0', 'defusedxml>=0.7']

setup(
    name='smsframework-clickatell',
    version=VERSION,
    description='Clickatell provider for smsframework: send, receive, delivery reports, balance',
    long_description=read('README.md'),
    long_description_content_type='text/markdown',
    license='BSD',
    packages=find_packages(exclude=('tests', 'tests.*', 'benchmarks')),
    python_requires='>=3.9',
    install_requires=[
        'smsframework>=0.0.9',
        'requests>=2.25',
        'urllib3>=1.26',
    ],
    extras_require={
        'receiver': RECEIVER_REQUIRES,
        # benchmarks/: run-time TLS certificates for the local HTTPS server.
        'bench': ['cryptography>=3.4'],
        'test': RECEIVER_REQUIRES + [
            'pytest>=7',
            'responses>=0.23',
            'hypothesis>=6.85',
            'trustme>=1.0',
            # The receivers under real WSGI servers (tests/test_receiver_servers.py).
            'gunicorn>=21.2',
            'waitress>=2.1',
        ],
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
        'License :: OSI Approved :: BSD License',
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
