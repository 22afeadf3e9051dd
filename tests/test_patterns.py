"""Every regular expression of the package has been audited for linear time: a new or changed one fails
here until it is added to :data:`AUDITED` with the reason it cannot backtrack on long input.

Patterns built at run time are not seen here: transport/secrets.py's Masker (escaped literals in one
alternation between one-character look-arounds) is the only one, and reads answers, not requests."""
import importlib
import pkgutil
import re

import smsframework_clickatell

# name → (pattern, why it runs in linear time). "Capped" means the input's length is checked first.
AUDITED = {
    'smsframework_clickatell.phone._NUMBER': (
        r'\+?[0-9 ().-]+\Z', 'one quantifier over one class ("+" outside it); capped at 32'),
    'smsframework_clickatell.ids._ID': (r'[A-Za-z0-9_-]+\Z', 'one quantifier over one class; capped at 64'),
    'smsframework_clickatell.receivers.body._DIGITS': (r'[0-9]+\Z', 'one quantifier over one class'),
    'smsframework_clickatell.receivers.rules._DECIMAL': (
        r'[0-9]+(\.[0-9]+)?\Z', 'two quantifiers separated by a "." neither matches; capped at 32'),
    'smsframework_clickatell.receivers.rules._WHOLE': (r'[0-9]+\Z', 'one quantifier over one class; capped at 32'),
    'smsframework_clickatell.receivers.fields._CODE': (r'[0-9]{1,9}\Z', 'bounded repeat'),
    'smsframework_clickatell.receivers.fields._MILLISECONDS': (
        r'[0-9]{1,15}(\.[0-9]{1,6})?\Z', 'bounded repeats separated by a "." neither matches'),
    'smsframework_clickatell.receivers.legacy._MO_TIMESTAMP': (
        r'[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\Z', 'fixed length; capped at 40'),
    'smsframework_clickatell.receivers.formats._MALFORMED_ESCAPE': (
        rb'%(?![0-9A-Fa-f]{2})', 'a two-character look-ahead at each "%"'),
    'smsframework_clickatell.receivers.formats._XML_START': (
        rb'\s*(<|%3[Cc])', 'one quantifier, tried at the start only (match)'),
    'smsframework_clickatell.receivers.formats._TOKEN': (r'[A-Za-z0-9._/+-]{1,40}\Z', 'bounded repeat'),
    'smsframework_clickatell.clients.legacy._MSGID': (r'[\w-]{1,64}\Z', 'bounded repeat'),
    'smsframework_clickatell.clients.legacy._FIELD': (
        r'(?:^|(?<=\s))([A-Za-z]+):(?:\s+|$)',
        'a scan starts only after white space and runs over letters, then stops at ":": the runs of '
        'different starts do not overlap; "\\s+" needs nothing after it'),
    'smsframework_clickatell.clients.keyed._KEY': (r'[!-~]{1,256}\Z', 'bounded repeat'),
    # The simulator reads the requests of the package's own clients under test.
    'smsframework_clickatell.simulator.legacy._CLIENT_ID': (r'[A-Za-z0-9]{1,32}\Z', 'bounded repeat'),
    'smsframework_clickatell.simulator.legacy._WHOLE': (r'[0-9]{1,9}\Z', 'bounded repeat'),
    'smsframework_clickatell.simulator.legacy._HEX': (r'[0-9A-Fa-f]*\Z', 'one quantifier over one class'),
    'smsframework_clickatell.simulator.rules._NUMBER': (r'\+?[1-9][0-9]{6,14}\Z', 'bounded repeats'),
    'smsframework_clickatell.simulator.rules._SENDER': (
        r'\+?[0-9]{1,16}\Z|[A-Za-z0-9 ]{1,11}\Z', 'two alternatives, each a bounded repeat'),
    'smsframework_clickatell.simulator.one.ROUTES[1]': (
        '/v1/message/([^/]+)', 'a literal, then one quantifier over one class'),
}

# Nothing in a literal can backtrack: such patterns (the simulator's routes) need no audit.
_METACHARACTERS = frozenset('.^$*+?{}[]\\|()')

# A pattern compiled where it is used would escape the audit.
_INLINE = re.compile(r'\bre\.(?:match|fullmatch|search|sub|subn|split|findall|finditer)\(')


def package_modules():
    yield smsframework_clickatell
    for info in pkgutil.walk_packages(smsframework_clickatell.__path__, 'smsframework_clickatell.'):
        yield importlib.import_module(info.name)


def module_patterns(module):
    """(name, pattern) of each pattern `module` holds: as an attribute, or first in a tuple of a list
    (a table of routes)."""
    for name, value in vars(module).items():
        if isinstance(value, re.Pattern):
            yield '{}.{}'.format(module.__name__, name), value.pattern
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, tuple) and item and isinstance(item[0], re.Pattern):
                    yield '{}.{}[{}]'.format(module.__name__, name, index), item[0].pattern


def is_literal(pattern):
    return isinstance(pattern, str) and not _METACHARACTERS.intersection(pattern)


def test_every_pattern_of_the_package_is_audited_for_linear_time():
    found = {name: pattern for module in package_modules() for name, pattern in module_patterns(module)
             if not is_literal(pattern)}
    assert found == {name: pattern for name, (pattern, _) in AUDITED.items()}


def test_no_pattern_is_compiled_where_it_is_used():
    for module in package_modules():
        with open(module.__file__, encoding='utf-8') as source:
            assert not _INLINE.search(source.read()), module.__name__
