"""Workshop room keys: one key pair for the instructor and one per learner, kept in a JSON file.

``sqslab server --room`` puts :mod:`sqslab.roomauth` in front of moto: it checks every request's
signature against these keys and keeps each learner to the queues and topics named
``<namespace>-…``. ``sqslab room add NAME`` gives a learner a key; ``sqslab room list`` lists them.
Key ids start with ``SQSLAB``: they can never be mistaken for (or work as) AWS keys.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import string
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqslab import workshop
from sqslab.errors import LabConfigError
from sqslab.i18n import _, ngettext, plural_count

#: Environment variable naming the room key file.
ENV_FILE = "SQSLAB_ROOM_FILE"
#: The room key file when SQSLAB_ROOM_FILE is not set (relative to the working directory).
DEFAULT_FILE = "sqslab-room.json"
#: Where the lab, ``sqslab reset`` and the load test read a room key from.
KEY_ID_ENV, SECRET_ENV = "SQSLAB_ACCESS_KEY_ID", "SQSLAB_SECRET_ACCESS_KEY"
KEY_PREFIX = "SQSLAB"
DEFAULT_URL = "http://127.0.0.1:4566"
_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class KeyPair:
    """An access key id and its secret."""

    access_key_id: str
    secret_access_key: str


@dataclass(frozen=True)
class Member:
    """Whoever holds a key: the instructor (``namespace`` None) or a learner."""

    namespace: str | None
    keys: KeyPair

    @property
    def name(self) -> str:
        """How denials and logs name this member."""
        return self.namespace or "the instructor"


def new_keys() -> KeyPair:
    """A fresh key pair: ``SQSLAB`` + 14 random capitals/digits, and a 40-character secret."""
    key_id = KEY_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(14))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    return KeyPair(key_id, secret)


def room_file_help() -> str:
    """The ``--room-file`` option's help, in the current language."""
    text = _("the room key file (default: {env}, else ./{file})")
    return text.format(env=ENV_FILE, file=DEFAULT_FILE)


def room_file(given: str | os.PathLike[str] | None = None) -> Path:
    """The room key file: ``given``, else SQSLAB_ROOM_FILE, else ``./sqslab-room.json``."""
    chosen = given or os.environ.get(ENV_FILE, "").strip() or DEFAULT_FILE
    return Path(chosen)


def load(path: Path) -> dict[str, Any]:
    """The room file's contents, or a clear error naming the file and the fix."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        text = _(
            "no room key file at {path}: start the room with `sqslab server --room` (it creates "
            "one), or point --room-file / {env} at the file it created"
        )
        raise LabConfigError(text.format(path=path, env=ENV_FILE)) from None
    except (OSError, ValueError) as err:
        text = _("cannot read the room key file {path}: {error}")
        raise LabConfigError(text.format(path=path, error=err)) from None
    if not isinstance(data, dict) or "instructor" not in data:
        text = _("{path} is not a sqslab room key file (no instructor key in it)")
        raise LabConfigError(text.format(path=path))
    data.setdefault("learners", {})
    return data


def save(path: Path, data: dict[str, Any]) -> None:
    """Write the room file atomically, readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".sqslab-room-", dir=path.parent)
    try:
        os.fchmod(handle, 0o600)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, sort_keys=True)
            out.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _pair(keys: KeyPair) -> dict[str, str]:
    return {"access_key_id": keys.access_key_id, "secret_access_key": keys.secret_access_key}


def _keys(entry: dict[str, str]) -> KeyPair:
    return KeyPair(entry["access_key_id"], entry["secret_access_key"])


def open_room(path: Path) -> tuple[KeyPair, bool]:
    """The instructor's keys from the room file, creating the file first if needed; and whether
    it was created."""
    if path.exists():
        return _keys(load(path)["instructor"]), False
    keys = new_keys()
    save(path, {"instructor": _pair(keys), "learners": {}})
    return keys, True


def add_learner(path: Path, name: str) -> KeyPair:
    """Give learner ``name`` (a namespace) a key pair in the room file; refuses a duplicate."""
    namespace = workshop.clean(name)
    data = load(path)
    if namespace in data["learners"]:
        text = _(
            "learner {name} is already in {path}; pick another name, or give them the "
            "key they already have (`sqslab room list` lists the names)"
        )
        raise LabConfigError(text.format(name=repr(namespace), path=path))
    keys = new_keys()
    data["learners"][namespace] = _pair(keys)
    save(path, data)
    return keys


def learner_keys(path: Path, name: str) -> KeyPair | None:
    """The key pair of learner ``name`` in the room file, if it has one."""
    entry = load(path)["learners"].get(workshop.clean(name))
    return _keys(entry) if entry else None


def learners(path: Path) -> list[str]:
    """The learners' namespaces in the room file, sorted."""
    return sorted(load(path)["learners"])


def members(data: dict[str, Any]) -> dict[str, Member]:
    """Everyone in a room file's contents, by access key id."""
    found = {data["instructor"]["access_key_id"]: Member(None, _keys(data["instructor"]))}
    for namespace, entry in data["learners"].items():
        found[entry["access_key_id"]] = Member(workshop.clean(namespace), _keys(entry))
    return found


class KeyRing:
    """The room's members by key id, re-read whenever the file changes (learners added later)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int, int] | None = None
        self._members: dict[str, Member] = {}
        self.refresh()

    def refresh(self) -> None:
        """Re-read the file if it changed; a file that cannot be read keeps the last good keys."""
        try:
            status = os.stat(self.path)
        except OSError:
            return
        stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
        if stamp == self._stamp:
            return
        try:
            self._members = members(load(self.path))
        except (LabConfigError, KeyError, TypeError):
            return
        self._stamp = stamp

    def find(self, key_id: str) -> Member | None:
        """The member holding ``key_id``, or None."""
        self.refresh()
        return self._members.get(key_id)


def learner_lines(url: str, namespace: str, keys: KeyPair) -> list[str]:
    """What a learner pastes into a shell: the lab's variables, then an AWS CLI profile."""
    return [
        f"export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL={url} SQSLAB_NAMESPACE={namespace} "
        f"{KEY_ID_ENV}={keys.access_key_id} {SECRET_ENV}={keys.secret_access_key}",
        "# " + _("AWS CLI: a profile of its own, so your real AWS credentials stay untouched"),
        f"aws configure set aws_access_key_id {keys.access_key_id} --profile sqslab-room",
        f"aws configure set aws_secret_access_key {keys.secret_access_key} --profile sqslab-room",
        "aws configure set region us-east-1 --profile sqslab-room",
        f"aws --profile sqslab-room --endpoint-url {url} sqs create-queue "
        f"--queue-name {namespace}-hello",
    ]


def instructor_lines(url: str, keys: KeyPair, path: Path) -> list[str]:
    """What the instructor pastes to add learners, list and reset the room (keep them private)."""
    parts = urlsplit(url)
    local = url.replace(parts.netloc, f"127.0.0.1:{parts.port}", 1)
    wildcard = parts.hostname in ("0.0.0.0", "::")
    address = _("<this machine's address>")
    shared = url.replace(parts.netloc, f"{address}:{parts.port}") if wildcard else url
    return [
        f"export SQSLAB_ENDPOINT_URL={local if wildcard else url} {KEY_ID_ENV}={keys.access_key_id} "
        f"{SECRET_ENV}={keys.secret_access_key} {ENV_FILE}={path.resolve()}",
        f"sqslab room add NAME --endpoint-url {shared}   # "
        + _("a key per learner; prints their lines"),
        "sqslab room list                     # " + _("the learners (no secrets)"),
        "sqslab reset --all                   # " + _("clear the whole room (with the key above)"),
    ]


def cmd_room_add(args: argparse.Namespace) -> int:
    """``sqslab room add NAME``: give a learner a key and print the lines they paste."""
    path = room_file(args.room_file)
    url = args.endpoint_url or os.environ.get("SQSLAB_ENDPOINT_URL", "").strip() or DEFAULT_URL
    try:
        keys = add_learner(path, args.name)
    except LabConfigError as err:
        print(f"sqslab room add: {err}", file=sys.stderr)
        return 2
    namespace = workshop.clean(args.name)
    welcome = _("sqslab room add: {name} can now use the room (queues and topics {name}-…)")
    print(welcome.format(name=namespace))
    print(_("Give {name} these lines (and no one else):").format(name=namespace))
    for line in learner_lines(url, namespace, keys):
        print(f"  {line}")
    return 0


def cmd_room_list(args: argparse.Namespace) -> int:
    """``sqslab room list``: the learners in the room file (names and key ids, no secrets)."""
    path = room_file(args.room_file)
    try:
        data = load(path)
    except LabConfigError as err:
        print(f"sqslab room list: {err}", file=sys.stderr)
        return 2
    names = sorted(data["learners"])
    count = ngettext(
        "{count} learner(s) in {path}", "{count} learner(s) in {path}", plural_count(len(names))
    )
    print(count.format(count=len(names), path=path))
    for name in names:
        print(f"  {name:20} {data['learners'][name]['access_key_id']}")
    return 0


def add_commands(sub: Any) -> None:
    """Register ``sqslab room add`` and ``sqslab room list`` on the CLI's subparsers."""
    room = sub.add_parser("room", help=_("learners' keys for a `sqslab server --room`"))
    actions = room.add_subparsers(dest="room_command", required=True)
    add = actions.add_parser("add", help=_("give a learner a key and print their lines"))
    add.add_argument("name", help=_("the learner's namespace (letters and digits)"))
    add.add_argument(
        "--endpoint-url",
        default=None,
        help=_("the URL learners reach the room at (default: SQSLAB_ENDPOINT_URL)"),
    )
    listing = actions.add_parser("list", help=_("list the learners (no secrets)"))
    for parser in (add, listing):
        parser.add_argument("--room-file", default=None, help=room_file_help())
    add.set_defaults(func=cmd_room_add)
    listing.set_defaults(func=cmd_room_list)
