"""Check that every pin of a constraints file is installed, at exactly its version.

pip takes a constraint as a bound on what it installs, but a pinned project that nothing requires is
simply not installed, and an environment reused from an earlier run may hold newer versions: either
would leave a floors run testing something other than the floors.

Usage: python .ci/installed_floors.py constraints/floors.txt
"""
import re
import sys
from importlib.metadata import PackageNotFoundError, version


def main(path):
    wrong = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            name, pinned = re.fullmatch(r'([^=<>!~ ]+)==(\S+)', line).groups()
            try:
                installed = version(name)
            except PackageNotFoundError:
                installed = 'not installed'
            print('floors: {:<14} {:<12} installed {}'.format(name, pinned, installed))
            if installed != pinned:
                wrong.append(name)
    if wrong:
        sys.exit('floors: not installed at their floors: ' + ', '.join(wrong))


if __name__ == '__main__':
    main(sys.argv[1])
