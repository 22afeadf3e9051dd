"""The package as users import it."""
import subprocess
import sys

import smsframework_clickatell
from smsframework_clickatell import ClickatellProvider, Features
from smsframework_clickatell.status import STATUS_CODES, ClickatellMessageStatus


def test_importing_the_package_does_not_import_flask():
    code = 'import sys, smsframework_clickatell; print("flask" in sys.modules)'
    result = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == 'False', result.stderr


def test_public_names():
    assert smsframework_clickatell.__all__ == [
        'ClickatellProvider', 'ClickatellProviderError', 'ClickatellMessageStatus', 'Features']
    assert smsframework_clickatell.__version__


def test_features_bits_and_default():
    assert Features.DEFAULT == 16399 == Features.TEXT | Features.EIGHT_BIT | Features.UDH | Features.UCS2 | Features.CONCAT
    assert (Features.FEAT_ALPHA, Features.FEAT_NUMER, Features.FEAT_FLASH, Features.FEAT_DELIVACK) == (16, 32, 512, 8192)


def test_every_status_code_has_its_named_class():
    from smsframework_clickatell import status
    for code, text, meaning in STATUS_CODES:
        made = ClickatellMessageStatus.from_code('{:03d}'.format(code), msgid='m')
        assert type(made) is getattr(status, 'S{:03d}'.format(code))
        assert (made.status_code, made.status, made.msgid) == (code, text, 'm')
        if meaning:
            assert isinstance(made, meaning)


def test_provider_is_an_smsframework_provider():
    from smsframework import IProvider
    assert issubclass(ClickatellProvider, IProvider)


def test_the_generated_code_classes_agree_with_their_tables():
    """E001... and S002... are declared statically (for type checkers and grep) from ERROR_CODES and
    STATUS_CODES: a table changed without regenerating fails here."""
    from smsframework_clickatell import codes
    assert codes.main(['--check']) == 0
    from smsframework_clickatell import error
    assert [cls.code for cls in error.E_CLASSES] == [row[0] for row in error.ERROR_CODES]
    for code, text, meaning, scope in error.ERROR_CODES:
        cls = error.error_class(code)
        assert (cls.__name__, cls.__doc__) == ('E{:03d}'.format(code), '{:03d}: {}'.format(code, text))
        assert meaning is None or issubclass(cls, meaning)
        assert error.concerns_message(cls()) == (scope == error.MESSAGE)


def test_a_table_row_out_of_step_with_its_class_is_caught(monkeypatch):
    from smsframework_clickatell import codes, error
    monkeypatch.setattr(error, 'ERROR_CODES', error.ERROR_CODES[:-1] + ((901, 'Changed text', None, 'account'),))
    assert codes.main(['--check']) == 1
