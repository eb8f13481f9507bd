"""Errors sqslab raises: each names what was wrong and how to fix it."""

from __future__ import annotations


class SqslabError(Exception):
    """Base class of every sqslab error."""


class LabConfigError(SqslabError, ValueError):
    """The lab cannot start as configured (backend name, credentials, endpoint)."""


class LimitError(SqslabError, ValueError):
    """A value breaks an SQS limit; the message names the limit and the fix."""
