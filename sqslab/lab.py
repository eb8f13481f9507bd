"""The lab: one entry point that gives a notebook a boto3 SQS client on the chosen backend.

Backends: ``moto`` (in-process, default), ``server`` (a moto server on 127.0.0.1 in this
process), ``endpoint`` (any SQS-compatible URL) and ``aws`` (real AWS, explicit opt-in only).
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config

from sqslab import aws_account, i18n, realclock, workshop
from sqslab.emulator import backends, determinism, fidelity, layers, session
from sqslab.emulator import clock as clocks
from sqslab.emulator.session import DEFAULT_REGION
from sqslab.errors import LabConfigError
from sqslab.i18n import N_, _
from sqslab.namespace import Namespace
from sqslab.trace import Trace

BACKENDS = {
    "moto": N_("moto embedded in this kernel, virtual clock (default; never reaches AWS)"),
    "server": N_("a moto server on 127.0.0.1 inside this kernel, virtual clock"),
    "endpoint": N_(
        "any SQS-compatible URL from SQSLAB_ENDPOINT_URL (sqslab server, LocalStack, ElasticMQ)"
    ),
    "aws": N_("real AWS; only with SQSLAB_BACKEND=aws in the environment"),
}
MOTO_ACCOUNT = "123456789012"

#: The tag whose value names the lab that created a queue or topic (aws backend).
LAB_TAG = "sqslab-lab"

_active: Lab | None = None
#: Which lab made which client (``lab.client(...)``), so a helper given a client uses its lab's clock.
_makers: weakref.WeakKeyDictionary[Any, Lab] = weakref.WeakKeyDictionary()


class Lab:
    """A running lab: clients on one backend, its clock, and the trace of SQS calls."""

    def __init__(
        self,
        backend: str,
        session: boto3.Session,
        clock: clocks.Clock,
        *,
        endpoint_url: str | None = None,
        account_id: str = MOTO_ACCOUNT,
        namespace: Namespace | None = None,
        config: Config | None = None,
    ) -> None:
        self.backend = backend
        self.session = session
        self.clock = clock
        self.endpoint_url = endpoint_url
        self.account_id = account_id
        self.region: str = session.region_name or DEFAULT_REGION
        self.namespace = namespace or Namespace()
        self.trace = Trace(clock.time, self.namespace.full_name)
        self._config = config or Config()
        self._clients: dict[str, Any] = {}
        self._on_stop: list[Callable[[], None]] = []
        self.trace.attach(session.events)
        self.namespace.attach(session.events)
        if self.namespace.prefix:
            self.namespace.exists = self._exists
        if clock.virtual or backend == "endpoint":  # emulators accept ranges AWS refuses
            fidelity.attach(session.events)

    @property
    def sqs(self) -> Any:
        """The lab's plain boto3 SQS client."""
        return self.client("sqs")

    @property
    def in_process(self) -> bool:
        """True when moto answers in this kernel (the moto and server backends)."""
        return self.clock.virtual

    @property
    def virtual_time(self) -> bool:
        """True when time moves only through :meth:`wait` (moto backends)."""
        return self.clock.virtual

    def client(self, name: str) -> Any:
        """A boto3 client for any service (``s3``, ``sns``, ``cloudwatch``…) on this backend."""
        if name not in self._clients:
            check_service(self.session, name)
            self._clients[name] = self.session.client(
                name, endpoint_url=self.endpoint_url, config=self._config
            )
            _makers[self._clients[name]] = self
        return self._clients[name]

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` pass: instantly on the virtual clock, for real on other backends."""
        realclock.announce_wait(self, clocks.check_seconds(seconds))
        self.clock.sleep(seconds)
        if self.clock.virtual:
            fidelity.expire_messages(self.clock.time())

    def demo_time(self, speedup: float) -> realclock.DemoTime:
        """A demo's durations: as written on the virtual clock, ``speedup`` times shorter on a real
        one (said once in the output); see :mod:`sqslab.realclock`."""
        return realclock.demo_time(self, speedup)

    def virtual_only(self, what: str, why: str) -> bool:
        """True on the virtual clock; on a real one, prints that ``what`` is skipped and ``why``."""
        return realclock.virtual_only(self, what, why)

    def now(self) -> datetime:
        """The lab's current time (virtual on moto backends) as a UTC datetime."""
        return clocks.now_datetime(self.clock)

    def cleanup(self) -> list[str]:
        """Delete every queue and SNS topic this lab created; returns their URLs and ARNs.

        Where the lab tags what it creates (``aws``), only what still carries this lab's own tag
        is deleted, so a queue someone else re-created under the same name is left alone."""
        queues = [u for u in self.namespace.created_queues() if self._ours("queue", u)]
        deleted = workshop.delete_queues(self.sqs, queues)
        topics = [t for t in self.namespace.created_topics() if self._ours("topic", t)]
        if topics:
            deleted += workshop.delete_topics(self.client("sns"), topics)
        self.namespace.forget(self.namespace.created_queues() + self.namespace.created_topics())
        return deleted

    def _exists(self, kind: str, name: str) -> bool:
        """Whether a queue or topic of this full name exists (a look-up left out of the trace)."""
        with self.trace.paused():
            if kind == "queue":
                return workshop.queue_exists(self.sqs, name)
            return workshop.topic_exists(self.client("sns"), name)

    def _ours(self, kind: str, url_or_arn: str) -> bool:
        """True unless the lab tags what it creates and this one lacks its tag (or is gone)."""
        mine = self.namespace.tags.get(LAB_TAG)
        if mine is None:
            return True
        with self.trace.paused():
            if kind == "queue":
                return workshop.queue_tag(self.sqs, url_or_arn, LAB_TAG) == mine
            return workshop.topic_tag(self.client("sns"), url_or_arn, LAB_TAG) == mine

    def on_stop(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` when the lab stops, last registered first; registering it again moves it
        to the front (a layer installed again is undone before the layers installed under it)."""
        if undo in self._on_stop:
            self._on_stop.remove(undo)
        self._on_stop.append(undo)

    def stop(self) -> None:
        """Stop the backend and give moto its real clock back."""
        global _active
        while self._on_stop:
            self._on_stop.pop()()
        if _active is self:
            _active = None

    def __repr__(self) -> str:
        where = f" at {self.endpoint_url}" if self.endpoint_url else ""
        return f"<Lab backend={self.backend!r}{where} region={self.region!r}>"

    def describe(self) -> str:
        """One line saying which backend runs and what time it is."""
        when = self.now().strftime("%Y-%m-%d %H:%M:%S UTC")
        text = _("sqslab lab: backend={backend}, region={region}, virtual clock at {when}")
        if not self.clock.virtual:
            text = _("sqslab lab: backend={backend}, region={region}, real clock at {when}")
        line = text.format(backend=self.backend, region=self.region, when=when)
        if self.namespace.prefix:
            line += _("; your queues are named {prefix}…").format(prefix=self.namespace.prefix)
        return line


def check_service(session: boto3.Session, name: Any) -> str:
    """``name`` if boto3 knows the service, else a :class:`LabConfigError` with the closest names."""
    import difflib

    known = session.get_available_services()
    if isinstance(name, str) and name in known:
        return name
    close = difflib.get_close_matches(str(name).lower(), known, n=3)
    hint = f"did you mean {', '.join(map(repr, close))}?" if close else "e.g. 's3', 'sns'"
    raise LabConfigError(
        f"boto3 has no service {name!r}: lab.client() takes a service name as text, {hint}"
    )


def resolve_backend(backend: str | None) -> str:
    """The backend name from the argument, else SQSLAB_BACKEND, else ``moto``; checked."""
    if backend is not None and not isinstance(backend, str):
        text = _("the backend is a name as text, one of {names}; got {backend}")
        raise LabConfigError(text.format(names=", ".join(BACKENDS), backend=repr(backend)))
    name = (backend or os.environ.get("SQSLAB_BACKEND") or "moto").strip().lower()
    if name not in BACKENDS:
        choices = "\n".join(f"  {k}: {_(v)}" for k, v in BACKENDS.items())
        text = _("unknown sqslab backend {name}; choose one of:")
        raise LabConfigError(f"{text.format(name=repr(name))}\n{choices}")
    return name


def start(
    backend: str | None = None, *, seed: int = 0, quiet: bool = False, lang: str | None = None
) -> Lab:
    """Start a lab (stopping any previous one) and print which backend it runs on; ``lang``
    (or SQSLAB_LANG) picks the language sqslab speaks: English (default) or "pt-BR"."""
    global _active
    i18n.set_language(lang)
    name = resolve_backend(backend)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise LabConfigError(f"seed is a whole number, e.g. sqslab.start(seed=1); got {seed!r}")
    _preflight(name)
    if _active is not None:
        _active.stop()
    determinism.seed(seed)
    determinism.configure_notebook()
    lab = _BUILDERS[name](seed)
    _active = lab
    if not quiet:
        print(lab.describe())
    return lab


def _preflight(name: str) -> None:
    """The checks that need no network, run before the previous lab stops: a mistake in the
    configuration then leaves the running lab as it was."""
    if name == "endpoint":
        _endpoint_url()
        workshop.current()
    elif name == "aws":
        _check_aws_opt_in()
        aws_account.session()


def active() -> Lab | None:
    """The lab started last, if it is still running."""
    return _active


def lab_of(client: Any) -> Lab | None:
    """The lab that made ``client`` (``lab.sqs``, ``lab.client(...)``); for a client made some
    other way (a plain ``boto3.client`` in the kernel), the running lab; else None."""
    try:
        maker = _makers.get(client)
    except TypeError:  # not weak-referenceable: not a client of ours
        maker = None
    return maker if maker is not None else _active


def _moto_lab(backend: str, seed: int, start_backend: Callable[[], backends.Started]) -> Lab:
    """A lab on moto in this process: environment masked, ids seeded, virtual clock installed,
    the default fidelity layers on (each undoes itself when the lab stops).

    ``start_backend`` starts moto and returns its stop function and endpoint URL (or None).
    """
    backends.check_moto()
    stops = [session.mask_environment()]
    stop_backend, url = start_backend()
    stops.append(stop_backend)
    if url is not None:
        stops.append(session.point_environment_at(url))
    determinism.seed_moto(seed)
    chosen = os.environ.get(workshop.ENV, "").strip()
    namespace = Namespace(prefix=workshop.prefix(chosen)) if chosen else None
    lab = Lab(
        backend,
        session.emulator_session(),
        clocks.VirtualClock(),
        endpoint_url=url,
        config=session.local_config(),
        namespace=namespace,
    )
    for stop in stops:
        lab.on_stop(stop)
    layers.install(lab)
    return lab


def _build_moto(seed: int) -> Lab:
    return _moto_lab("moto", seed, backends.start_embedded)


def _build_server(seed: int) -> Lab:
    return _moto_lab("server", seed, backends.start_local_server)


def _endpoint_url() -> str:
    """SQSLAB_ENDPOINT_URL, checked (:func:`sqslab.workshop.check_endpoint_url`)."""
    url = os.environ.get("SQSLAB_ENDPOINT_URL", "").strip()
    if not url:
        raise LabConfigError(
            "the endpoint backend needs SQSLAB_ENDPOINT_URL, e.g. "
            "export SQSLAB_ENDPOINT_URL=http://127.0.0.1:4566 (start one with `sqslab server`)"
        )
    return workshop.check_endpoint_url(url)


def _build_endpoint(seed: int) -> Lab:
    url = _endpoint_url()
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    config = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 1})
    namespace = Namespace(prefix=workshop.prefix(workshop.current()) + run_id() + "-")
    lab = Lab(
        "endpoint",
        workshop.room_session(region),  # the room key (SQSLAB_ACCESS_KEY_ID…), else dummy keys
        clocks.RealClock(),
        endpoint_url=url,
        config=config,
        namespace=namespace,
    )
    check_answers(lab)
    return lab


def check_answers(lab: Lab) -> None:
    """Raise a clear error if the lab's SQS endpoint does not answer."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        lab.sqs.list_queues(MaxResults=1)
    except (BotoCoreError, ClientError) as err:
        text = _(
            "the SQS endpoint {url} does not answer ({error}); is the server running? "
            "Start one with `sqslab server`, or fix SQSLAB_ENDPOINT_URL"
        )
        raise LabConfigError(text.format(url=lab.endpoint_url, error=err)) from None


def _check_aws_opt_in() -> None:
    """Real AWS only with SQSLAB_BACKEND=aws in the environment."""
    if os.environ.get("SQSLAB_BACKEND", "").strip().lower() != "aws":
        raise LabConfigError(
            "real AWS is opt-in only: set SQSLAB_BACKEND=aws in the environment that starts "
            "Jupyter (it costs money and creates real queues); start('aws') alone is not enough"
        )


def _build_aws(seed: int) -> Lab:
    _check_aws_opt_in()
    session = aws_account.session()
    if aws_account.credentials(session) is None:
        raise LabConfigError(
            "no AWS credentials found for the aws backend: run `aws configure` or `aws sso login`, "
            "or set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        )
    if not session.region_name:
        raise LabConfigError(
            "no AWS region set for the aws backend: set AWS_REGION (e.g. export AWS_REGION=eu-west-1) or a region in your AWS profile"
        )
    account = aws_account.account(session)
    namespace = aws_namespace(workshop.current())
    lab = Lab("aws", session, clocks.RealClock(), account_id=account, namespace=namespace)
    print(
        f"REAL AWS: account {account}, region {session.region_name}. Every queue and topic this "
        f"lab creates gets the prefix {namespace.prefix!r} and the tags sqslab=course and "
        f"{LAB_TAG}={namespace.tags[LAB_TAG]}; lab.cleanup() deletes exactly those, never a "
        "queue or topic that already existed."
    )
    return lab


def run_id() -> str:
    """Four hex digits new to each lab on a service that keeps its queues (endpoint, aws): a
    chapter run again, or run after another, never meets the queues an earlier run left."""
    import secrets

    return secrets.token_hex(2)


def aws_namespace(user: str) -> Namespace:
    """Names and tags on real AWS: ``sqslab-<user>-<run id>-`` (two learners or two runs sharing an
    account never collide) and a tag naming this lab, which ``cleanup`` checks before it deletes."""
    run = run_id()
    tags = {"sqslab": "course", "sqslab-owner": user, LAB_TAG: f"{user}-{run}"}
    return Namespace(prefix=f"sqslab-{workshop.prefix(user)}{run}-", tags=tags)


_BUILDERS = {
    "moto": _build_moto,
    "server": _build_server,
    "endpoint": _build_endpoint,
    "aws": _build_aws,
}
