"""Classes made from code tables: one subclass per Clickatell code, named after it.

:mod:`~smsframework_clickatell.error` (``E001``, ...) and :mod:`~smsframework_clickatell.status`
(``S004``, ...) declare their codes once, as a table of (code, text, smsframework meaning) rows, and
derive their classes with :func:`classes_for_codes`.
"""


def classes_for_codes(base, prefix, table, module, **attributes):
    """One subclass of `base` per row of `table`, also a subclass of the row's meaning when it has one.

    :param base: the common base class
    :param str prefix: the names' letter: ``E`` gives ``E001`` for code 1
    :param table: (code, text, meaning class or None) rows
    :param str module: the module the classes belong to (their ``__module__``)
    :param attributes: class attribute name → function of (code, text) giving its value
    :returns: {code: class}, in the table's order
    """
    classes = {}
    for code, text, meaning in table:
        name = '{}{:03d}'.format(prefix, code)
        bases = (base,) + ((meaning,) if meaning is not None else ())
        namespace = {'__doc__': '{:03d}: {}'.format(code, text), '__module__': module, 'code': code}
        namespace.update((attr, value(code, text)) for attr, value in attributes.items())
        classes[code] = type(name, bases, namespace)
    return classes
