"""Per-app state (config, engine, session factory) and the request-scoped database session.

A public read (a GET marked :func:`reads_only`, as ``api.smorest.public_read`` does) gets a
session whose PostgreSQL connection runs in autocommit: no ``BEGIN`` before its first statement
and no ``ROLLBACK`` when it is returned to the pool, two round trips of about 0.2 ms each on a
read that makes one or three statements (docs/benchmarks.md). Nothing is lost: at READ
COMMITTED each statement sees its own snapshot, in a transaction or not, and the one thing such
a read may write, a read-model entry (``api.read_model.keep_made``), is one self-contained
upsert per listing. SQLite opens no transaction for a read anyway: the same session serves.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import Config
from directory.db import make_engine
from directory.indexing.indexer import Indexer
from directory.mail import Mailer
from directory.sessions import AfterCommit, make_session_factory
from search import open_backend
from search.base import SearchBackend


@dataclass
class AppState:
    """One app's configuration, database and search engine.

    ``after_commit`` names what runs after every commit of the app's sessions, in order: the
    indexer drains the listing-change outbox (when the transaction wrote to it), then the
    change stamp of the response cache and the lists' totals is replaced (when the transaction
    wrote a table public reads use; appended by ``api.cache.register_change_stamp``).
    """

    config: Config
    engine: Engine
    sessions: sessionmaker
    read_engine: Engine | None = None  # what public reads' sessions use (see the module docstring)
    after_commit: list[AfterCommit] = field(default_factory=list)
    indexer: Indexer = field(init=False)
    _search: SearchBackend | None = field(default=None, init=False)
    _search_pid: int = field(default=0, init=False)
    _search_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _background: list[threading.Thread] = field(default_factory=list, init=False)
    _stop_background: threading.Event = field(default_factory=threading.Event, init=False)
    push_settings: object = field(init=False)  # a directory.push.delivery.PushSettings

    def __post_init__(self) -> None:
        if self.read_engine is None:
            self.read_engine = self.engine
        self.indexer = Indexer(self.sessions, lambda: self.search,
                               retry_seconds=self.config.search_retry_seconds)
        self.after_commit.append(self.indexer.after_commit)
        self.push_settings = push_settings(self.config, self.webhook_settings)

    @property
    def mailer(self) -> Mailer:
        """Where mail goes, as configured now (``MAIL_FROM``, ``DATA_DIR/mail``, ``MAIL_URL``)."""
        return Mailer(self.config.mail_from, self.config.data_dir / "mail", self.config.mail_url)

    @property
    def webhook_settings(self):  # noqa: ANN201 - a directory.webhooks.DeliverySettings
        from directory.webhooks import DeliverySettings, parse_networks

        return DeliverySettings(allowed=parse_networks(self.config.webhook_allowed_networks),
                                ca_certs=self.config.webhook_ca_bundle)

    def start_background(self) -> None:
        """What every served worker runs beside requests: search drains, webhook deliveries,
        erasing what consumers shared once it is no longer needed."""
        from directory.contacts import purge_expired
        from directory.notifications import forget_old_notifications
        from directory.push.delivery import push_due
        from directory.webhook_delivery import start_background

        self._stop_background.clear()
        self._background = [
            self.indexer.start_background(float(os.environ.get("SEARCH_DRAIN_SECONDS", "10")),
                                          stop=self._stop_background),
            start_background(self.sessions, self.webhook_settings,
                             (purge_expired, forget_old_notifications),
                             float(self.config.webhook_delivery_seconds), stop=self._stop_background,
                             every_round=(lambda session: push_due(session, self.push_settings),)),
        ]

    def stop_background(self, timeout: float = 10.0) -> list[str]:
        """Ask the background threads to stop and wait up to *timeout* seconds in all for the
        round they are in (a drain, a delivery) to finish; the names of those still running."""
        self._stop_background.set()
        deadline = time.monotonic() + timeout
        for thread in self._background:
            thread.join(max(0.0, deadline - time.monotonic()))
        running = [thread.name for thread in self._background if thread.is_alive()]
        self._background = []
        return running

    @property
    def search(self) -> SearchBackend:
        """This process's search backend, opened on first use (so after a worker's fork), once:
        a worker's request threads and background threads share it."""
        pid = os.getpid()
        if self._search is None or self._search_pid != pid:
            with self._search_lock:
                if self._search is None or self._search_pid != pid:
                    self._search = open_backend(self.config.data_dir, self.config.elasticsearch_url,
                                                self.config.elasticsearch_index)
                    self._search_pid = pid
        return self._search


def push_settings(config: Config, network):  # noqa: ANN001, ANN201 - DeliverySettings -> PushSettings
    """The platforms pushes go to, from the configuration; ValueError when a key is malformed
    (the app does not start)."""
    from directory.push.apns import APNsSettings
    from directory.push.delivery import PushSettings
    from directory.push.fcm import FCMSettings
    from directory.push.webpush import load_vapid

    vapid = apns = fcm = None
    if config.vapid_private_key:
        vapid = load_vapid(config.vapid_private_key, config.vapid_subject or "")
    if config.apns_key_file:
        apns = APNsSettings.load(config.apns_key_file, config.apns_key_id or "",
                                 config.apns_team_id or "", config.apns_topic or "",
                                 config.apns_host)
    if config.fcm_service_account_file:
        fcm = FCMSettings.load(config.fcm_service_account_file)
    return PushSettings(network=network, vapid=vapid, apns=apns, fcm=fcm)


def init_state(app: Flask, config: Config) -> AppState:
    engine = make_engine(config.database_url, sqlite_busy_timeout_ms=config.sqlite_busy_timeout_ms,
                         connect_timeout=config.database_connect_timeout,
                         pool_timeout=config.database_pool_timeout,
                         statement_timeout_ms=config.database_statement_timeout_ms)
    after_commit: list[AfterCommit] = []
    sessions = make_session_factory(engine, outbox=True, after_commit=after_commit)
    read_engine = (engine.execution_options(isolation_level="AUTOCOMMIT")
                   if engine.dialect.name == "postgresql" else engine)
    state = AppState(config=config, engine=engine, sessions=sessions, read_engine=read_engine,
                     after_commit=after_commit)
    app.extensions["c800"] = state

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    return state


def app_state() -> AppState:
    return current_app.extensions["c800"]


def db_session() -> Session:
    """The session of the current request or CLI command, opened on first use (for a public
    read, on the state's ``read_engine``)."""
    if "db_session" not in g:
        state = app_state()
        g.db_session = (state.sessions(bind=state.read_engine)
                        if state.read_engine is not state.engine and _reading() else state.sessions())
    return g.db_session


_READS_ONLY = "_c800_reads_only"


def reads_only(view):  # noqa: ANN001, ANN201 - decorator
    """Mark the GET *view* as a public read: it writes nothing but read-model entries, each in
    one statement (its session may autocommit: see the module docstring)."""
    setattr(view, _READS_ONLY, True)
    return view


def _reading() -> bool:
    return (has_request_context() and request.method in ("GET", "HEAD")
            and get_marked(request.endpoint, _READS_ONLY))


def get_marked(endpoint: str | None, mark: str) -> bool:
    """Whether the GET of the view at *endpoint* carries *mark* (an attribute its decorators
    set and copy outwards: ``reads_only`` here, ``api.cache.cached``)."""
    view = current_app.view_functions.get(endpoint or "")
    return bool(getattr(getattr(getattr(view, "view_class", None), "get", None), mark, False))


def end_request_transaction() -> None:
    """Roll back what the request's session left uncommitted (a view that failed after a write)
    before the request writes through another session: on SQLite the uncommitted write holds the
    database's one write lock, which that other session would wait for in vain."""
    session = g.get("db_session")
    if session is not None:
        session.rollback()
