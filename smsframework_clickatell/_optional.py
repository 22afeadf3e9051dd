"""Optional dependencies: an import that fails for want of an extra says which one to install.

The receivers need Flask (with Werkzeug) and defusedxml, which only the ``receiver`` extra installs, so
that ``import smsframework_clickatell`` and sending work without them. Without this, the first missing
one surfaces as a bare ``ModuleNotFoundError: No module named 'flask'``, then, once Flask alone is
installed, as the same error for defusedxml.
"""
import contextlib
from typing import Iterator

#: The extra that installs each optional top-level module.
EXTRA_OF_MODULE = {
    'flask': 'receiver',
    'werkzeug': 'receiver',
    'defusedxml': 'receiver',
}

#: What each extra is for, as the message names it.
PURPOSE_OF_EXTRA = {
    'receiver': 'The Clickatell receivers (make_receiver_blueprint, receiver_blueprints_register)',
}


def install_hint(extra: str) -> str:
    """The command that installs `extra`, quoted for a POSIX shell (where the brackets are globs)."""
    return "pip install 'smsframework-clickatell[{}]'".format(extra)


@contextlib.contextmanager
def extra_imports() -> Iterator[None]:
    """Wrap the imports of optional modules: a missing one raises an ImportError naming its extra.

    Only a module that is *missing* is reported so. An installed one that fails to import (a broken or
    incompatible version) raises as it is, since installing the extra would not change anything.
    """
    try:
        yield
    except ModuleNotFoundError as e:
        module = (e.name or '').partition('.')[0]
        extra = EXTRA_OF_MODULE.get(module)
        if extra is None:
            raise
        raise ImportError(
            '{} need {}, which is not installed: {}'.format(PURPOSE_OF_EXTRA[extra], module, install_hint(extra)),
            name=module,
        ) from e
