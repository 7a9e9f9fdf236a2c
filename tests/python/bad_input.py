"""The bad-input suite's table and its checks, shared by test_bad_input_*.py.

Each case calls one public function with one malformed input and names the exception it
must raise and a fragment of its message (a regular expression) that names the offending
argument, file, row, column or item. Every case must raise a clear Python exception of the
kinds a user's code catches for bad input (kenyon's errors, which are ValueError, KeyError,
OSError or IndexError subclasses carrying the item as attributes; a TypeError for a value
of the wrong kind; a ValueError worded as the reference package words it), whose message
names the culprit: never a crash, and never an AttributeError, ZeroDivisionError or
RuntimeError from deep inside that names nothing.
"""
import re

import pytest

import kenyon


USER_ERRORS = (kenyon.Error, TypeError, ValueError, KeyError, OSError, IndexError)


class Cases:
    """A table of bad-input cases: name -> [(case, thunk(ctx), exception, message regex)]."""

    def __init__(self):
        self.table = {}

    def add(self, function, case, thunk, exception, match):
        self.table.setdefault(function, []).append((case, thunk, exception, match))

    def params(self):
        return [
            pytest.param(function, thunk, exception, match, id=f"{function}-{case}")
            for function, rows in self.table.items()
            for case, thunk, exception, match in rows
        ]

    def check_coverage(self, names, minimum=8):
        """Every public name has at least `minimum` cases, and every case names a public name."""
        short = {n: len(self.table.get(n, [])) for n in names if len(self.table.get(n, [])) < minimum}
        assert not short, f"functions with fewer than {minimum} bad-input cases: {short}"
        unknown = sorted(set(self.table) - set(names))
        assert not unknown, f"cases for names that are not public: {unknown}"


def expect_clear_error(thunk, ctx, exception, match):
    """Runs the case; the exception must be `exception`, of a bad-input kind, and its message
    must match `match`."""
    with pytest.raises(exception) as info:
        thunk(ctx)
    err = info.value
    assert isinstance(err, USER_ERRORS), f"{type(err).__name__} is not a bad-input error: {err}"
    text = str(err)
    assert text.strip(), "an empty message"
    assert re.search(match, text), f"message {text!r} does not match {match!r}"
    return err
