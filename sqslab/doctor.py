"""``sqslab doctor``: the installed versions, the active backend, whether it answers, its engine
and clock, and what it supports (SNS, S3, CloudWatch, KMS, move tasks), one labelled line each."""

from __future__ import annotations

import argparse
import os
import platform
from importlib import metadata
from typing import Any

from sqslab.errors import LabConfigError
from sqslab.i18n import _, ngettext, pgettext, plural_count, translated

PACKAGES = ("sqslab", "boto3", "botocore", "moto", "jupyterlab", "ipywidgets", "matplotlib", "tqdm")


def versions() -> dict[str, str]:
    """Installed versions of Python and the packages the course depends on."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = _("not installed")
    return found


def row(label: str, text: str) -> str:
    """One line of the doctor's report: the label in a column of 12, then the text."""
    return f"{label:12} {text}"


def cmd_doctor(args: argparse.Namespace) -> int:
    """Print versions and the active backend, check that it answers and what it supports."""
    from sqslab import capabilities, engines
    from sqslab.lab import BACKENDS, resolve_backend, start

    for name, version in versions().items():
        print(row(name, version))
    try:
        backend = resolve_backend(args.backend)
    except LabConfigError as err:
        print(row("backend", str(err)))
        return 1
    print(row("backend", f"{backend}: {translated(BACKENDS[backend])}"))
    if backend == "endpoint" and not _endpoint_checked():
        return 1
    answers = pgettext("doctor", "answers")
    try:
        lab = start(backend, quiet=True)
    except LabConfigError as err:
        print(row(answers, _("no: {error}").format(error=err)))
        return 1
    try:
        count = len(lab.sqs.list_queues().get("QueueUrls", []))
        where = lab.endpoint_url or f"{lab.backend} ({lab.region})"
        visible = ngettext(
            "yes: {where}, {count} queue(s) visible",
            "yes: {where}, {count} queue(s) visible",
            plural_count(count),
        )
        print(row(answers, visible.format(where=where, count=count)))
        print(row(pgettext("doctor", "engine"), engines.describe(engines.identify(lab))))
        print(row(pgettext("doctor", "clock"), capabilities.clock_text(lab)))
        found = capabilities.check(lab)
    finally:
        lab.stop()
    print(row(pgettext("doctor", "supports"), _("what the chapters use:")))
    width = max([12, *(len(translated(support.name)) for support in found)])
    for support in found:
        print(f"  {support.line(width)}")
    return 0


def _endpoint_checked() -> bool:
    """Print SQSLAB_ENDPOINT_URL, or what is wrong with it (then False)."""
    from sqslab import workshop

    try:
        url = workshop.check_endpoint_url(os.environ.get("SQSLAB_ENDPOINT_URL", ""))
    except LabConfigError as err:
        print(row("endpoint", str(err)))
        return False
    print(row("endpoint", url))
    return True


def add_command(sub: Any) -> None:
    """Register ``sqslab doctor`` on the CLI's subparsers."""
    doctor = sub.add_parser("doctor", help=_("print versions and check the active backend"))
    doctor.add_argument(
        "--backend", default=None, help=_("backend to check (default: SQSLAB_BACKEND)")
    )
    doctor.set_defaults(func=cmd_doctor)
