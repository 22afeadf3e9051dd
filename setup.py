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
        ],
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
