"""``python -m smsframework_clickatell``: the command line (see :mod:`smsframework_clickatell.cli`)."""
import sys

from .cli import main

if __name__ == '__main__':
    sys.exit(main())
