"""Errors sqslab raises: each names what was wrong and how to fix it."""

from __future__ import annotations


class SqslabError(Exception):
    """Base class of every sqslab error."""


class LabConfigError(SqslabError, ValueError):
    """The lab cannot start as configured (backend name, credentials, endpoint)."""


class LimitError(SqslabError, ValueError):
    """A value breaks an SQS limit; the message names the limit and the fix."""


class WrongTypeError(SqslabError, TypeError):
    """An argument of the wrong kind (an int where a queue URL goes, a dict for a function…); the
    message says what was expected, what was given and how to fix it."""


class UnknownNameError(SqslabError, KeyError):
    """A name that is none of the known ones (a metric, a statistic…); the message lists them."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
