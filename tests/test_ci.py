"""The CI descriptions test what the README and setup.py promise: the README's test command, and every
Python version the classifiers name."""
import os
import re

from .setup_py import ROOT, setup_arguments


def read(*path):
    with open(os.path.join(ROOT, *path), encoding='utf-8') as f:
        return f.read()


def readme_test_command():
    development = read('README.md').split('\n## Development\n', 1)[1]
    commands = [line.strip() for line in development.splitlines() if line.startswith('    ') and 'pytest' in line]
    assert len(commands) == 1, commands
    return commands[0]


def test_ci_runs_the_readmes_test_command_verbatim():
    command = readme_test_command()
    assert '\n    {}\n'.format(command) in read('.ci', 'run')
    assert '      - run: {}\n'.format(command) in read('.github', 'workflows', 'ci.yml')


def test_every_python_the_classifiers_name_is_tested():
    arguments = setup_arguments()
    classified = {c.rpartition(' :: ')[2] for c in arguments['classifiers']
                  if re.fullmatch(r'Programming Language :: Python :: 3\.\d+', c)}
    workflow = set(re.findall(r'"(3\.\d+)"', re.search(r'\n +python: \[(.*?)\]\n', read('.github', 'workflows', 'ci.yml')).group(1)))
    envlist = re.search(r'\nenvlist = (.*)\n', read('tox.ini')).group(1)
    tox = {'3.' + env[3:] for env in re.findall(r'py3\d+', envlist)}
    assert classified == workflow == tox
    oldest = min(classified, key=lambda v: tuple(map(int, v.split('.'))))
    assert arguments['python_requires'] == '>=' + oldest
    # The floors run on the oldest: the workflow's floors job and tox's floors env.
    assert re.search(r'\n  floors:\n(?:.*\n)*? +python-version: "{}"\n'.format(re.escape(oldest)),
                     read('.github', 'workflows', 'ci.yml'))
    assert 'basepython = python{}\n'.format(oldest) in read('tox.ini')
