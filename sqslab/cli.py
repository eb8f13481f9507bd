"""The ``sqslab`` command: ``sqslab server`` (a moto server for workshops and outside clients;
``--room`` adds keys and per-learner isolation), ``sqslab room add|list`` (learners' keys),
``sqslab reset`` (clear a learner's or the room's queues on it), ``sqslab classroom`` (the
classroom board: exercise checks reported over SQS) and ``sqslab doctor`` (versions,
backend, whether it answers and what it supports: SNS, S3, CloudWatch, KMS, move tasks)."""

from __future__ import annotations

import argparse
import errno
import os
import signal
import socket
import sys
import threading
from typing import Any

from sqslab import i18n
from sqslab.classroom_cli import add_commands as add_classroom_commands
from sqslab.doctor import add_command as add_doctor_command
from sqslab.errors import LabConfigError
from sqslab.i18n import N_, _, ngettext, pgettext, plural_count, translated
from sqslab.room import add_commands as add_room_commands
from sqslab.room import room_file_help

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_URL = "http://127.0.0.1:4566"
#: The answers ``sqslab reset --all`` takes as a yes, whatever the language.
YES = ("y", "yes")


def bind_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be bound now (in use, not this machine's address, not an
    address at all, a privileged port), or None when it can."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except socket.gaierror:
        return _(
            "cannot be bound: {host} is not an IP address or a host name this machine can "
            "look up; use --host 127.0.0.1 (this machine only) or 0.0.0.0"
        ).format(host=repr(host))
    except OverflowError:
        return _("is not a TCP address: ports run from 0 to 65535")
    except OSError as err:
        known = _BIND_ERRORS.get(err.errno or 0)
        if known is not None:
            return translated(known)
        return _("cannot be bound: {reason}").format(reason=err.strerror or err)
    return None


_BIND_ERRORS = {
    errno.EADDRINUSE: N_("is already in use; pick another port with --port (e.g. --port 4567)"),
    errno.EADDRNOTAVAIL: N_(
        "is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 "
        "(every network it is on)"
    ),
    errno.EACCES: N_("needs administrator rights (ports below 1024); use --port 4566"),
}


def port_free(host: str, port: int) -> bool:
    """True when ``host:port`` can be bound now."""
    return bind_problem(host, port) is None


def port_number(text: str) -> int:
    """``--port``'s value: a whole number from 0 to 65535 (0 lets the system pick a free port)."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            _(
                "{text} is not a TCP port: use a whole number from 1 to 65535, e.g. --port 4567 "
                "(0 lets the system pick a free one and prints it)"
            ).format(text=repr(text))
        )
    return port


def endpoint_lines(url: str) -> list[str]:
    """What a learner pastes into a shell to point sqslab, the AWS CLI and the SDKs at ``url``."""
    return [
        f"export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL={url}",
        f"export AWS_ENDPOINT_URL={url} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
        "AWS_REGION=us-east-1",
        f"aws --endpoint-url {url} sqs create-queue --queue-name hello",
    ]


def cmd_server(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Run a moto server in the foreground until Ctrl+C (or SIGTERM)."""
    problem = bind_problem(args.host, args.port)
    if problem:
        print(f"sqslab server: {args.host}:{args.port} {problem}", file=sys.stderr)
        return 2
    from sqslab.emulator import clock, layers
    from sqslab.emulator.host import ServerHost

    args.room = args.room or args.room_file is not None  # a key file means a room, never open
    if args.room:
        from sqslab.room import open_room, room_file

        try:
            instructor, created = open_room(room_file(args.room_file))
        except LabConfigError as err:
            print(f"sqslab server: {err}", file=sys.stderr)
            return 2
    # real time, read cheaply (plain moto converts two datetimes per stored message on every
    # call), and the layers that make moto answer as AWS does: message move tasks, deduplication
    # after delete, FIFO group release, the rules moto does not check
    host = ServerHost(clock.RealClock())
    layers.install(host)
    server, url = _start(args)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if args.room:
        _room_banner(args, url, instructor, created)
    else:
        _plain_banner(args, url)
    sys.stdout.flush()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        host.stop()
        print(_("sqslab server: stopped"))
    return 0


def _start(args: argparse.Namespace) -> tuple[Any, str]:
    """Start a plain moto server, or a room server (``--room``); returns it and its URL."""
    from sqslab.emulator.server import start_server
    from sqslab.roomauth import start_room_server

    if args.room:
        from sqslab.room import room_file

        return start_room_server(args.host, args.port, room_file(args.room_file), args.verbose)
    return start_server(args.host, args.port, args.verbose)


def _plain_banner(args: argparse.Namespace, url: str) -> None:
    """What ``sqslab server`` prints: where it answers, a warning off loopback, client lines."""
    print(_("sqslab server: moto answering on {url} (real clock; Ctrl+C stops it)").format(url=url))
    if args.host not in LOOPBACK:
        warning = _(
            "warning: bound to {host}: every machine that reaches it can use and reset "
            "these queues; use it only on a trusted workshop network (or run it with --room)"
        )
        print(warning.format(host=args.host))
    print(_("Point clients at it with:"))
    for line in endpoint_lines(url):
        print(f"  {line}")


def _room_banner(args: argparse.Namespace, url: str, instructor: Any, created: bool) -> None:
    """What ``sqslab server --room`` prints: the room file, the rules, the instructor's lines."""
    from sqslab.room import instructor_lines, learners, room_file

    path = room_file(args.room_file)
    made = pgettext("room file", "created") if created else pgettext("room file", "reused")
    count = len(learners(path))
    answering = _("sqslab server: room server answering on {url} (real clock; Ctrl+C stops it)")
    print(answering.format(url=url))
    keys = ngettext(
        "room keys: {path} ({made}; {count} learner(s); keep it private)",
        "room keys: {path} ({made}; {count} learner(s); keep it private)",
        plural_count(count),
    )
    print(keys.format(path=path, made=made, count=count))
    print(
        _(
            "Every request must be signed with a room key; each learner may use only queues and "
            "topics named <namespace>-…; /moto-api is closed. S3, CloudWatch, KMS and STS are "
            "shared."
        )
    )
    if args.host not in LOOPBACK:
        warning = _(
            "warning: bound to {host}: plain HTTP, so anyone on this network can read the "
            "traffic (messages, key ids); use it only on a trusted workshop network"
        )
        print(warning.format(host=args.host))
    print(_("Instructor (keep these private):"))
    for line in instructor_lines(url, instructor, path):
        print(f"  {line}")


def _confirm(question: str) -> bool:
    """Ask on the terminal; True only for an explicit yes (y, yes, or the language's own)."""
    yes = {*YES, *_("y,yes").split(",")}
    choices = _("[y/N]")
    try:
        return input(f"{question} {choices} ").strip().lower() in yes
    except EOFError:
        return False


def _reset_url(args: argparse.Namespace) -> tuple[str, str]:
    """The server URL ``sqslab reset`` talks to, and where it came from (for error texts)."""
    if args.endpoint_url is not None:
        return args.endpoint_url, "--endpoint-url"
    if os.environ.get("SQSLAB_ENDPOINT_URL", "").strip():
        return os.environ["SQSLAB_ENDPOINT_URL"], "SQSLAB_ENDPOINT_URL"
    return DEFAULT_URL, _("the default")


def _reset_namespace(args: argparse.Namespace) -> str:
    """``--namespace`` exactly as given (an empty one is an error), else SQSLAB_NAMESPACE or the
    login name."""
    from sqslab import workshop

    if args.namespace is not None:
        return workshop.clean(args.namespace, source="--namespace")
    return workshop.current()


def cmd_reset(args: argparse.Namespace) -> int:
    """Delete one namespace's queues and SNS topics, or (``--all``) everything on the server."""
    from botocore.exceptions import BotoCoreError, ClientError

    from sqslab import workshop

    url, source = _reset_url(args)
    try:
        url = workshop.check_endpoint_url(url, source)
        namespace = None if args.all else _reset_namespace(args)
        name_prefix = workshop.prefix(namespace) if namespace else ""
        sqs, sns = workshop.room_client(url), workshop.room_client(url, service="sns")
        urls = list(workshop.queue_urls(sqs, name_prefix))
        topics = list(workshop.topic_arns(sns, name_prefix))
    except LabConfigError as err:
        print(f"sqslab reset: {err}", file=sys.stderr)
        return 2
    except ClientError as err:
        refused = _("sqslab reset: the server at {url} refused ({error})")
        print(refused.format(url=url, error=err), file=sys.stderr)
        return 2
    except BotoCoreError as err:
        silent = _("sqslab reset: the server at {url} does not answer ({error})")
        print(silent.format(url=url, error=err), file=sys.stderr)
        return 2
    whose = (
        _("namespace {namespace}").format(namespace=repr(namespace))
        if namespace
        else _("the whole room (every namespace)")
    )
    if not urls and not topics:
        print(
            _("sqslab reset: no queues or topics of {whose} on {url}").format(whose=whose, url=url)
        )
        return 0
    question = _("delete all {queues} queues and {topics} topics on {url}?")
    question = question.format(queues=len(urls), topics=len(topics), url=url)
    if args.all and not args.yes and not _confirm(question):
        print(_("sqslab reset: nothing deleted"))
        return 1
    queues = workshop.delete_queues(sqs, urls)
    gone = workshop.delete_topics(sns, topics)
    deleted = _("sqslab reset: deleted {queues} queue(s) and {topics} topic(s) of {whose} on {url}")
    print(deleted.format(queues=len(queues), topics=len(gone), whose=whose, url=url))
    return 0


def parser() -> argparse.ArgumentParser:
    """The command-line parser of ``sqslab``, in the language sqslab speaks now."""
    top = argparse.ArgumentParser(prog="sqslab", description=_("Tools of the sqslab SQS course."))
    sub = top.add_subparsers(dest="command", required=True)
    server = sub.add_parser("server", help=_("run a moto SQS server in the foreground"))
    server.add_argument(
        "--host", default="127.0.0.1", help=_("address to bind (default: loopback)")
    )
    server.add_argument(
        "--port",
        type=port_number,
        default=4566,
        help=_("port 1-65535 (default: 4566; 0: any free)"),
    )
    server.add_argument("--verbose", action="store_true", help=_("log every HTTP request"))
    server.add_argument(
        "--room",
        action="store_true",
        help=_("a workshop room: signed requests only, each learner kept to its own queues/topics"),
    )
    server.add_argument("--room-file", default=None, help=room_file_help())
    server.set_defaults(func=cmd_server)
    add_room_commands(sub)
    add_classroom_commands(sub)
    reset = sub.add_parser(
        "reset", help=_("delete a learner's (or every) queue and topic on a workshop server")
    )
    which = reset.add_mutually_exclusive_group()
    which.add_argument(
        "--namespace",
        help=_("the learner's namespace (default: SQSLAB_NAMESPACE, else your user name)"),
    )
    which.add_argument("--all", action="store_true", help=_("every queue on the server (the room)"))
    reset.add_argument("--yes", action="store_true", help=_("do not ask before --all"))
    reset.add_argument(
        "--endpoint-url",
        default=None,
        help=_("server URL (default: SQSLAB_ENDPOINT_URL, else {url})").format(url=DEFAULT_URL),
    )
    reset.set_defaults(func=cmd_reset)
    add_doctor_command(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sqslab`` command: the language first (SQSLAB_LANG), then the parser."""
    try:
        i18n.set_language(None)
    except LabConfigError as err:
        print(f"sqslab: {err}", file=sys.stderr)
        return 2
    args = parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
