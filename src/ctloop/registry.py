"""The model registry: MLflow registered models, versions, aliases, an audit trail, and
promotions that survive a crash at any point.

Aliases used by ctloop:

* ``champion``          the version that serves (or would serve) production traffic;
* ``challenger``        the newest version that passed the gate, unless its canary was rolled back
                        (the rollback removes it: :meth:`MlflowRegistry.drop_challenger`) or it was
                        promoted (the promotion's completion removes it from the new champion);
* ``previous-champion`` the champion before the last promotion (instant rollback target).

Promotion protocol
------------------
MLflow has no transactions and no compare-and-set: an alias write is last-writer-wins, and a
promotion is about 16 separate HTTP writes, any of which can be the last one a dying process (or
server) makes. So a promotion is ordered around **one commit point, the** ``champion`` **alias**:

1. **Lock.** Registered model ``<name>.ctloop-promotion-lock`` is created; MLflow refuses a second
   registered model of the same name (a unique key: the only create-if-absent MLflow offers).
   Its tags name the holder, the end of its lease (default 300 s) and the model; the lock of a holder whose
   lease ended is broken. Promotions of one model are therefore serialised, and a repair under
   the lock knows that no other promotion is in flight.
2. **Settle.** Whatever an earlier, crashed promotion left is completed or aborted (below).
3. **Intent.** One audit run in experiment ``<name>-audit`` is created, in one write, with every
   fact of the promotion (new and previous champion, reason, pipeline run, time, promotion id) and
   ``ctloop.audit.state=pending``.
4. **Commit.** The ``champion`` alias moves to the new version, and is read back.
5. **Complete** (each write idempotent, derived from the record): alias ``challenger`` off the new
   champion; alias ``previous-champion``; the
   new champion's tags (``ctloop.was_champion``, ``ctloop.champion_since``,
   ``ctloop.previous_champion``, ``ctloop.promotion_reason``, ``ctloop.promotion_pipeline_run``,
   ``ctloop.promotion_id``; ``champion_until``/``superseded_by`` of an earlier tenure removed); the
   former champion's ``ctloop.champion_until`` and ``ctloop.superseded_by``; last the record,
   ``state=committed`` and run FINISHED.
6. **Unlock.**

Readers derive from committed state only. A promotion record counts when its state is
``committed`` (records written before this protocol, which have no state, count too), or when it
is ``pending`` and **confirmed by the alias**: it is the newest pending record, newer than every
committed one, and its version is the champion. :meth:`MlflowRegistry.champion` returns the alias'
version with its tags filled in from a confirmed record whose completion has not finished;
:meth:`~MlflowRegistry.champion_history` and :meth:`~MlflowRegistry.audit_log` list counted
records only (an aborted one shows as ``promote_aborted``). So after a crash before step 4 every
reader sees the old state, after it the new one. What lags after a crash in step 5 — alias
``previous-champion``, the former champion's tags, the run status — is reported by
:meth:`~MlflowRegistry.inspect` and finished by :meth:`~MlflowRegistry.repair`: with
``ctloop registry repair``, at the start of every :meth:`~MlflowRegistry.promote` (step 2), and on
every :meth:`~MlflowRegistry.register` when the lock is free. Under the lock, repair completes a
pending record the alias confirms and aborts every other pending record (``state=aborted``, run
KILLED): none of them can still commit.

What the lock cannot rule out: a holder stalled for longer than its lease while another process
breaks the lock, or two processes breaking the same expired lock at once. The commit point still
decides (the read-back in step 4 fails the loser, whose record is then aborted), but a history
record's ``previous_champion`` may name the version before a champion that lasted milliseconds.
Anyone who moves the ``champion`` alias outside ctloop bypasses all of this; :meth:`inspect`
says so.

Model files are loaded only after their sha256 matched the run tag training recorded
(``ctloop.artifacts.load_verified``); a missing tag is a refusal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ctloop.errors import (
    ConfigError,
    ModelIntegrityError,
    RegistryError,
    RegistryGone,
    one_line,
    shell_option,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

log = logging.getLogger("ctloop.registry")

CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS_CHAMPION = "previous-champion"

TAG_WAS_CHAMPION = "ctloop.was_champion"
LEGACY_WAS_CHAMPION = "true"  # TAG_WAS_CHAMPION's value before round 56's second registry fix (now: the model name)
# a LEGACY_WAS_CHAMPION tag that readable promotion records do not confirm on a version that is no copy: kept as history,
# counted by neither _champion_tagged nor _legacy_versions (was: "true" kept, so every repair, promotion and register
# of a consistent store read it again, said it again and read the audit records again, forever)
UNCONFIRMED_WAS_CHAMPION = "unconfirmed"
TAG_CHAMPION_SINCE = "ctloop.champion_since"
TAG_CHAMPION_UNTIL = "ctloop.champion_until"
TAG_PREVIOUS_CHAMPION = "ctloop.previous_champion"
TAG_SUPERSEDED_BY = "ctloop.superseded_by"
TAG_PROMOTION_REASON = "ctloop.promotion_reason"
TAG_PROMOTION_RUN = "ctloop.promotion_pipeline_run"
TAG_PROMOTION_ID = "ctloop.promotion_id"
TAG_LAST_EVENT = "ctloop.last_event"
TAG_REGISTRATION_ID = "ctloop.registration_id"  # one per register() call: finds a retried create's copy
TAG_GATE_DECISION = "ctloop.gate_decision"  # the register component's (components/register/core.py), since the first
# the champion version the gate compared the version with ("" for none), from evaluate_model's metrics metadata
# (register_model writes it): a promotion by the run that registered it needs that champion to be still champion
TAG_GATE_CHAMPION = "ctloop.gate_champion"
TAG_DUPLICATE_OF = "ctloop.duplicate_of"  # a retried create's copy left in place: the version it copies
# what a rollback of the version's canary set (``serving.release``): rolled back, or held (another model
# took the spec); such a version is never ``challenger`` (:meth:`MlflowRegistry.drop_challenger`)
TAG_ROLLOUT_STATUS = "ctloop.rollout.status"
ROLLED_BACK_STATES = ("rolled_back", "rollback_held")
# ctloop.rollout.status of a version whose failed deploy's rollback met bad input (serving.release
# _rollback_refused): the spec may still give it its share; Argo's retry of the step completes the rollback
ROLLBACK_REFUSED = "rollback_refused"
# the statuses of a version a rollback was tried for (rolled back, held, refused): alias challenger was taken off it
# then (:meth:`MlflowRegistry.drop_challenger`; a refusal's since round 58), or by a register since (never challenger)
ROLLBACK_TRIED = (*ROLLED_BACK_STATES, ROLLBACK_REFUSED)
# the pipeline run whose deploy of the version waited out rollout.timeout_seconds for its new revision
# and rolled back (``serving.release.deploy``): Argo's automatic retry of the step in that run
# refuses instead of waiting as long again (the run retried as a whole deploys again)
TAG_ROLLOUT_NOT_READY = "ctloop.rollout.not_ready"
# the pipeline run whose deploy of the version stopped because the InferenceService changed outside the
# rollout while it waited (``serving.release.deploy``: a hand patch of canaryTrafficPercent, another run's
# model): Argo's automatic retry of the step in that run refuses instead of writing over that change
TAG_ROLLOUT_HELD = "ctloop.rollout.held"
# the version a rollback of the version put traffic back on (``serving.release``: written with its status),
# for a retry that writes the rollback's lost audit record to name it (not the champion then)
TAG_ROLLOUT_ROLLBACK_TO = "ctloop.rollout.rollback_to"
# the serving validation's verdict on the version (``validate_serving``: :meth:`MlflowRegistry.record_serving_validation`),
# :data:`SERVING_INVALID` or :data:`SERVING_VALID`; ``.reason`` and ``.pipeline_run`` beside it. A version whose export
# failed it is never ``challenger`` (:func:`_never_challenger`) until a validation of it passes
TAG_SERVING_VALIDATION = "ctloop.serving_validation"
SERVING_INVALID, SERVING_VALID = "failed", "passed"
AUDIT_EXPERIMENT_SUFFIX = "-audit"
AUDIT_PREFIX = "ctloop.audit."
AUDIT_STATE = AUDIT_PREFIX + "state"
# one per record_event(): a create_run MLflow's client retried after the server applied it (a 5xx
# from a gateway) leaves a second run with the same id, listed once
AUDIT_EVENT_ID = AUDIT_PREFIX + "event_id"

PENDING, COMMITTED, ABORTED = "pending", "committed", "aborted"
DUPLICATE = "duplicate"  # the state of an intent's copy a retried create left (never read: its record is kept)
AUDIT_DUPLICATE_OF = AUDIT_PREFIX + "duplicate_of"  # a retried create's copy of an audit run: the run kept

LOCK_NOT_FOUND_TRIES = 5  # creates answered "not found" in a row, no lock there: an error, not a race
LOCK_SUFFIX = ".ctloop-promotion-lock"
# a lock once broken (``MlflowRegistry._break_lease``) or released (``_release``): this and a digest of the lease
BROKEN_LOCK_PREFIX = "ctloop-broken-lock-"
TAG_LOCK_OWNER = "ctloop.lock.owner"
TAG_LOCK_EXPIRES = "ctloop.lock.expires"
# the model whose promotion lock it is, set when the lock is taken: a promotion lists that model's broken
# and released leases by it, not every model's (older locks lack it: only repair lists theirs)
TAG_LOCK_MODEL = "ctloop.lock.model"
# set by ``_release`` on the lock it renamed: a lease its holder released, not one a waiter broke (when)
TAG_LOCK_RELEASED = "ctloop.lock.released"
# A promotion's writes take about a second; the lease covers MLflow's own HTTP retries too.
DEFAULT_LEASE_S = 300.0
# Longer than a lease: a promotion behind a crashed holder waits for the lease to end, then
# breaks the lock.
DEFAULT_LOCK_TIMEOUT_S = 330.0
# A promotion lock read with no owner tag is read this many times, this far apart, before it is judged
# someone else's model (``MlflowRegistry._lock_holder``): long enough for a concurrent rename or delete
# of the lock to commit.
_FOREIGN_LOCK_READS = 4
# broken promotion locks a sweep was refused permission to delete, already warned of (a process warns once
# of each; a transient failure is said each time, as it may pass)
_SWEEP_REFUSALS_SAID: set[str] = set()
# a line of :meth:`MlflowRegistry.repair`'s answer that says what it could not do (nothing was repaired by it)
NOTE_PREFIX = "note: "
# a line of :meth:`MlflowRegistry.repair`'s answer for housekeeping after clean promotions (not a repair)
CLEANUP_PREFIX = "cleaned up "
# a released lock its releaser's next promotion removes, which this user may not delete: repair notes it
# only once it is older than this (its releaser has not promoted since)
RELEASED_LOCK_NOTE_AFTER_S = 86400.0
_FOREIGN_LOCK_PAUSE_S = 0.1
# how often a promotion waiting for a held lock tries it again (``MlflowRegistry._acquire``)
_LOCK_POLL_S = 0.5
# the newest audit records :meth:`MlflowRegistry.audit_events` reads in one search (one page of MLflow's
# search_runs, whose default and usual server limit is 1000: the page asks for one more than this)
AUDIT_PAGE = 999


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class ModelVersion:
    """One registered model version, as ctloop sees it."""

    name: str
    version: str
    run_id: str
    source: str
    tags: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    stage: str = ""  # MLflow's deprecated stage (Staging, Production; "" for none or Archived)
    # register() of a retried task whose version was decided since its earlier attempt: what decided it
    # (e.g. "champion, approved"); the version was left as it was
    decided_since: str = ""

    @classmethod
    def from_mlflow(cls, mv: Any) -> ModelVersion:
        stage = str(getattr(mv, "current_stage", "") or "")
        return cls(
            name=mv.name,
            version=str(mv.version),
            run_id=mv.run_id or "",
            source=mv.source or "",
            tags=dict(mv.tags or {}),
            aliases=tuple(getattr(mv, "aliases", None) or ()),
            stage="" if stage in ("None", "Archived") else stage,
        )


@dataclass(frozen=True)
class Promotion:
    """One promotion record (an audit run) as the protocol wrote it."""

    run_id: str
    id: str
    version: str
    previous: str
    reason: str
    pipeline_run: str
    at: str
    state: str  # pending | committed | aborted ("" for records written before the protocol)
    run_status: str
    start_time: int

    @classmethod
    def from_run(cls, run: Any) -> Promotion:
        tags = run.data.tags
        get = lambda key: tags.get(AUDIT_PREFIX + key, "")  # noqa: E731
        return cls(
            run.info.run_id,
            get("promotion_id") or run.info.run_id,
            get("version"),
            get("previous_champion"),
            get("reason"),
            get("pipeline_run"),
            get("at"),
            tags.get(AUDIT_STATE, ""),
            str(run.info.status),
            int(run.info.start_time or 0),
        )

    def champion_tags(self, name: str) -> dict[str, str]:
        """The tags the promoted version carries once this promotion is complete. :data:`TAG_WAS_CHAMPION`'s value
        is the model's name ``name`` (was: ``true``): MLflow's ``copy_model_version`` copies every tag into the other
        model, and the challenger rule counts the tag only where its value is that model's own name
        (:func:`_champion_tagged`), with no audit read."""
        return {
            TAG_WAS_CHAMPION: name,
            TAG_CHAMPION_SINCE: self.at,
            TAG_PREVIOUS_CHAMPION: self.previous,
            TAG_PROMOTION_REASON: tag_value(self.reason),
            TAG_PROMOTION_RUN: self.pipeline_run,
            TAG_PROMOTION_ID: self.id,
        }

    def superseded_tags(self, name: str) -> dict[str, str]:
        """The tags the previous champion carries once this promotion is complete, :data:`TAG_WAS_CHAMPION` among
        them: a champion set by hand has none, and the challenger rule would forget it (was: forgotten)."""
        return {TAG_WAS_CHAMPION: name, TAG_CHAMPION_UNTIL: self.at, TAG_SUPERSEDED_BY: self.version}


@dataclass
class RegistryState:
    """What :meth:`MlflowRegistry.inspect` found; ``problems`` is empty when every reader agrees."""

    name: str
    champion: str
    promotion: Promotion | None
    aliases: dict[str, str]
    pending: list[Promotion]
    incomplete: list[str]
    lock: dict[str, str] | None
    notes: list[str] = field(default_factory=list)
    # versions tagged UNCONFIRMED_WAS_CHAMPION that a readable promotion record names champion (its run restored from
    # MLflow's trash since the legacy migration marked it): :meth:`MlflowRegistry._settled` tags them with the name
    restored: list[str] = field(default_factory=list)
    # alias challenger on a champion with no promotion record (set by hand while challenger): repaired by the settle
    # (was: read as consistent; a promotion's champion holding it is flagged through ``incomplete``)
    hand_set_challenger: bool = False

    @property
    def problems(self) -> list[str]:
        out = []
        if self.promotion is not None and self.incomplete:
            out.append(
                f"promotion {self.promotion.id} of v{self.promotion.version} is committed (the "
                "champion "
                f"alias names it) but not complete: {'; '.join(self.incomplete)}"
            )
        for p in self.pending:
            out.append(
                f"promotion {p.id} of v{p.version} (started {p.at}) never committed: the champion "
                "is "
                f"{'v' + self.champion if self.champion else 'unset'}; it is to be aborted"
            )
        if self.hand_set_challenger:
            out.append(f"alias {CHALLENGER} names the champion v{self.champion} (set outside ctloop)")
        for version in self.restored:
            out.append(
                f"v{version} tag {TAG_WAS_CHAMPION} is {UNCONFIRMED_WAS_CHAMPION}, but a promotion record names it "
                "champion (restored from MLflow's trash?): the challenger rule does not count it"
            )
        if self.lock and self.lock.get("expired") == "true":
            out.append(
                f"the promotion lock is held by {self.lock['owner']} whose lease ended at "
                f"{self.lock['expires']}"
            )
        return out

    @property
    def consistent(self) -> bool:
        return not self.problems


def _is_not_found(exc: Exception) -> bool:
    code = getattr(exc, "error_code", "")
    message = str(exc)
    return code == "RESOURCE_DOES_NOT_EXIST" or (
        code == "INVALID_PARAMETER_VALUE" and "not found" in message.lower()
    )


def _permission_denied(exc: BaseException | None) -> bool:
    """An MLflow refusal for permission (HTTP 403, ``PERMISSION_DENIED``), here or as a cause: MLflow's
    auth answers so a delete by a user without MANAGE (mlflow 3.17.2 ``server/auth/__init__.py``)."""
    while exc is not None:
        if getattr(exc, "error_code", "") == "PERMISSION_DENIED":
            return True
        status = getattr(exc, "get_http_status_code", None)
        if callable(status) and status() == 403:
            return True
        exc = exc.__cause__
    return False


class _SweepRefusal(NamedTuple):
    """A broken or released promotion lock :meth:`MlflowRegistry._sweep_broken_locks` could not delete."""

    text: str
    denied: bool  # refused for permission (not a failure that may pass)
    released: bool  # released by its holder (its next promotion removes it), not broken
    renamed: datetime | None  # when it was broken or released (server time)


# A busy server, said as MLflow says it (mlflow 3.17.2 ``exceptions.py`` ERROR_CODE_TO_HTTP_STATUS: 503 and
# 429) and as its client says a status it retries still answered after its retries (``utils/rest_utils.py``
# ``http_request``: "failed with exception ... too many 503 error responses", error code INTERNAL_ERROR): the
# statuses ``utils/request_utils.py`` _TRANSIENT_FAILURE_RESPONSE_CODES lists (408, 429, 500, 502, 503, 504)
# but 500, which its client also gives a failure of its own (a refused connection, a body that is no JSON).
# 502 and 504: an ingress in front of a restarting backend.
_BUSY_ERROR_CODES = ("TEMPORARILY_UNAVAILABLE", "RESOURCE_EXHAUSTED", "REQUEST_LIMIT_EXCEEDED")
_BUSY_RETRIES_TEXT = re.compile(r"too many (?:408|429|502|503|504) error responses")


def _transient(exc: Exception) -> bool:
    """An MLflow failure of a busy server its client retried, still failing after the retries: a 503 or 429,
    or a 408, 502 or 504 after the retries (:data:`_BUSY_ERROR_CODES`, :data:`_BUSY_RETRIES_TEXT`; was: 503
    and 429 only, so an ingress' 502 refused and register deleted this run's healthy version again). Was any status MLflow's private
    ``_TRANSIENT_FAILURE_RESPONSE_CODES`` lists, 500 among them, which a client-side MlflowException (a
    refused connection, a body that is no JSON) reports: such failures are refusals like any other."""
    if getattr(exc, "error_code", "") in _BUSY_ERROR_CODES:
        return True
    return _BUSY_RETRIES_TEXT.search(str(exc)) is not None


def _left_to_the_newer_run(name: str, mine: int, target: int, exc: Exception, done: str = "") -> str:
    """The one line :meth:`MlflowRegistry._point_challenger` says when a newer version's alias write stayed
    refused as transient: what is left undone and who finishes it. ``done``: what was done before (default:
    ``{name} v{mine} is registered``)."""
    from mlflow.environment_variables import MLFLOW_HTTP_REQUEST_MAX_RETRIES

    attempts = 1 + MLFLOW_HTTP_REQUEST_MAX_RETRIES.get()
    done = done or f"{name} v{mine} is registered"
    return (f"ctloop: {done}, but alias {CHALLENGER!r} could not be moved to v{target}, a "
            f"newer version (another run's), in {attempts} attempt{'' if attempts == 1 else 's'} "
            f"({one_line(str(exc))[:300]}); left undone: alias {CHALLENGER!r} -> v{target}, which the run that "
            f"registered v{target} writes when it finishes; else set it in the MLflow UI")


def _already_exists(exc: Exception) -> bool:
    return getattr(exc, "error_code", "") in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS")


def _hide_password(exc: Exception, uri: str) -> None:
    """Take the password of ``uri``'s userinfo out of an MlflowException's message, which names the
    URL it requested (mlflow 3.17.2 ``utils/rest_utils.py`` ``http_request``: "API request to {url}
    failed with exception ...")."""
    from ctloop.tracking import hide_password

    message = str(getattr(exc, "message", "") or "")
    if hide_password(message, uri) != message:
        exc.message = hide_password(message, uri)  # type: ignore[attr-defined]
        exc.args = (exc.message,)  # type: ignore[attr-defined]


class _ForeignLock(RegistryError):
    """A registered model someone else made holds the name of a promotion lock (no owner tag)."""


class _Client:
    """An MlflowClient whose every call that the server refuses for its credentials (HTTP 401/403),
    or answers with no MLflow JSON (a login proxy's page), raises one RegistryError naming the
    variables to set (``ctloop.tracking.refused_credentials``) instead of an MlflowException that
    each caller words as a failure of its own step."""

    def __init__(self, client: Any, uri: str):
        self._client = client
        self._uri = uri

    def __getattr__(self, attr: str) -> Any:
        if attr in ("_client", "_uri") or attr.startswith("__"):  # copy.copy/pickle probe a bare instance
            raise AttributeError(attr)
        value = getattr(self._client, attr)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            from mlflow.exceptions import MlflowException

            from ctloop.tracking import refused_credentials

            try:
                return value(*args, **kwargs)
            except MlflowException as exc:
                refused = refused_credentials(exc, self._uri, attr)
                if refused:
                    raise RegistryError(refused) from exc
                _hide_password(exc, self._uri)
                raise
            except json.JSONDecodeError as exc:  # an answer MLflow's client parses itself: a login page?
                raise RegistryError(refused_credentials(exc, self._uri, attr) or str(exc)) from None

        return call



def _decided_since(mv: ModelVersion) -> str:
    """What decided ``mv`` after its registration ("" if nothing did): an approval or rejection
    (``ctloop.approval``), alias champion or previous-champion, a past tenure as champion, a rolled-back
    canary, or any event after ``register``/``approval_requested`` (tag :data:`TAG_LAST_EVENT`). A retried
    register task redoes nothing to such a version (was: challenger and pending-approval pointed at the champion
    again, its last event rewritten ``approval_requested``)."""
    from ctloop.approval import APPROVED, REJECTED, TAG_STATE

    tags = mv.tags or {}
    why = [alias for alias in (CHAMPION, PREVIOUS_CHAMPION) if alias in mv.aliases]
    if TAG_WAS_CHAMPION in tags and CHAMPION not in why:
        why.append("was champion")
    if tags.get(TAG_STATE) in (APPROVED, REJECTED):
        why.append(tags[TAG_STATE])
    if tags.get(TAG_ROLLOUT_STATUS) in ROLLBACK_TRIED:
        why.append(tags[TAG_ROLLOUT_STATUS].replace("_", " "))
    if tags.get(TAG_LAST_EVENT, "register") not in ("register", "approval_requested", *why):
        why.append(f"last event {tags[TAG_LAST_EVENT]}")
    return ", ".join(why)


def _never_challenger(versions, champion: str | None = None, ever: Iterable[str] = ()) -> set[str]:
    """The versions (MLflow ModelVersions) the challenger alias must never be on: the one rule of every
    writer of the alias (register's :meth:`MlflowRegistry._point_challenger`, :meth:`MlflowRegistry.drop_challenger`
    after a rollback, a repair or a promotion, and ``ctloop reject``). Not READY; without :data:`TAG_REGISTRATION_ID`
    or :data:`TAG_GATE_DECISION` (registered outside ctloop, e.g. ``mlflow.sklearn.log_model(registered_model_name=
    ...)``, so never gated; the gate's tag too: a ctloop image before 2026-12-05 wrote no registration id, but its
    register component has always written the gate's decision, and a recurring run keeps the image it was compiled
    with; not any ``ctloop.`` tag: a deploy, an approval or a rollout tags a version registered by hand); rejected at approval;
    failed serving validation (:data:`TAG_SERVING_VALIDATION`; was: untagged, and a retried register task or a repair
    handed the alias back to a model whose export does not serve like the trained one); the champion (``champion``, the alias' version: MLflow's
    ``search_model_versions`` leaves ``aliases`` empty) or champion before, or older than the champion (passed over
    when a newer one was promoted: a retried register task of an older run is not the challenger of a champion it
    was never compared with), or older than any version that was champion (a rollback to an older champion does not
    make a version passed over eligible again); rolled back; a retried create's copy
    (was: the last two only, and a retried register task, a repair or a rollback handed the alias to the champion,
    a version never gated or one rejected). ``ever``: the versions this model was champion before: for the alias,
    :meth:`MlflowRegistry._alias_champions` (tag :data:`TAG_WAS_CHAMPION` valued with this model's name: MLflow copies
    the tag with a version into another model, and a copied ``true`` made prod's gated challenger older than a
    "champion" prod never had); for an approval and the status, :meth:`MlflowRegistry.champions_ever`. The serving-validation tag alone decides:
    a pass writes ``passed`` itself, before its audit record (was: a record of a pass read per failed version on
    every register, a lift that could not happen)."""
    from ctloop.approval import REJECTED, TAG_STATE

    ever = {str(v) for v in ever} | ({str(champion)} if champion else set())
    # the newest version ever champion: a rollback (the champion promoted back to an older version) does not make
    # a version passed over by the newer promotion eligible again (after v1 -> v3 -> back to v1, v2 never was
    # compared with v3)
    newest = _newest(ever)

    def never(mv) -> bool:
        tags = mv.tags or {}
        return (mv.status != "READY" or not (TAG_REGISTRATION_ID in tags or TAG_GATE_DECISION in tags)
                or tags.get(TAG_STATE) == REJECTED
                or tags.get(TAG_SERVING_VALIDATION) == SERVING_INVALID
                or str(mv.version) in ever or TAG_DUPLICATE_OF in tags
                or tags.get(TAG_ROLLOUT_STATUS) in ROLLBACK_TRIED or older(mv))

    def older(mv) -> bool:  # older than a champion: passed over when a newer one was promoted
        return newest is not None and str(mv.version).isdigit() and int(mv.version) < newest

    return {str(mv.version) for mv in versions if never(mv)}


def _champion_tagged(versions, name: str, legacy: bool = False) -> set[str]:
    """The versions among ``versions`` (MLflow ModelVersions) tagged :data:`TAG_WAS_CHAMPION` with ``name``, this
    model's own name (``legacy``: :data:`LEGACY_WAS_CHAMPION` instead, the value a promotion before round 56 wrote,
    which a copy from another model carries as well). A copy of another model's champion carries that model's name
    and does not count."""
    want = LEGACY_WAS_CHAMPION if legacy else name
    return {str(mv.version) for mv in versions if (mv.tags or {}).get(TAG_WAS_CHAMPION) == want}


def _copy_of(mv: Any) -> str | None:
    """The version ``mv`` (an MLflow ModelVersion) was copied from, as ``models:/<name>/<version>``, None when it is no
    provable copy: MLflow's ``copy_model_version`` creates the copy with ``source=f"models:/{src_mv.name}/{src_mv.version}"``
    and every tag of the source (mlflow 3.17.2 ``store/model_registry/abstract_store.py``), so a copy of a champion
    carries its ``ctloop.was_champion`` tag with no promotion record of its own."""
    source = str(getattr(mv, "source", "") or "")
    if not source.startswith("models:/"):
        return None
    model, _, version = source[len("models:/"):].rpartition("/")
    if not model or not version.isdigit() or (model, version) == (mv.name, str(mv.version)):
        return None
    return source


def _newest(ever: Iterable[str]) -> int | None:
    """The newest of the versions ever champion (:meth:`MlflowRegistry.champions_ever`), None for none: a version
    older is passed over for good, by the challenger rule (:func:`_never_challenger`) and by an approval
    (:meth:`MlflowRegistry.newest_champion`)."""
    return max((int(v) for v in ever if str(v).isdigit()), default=None)

class MlflowRegistry:
    """ctloop's registry operations over an MLflow tracking/registry server.

    Constructing one calls :func:`ctloop.tracking.configure`, which sets MLflow switches (among
    them ``MLFLOW_ALLOW_PICKLE_DESERIALIZATION=true`` and ``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER=false``)
    and the tracking and registry URIs in ``os.environ``, for the whole process and its subprocesses:
    see its docstring."""

    tracking_uri = ""  # set by __init__; a bare instance (a test's client double) has no store to judge
    _file_store_said = False  # the warning that a file store's lock is not atomic: once per registry

    def __init__(
        self,
        tracking_uri: str = "",
        *,
        lease_s: float = DEFAULT_LEASE_S,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    ):
        from mlflow import MlflowClient

        from ctloop.tracking import configure

        self.tracking_uri = configure(tracking_uri)
        self.client = _Client(
            MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri), self.tracking_uri
        )
        self.lease_s = float(lease_s)
        self.lock_timeout_s = float(lock_timeout_s)
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    # ------------------------------------------------------------------ lookups
    def get_alias(self, name: str, alias: str) -> ModelVersion | None:
        """The version behind ``alias``; ``None`` if the model or the alias does not exist."""
        from mlflow.exceptions import MlflowException

        check_model_name(name)
        try:
            mv = self.client.get_model_version_by_alias(name, alias)
        except MlflowException as exc:
            if _is_not_found(exc):
                return None
            raise RegistryError(f"cannot read alias {alias!r} of model {name!r}: {exc}") from exc
        return ModelVersion.from_mlflow(mv)

    def champion(self, name: str) -> ModelVersion | None:
        """The ``champion`` alias' version. While the completion of its promotion is unfinished
        (a crash after the commit), its tags are filled in from the promotion record."""
        found = self.get_alias(name, CHAMPION)
        if found is None:
            return None
        pending = _confirmed_pending(self._promotions(name), found.version)
        if pending is None:
            return found
        tags = {
            k: v for k, v in found.tags.items() if k not in (TAG_CHAMPION_UNTIL, TAG_SUPERSEDED_BY)
        }
        return ModelVersion(
            found.name,
            found.version,
            found.run_id,
            found.source,
            {**tags, **pending.champion_tags(name)},
            found.aliases,
        )

    def get_version(self, name: str, version: str) -> ModelVersion:
        from mlflow.exceptions import MlflowException

        check_model_name(name)
        try:
            mv = self.client.get_model_version(name, str(version))
        except MlflowException as exc:
            if _is_not_found(exc):
                raise RegistryGone(
                    f"model {name!r} has no version {version!r}: list its versions with "
                    f"`ctloop audit {shell_option('--model-name', name)}` or the MLflow UI"
                ) from exc
            raise RegistryError(f"cannot read version {version} of model {name!r}: {exc}") from exc
        return ModelVersion.from_mlflow(mv)

    def _trained_version(self, name: str, version: str) -> ModelVersion:
        """:meth:`get_version` of a version with a training run: ctloop reads its model, meta,
        hashes and reference sample from the run ``train_model`` logged. A version registered
        from a storage location without a run (another tool's ``create_model_version(source=
        "s3://...")``) is refused naming it (was: "run  has no artifact ...", "cannot read
        training run : Invalid value \"\" for parameter 'run_id'")."""
        mv = self.get_version(name, version)
        if not mv.run_id:  # for good, as a collected run: RegistryGone, not an answer to retry
            raise RegistryGone(
                f"{name} v{mv.version} has no training run (registered from {mv.source or 'no source'!r} "
                "outside ctloop): ctloop reads a version's model and meta from the run train_model logged; "
                "register a version trained by ctloop, or point the alias at one")
        return mv

    def refuse_deleted_run(
        self, name: str, version: str, verb: str = "promote", instead: str = "", *, mv: ModelVersion | None = None
    ) -> None:
        """Refuse, in one line naming the version and its run, to ``verb`` a version whose training run is
        in MLflow's trash (``lifecycle_stage`` ``deleted``: ``mlflow runs delete``, the UI's delete) or
        gone for good (``mlflow gc``: RegistryGone): a champion's model, meta and reference sample are
        read from that run, which ``mlflow gc`` removes with its artifacts (was: promoted, approved).
        A version with no run (registered from a storage location) is left to its readers. ``instead``:
        what else to do (default: ``verb`` another version). A run of a deleted experiment is refused too,
        pointing at ``mlflow experiments restore``: deleting an experiment marks its runs deleted, and
        ``mlflow runs restore`` of one leaves the experiment in the trash, which ``mlflow gc`` empties with
        the run (mlflow 3.17.2 ``store/tracking/sqlalchemy_store.py`` ``delete_experiment``,
        ``restore_experiment``: restores its runs; was: promoted once the run alone was restored). ``mv``:
        ``version`` as the caller read it (read here otherwise)."""
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import restore_command, restore_run_command

        mv = mv if mv is not None else self.get_version(name, version)
        if not mv.run_id:
            return
        instead = instead or f"{verb} another version"
        try:
            info = self.client.get_run(mv.run_id).info
            stage = info.lifecycle_stage
        except MlflowException as exc:
            if _is_not_found(exc):
                raise RegistryGone(f"cannot {verb} {name} v{mv.version}: its training run {mv.run_id} was deleted "
                                   f"for good (mlflow gc): {instead}; nothing was changed") from exc
            raise RegistryError(f"cannot read the training run {mv.run_id} of {name} v{mv.version}: {exc}") from exc
        try:  # read first: deleting the experiment marked the run deleted too, and restoring it restores the run
            experiment = self.client.get_experiment(info.experiment_id)
        except MlflowException as exc:  # was in the run's try: a missing experiment said "the run was deleted (gc)"
            raise (RegistryGone if _is_not_found(exc) else RegistryError)(
                f"cannot {verb} {name} v{mv.version}: cannot read the experiment (id {info.experiment_id}) of its "
                f"training run {mv.run_id}: {one_line(str(exc))[:300]}; nothing was changed") from exc
        if experiment.lifecycle_stage == "deleted":
            raise RegistryError(
                f"cannot {verb} {name} v{mv.version}: the experiment {experiment.name!r} (id "
                f"{experiment.experiment_id}) of its training run {mv.run_id} is deleted (in MLflow's trash, which "
                f"mlflow gc empties with its runs); restore it first "
                f"(`{restore_command(self.tracking_uri, experiment.experiment_id)}`) or {instead}; nothing was changed")
        if stage == "deleted":
            raise RegistryError(
                f"cannot {verb} {name} v{mv.version}: its training run {mv.run_id} is deleted (in MLflow's trash, "
                f"which mlflow gc empties); restore it first (`{restore_run_command(self.tracking_uri, mv.run_id)}`) "
                f"or {instead}; nothing was changed")

    def aliases(self, name: str) -> dict[str, str]:
        """``{alias: version}`` of a registered model (empty if it does not exist)."""
        from mlflow.exceptions import MlflowException

        try:
            rm = self.client.get_registered_model(name)
        except MlflowException as exc:
            if _is_not_found(exc):
                return {}
            raise RegistryError(f"cannot read registered model {name!r}: {exc}") from exc
        return {alias: str(v) for alias, v in (rm.aliases or {}).items()}

    def versions(self, name: str) -> list[ModelVersion]:
        """All versions of ``name``, oldest first (aliases filled in)."""
        aliases = self.aliases(name)
        by_version: dict[str, list[str]] = {}
        for alias, v in aliases.items():
            by_version.setdefault(v, []).append(alias)
        found = [mv for mv in self._search_versions(name) if mv.name == name]
        out = []
        for mv in found:
            item = ModelVersion.from_mlflow(mv)
            out.append(
                ModelVersion(
                    item.name,
                    item.version,
                    item.run_id,
                    item.source,
                    item.tags,
                    tuple(sorted(by_version.get(item.version, []))),
                    item.stage,
                )
            )
        return sorted(out, key=lambda m: int(m.version))

    def _search_versions(self, name: str, where: str = "") -> list[Any]:
        """Every MLflow model version the name filter finds, page after page (one search answers
        at most 10000, mlflow 3.17.2 ``store/model_registry/__init__.py``
        SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT; was: the first page only). ``where``: a further
        condition ANDed to the name filter (a tag's value: every store answers it on the server, mlflow 3.17.2
        ``sqlalchemy_store.py`` and ``file_store.py`` ``search_model_versions``, the REST store forwards it)."""
        from mlflow.exceptions import MlflowException

        found: dict[str, Any] = {}
        token = None
        try:
            while True:
                # pages are offsets into an order: the default one (last_updated_timestamp DESC) moves
                # a version tagged or made between pages across them (mlflow 3.17.2
                # store/model_registry/sqlalchemy_store.py search_model_versions); version_number does not
                page = self.client.search_model_versions(_name_filter(name) + (f" AND {where}" if where else ""),
                                                         order_by=["version_number ASC"],
                                                         page_token=token)
                for mv in page:
                    found.setdefault(f"{mv.name}\0{mv.version}", mv)  # a version seen twice is listed once
                token = getattr(page, "token", None)  # a PagedList; a plain list is one page
                if not token:
                    return list(found.values())
        except MlflowException as exc:
            raise RegistryError(f"cannot list the versions of model {name!r}: {exc}") from exc

    # ------------------------------------------------------------------ artifacts
    def _download(self, run_id: str, artifact_path: str, dst: str) -> Path:
        from mlflow.exceptions import MlflowException

        try:
            return Path(self.client.download_artifacts(run_id, artifact_path, dst))
        except (MlflowException, OSError) as exc:
            gone = self._gone_from_storage(run_id, artifact_path)
            if gone:  # was: "(was it logged by ctloop's train_model?)", blaming a training that logged it
                raise RegistryError(f"{gone}: {one_line(str(exc))[:300]}") from exc
            raise RegistryError(
                f"run {run_id} has no artifact {artifact_path!r} (was it logged by ctloop's "
                f"train_model?): {exc}"
            ) from exc

    def _gone_from_storage(self, run_id: str, artifact_path: str) -> str:
        """Why ``artifact_path`` cannot be read from run ``run_id`` when training logged it and the run's artifact
        store no longer lists it (removed from storage since: a bucket lifecycle rule, a clean-up by hand; the store
        answers 404), else "": the run carries the tag ``tracking.log_training_run`` writes after that upload
        (:data:`~ctloop.tracking.TAG_JOBLIB_SHA256` for the serving directory, :data:`~ctloop.tracking.TAG_MODEL_ID`
        after every upload), and a listing of the file's directory succeeds without it."""
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import JOBLIB_ARTIFACT_DIR, TAG_JOBLIB_SHA256, TAG_MODEL_ID

        try:
            run = self.client.get_run(run_id)
            tags = run.data.tags
            tag = next((t for t in (TAG_JOBLIB_SHA256, TAG_MODEL_ID) if t in tags
                        and (t == TAG_MODEL_ID or artifact_path.startswith(JOBLIB_ARTIFACT_DIR + "/"))), "")
            if not tag:
                return ""
            parent = artifact_path.rpartition("/")[0] or None
            if artifact_path in {f.path for f in self.client.list_artifacts(run_id, parent)}:
                return ""  # listed: a failure of the read itself, said as it came
        except (MlflowException, RegistryError, OSError):  # the hint only: the caller's error stands
            return ""
        where = f"{str(run.info.artifact_uri).rstrip('/')}/{artifact_path}"
        return (f"run {run_id}'s artifact store no longer holds {artifact_path!r} ({where}), which training logged "
                f"(the run carries {tag}, written after the upload): removed from storage since (a lifecycle rule, "
                "a clean-up by hand?); restore it from a backup, or promote or retrain another version")

    def _run_tags(self, run_id: str) -> dict[str, str]:
        from mlflow.exceptions import MlflowException

        try:
            return dict(self.client.get_run(run_id).data.tags)
        except MlflowException as exc:
            raise RegistryError(f"cannot read training run {run_id}: {exc}") from exc

    def load_meta(self, name: str, version: str) -> dict[str, Any]:
        from ctloop.artifacts import MODEL_META_FILE
        from ctloop.tracking import META_ARTIFACT_DIR

        mv = self._trained_version(name, version)
        artifact = f"{META_ARTIFACT_DIR}/{MODEL_META_FILE}"
        with tempfile.TemporaryDirectory() as tmp:
            path = self._download(mv.run_id, artifact, tmp)
            try:
                meta = json.loads(path.read_bytes().decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                meta, problem = None, f"is not JSON text ({exc})"
            else:
                problem = f"holds a JSON {type(meta).__name__}, not an object"
        if not isinstance(meta, dict):  # overwritten or cut short since training wrote it
            raise ModelIntegrityError(f"{name} v{mv.version}: its model meta (run {mv.run_id} artifact "
                                      f"{artifact}) {problem}: retrain it, or register a version trained by ctloop")
        return meta

    def _load_served_copy(self, mv: ModelVersion, filename: str, tag: str, dst: str) -> Any:
        from ctloop.artifacts import load_verified
        from ctloop.tracking import JOBLIB_ARTIFACT_DIR

        tags = self._run_tags(mv.run_id)
        path = self._download(mv.run_id, f"{JOBLIB_ARTIFACT_DIR}/{filename}", dst)
        return load_verified(
            path, tags.get(tag, ""), recorded_in=f"{mv.name} v{mv.version}'s run {mv.run_id} tag {tag}",
            trusted=_declared(tags),
        )

    def load_model(self, name: str, version: str) -> Any:
        """The fitted sklearn Pipeline of a version, from its serving directory.

        ``model.skops`` (skops with ctloop's allow-list) when training recorded its sha256, else
        ``model.joblib`` (versions trained before the skops copy existed); either way the file's
        sha256 must equal the run tag recorded at training time — a missing tag is a refusal.
        """
        from ctloop.artifacts import MODEL_FILE, SKOPS_FILE
        from ctloop.tracking import TAG_JOBLIB_SHA256, TAG_SKOPS_SHA256

        mv = self._trained_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            if self._run_tags(mv.run_id).get(TAG_SKOPS_SHA256):
                return self._load_served_copy(mv, SKOPS_FILE, TAG_SKOPS_SHA256, tmp)
            return self._load_served_copy(mv, MODEL_FILE, TAG_JOBLIB_SHA256, tmp)

    def load_logged_model(self, name: str, version: str) -> Any:
        """The model as MLflow logged it at training time, independent of the serving directory.

        Its ``model.skops`` must match run tag ``ctloop.logged_model_sha256`` and is built with
        ctloop's skops allow-list — not with the trusted types its own ``MLmodel`` file lists,
        which
        whoever can write the artifact store could extend. Pickle flavours are refused.
        """
        import mlflow
        import yaml
        from mlflow.exceptions import MlflowException

        from ctloop.artifacts import load_verified
        from ctloop.tracking import TAG_LOGGED_MODEL_SHA256, hide_password

        mv = self._trained_version(name, version)
        with tempfile.TemporaryDirectory() as tmp:
            try:
                # the version's artifacts as this registry resolves them: MLflow 3.17 resolves
                # ``models:/NAME/VERSION`` in the process's registry URI whatever it is passed
                # (store/artifact/models_artifact_repo.py ``_get_model_uri_infos``), except for
                # Databricks registries, whose repositories take it (and fetch the temporary
                # credentials or signed URLs a raw storage location would lack)
                databricks = self.tracking_uri.startswith("databricks")
                local = Path(
                    mlflow.artifacts.download_artifacts(
                        artifact_uri=f"models:/{name}/{version}" if databricks
                        else self.client.get_model_version_download_uri(name, version),
                        dst_path=tmp,
                        tracking_uri=self.tracking_uri,
                        registry_uri=self.tracking_uri,
                    )
                )
                text = (local / "MLmodel").read_bytes()
            except (MlflowException, OSError) as exc:
                raise RegistryError(
                    f"cannot read the logged model of {name} v{version}: "
                    f"{one_line(hide_password(str(exc), self.tracking_uri))[:300]}"
                ) from None
            try:
                mlmodel = yaml.safe_load(text.decode("utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError) as exc:
                raise ModelIntegrityError(
                    f"refusing to load the logged model of {name} v{version}: its MLmodel file is not YAML "
                    f"text ({type(exc).__name__}; changed after training); retrain the version"
                ) from exc
            flavors = mlmodel.get("flavors") if isinstance(mlmodel, dict) else None
            flavor = flavors.get("sklearn") if isinstance(flavors, dict) else None
            if not isinstance(flavor, dict):
                flavor = {}
            if not isinstance(flavors, dict):
                raise ModelIntegrityError(
                    f"refusing to load the logged model of {name} v{version}: its MLmodel file holds no "
                    "mapping of flavors (changed after training); retrain the version"
                )
            if flavor.get("serialization_format") != "skops":
                raise ModelIntegrityError(
                    f"refusing to load the logged model of {name} v{version}: it is serialised as "
                    f"{flavor.get('serialization_format')!r}, not skops (ctloop never unpickles a "
                    "logged model)"
                )
            tag = TAG_LOGGED_MODEL_SHA256
            tags = self._run_tags(mv.run_id)
            return load_verified(
                local / str(flavor.get("pickled_model") or "model.skops"),
                tags.get(tag, ""),
                recorded_in=f"{name} v{version}'s run {mv.run_id} tag {tag}",
                trusted=_declared(tags),
            )

    def download_joblib(self, name: str, version: str, dst: str) -> Path:
        """Download the version's ``model.joblib`` into ``dst`` and check its sha256 against the
        run tag; returns its path. A file that fails the check is deleted, never returned.

        When training recorded one, the version's ``model.skops`` (what the ctloop runtime serves)
        is fetched and checked beside it. Each verified file gets a receipt ``<file>.sha256``,
        from which ``ctloop.serving.validate.validate_export`` checks it again in its child.
        """
        from ctloop.artifacts import MODEL_FILE, SKOPS_FILE
        from ctloop.tracking import TAG_JOBLIB_SHA256, TAG_SKOPS_SHA256

        mv = self._trained_version(name, version)
        tags = self._run_tags(mv.run_id)
        path = self._download_verified(
            mv, MODEL_FILE, tags.get(TAG_JOBLIB_SHA256, ""), TAG_JOBLIB_SHA256, dst
        )
        if tags.get(TAG_SKOPS_SHA256):
            self._download_verified(mv, SKOPS_FILE, tags[TAG_SKOPS_SHA256], TAG_SKOPS_SHA256, dst)
        return path

    def _download_verified(
        self, mv: ModelVersion, filename: str, expected: str, tag: str, dst: str
    ) -> Path:
        from ctloop.artifacts import read_verified, write_receipt
        from ctloop.tracking import JOBLIB_ARTIFACT_DIR

        path = self._download(mv.run_id, f"{JOBLIB_ARTIFACT_DIR}/{filename}", dst)
        try:
            read_verified(
                path, expected, recorded_in=f"{mv.name} v{mv.version}'s run {mv.run_id} tag {tag}"
            )
        except ModelIntegrityError:
            path.unlink(missing_ok=True)
            raise
        write_receipt(path, expected)
        return path

    def serving_sha256(self, name: str, version: str) -> str:
        """The sha256 the ctloop serving runtime must find in the version's serving directory:
        of ``model.skops``, or of ``model.joblib`` for versions trained before the skops copy.
        The InferenceService carries it (``ctloop.serving.isvc.SHA256_ANNOTATION``)."""
        from ctloop.tracking import TAG_JOBLIB_SHA256, TAG_SKOPS_SHA256

        mv = self._trained_version(name, version)
        tags = self._run_tags(mv.run_id)
        sha = tags.get(TAG_SKOPS_SHA256) or tags.get(TAG_JOBLIB_SHA256) or ""
        if not sha:
            raise ModelIntegrityError(
                f"{name} v{version}: its run {mv.run_id} has neither {TAG_SKOPS_SHA256} nor "
                f"{TAG_JOBLIB_SHA256}, so "
                "the serving runtime could not verify the model; register models trained by "
                "ctloop's train_model"
            )
        return sha

    def model_artifact_uri(self, name: str, version: str) -> str:
        """The storage location of a version's serving directory (a KServe ``storageUri``)."""
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import JOBLIB_ARTIFACT_DIR

        mv = self._trained_version(name, version)
        try:
            root = self.client.get_run(mv.run_id).info.artifact_uri.rstrip("/")
        except MlflowException as exc:  # was raised as it came: no ctloop error, a rollback stopped on it
            if _is_not_found(exc):
                raise RegistryGone(
                    f"{name} v{mv.version}: its training run {mv.run_id} is gone (deleted and collected: mlflow gc), "
                    "so its serving location is unknown; ctloop reads a version's model from the run train_model "
                    "logged") from exc
            raise RegistryError(f"cannot read training run {mv.run_id} of {name} v{mv.version}: {exc}") from exc
        return f"{root}/{JOBLIB_ARTIFACT_DIR}"

    def load_reference(self, name: str, version: str) -> pd.DataFrame:
        """The training reference sample of a version, for drift detection."""
        import pandas as pd

        from ctloop.tracking import REFERENCE_ARTIFACT_DIR, REFERENCE_FILE

        mv = self._trained_version(name, version)
        artifact = f"{REFERENCE_ARTIFACT_DIR}/{REFERENCE_FILE}"
        with tempfile.TemporaryDirectory() as tmp:
            path = self._download(mv.run_id, artifact, tmp)
            try:
                return pd.read_parquet(path)
            except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise ModelIntegrityError(
                    f"{name} v{mv.version}: its reference sample (run {mv.run_id} artifact {artifact}) is "
                    f"not readable Parquet ({one_line(str(exc))[:200]}): it was changed after training; "
                    "retrain the version") from exc

    # ------------------------------------------------------------------ writes
    def register(
        self, name: str, *, model_uri: str, run_id: str, tags: dict[str, Any], registration_id: str = ""
    ) -> ModelVersion:
        """Register ``model_uri`` as a new version of ``name`` and point ``challenger`` at it.

        First finishes whatever a crashed promotion of ``name`` left, if the lock is free.
        ``registration_id``: what identifies this registration in every attempt of one pipeline task
        (``ctloop.components.register.core.registration_id``; tag :data:`TAG_REGISTRATION_ID`). A version
        of ``name`` already tagged with it is a retried task's own: it is finished (read back, aliased),
        not registered again (was: a random id per call, so a task retried after its ``record_event``
        failed made a second version). Empty: a random id, one registration per call.
        """
        from mlflow.exceptions import MlflowException

        check_model_name(name)
        if not model_uri:
            raise ConfigError(
                "register needs the model URI logged by train_model (got an empty one)"
            )
        if registration_id and not re.fullmatch(r"[0-9a-f]{32}", registration_id):
            # it is written into a search filter (_one_registration): a hex digest, as both sources make it
            raise ConfigError(f"registration id {registration_id!r}: 32 lowercase hex digits "
                              "(ctloop.components.register.core.registration_id)")
        self._repair_if_free(name)
        registration = registration_id or uuid.uuid4().hex
        earlier: list[int] = []
        if registration_id:
            try:
                earlier = self._registered(name, registration)
            except (MlflowException, RegistryError) as exc:  # created below; _one_registration keeps the oldest
                log.warning("ctloop: cannot look for an earlier attempt's version of %s (registration %s): %s",
                            name, registration, one_line(str(exc))[:300])
        if earlier:  # this task's own version, made by an attempt that failed after registering it
            version = self._one_registration(name, registration, str(earlier[0]))
            mine = self.get_version(name, version)
            decided = _decided_since(mine)
            if decided:  # a "Retry run" after an operator approved/promoted/rolled back the version: keep all
                log.warning("ctloop: %s v%s, this task's registration, was decided since (%s): not registered "
                            "again, nothing changed", name, version, decided)
                return replace(mine, decided_since=decided)
            log.warning("ctloop: %s v%s is this task's registration %s, made by an earlier attempt: finished, "
                        "not registered again", name, version, registration)
        else:
            clean = {**{k: tag_value(v) for k, v in tags.items()}, TAG_REGISTRATION_ID: registration}
            try:
                mv = self._create_version(name, model_uri, run_id, clean)
            except MlflowException as exc:  # mlflow.register_model: MLflow's own client
                from ctloop.tracking import refused_credentials

                _hide_password(exc, self.tracking_uri)
                raise RegistryError(refused_credentials(exc, self.tracking_uri, "register_model")
                                    or f"cannot register {model_uri} as model {name!r}: {exc}") from exc
            version = self._one_registration(name, registration, str(mv.version))
        try:
            mv = self._wait_ready(name, version)
        except MlflowException as exc:  # was "cannot register", the version left registered with no alias
            _hide_password(exc, self.tracking_uri)
            cause = (RegistryGone if _is_not_found(exc) else RegistryError)(one_line(str(exc))[:300])
            raise self._unregistered(name, version, cause, failed="reading it back after its create") from exc
        except RegistryError as exc:  # FAILED_REGISTRATION, not READY in time: was left registered with no alias
            raise self._unregistered(name, version, exc, failed="reading it back after its create") from exc
        try:
            self._point_challenger(name, int(mv.version))
        except RegistryError as exc:  # was "cannot register", the version left registered with no alias
            raise self._unregistered(name, str(mv.version), exc) from exc
        if run_id and mv.run_id and mv.run_id != run_id:
            raise RegistryError(
                f"registered version {mv.version} belongs to run {mv.run_id}, expected {run_id}"
            )
        return self.get_version(name, str(mv.version))

    def _one_registration(self, name: str, registration: str, version: str) -> str:
        """The one version of registration ``registration`` (tag ``ctloop.registration_id``): MLflow's
        client retries a ``model-versions/create`` answered 5xx or cut after the server applied it
        (mlflow 3.17.2 ``utils/request_utils.py``: every method, POST too), which leaves two versions
        of one registration. The oldest is kept, the others deleted or, when that cannot be, tagged."""
        from mlflow.exceptions import MlflowException

        try:
            made = self._registered(name, registration)
        except (MlflowException, RegistryError) as exc:  # no tag search (or refused): the version answered
            log.warning("ctloop: cannot check %s v%s for a retried registration: %s", name, version, exc)
            return version
        for extra in made[1:]:
            self._drop_copy(name, str(extra), str(made[0]), registration)
        return str(made[0]) if made else version

    def _registered(self, name: str, registration: str) -> list[int]:
        """The versions of ``name`` tagged registration ``registration``, oldest first."""
        search = f"{_name_filter(name)} and tags.`{TAG_REGISTRATION_ID}` = '{registration}'"
        return sorted(int(mv.version) for mv in self.client.search_model_versions(search) if mv.name == name)

    def _drop_copy(self, name: str, extra: str, kept: str, registration: str) -> None:
        """Delete ``extra``, a retried create's copy of ``kept``; never fail the registration for it.
        A copy an alias points at (a concurrent register's ``challenger``: deleting a version drops
        its aliases, mlflow 3.17.2 ``store/model_registry/sqlalchemy_store.py``) and a copy the
        server refuses to delete (EDIT lacks ``can_delete``, ``server/auth/permissions.py``) stay,
        tagged :data:`TAG_DUPLICATE_OF`."""
        from mlflow.exceptions import MlflowException

        why = ""
        try:
            held = sorted(a for a, v in self.aliases(name).items() if v == extra)
            if held:
                why = f"alias {', '.join(held)} points at it"
            else:
                self.client.delete_model_version(name, extra)
                log.warning("ctloop: deleted %s v%s, a second copy of registration %s (a retried create) of v%s",
                            name, extra, registration, kept)
                return
        except (MlflowException, RegistryError) as exc:
            why = f"cannot delete it: {one_line(str(exc))[:300]}"
        log.warning("ctloop: %s v%s is a second copy of registration %s (a retried create) of v%s, kept (%s); "
                    "tagged %s=%s", name, extra, registration, kept, why, TAG_DUPLICATE_OF, kept)
        try:
            self.client.set_model_version_tag(name, extra, TAG_DUPLICATE_OF, kept)
        except (MlflowException, RegistryError) as exc:
            log.warning("ctloop: cannot tag %s v%s %s=%s: %s", name, extra, TAG_DUPLICATE_OF, kept,
                        one_line(str(exc))[:300])

    def _unregistered(self, name: str, version: str, exc: RegistryError,
                      failed: str = f"pointing alias {CHALLENGER!r} at it") -> RegistryError:
        """The error of a registration whose ``version`` was made but could not be aliased
        ``challenger``, or read back (``failed``, ``exc``): the version is deleted again, so the registry is as before the
        step and a retried step registers once (was: left with no alias, and a retry registered the
        model again), unless an alias points at it (a concurrent register's: kept) or the delete
        fails (said; a delete answered not found: the version is gone, nothing registered).
        RegistryGone when the version or the model is gone meanwhile."""
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import hide_password

        try:
            held = sorted(a for a, v in self.aliases(name).items() if v == version)
            if held:
                left = f"v{version} kept: alias {', '.join(held)} points at it"
            else:
                self.client.delete_model_version(name, version)
                left = f"v{version} deleted again, nothing registered: run the step again"
        except (MlflowException, RegistryError) as again:
            left = (f"v{version} is gone, nothing registered: run the step again"  # the delete: not found
                    if isinstance(again, MlflowException) and _is_not_found(again) else
                    f"v{version} left registered without the alias (not deleted: "
                    f"{one_line(hide_password(str(again), self.tracking_uri))[:300]}): delete it or point the alias")
        cls = RegistryGone if isinstance(exc, RegistryGone) else RegistryError
        return cls(f"model {name!r} v{version}: {failed} failed "
                   f"({one_line(hide_password(str(exc), self.tracking_uri))[:300]}); {left}")

    def _point_challenger(self, name: str, mine: int, done: str = "", memo: dict[str, Any] | None = None) -> bool:
        """``challenger`` → the newest READY version (at least ``mine``). Aliases are last-writer-wins
        and a promotion may hold the lock for minutes, so two runs registering at once are settled by
        reading back: whoever sees the alias behind the newest ready version moves it forward, and
        a late write of an older version is corrected by the run that wrote it. Every page of the
        versions is read (:meth:`_search_versions`; was: the first, in MLflow's default order).
        MLflow refusing the write is a RegistryError (RegistryGone: the version or model is gone),
        never MLflow's own exception; only a newer version's write answered not found (a concurrent
        run's, deleted meanwhile) is said and the versions read again without it (was: raised, and
        register deleted this run's healthy version for it; then any refusal of it skipped). Three
        such passes after which the alias (read once more) is not on this run's version or a newer
        live one are a RegistryError. A newer version's write refused as busy (a 503 or 429 MLflow's
        client retried :data:`ctloop.tracking.HTTP_ENV`'s ``MLFLOW_HTTP_REQUEST_MAX_RETRIES`` times:
        :func:`_transient`) is not written again; the versions are read again: that version gone (its run
        failed and deleted it), the alias falls back to this run's; its run done, the alias is on it. Only
        while it still exists is the alias left to the run that made it, said in one warning line (was: the
        first busy write returned, and a newer version deleted afterwards left this run's version with no
        alias, its audit record saying "challenger"; before round 53: raised, and register deleted this
        run's version for someone else's busy write). ``done``: what the warning says was done before. False
        when no version is a target (``mine`` never challenger, :func:`_never_challenger`, none newer that may be
        one; was: the newest READY version, the champion or one never gated or rejected too): the alias is left as it is
        (was: ``mine`` written regardless, over a concurrent rollback's removal). ``memo``: :meth:`_alias_champions`'."""
        from mlflow.exceptions import MlflowException

        memo = {} if memo is None else memo
        refused: set[str] = set()
        busy: dict[str, Exception] = {}
        for _ in range(3):
            found = [mv for mv in self._search_versions(name) if mv.name == name and str(mv.version).isdigit()]
            aliases = self.aliases(name)
            # never challenger (_never_challenger): the champion, a version never gated or rejected, rolled back, a copy
            ever = self._alias_champions(name, found, aliases.get(CHAMPION, ""), mine, memo)
            copies = _never_challenger(found, aliases.get(CHAMPION), ever)
            ready = [int(mv.version) for mv in found if str(mv.version) not in copies
                     and str(mv.version) not in refused and int(mv.version) > mine]
            # ``mine`` too unless rolled back meanwhile (was: counted always, and drop_challenger's newer version
            # given the alias a concurrent rollback had just taken off it); none left: the alias stays unset
            targets = [*ready, *([] if str(mine) in copies else [mine])]
            if not targets:
                # an earlier pass's write may have landed on a version rolled back since (its rollback read
                # the alias before that write and left it): taken off again (was: left there, "unset" said)
                if aliases.get(CHALLENGER) in copies:
                    self.client.delete_registered_model_alias(name, CHALLENGER)
                return False
            target = max(targets)
            current = aliases.get(CHALLENGER)
            if current is not None and current.isdigit() and int(current) >= target and current not in copies:
                return True
            if str(target) in busy:  # busy once and still there: its run writes it
                break
            try:
                self.client.set_registered_model_alias(name, CHALLENGER, str(target))
            except MlflowException as exc:  # its password hidden by _Client
                if target != mine and _is_not_found(exc):  # a concurrent run's version, deleted meanwhile
                    log.warning("ctloop: cannot point alias %s of %s at v%s (a newer version than this run's v%s): "
                                "%s; reading the versions again", CHALLENGER, name, target, mine,
                                one_line(str(exc))[:300])
                    refused.add(str(target))
                    continue
                if target != mine and _transient(exc):  # a busy server, after MLflow's own retries
                    busy[str(target)] = exc  # read again (was: returned, the alias perhaps never written)
                    continue
                # any other refusal (a 403; this run's own version's 503) is raised (was: a newer version's
                # skipped, and this run's older version written over a concurrent run's newer READY one)
                raise (RegistryGone if _is_not_found(exc) else RegistryError)(one_line(str(exc))[:300]) from exc
        # the third pass's write succeeded, or a concurrent run moved the alias on: nothing to raise. The
        # versions read again: the one written may have been rolled back since that pass read them
        now = self.aliases(name)
        current = now.get(CHALLENGER)
        found = [mv for mv in self._search_versions(name) if mv.name == name]
        ever = self._alias_champions(name, found, now.get(CHAMPION, ""), mine, memo)
        copies = _never_challenger(found, now.get(CHAMPION), ever)
        if current is not None and current.isdigit() and int(current) >= mine and current not in refused | copies:
            return True
        if busy:
            live = {str(mv.version) for mv in self._search_versions(name) if mv.name == name}
            left = sorted((v for v in busy if v in live), key=int)
            if left:  # its run may still write it
                log.warning(_left_to_the_newer_run(name, mine, int(left[-1]), busy[left[-1]], done))
                return True
        # was: returned with no alias written and no error
        gone = f"v{', v'.join(sorted(refused, key=int))} each gone when written" if refused else ""
        since = (f"v{', v'.join(sorted(busy, key=int))} busy when written, gone since" if busy else "")
        # neither: where the alias is (was: nothing, the line ending in ": ")
        now = "" if gone or since else (f"alias now v{current}" + (" (rolled back or a retried create's copy)"
                                                                   if current in copies else "")
                                        if current else "alias unset")
        raise RegistryError(f"model {name!r}: alias {CHALLENGER!r} not pointed at v{mine} or a newer version: "
                            + "; ".join(t for t in (gone, since, now) if t))

    def drop_challenger(self, name: str, version: str, rolled_back_before: bool | None = None) -> str:
        """Alias ``challenger`` off ``version``, whose canary was rolled back (tagged
        :data:`TAG_ROLLOUT_STATUS` first, so no register points it back); returns what was done, for
        the rollback's audit record. Removed, not moved: every older version the gate passed was
        promoted or passed over, so none is the newest that passed, and a reader of the alias
        (``ctloop score --alias challenger``, a shadow deployment) would get a model nobody chose
        for it. Left alone when it names another version (a newer one a concurrent run registered).
        Aliases are last-writer-wins: a register writing it between the read and the delete would
        lose it, so the versions are read again after the delete and a newer one that may be challenger
        (:func:`_never_challenger`) gets it back (:meth:`_point_challenger`). Also called for a rejected version
        (``ctloop reject``) and a new champion (:meth:`_complete`). ``rolled_back_before``: whether the version was tagged rolled back
        (or held, or refused: :data:`ROLLBACK_TRIED`) before this rollback tagged it (read from its tags when not given; was:
        a refusal not counted, and the rollback completing it said "v2 was not challenger" of a version that was)."""
        from mlflow.exceptions import MlflowException

        version = check_model_version(version)  # compared with the alias' version as MLflow writes it
        if rolled_back_before is None:
            rolled_back_before = (self.get_version(name, version).tags or {}).get(TAG_ROLLOUT_STATUS) in ROLLBACK_TRIED
        aliases = self.aliases(name)
        current = aliases.get(CHALLENGER)
        if current == version:
            try:
                self.client.delete_registered_model_alias(name, CHALLENGER)
            except MlflowException as exc:
                raise RegistryError(f"cannot remove alias {CHALLENGER!r} of {name!r} from v{version}: {exc}") from exc
        elif current:
            return f"on v{current}, not v{version}: left"
        elif rolled_back_before:
            # rolled back before (or by this rollback's own attempt before, its record not written:
            # KFP retries the step): whether it ever was challenger is not known any more
            return f"not on v{version} (already removed, or never set)"
        else:
            return f"not set (v{version} was not challenger)"
        try:  # the alias is off v{version} now: an error past this point is not "not removed"
            found = [mv for mv in self._search_versions(name) if mv.name == name and str(mv.version).isdigit()]
            memo: dict[str, Any] = {}  # the promotion records read once for both (was: once per pass)
            ever = self._alias_champions(name, found, aliases.get(CHAMPION, ""), int(version), memo)
            never = _never_challenger(found, aliases.get(CHAMPION), ever)
            # (was its own test: the champion, a version never gated or rejected got the alias)
            newer = [int(mv.version) for mv in found
                     if int(mv.version) > int(version) and str(mv.version) not in never]
            if not newer:
                return f"removed from v{version}"
            if not self._point_challenger(name, max(newer), done=f"alias {CHALLENGER!r} of {name} is removed from "
                                                                 f"v{version}", memo=memo):
                return (f"removed from v{version}; unset: v{max(newer)}, newer, may not be challenger any more (rolled "
                        "back, rejected or promoted meanwhile, or a retried create's copy)")
            now = self.aliases(name).get(CHALLENGER)
        except (MlflowException, RegistryError) as exc:  # was raised as it came: the rollback's record was never written
            raise RegistryError(f"alias {CHALLENGER!r} removed from v{version}, but pointing it at a newer version "
                                f"failed: {exc}") from exc
        if not now:  # a newer version's write busy, left to its run (was: "a newer version, v?, is challenger")
            return (f"removed from v{version}; unset: a newer version, v{max(newer)} or later, could not be made "
                    "challenger (the server was busy); its run points it, else set it in the MLflow UI")
        return f"removed from v{version}; a newer version, v{now}, is challenger"

    def record_serving_validation(self, name: str, version: str, *, valid: bool, reason: str,
                                  pipeline_run: str = "") -> str:
        """``validate_serving``'s verdict on ``version``, in the registry: tagged :data:`TAG_SERVING_VALIDATION`
        (``passed`` or ``failed``), its reason and pipeline run written first and the verdict last (was: the verdict
        first, and a write failing after it left a verdict beside the reason of the validation before). A version that
        failed loses alias ``challenger`` (:meth:`drop_challenger`, after the tag, so no register points it back
        meanwhile) and is never challenger again (:func:`_never_challenger`) until a validation of it passes (a
        rollout of it run again with a serving image that loads it); one that passes after a failure gets the alias
        back if the rule lets it (:meth:`_point_challenger`: it, or a newer version that may be challenger; was: left
        unset, though the failure may have been transient, a validation killed by the OOM killer). The audit record
        ``validate_serving`` says what became of the alias (``challenger_alias``, as a rollback's). An MLflow error
        moving the alias is recorded (``challenger_alias: error: ...``), then raised, as
        ``serving.release._record_rollback`` does (was: raised before the record, and the retry, finding the alias
        gone, said "already removed": what removed it was never recorded). Returns that line ("" when the alias
        was not touched)."""
        from mlflow.exceptions import MlflowException

        version = check_model_version(version)
        before = (self.get_version(name, version).tags or {}).get(TAG_SERVING_VALIDATION)
        self.set_tags(name, version, {f"{TAG_SERVING_VALIDATION}.reason": reason,
                                      f"{TAG_SERVING_VALIDATION}.pipeline_run": pipeline_run,
                                      TAG_SERVING_VALIDATION: SERVING_VALID if valid else SERVING_INVALID})
        alias, failed, failed_cause = "", None, None
        try:
            if not valid:
                alias = self.drop_challenger(name, version, rolled_back_before=before == SERVING_INVALID)
            elif before is not None and self.aliases(name).get(CHALLENGER) != version:
                # validated before and without the alias: failed before, or passed by an attempt of this task whose
                # alias write failed after its verdict (a KFP retry; was: restored only after "failed", and the
                # retry, reading "passed", left the alias unset)
                alias = self._challenger_back(name, version)
        except (MlflowException, RegistryError) as exc:
            # what was moved, on which model, and when (was: MLflow's bare text, "503")
            failed, failed_cause = RegistryError(f"moving alias {CHALLENGER!r} of {name!r} after the serving "
                                                 f"validation of v{version}: {one_line(str(exc))[:300]}"), exc
            alias = f"error: {failed}"
        self.record_event(name, version, {"event": "validate_serving", "valid": valid, "reason": reason,
                                          "pipeline_run": pipeline_run,
                                          **({"challenger_alias": alias} if alias else {})})
        if failed is not None:
            raise failed from failed_cause
        return alias

    def _challenger_back(self, name: str, version: str) -> str:
        """Alias ``challenger`` after ``version``, tagged failed before, passed its serving validation: pointed by
        the rule (:meth:`_point_challenger`), said for the audit record."""
        if not self._point_challenger(name, int(version), done=f"v{version} passed its serving validation"):
            now = self.aliases(name).get(CHALLENGER)
            return (f"not set: v{version} may not be challenger (older than a champion, rolled back, rejected or "
                    "promoted)" + (f"; on v{now}" if now else ""))
        now = self.aliases(name).get(CHALLENGER)
        return f"set on v{now}" if now == version else f"on v{now}, newer than v{version}"

    def run_notes(self, name: str, aliases: dict[str, str]) -> list[str]:
        """For ``ctloop registry status``: the champion and the rollback target (``aliases``, as read) whose training
        run is deleted (in MLflow's trash) or gone, or whose experiment is deleted, one note each with the way out
        (:meth:`refuse_deleted_run`'s reads; was: "consistent" and nothing said, while ``mlflow gc`` removes the model
        files, meta and reference sample ctloop reads from that run to deploy, roll back and detect drift)."""
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import (
            JOBLIB_ARTIFACT_DIR,
            TAG_JOBLIB_SHA256,
            restore_command,
            restore_run_command,
        )

        out = []
        for alias in (CHAMPION, PREVIOUS_CHAMPION):
            version = aliases.get(alias, "")
            if not version:
                continue
            where = f"{alias} v{version}"
            try:
                mv = self.get_version(name, version)
                if not mv.run_id:
                    continue
                run = self.client.get_run(mv.run_id)
                info = run.info
                experiment = self.client.get_experiment(info.experiment_id)
            except (MlflowException, RegistryError) as exc:  # a note, never a failure of status: what it is, said
                # what is gone (was: "training run or experiment" for a version deleted too) and the way out for
                # this alias (was: "promote another version" for the rollback target as well, which leaves it)
                what = ("the version is deleted from the registry" if isinstance(exc, RegistryGone) else
                        "its training run or its experiment was deleted for good (mlflow gc)")
                way = ("ctloop cannot redeploy it or detect drift against it; promote another version"
                       if alias == CHAMPION else
                       f"a rollback to it fails; set alias {PREVIOUS_CHAMPION} on another former champion in the "
                       "MLflow UI, or the next promotion replaces it")
                out.append(f"{where}: {what}: {way}" if isinstance(exc, RegistryGone) or _is_not_found(exc)
                           else f"{where}: cannot read its training run: {one_line(str(exc))[:300]}")
                continue
            trash = ("(in MLflow's trash, which mlflow gc empties with the model files ctloop reads to deploy, roll "
                     "back and detect drift)")
            if experiment.lifecycle_stage == "deleted":
                out.append(f"{where}: the experiment {experiment.name!r} of its training run {mv.run_id} is deleted "
                           f"{trash}; restore it (`{restore_command(self.tracking_uri, experiment.experiment_id)}`)")
            elif info.lifecycle_stage == "deleted":
                out.append(f"{where}: its training run {mv.run_id} is deleted {trash}; restore it "
                           f"(`{restore_run_command(self.tracking_uri, mv.run_id)}`)")
            elif TAG_JOBLIB_SHA256 in run.data.tags:  # its serving files still where training put them (was: unread)
                served = f"{str(info.artifact_uri).rstrip('/')}/{JOBLIB_ARTIFACT_DIR}"
                try:
                    files = self.client.list_artifacts(mv.run_id, JOBLIB_ARTIFACT_DIR)
                except (MlflowException, OSError) as exc:
                    out.append(f"{where}: cannot list its model files ({served}): {one_line(str(exc))[:300]}")
                    continue
                if not files:
                    way = ("ctloop cannot redeploy it; restore them from a backup or promote another version"
                           if alias == CHAMPION else
                           f"a rollback to it fails; restore them from a backup, or set alias {PREVIOUS_CHAMPION} on "
                           "another former champion in the MLflow UI")
                    out.append(f"{where}: its model files ({served}) are gone: the run's artifact store no longer "
                               f"holds what training logged (removed from storage since?); {way}")
        return out

    def challenger_notes(self, name: str, aliases: dict[str, str]) -> list[str]:
        """Why the versions newer than the champion and than alias ``challenger`` (``aliases``, as read) do not hold
        the alias (``ctloop registry status``: the newest version without the alias read as one a registration had
        failed to point it at): a failed serving validation (the tag; a pass writes ``passed`` itself), named by its
        newest failing record (:meth:`_failing_validations`), with the ways out (was: "a validation that passes lifts
        that", which one by a rollout compiled before round 56 never did), or passed over when a newer version was
        champion (:meth:`newest_champion`), naming it and the override."""
        from ctloop.tracking import display_uri

        champion = aliases.get(CHAMPION, "")
        floor = max([int(v) for v in (champion, aliases.get(CHALLENGER, "")) if v.isdigit()] or [0])
        found = [mv for mv in self._search_versions(name)
                 if mv.name == name and str(mv.version).isdigit() and int(mv.version) > floor]
        if not found:
            return []
        others = _never_challenger(found, champion)  # every reason but a former champion's
        failing = self._failing_validations(name, [str(mv.version) for mv in found
                                                   if (mv.tags or {}).get(TAG_SERVING_VALIDATION) == SERVING_INVALID])
        newest = _newest(self.champions_ever(name, champion))
        out = []
        for mv in found:
            tags = mv.tags or {}
            if tags.get(TAG_SERVING_VALIDATION) == SERVING_INVALID:
                # the run and reason of the newest failing record (was: the tags, written before the verdict: a later
                # validation whose verdict write failed left its run and reason beside the old verdict)
                run, why = failing.get(str(mv.version)) or (
                    tags.get(f"{TAG_SERVING_VALIDATION}.pipeline_run") or "?",
                    f"(no audit record of a failing validation: the reason tag, "
                    f"{tags.get(f'{TAG_SERVING_VALIDATION}.reason', '')!r}, may be a later validation's whose verdict "
                    "was not written)")
                out.append(f"v{mv.version} is never challenger: its serving validation failed (pipeline run {run}): "
                           f"{why}; a validation of it that passes "
                           "(a rollout of it run again, compiled in round 56 or later) lifts that; to lift it by hand: "
                           f"`mlflow.MlflowClient({display_uri(self.tracking_uri)!r}).delete_model_version_tag("
                           f"{name!r}, {str(mv.version)!r}, "
                           f"{TAG_SERVING_VALIDATION!r})`, then set alias {CHALLENGER} on it in the MLflow UI")
            elif newest is not None and int(mv.version) < newest and str(mv.version) not in others:
                out.append(f"v{mv.version} is never challenger: it was passed over when v{newest}, newer, was champion "
                           f"(a rollback made v{champion or '?'} champion again; v{mv.version} was never compared with "
                           f"v{newest}); to release it anyway (moves all traffic, no canary): "
                           "`ctloop rollout promote --isvc ... --namespace ... "
                           f"{shell_option('--model-name', name)} --version {mv.version} --reason ...`")
        return out

    def _failing_validations(self, name: str, versions: list[str]) -> dict[str, tuple[str, str]]:
        """``(pipeline run, reason)`` of the newest failing ``validate_serving`` record of each of ``versions`` that
        has one, for the status note only: one filtered search per version (the alias rule reads the tag alone; was:
        these records read per failed version on every register, to find a pass of the same run that could not be
        there: a pass writes the tag before its record)."""
        if not versions:
            return {}
        experiment = self._audit_experiment(name)
        if experiment is None:  # no audit experiment: no record to name
            return {}
        out = {}
        for version in versions:
            records = self._audit_records(name, _once(self._search_audit(
                name, f"tags.`{AUDIT_PREFIX}event` = 'validate_serving' AND "
                      f"tags.`{AUDIT_PREFIX}version` = '{version}'", experiment=experiment)))
            fails = [r for r in records if r.get("valid") == "False"]
            if fails:
                out[version] = (fails[-1].get("pipeline_run", "") or "?", fails[-1].get("reason", ""))
        return out

    def _create_version(self, name: str, model_uri: str, run_id: str, tags: dict[str, str]) -> Any:
        """``mlflow.register_model`` through this registry's own client (not the global URI)."""
        from mlflow.exceptions import MlflowException

        try:
            self.client.create_registered_model(name)
        except MlflowException as exc:
            if not _already_exists(exc):
                raise
        model_id = model_uri[len("models:/") :] if model_uri.startswith("models:/m-") else None
        if model_id is None:  # runs:/ and friends: MLflow resolves them (through the global URI)
            import mlflow

            from ctloop.tracking import configure

            configure(self.tracking_uri)
            return mlflow.register_model(model_uri, name, tags=tags)
        return self.client.create_model_version(
            name, model_uri, run_id=run_id or None, tags=tags, model_id=model_id
        )

    def _wait_ready(self, name: str, version: str, timeout_s: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while True:
            mv = self.client.get_model_version(name, version)
            status = str(mv.status)
            if status.endswith("READY"):
                return mv
            if status.endswith("FAILED_REGISTRATION"):
                raise RegistryError(
                    f"registration of {name} v{version} failed: {mv.status_message}"
                )
            if time.monotonic() > deadline:
                raise RegistryError(
                    f"{name} v{version} not READY after {timeout_s:.0f} s (status {status})"
                )
            time.sleep(0.5)

    def set_tags(self, name: str, version: str, tags: dict[str, Any]) -> None:
        from mlflow.exceptions import MlflowException

        try:
            for key, value in tags.items():
                self.client.set_model_version_tag(name, str(version), key, tag_value(value))
        except MlflowException as exc:
            raise RegistryError(f"cannot tag {name} v{version}: {exc}") from exc

    def set_alias(self, name: str, alias: str, version: str) -> None:
        """Point ``alias`` at ``version`` and read it back (aliases are last-writer-wins); ``version`` as
        :func:`check_model_version` reads it."""
        from mlflow.exceptions import MlflowException

        version = check_model_version(version)

        try:
            self.client.set_registered_model_alias(name, alias, str(version))
        except MlflowException as exc:
            raise RegistryError(
                f"cannot set alias {alias!r} of {name!r} to v{version}: {exc}"
            ) from exc
        now = self.get_alias(name, alias)
        if now is None or now.version != str(version):
            raise RegistryError(
                f"alias {alias!r} of {name!r} reads back as "
                f"{now.version if now else 'unset'} after setting it to {version}: another writer "
                "moved it concurrently; run one pipeline per model (max_concurrency=1)"
            )

    # ------------------------------------------------------------------ promotion
    def promote(
        self, name: str, version: str, *, reason: str, pipeline_run: str = "",
        then: Callable[[], None] | None = None, gate_champion: str | None = None, service: str | None = None,
    ) -> str | None:
        """Make ``version`` the champion (module docstring: the protocol); returns the version it
        replaced (or None).

        Idempotent: promoting the current champion again writes nothing new and returns the
        version its promotion replaced, so a retried pipeline step gets the same answer. Raises
        RegistryError when it cannot tell that the promotion committed; ``champion()`` then tells.
        ``version`` as :func:`check_model_version` reads it (``" 2\n"`` is v2; was: MLflow moved the alias to
        v2, the read-back compared it with ``" 2\n"`` and aborted the promotion with the alias moved); any
        other text is a ConfigError before anything is written. ``then``: called under the lock once
        ``version`` is champion (``ctloop approve`` clears ``pending-approval`` there: outside the lock, a
        newer version's request written between its read of the alias and its delete was deleted with it).
        ``gate_champion`` (a gate-driven promotion: the champion its gate compared ``version`` with, "" for none):
        refused under the lock, nothing written, when another version is champion now (:meth:`refuse_champion_changed`;
        ``service``, its InferenceService or "" for none, fits the refusal's way out; None: not known).
        """
        version = check_model_version(version)
        self.refuse_deleted_run(name, version)  # fails clearly if it does not exist, or its run is deleted
        with self._locked(name):
            # the audit experiment as the settle read it under the lock (was: read again)
            _, _, experiment = self._settled(name)
            # again under the lock: the version may have been deleted while this waited for it (up to
            # lock_timeout_s), and an intent for it was left pending with a champion alias that cannot move
            target = self.get_version(name, version)
            self.refuse_deleted_run(name, version, mv=target)  # deleted while this waited: refused before the intent
            # the champion read again after the settle, not taken from its inspect: a promotion
            # stalled past its lease there while a waiter broke the lock and promoted recorded the
            # champion from before that promotion as the one it replaced (rollback skipped that one)
            champion = self.get_alias(name, CHAMPION)
            current = champion.version if champion is not None else ""
            if gate_champion is not None:  # under the lock: no other promotion can come between this and the commit
                self.refuse_champion_changed(name, version, gate_champion, current=current, service=service)
            if current == version:
                mine = [
                    p for p in _counted(self._promotions(name), version) if p.version == version
                ]
                if then is not None:
                    then()
                return (mine[-1].previous or None) if mine else None
            intent = self._write_intent(name, version, current, reason, pipeline_run, experiment=experiment)
            self._commit(name, intent)
            try:
                # its tags as read under the lock: nothing but this promotion tags a version under it
                self._complete(name, intent, tags={version: target.tags})
            except RegistryError as exc:
                raise RegistryError(
                    f"promotion {intent.id} committed ({name} v{version} is champion) but "
                    "completing it failed: "
                    f"{exc}; `ctloop registry repair {shell_option('--model-name', name)}` or the next promotion "
                    "finishes it"
                ) from exc
            if then is not None:
                then()
        return intent.previous or None

    def refuse_champion_changed(self, name: str, version: str, gate_champion: str | None = None, *,
                                tags: dict[str, str] | None = None, current: str | None = None,
                                doing: str = "promoting", service: str | None = None) -> None:
        """Refuse, in one line, a gate-driven release of ``version`` when the champion now (``current``; the alias
        read when None) is neither ``version`` (a retry of a promotion that committed) nor ``gate_champion``, the
        champion this run's gate compared ``version`` with ("" for none), nor none: another run promoted it since (two
        continuous-training runs of one model at once), or it was set by hand. Was: promoted over it, a model never
        compared with it, recorded as replacing it with a reason about the other one, and neither run told.
        ``tags``: the version's, whose :data:`TAG_GATE_CHAMPION` is ``gate_champion``; none there, or None: no check
        (not a gate's version, or registered before round 58). The way out fits ``doing`` and ``service`` (the
        InferenceService, "" for a registry-only model, None when not known): an approval is rejected, not released by
        hand (that left it pending); releasing by hand is ``ctloop rollout promote``, which needs a service."""
        if tags is not None:
            gate_champion = tags.get(TAG_GATE_CHAMPION)
        if gate_champion is None:
            return
        if current is None:
            current = self.aliases(name).get(CHAMPION, "")
        version, judged = str(version), str(gate_champion or "")
        if current in ("", version, judged):  # none now (deleted since, say): it replaces no model unjudged
            return
        record = next((p for p in reversed(_counted(self._promotions(name), current)) if p.version == current), None)
        if record is None:
            now = f"v{current} (set outside ctloop: no promotion record names it)"
        else:
            by = f"by pipeline run {record.pipeline_run}" if record.pipeline_run else "outside a pipeline run"
            now = f"v{current} (promoted {by} at {record.at})"
        again = "run the pipeline again to gate a new version against the champion"
        if doing == "approving":
            out = (f"{again} (its version replaces v{version} as the one pending approval), or reject v{version}: "
                   f"`ctloop reject {shell_option('--model-name', name)} --version {version} --reason ...`")
        elif service is None or service:
            isvc = "--isvc ..." if service is None else shell_option("--isvc", service)
            out = (f"{again}, or release v{version} anyway (moves all traffic, no canary): `ctloop rollout promote "
                   f"{isvc} --namespace ... {shell_option('--model-name', name)} "
                   f"--version {version} --reason ...`")
        else:
            out = again
        raise RegistryError(
            f"not {doing} {name} v{version}: the champion is {now}, but v{version}'s gate compared it with "
            f"{'v' + judged if judged else 'no champion'}; nothing was changed; {out}")

    def _write_intent(
        self, name: str, version: str, previous: str, reason: str, pipeline_run: str,
        *, experiment: str | None = None,
    ) -> Promotion:
        """``experiment``: the audit experiment's id as this promotion read it under the lock (None: look it
        up, made if absent)."""
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import code_version

        stamp, pid = _now(), uuid.uuid4().hex
        tags = {
            f"{AUDIT_PREFIX}{k}": tag_value(v)
            for k, v in {
                "event": "promote",
                "model": name,
                "version": version,
                "previous_champion": previous,
                "reason": reason,
                "pipeline_run": pipeline_run,
                "at": stamp,
                "promotion_id": pid,
                "code_version": code_version(),
                "state": PENDING,
            }.items()
        }
        tags["mlflow.runName"] = f"promote-v{version}"
        experiment_id = experiment or self._audit_experiment(name, create=True)
        try:
            run = self.client.create_run(experiment_id, tags=tags)
        except MlflowException as exc:
            raise RegistryError(
                f"cannot write the intent record of promoting {name} v{version}: {exc}; "
                "nothing changed"
            ) from exc
        # a retried create left copies: the protocol writes to the one every reader keeps
        return Promotion.from_run(self._finish_copies(experiment_id, f"{AUDIT_PREFIX}promotion_id", pid, run,
                                                      finished=False))

    def _commit(self, name: str, intent: Promotion) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.set_registered_model_alias(name, CHAMPION, intent.version)
        except MlflowException as exc:
            if _is_not_found(exc):  # MLflow checks the version before it writes the alias: nothing moved
                self._abort(intent, f"v{intent.version} was deleted before the champion alias moved")
                raise RegistryError(
                    f"cannot promote {name} v{intent.version}: it was deleted during the promotion ({exc}); the "
                    "champion alias did not move and the promotion was aborted"
                ) from exc
            raise RegistryError(
                f"promotion {intent.id}: moving alias 'champion' of {name!r} to v{intent.version} "
                f"failed ({exc}); "
                f"whether it moved, `ctloop registry status {shell_option('--model-name', name)}` tells and "
                f"`ctloop registry repair {shell_option('--model-name', name)}` (or the next promotion) settles"
            ) from exc
        now = self.get_alias(name, CHAMPION)
        if now is None or now.version != intent.version:
            self._abort(
                intent, f"the champion alias read back as {now.version if now else 'unset'}"
            )
            raise RegistryError(
                f"alias 'champion' of {name!r} reads back as {now.version if now else 'unset'} "
                "right after "
                f"moving it to v{intent.version}: a writer outside ctloop's promotion lock moved "
                "it; the "
                "promotion was aborted"
            )

    def _complete(self, name: str, p: Promotion, *, tags: dict[str, dict[str, str]] | None = None) -> list[str]:
        """Bring every derived write of committed promotion ``p`` up to date; returns what it
        wrote. ``tags``: ``{version: its tags}`` as this call read them under the lock (read here
        otherwise)."""
        from mlflow.exceptions import MlflowException

        done: list[str] = []
        try:
            # the previous champion read once, whether it exists and its tags (was: two reads of it); once
            # deleted, its alias and tags have nowhere to be
            before = self._version_if_kept(name, p.previous)
            previous = p.previous if before is not None else ""
            aliases = self.aliases(name)
            back = aliases.get(PREVIOUS_CHAMPION)
            if aliases.get(CHALLENGER) == p.version and aliases.get(CHAMPION) == p.version:
                # the champion is no challenger (was: left on it, both aliases naming the model serving);
                # a newer version a concurrent register points it at meanwhile gets it back (drop_challenger)
                done.append(f"alias {CHALLENGER}: {self.drop_challenger(name, p.version, rolled_back_before=False)}")
            elif previous and aliases.get(CHALLENGER) == previous:
                # a champion set by hand while challenger, replaced now: champion before, never challenger (was: left
                # on it, and `ctloop score --alias challenger` scored the model just replaced)
                done.append(f"alias {CHALLENGER}: {self.drop_challenger(name, previous, rolled_back_before=False)}")
            elif self._challenger_was_champion(name, aliases, p.version, previous):
                # one further back (set by hand, or left by a promotion before round 57 and promoted past since):
                # the same rule (was: repaired on the previous champion only)
                done.append(f"alias {CHALLENGER}: "
                            f"{self.drop_challenger(name, aliases[CHALLENGER], rolled_back_before=False)}")
            if previous and back != previous:
                self.client.set_registered_model_alias(name, PREVIOUS_CHAMPION, previous)
                done.append(f"alias previous-champion -> v{previous}")
            elif not previous and back == p.version:
                # a promotion from nothing (the champion deleted, and its alias with it) of the version the alias
                # names: it was left on the champion itself (an "instant rollback" to the version serving)
                self.client.delete_registered_model_alias(name, PREVIOUS_CHAMPION)
                done.append(f"alias {PREVIOUS_CHAMPION} removed (it named the champion itself)")
            done += self._sync_tags(
                name, p.version, p.champion_tags(name), drop=(TAG_CHAMPION_UNTIL, TAG_SUPERSEDED_BY),
                have=(tags or {}).get(p.version),
            )
            if previous:
                # (a record naming its own version as the previous one: its tags were just written, read again)
                done += self._sync_tags(name, previous, p.superseded_tags(name),
                                        have=before.tags if previous != p.version else None)
            if p.state != COMMITTED:
                self.client.set_model_version_tag(name, p.version, TAG_LAST_EVENT, "promote")
                self.client.set_tag(p.run_id, AUDIT_STATE, COMMITTED)
                done.append("record committed")
            if not p.run_status.endswith("FINISHED"):
                self.client.set_terminated(p.run_id, status="FINISHED")
                done.append("record run finished")
        except MlflowException as exc:
            raise RegistryError(
                f"cannot complete promotion {p.id} of {name} v{p.version}: {exc}"
            ) from exc
        return done

    def _sync_tags(
        self, name: str, version: str, tags: dict[str, str], drop: tuple[str, ...] = (),
        have: dict[str, str] | None = None,
    ) -> list[str]:
        """``have``: the version's tags as this call read them (read here when None)."""
        if have is None:
            have = self.get_version(name, version).tags
        wrote, removed = [], []
        for key, value in tags.items():
            if have.get(key) != value:
                self.client.set_model_version_tag(name, version, key, value)
                wrote.append(key)
        for key in drop:
            if key in have:
                self.client.delete_model_version_tag(name, version, key)
                removed.append(key)
        return ([f"v{version} tags set: {', '.join(wrote)}"] if wrote else []) + (
            [f"v{version} tags removed: {', '.join(removed)}"] if removed else []
        )

    def _abort(self, p: Promotion, why: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.set_tag(p.run_id, AUDIT_PREFIX + "abort_reason", tag_value(why))
            self.client.set_tag(p.run_id, AUDIT_STATE, ABORTED)
            self.client.set_terminated(p.run_id, status="KILLED")
        except MlflowException as exc:
            raise RegistryError(f"cannot mark promotion {p.id} aborted: {exc}") from exc

    # ------------------------------------------------------------------ inspection and repair
    def inspect(self, name: str) -> RegistryState:
        """The registry's promotion state: the committed champion, what its completion still
        lacks, pending records that never committed, and the lock."""
        return self._inspect(name)[0]

    def _inspect(self, name: str) -> tuple[RegistryState, str | None]:
        """:meth:`inspect`, and the id of the audit experiment it read (None: there is none yet)."""
        aliases = self.aliases(name)
        champ = aliases.get(CHAMPION, "")
        experiment = self._audit_experiment(name)
        records = self._promotions(name, experiment=experiment) if experiment is not None else []
        counted = _counted(records, champ)
        promotion = (
            next((p for p in reversed(counted) if p.version == champ), None) if champ else None
        )
        confirmed = _confirmed_pending(records, champ)
        pending = [p for p in records if p.state == PENDING and p is not confirmed]
        incomplete: list[str] = []
        notes: list[str] = []
        if not champ:
            notes.extend(staged_note(name, self.versions(name), self.tracking_uri))
            last = counted[-1] if counted else None
            if last is not None and not self._has_version(name, last.version):
                # MLflow drops a deleted version's aliases: "champion none" read as a model never promoted
                back = aliases.get(PREVIOUS_CHAMPION, "")
                notes.append(f"the champion v{last.version} (promoted {last.at}) was deleted, and its alias with it: "
                             "no version is champion; promote one"
                             + (f" (previous-champion is v{back})" if back else ""))
        if champ and promotion is None:
            notes.append(
                f"champion v{champ} has no promotion record: the alias was set outside ctloop"
            )
        elif (
            promotion is not None and promotion.state
        ):  # records from before the protocol are left as they are
            # the previous champion read once (was: three reads of it, two of them whether it exists)
            before = self._version_if_kept(name, promotion.previous)
            incomplete = self._missing(name, promotion, aliases, before)
            if promotion.previous and before is None:
                notes.append(f"the previous champion v{promotion.previous} was deleted: no "
                             "previous-champion alias to roll back to")
        try:
            lock = self._lock_holder(name)
        except _ForeignLock as exc:  # read-only: said; only taking the lock (promote) and repair stop
            lock = None
            notes.append(str(exc))
        # an "unconfirmed" tag the records read above confirm (one tag-filtered search; was: never checked again)
        # the records alone: the alias' version is no record (was: a hand-set champion tagged "unconfirmed" read as
        # restored from the trash)
        ever = _ever(counted, "")
        restored = sorted((str(mv.version) for mv in self._was_champion_tagged(name, UNCONFIRMED_WAS_CHAMPION)
                           if str(mv.version) in ever), key=int)
        hand_set = bool(champ) and promotion is None and aliases.get(CHALLENGER) == champ
        return (RegistryState(name, champ, promotion, aliases, pending, incomplete, lock, notes, restored, hand_set),
                experiment)

    def _has_version(self, name: str, version: str) -> bool:
        """False once ``version`` of ``name`` was deleted (MLflow drops its aliases with it)."""
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_model_version(name, str(version))
        except MlflowException as exc:
            if _is_not_found(exc):
                return False
            raise RegistryError(f"cannot read version {version} of model {name!r}: {exc}") from exc
        return True

    def _version_if_kept(self, name: str, version: str) -> ModelVersion | None:
        """``version`` of ``name`` while it exists, None once it was deleted (or for ``""``; retired
        versions are deleted outside ctloop): whether it exists and what :meth:`get_version` reads, in
        one request."""
        from mlflow.exceptions import MlflowException

        if not version:
            return None
        try:
            mv = self.client.get_model_version(name, str(version))
        except MlflowException as exc:
            if _is_not_found(exc):
                return None
            raise RegistryError(f"cannot read version {version} of model {name!r}: {exc}") from exc
        return ModelVersion.from_mlflow(mv)

    def _challenger_was_champion(self, name: str, aliases: dict[str, str], champion: str, previous: str) -> bool:
        """Whether alias ``challenger`` names a version other than ``champion`` and ``previous`` tagged
        :data:`TAG_WAS_CHAMPION` with this model's name: champion before, never challenger (:func:`_never_challenger`),
        flagged by :meth:`_missing` and taken off by :meth:`_complete` as on the previous champion. One version read."""
        version = aliases.get(CHALLENGER)
        if not version or version in (champion, previous):
            return False
        mv = self._version_if_kept(name, version)
        return mv is not None and (mv.tags or {}).get(TAG_WAS_CHAMPION) == name

    def _missing(
        self, name: str, p: Promotion, aliases: dict[str, str], before: ModelVersion | None
    ) -> list[str]:
        """What the completion of ``p`` lacks; ``before``: ``p.previous``'s version as
        :meth:`_version_if_kept` read it."""
        out = []
        previous = p.previous if before is not None else ""
        if previous and aliases.get(PREVIOUS_CHAMPION) != previous:
            out.append(
                f"alias previous-champion is {aliases.get(PREVIOUS_CHAMPION) or 'unset'}, not "
                f"v{p.previous}"
            )
        elif not previous and aliases.get(PREVIOUS_CHAMPION) == p.version:
            out.append(f"alias {PREVIOUS_CHAMPION} is v{p.version}, the champion itself")
        if aliases.get(CHALLENGER) == p.version and aliases.get(CHAMPION) == p.version:
            # as a promotion before round 55 left it (or set by hand): :meth:`_complete` takes it off (was:
            # consistent, and a no-op promote of the champion left it, both aliases naming the model serving)
            out.append(f"alias {CHALLENGER} names the champion v{p.version}")
        elif previous and aliases.get(CHALLENGER) == previous:  # (a champion set by hand while challenger)
            out.append(f"alias {CHALLENGER} names the previous champion v{previous}")
        elif self._challenger_was_champion(name, aliases, p.version, previous):
            out.append(f"alias {CHALLENGER} names v{aliases[CHALLENGER]}, a champion before")
        for version, want, drop in (
            (p.version, p.champion_tags(name), (TAG_CHAMPION_UNTIL, TAG_SUPERSEDED_BY)),
            (previous, p.superseded_tags(name), ()),
        ):
            if not version:
                continue
            have = before.tags if version == previous and before is not None else self.get_version(name, version).tags
            wrong = sorted(  # a promotion before round 56 wrote was_champion "true": complete as it is
                [k for k, v in want.items() if have.get(k) != v
                 and not (k == TAG_WAS_CHAMPION and have.get(k) == LEGACY_WAS_CHAMPION)
                 # nor tagged the previous champion at all (a first champion set by hand): no problem, else every
                 # registry promoted before the upgrade read as incomplete (status exit 1; was so in round 56)
                 # (an older one: the alias rule's older() excludes it anyway; a newer one, left untagged, the
                 # alias rule reading tags only would hand challenger: flagged, repair writes it)
                 and not (k == TAG_WAS_CHAMPION and version == previous and k not in have
                          and int(previous) < int(p.version))]
                + [k for k in drop if k in have]
            )
            if wrong:
                out.append(f"v{version} tags {', '.join(wrong)}")
        if p.state != COMMITTED or not p.run_status.endswith("FINISHED"):
            out.append(f"record {p.id} is {p.state or '?'}/{p.run_status}")
        return out

    def repair(self, name: str, *, break_lock: bool = False, wait: bool = True) -> list[str]:
        """Complete the committed promotion and abort pending ones that never committed (module
        docstring); returns what was done, ``[]`` if nothing was needed, each starting with
        :data:`CLEANUP_PREFIX`, the released locks of clean promotions it removed (no repair), and, each
        starting with :data:`NOTE_PREFIX`, what it could not do that blocks nothing (a broken lock it may not
        delete; a lock another user released, only once it is older than :data:`RELEASED_LOCK_NOTE_AFTER_S`:
        its releaser's next promotion removes it).

        ``break_lock`` first removes the promotion lock whoever holds it — for an operator who
        knows its holder is dead; otherwise a held lock is waited for (``wait``) until its lease
        ends.
        """
        self._lock_holder(name)  # a foreign model with the lock's name stops repair (inspect only notes it)
        state = self.inspect(name)
        try:  # leases broken a lease ago: nobody reads them any more
            done, refused = self._sweep_broken_locks(name)
        except RegistryError as exc:  # blocks nothing, as at the end of a promotion: said, and repair goes on
            done, refused = [], [_SweepRefusal(
                f"could not remove the broken promotion locks of {name!r}: {exc}", False, False, None)]
        now = datetime.now(UTC)
        done += [
            f"{NOTE_PREFIX}{r.text}"
            for r in refused
            if not (r.denied and r.released and r.renamed
                    and now - r.renamed < timedelta(seconds=RELEASED_LOCK_NOTE_AFTER_S))
        ]
        if state.consistent and not (break_lock and state.lock) and not self._legacy_tagged(name):
            return done
        if break_lock and state.lock:
            # renamed to the name of the lease read, as a waiter breaks one: a delete by name removed the lock
            # of whoever took it after that read (another promotion, alive), while saying it broke this one
            if self._break_lease(name, state.lock):
                done.append(f"broke the promotion lock held by {state.lock['owner']}")
            else:
                now = self._lock_holder(name)
                done.append(f"did not break the promotion lock: {state.lock['owner']}'s was released or broken "
                            f"meanwhile (now held by {now['owner'] if now else 'nobody'})")
        with self._locked(name, wait=wait):
            done += self._settle(name)
        return done

    def _legacy_tagged(self, name: str) -> bool:
        """Whether a version of ``name`` carries :data:`LEGACY_WAS_CHAMPION` (:meth:`_migrate_legacy_champions`)."""
        return bool(self._legacy_versions(name))

    def _legacy_versions(self, name: str) -> list[Any]:
        """The versions of ``name`` tagged :data:`TAG_WAS_CHAMPION` = :data:`LEGACY_WAS_CHAMPION`, found by the
        server (was: every version listed on every settle and every repair to find none)."""
        return self._was_champion_tagged(name, LEGACY_WAS_CHAMPION)

    def _was_champion_tagged(self, name: str, value: str) -> list[Any]:
        """The versions of ``name`` tagged :data:`TAG_WAS_CHAMPION` = ``value`` (:data:`LEGACY_WAS_CHAMPION`,
        :data:`UNCONFIRMED_WAS_CHAMPION`), found by the server: one tag-filtered search."""
        from mlflow.exceptions import MlflowException

        try:
            found = self._search_versions(name, f"tags.`{TAG_WAS_CHAMPION}`='{value}'")
        except (MlflowException, RegistryError) as exc:  # a server that rejects tag filters: every version, read here
            # (was: the error, so such a server blocked every promotion and repair)
            log.debug("ctloop: tag-filtered version search of %s refused (%s): listing every version", name,
                      one_line(str(exc))[:300])
            found = self._search_versions(name)
        return [mv for mv in found if mv.name == name and (mv.tags or {}).get(TAG_WAS_CHAMPION) == value]

    def _trashed_promotions(self, name: str, versions: Iterable[str]) -> dict[str, list[str]]:
        """The runs of committed promotion records (or records from before the protocol) in MLflow's trash (deleted,
        restorable) that name one of ``versions`` champion or the champion it replaced, by version: what restoring
        them would make :meth:`champions_ever` count. One search of the audit experiment's deleted runs; ``{}`` when
        there is none or it cannot be read (a hint only)."""
        from mlflow.entities import ViewType
        from mlflow.exceptions import MlflowException

        wanted = {str(v) for v in versions}
        out: dict[str, list[str]] = {}
        try:
            experiment = self._audit_experiment(name)
            if experiment is None or not wanted:
                return {}
            runs, token = [], None
            while True:
                page = self.client.search_runs([experiment], filter_string=f"tags.`{AUDIT_PREFIX}event` = 'promote'",
                                               run_view_type=ViewType.DELETED_ONLY, max_results=1000,
                                               page_token=token)
                runs += list(page)
                token = page.token
                if not token:
                    break
        except (MlflowException, RegistryError) as exc:
            log.debug("ctloop: cannot read the deleted audit runs of %s: %s", name, one_line(str(exc))[:300])
            return {}
        for run in sorted(runs, key=_copy_order):
            p = Promotion.from_run(run)
            if p.state not in (COMMITTED, ""):
                continue
            for version in {p.version, p.previous} & wanted:
                out.setdefault(version, []).append(run.info.run_id)
        return out

    def unconfirmed_notes(self, name: str) -> list[str]:
        """For ``ctloop registry status``: each version tagged :data:`UNCONFIRMED_WAS_CHAMPION` whose promotion record
        is in MLflow's trash, with the commands that restore it and then tag the version champion again (was: no word;
        the migration's line said "restore that run" without naming it). A restored one is a problem of
        :meth:`inspect` instead (``RegistryState.restored``)."""
        versions = [str(mv.version) for mv in self._was_champion_tagged(name, UNCONFIRMED_WAS_CHAMPION)]
        trashed = self._trashed_promotions(name, versions) if versions else {}
        return [f"v{version} is tagged {TAG_WAS_CHAMPION}={UNCONFIRMED_WAS_CHAMPION} (a promotion before round 56 "
                f"tagged it champion); {self._restore_hint(name, trashed[version])}"
                for version in sorted(trashed, key=int)]

    def _restore_hint(self, name: str, runs: list[str]) -> str:
        """How to get a version whose promotion records ``runs`` are in MLflow's trash counted as champion again."""
        from ctloop.tracking import display_uri, restore_run_command

        where = f" {shell_option('--tracking-uri', display_uri(self.tracking_uri))}" if self.tracking_uri else ""
        return (f"its promotion record{'s are' if len(runs) > 1 else ' is'} in MLflow's trash: restore "
                f"{'them' if len(runs) > 1 else 'it'} ("
                + "; ".join(f"`{restore_run_command(self.tracking_uri, run)}`" for run in runs)
                + f"), then `ctloop registry repair {shell_option('--model-name', name)}{where}` tags it {name} again")

    def _repair_if_free(self, name: str) -> None:
        try:
            if self.inspect(name).consistent:
                return
            for action in self.repair(name, wait=False):
                # a note: the sweep under the lock warned of it; a cleanup: no repair
                if not action.startswith((NOTE_PREFIX, CLEANUP_PREFIX)):
                    log.warning("ctloop: repaired registry model %s: %s", name, action)
        except _ForeignLock as exc:  # not for repair to fix: say what is
            log.warning("ctloop: registry model %s: %s", name, exc)
        except (
            RegistryError
        ) as exc:  # a held lock or an unreachable server: the next promotion settles
            log.warning("ctloop: registry model %s needs `ctloop registry repair`: %s", name, exc)

    def _settle(self, name: str) -> list[str]:
        """Under the lock: abort pending records the alias does not confirm, complete the
        champion's promotion."""
        return self._settled(name, shown=True)[0]

    def _settled(self, name: str, *, shown: bool = False) -> tuple[list[str], RegistryState, str | None]:
        """:meth:`_settle`: what it did, the state it settled and the audit experiment's id (:meth:`_inspect`).
        ``shown``: what it did is shown to the user (repair), else a removed legacy tag is a warning line."""
        # the legacy tags first, so the inspect reads the tags a challenger rule reads (was: after it, so a challenger
        # on a former champion tagged "true" was flagged only by the next repair)
        done = self._migrate_legacy_champions(name, shown=shown)
        state, experiment = self._inspect(name)
        if state.restored:  # an "unconfirmed" tag a record restored from the trash confirms: the name again, said
            done += self._confirm_restored(name, state.restored, shown=shown)
            state, experiment = self._inspect(name)  # the tags the challenger rule now reads
        for p in state.pending:
            self._abort(
                p,
                "never committed: the champion alias names "
                f"{'v' + state.champion if state.champion else 'none'}",
            )
            done.append(f"aborted promotion {p.id} of v{p.version}")
        if state.promotion is not None and state.incomplete:
            done += [
                f"promotion {state.promotion.id}: {a}"
                for a in self._complete(name, state.promotion)
            ]
        if state.hand_set_challenger:  # a champion is never challenger, set by hand too (as _complete for a promotion's)
            done.append(f"alias {CHALLENGER}: {self.drop_challenger(name, state.champion, rolled_back_before=False)}")
        return done, state, experiment

    def _confirm_restored(self, name: str, versions: list[str], *, shown: bool = False) -> list[str]:
        """Under the lock: tag each of ``versions`` (``RegistryState.restored``) :data:`TAG_WAS_CHAMPION` = ``name``,
        each said once. A refused write is a warning (and a note under repair): the next settle tries again."""
        from mlflow.exceptions import MlflowException

        done = []
        for version in versions:
            try:
                self.client.set_model_version_tag(name, version, TAG_WAS_CHAMPION, name)
            except MlflowException as exc:
                text = (f"cannot rewrite the {TAG_WAS_CHAMPION} tag of v{version} ({one_line(str(exc))[:300]}): it "
                        f"stays {UNCONFIRMED_WAS_CHAMPION} (the next promotion or repair tries again)")
                log.warning("ctloop: registry model %s: %s", name, text)
                if shown:
                    done.append(f"{NOTE_PREFIX}{text}")
                break
            text = (f"v{version} tag {TAG_WAS_CHAMPION}: {UNCONFIRMED_WAS_CHAMPION} -> {name} (a promotion record "
                    "names it champion)")
            done.append(text)
            if not shown:
                log.warning("ctloop: registry model %s: %s", name, text)
        return done

    def _migrate_legacy_champions(self, name: str, *, shown: bool = False) -> list[str]:
        """Under the promotion lock (every promotion's and repair's settle), once per store promoted before round 56:
        its promotion records read once (:meth:`champions_ever`), each version they name tagged
        :data:`TAG_WAS_CHAMPION` with the model's name, and each :data:`LEGACY_WAS_CHAMPION` tag they do not confirm
        removed where the version is a copy (:func:`_copy_of`), each removal said (``shown``: in what it returns, else
        in a warning line). After it no version carries the legacy value but one that is no copy (below), and
        :meth:`_alias_champions` reads the tags alone (was: nothing cleared a ``true`` tag, so every register, drop and serving validation read every promotion
        record, forever). A ``true`` on a version that is no copy is not removed but
        rewritten once to :data:`UNCONFIRMED_WAS_CHAMPION`, said once (a line, or a warning line): its record may be in
        MLflow's trash (a deleted run is restorable) or in an audit experiment purged and made again, and the tag is
        the only history left of it (was: removed, for good; then kept as ``true``, so every settle said it again and
        every register read the records again). Records unreadable or a tag write
        failing: the tags stay as they were, said (the next settle tries again), and what called this goes on (was: a
        failed write stopped the promotion before its intent, as a RegistryError that did not say so). Returns what it
        did."""
        from mlflow.exceptions import MlflowException

        legacy = {str(mv.version) for mv in self._legacy_versions(name)}  # one search, on the server
        if not legacy:  # a store already rewritten, or never promoted before round 56
            return []
        try:
            found = [mv for mv in self._search_versions(name) if mv.name == name]
            if self._audit_experiment(name) is None:
                raise RegistryError(f"no audit experiment {name + AUDIT_EXPERIMENT_SUFFIX!r}")
            ever = self.champions_ever(name)
        except (MlflowException, RegistryError) as exc:
            log.warning("ctloop: cannot read the promotion records of %s (%s): its %s=%s tags (v%s) are left as they "
                        "are; a champion set by hand before round 56 cannot be known", name, one_line(str(exc))[:300],
                        TAG_WAS_CHAMPION, LEGACY_WAS_CHAMPION, ", v".join(sorted(legacy, key=int)))
            return []
        done = []

        def say(text: str, *, note: bool = False) -> None:
            done.append(f"{NOTE_PREFIX}{text}" if note else text)
            if not shown:
                log.warning("ctloop: registry model %s: %s", name, text)

        for mv in sorted(found, key=lambda m: int(m.version) if str(m.version).isdigit() else -1):
            version, tag = str(mv.version), (mv.tags or {}).get(TAG_WAS_CHAMPION)
            try:
                if version in ever and tag != name:
                    self.client.set_model_version_tag(name, version, TAG_WAS_CHAMPION, name)
                    done.append(f"v{version} tag {TAG_WAS_CHAMPION}: {tag or 'unset'} -> {name} (a promotion record "
                                "names it champion)")
                elif version not in ever and tag == LEGACY_WAS_CHAMPION:
                    source = _copy_of(mv)
                    if source is None:  # kept as history, under a value nothing reads: said once
                        self.client.set_model_version_tag(name, version, TAG_WAS_CHAMPION, UNCONFIRMED_WAS_CHAMPION)
                        # the trashed record named, with its restore command (was: "restore that run", none named)
                        trashed = self._trashed_promotions(name, [version]).get(version)
                        say(f"v{version} tag {TAG_WAS_CHAMPION}: {LEGACY_WAS_CHAMPION} -> {UNCONFIRMED_WAS_CHAMPION} "
                            "(no readable promotion record of this model names it champion, and it is no copy of "
                            "another version; "
                            + (self._restore_hint(name, trashed) if trashed else
                               "none in MLflow's trash names it either: a version never champion, delete the tag")
                            + ")")
                        continue
                    self.client.delete_model_version_tag(name, version, TAG_WAS_CHAMPION)
                    say(f"v{version} tag {TAG_WAS_CHAMPION}={LEGACY_WAS_CHAMPION} removed (no promotion record of "
                        f"this model names it champion: a copy's, of {source})")
            except MlflowException as exc:  # what the settle serves goes on, as with records unreadable
                log.warning("ctloop: cannot rewrite the %s tag of v%s of %s (%s): the %s=%s tags are left as they are "
                            "(the next promotion or `ctloop registry repair` tries again)", TAG_WAS_CHAMPION, version,
                            name, one_line(str(exc))[:300], TAG_WAS_CHAMPION, LEGACY_WAS_CHAMPION)
                if shown:  # repair's output says it too (was: a log line only)
                    done.append(f"{NOTE_PREFIX}cannot rewrite the {TAG_WAS_CHAMPION} tag of v{version} "
                                f"({one_line(str(exc))[:300]}): the {TAG_WAS_CHAMPION}={LEGACY_WAS_CHAMPION} tags are "
                                "left as they are (the next promotion or repair tries again)")
                break
        return done

    # ------------------------------------------------------------------ the lock
    def _lock_name(self, name: str) -> str:
        check_model_name(name)
        return f"{name}{LOCK_SUFFIX}"

    def _lock_holder(self, name: str) -> dict[str, str] | None:
        """The holder of the promotion lock of ``name`` (None: no lock). A lock read with no owner tag
        is read again a few times before it is judged foreign: MLflow's SQL store reads a registered
        model's row and its tags in two queries (mlflow 3.17.2 ``sqlalchemy_store.py``
        ``get_registered_model``: ``subqueryload`` of ``registered_model_tags``), so a read that
        another waiter's break (a rename: the tags move with the row) or a release (a delete) lands
        between sees the lock with no tags. A lock is created with its tags in one write: a model
        that still has no owner tag once read again is someone else's."""
        for attempt in range(_FOREIGN_LOCK_READS):
            tags = self._lock_tags(name)
            if tags is None:
                return None
            if TAG_LOCK_OWNER in tags:
                break
            if attempt + 1 < _FOREIGN_LOCK_READS:
                time.sleep(_FOREIGN_LOCK_PAUSE_S)
        else:
            raise _ForeignLock(
                f"registered model {self._lock_name(name)!r} has the name of the promotion lock of {name!r} but is "
                f"no ctloop lock (no tag {TAG_LOCK_OWNER}): ctloop does not delete it (was: broken as an expired "
                f"lock, its versions with it); rename or delete it in the MLflow UI to promote or repair {name!r}")
        expires = tags.get(TAG_LOCK_EXPIRES, "")
        try:
            expired = datetime.fromisoformat(expires.replace("Z", "+00:00")) < datetime.now(UTC)
        except ValueError:
            expired = True  # unreadable: treat as a dead holder's
        return {
            "owner": tags.get(TAG_LOCK_OWNER, "?"),
            "expires": expires,
            "expired": str(expired).lower(),
        }

    def _lock_tags(self, name: str) -> dict[str, str] | None:
        """The tags of the promotion lock of ``name`` as one read finds them; None: no lock."""
        from mlflow.exceptions import MlflowException

        try:
            return self.client.get_registered_model(self._lock_name(name)).tags or {}
        except MlflowException as exc:
            if _is_not_found(exc):
                return None
            raise RegistryError(f"cannot read the promotion lock of {name!r}: {exc}") from exc

    def _delete_lock(self, name: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.delete_registered_model(self._lock_name(name))
        except MlflowException as exc:
            if not _is_not_found(exc):
                raise RegistryError(f"cannot remove the promotion lock of {name!r}: {exc}") from exc

    def _break_lease(self, name: str, holder: dict[str, str]) -> bool:
        """Break the lock of ``name`` whose lease ended (``holder``: :meth:`_lock_holder`, read before);
        False when another waiter broke that lease first (or its holder released it). A delete by name
        after that read deleted whatever lock was there by then: two waiters that both read the dead
        holder's lock broke it in turn, the second the lock the first had taken, and both promoted. The
        lock is renamed instead, to a name of that lease alone (:data:`BROKEN_LOCK_PREFIX`, short enough
        for any model name): MLflow refuses a rename onto a taken name (mlflow 3.17.2
        ``sqlalchemy_store.py`` ``rename_registered_model``: RESOURCE_ALREADY_EXISTS), so one waiter
        breaks a given lease, and a late one renames nothing. A late rename is not always refused as
        taken or missing: on a SQL store the loser's UPDATE can find the row gone and answer BAD_REQUEST
        ("expected to update 1 row(s); 0 were matched"). So any refusal is judged by reading the lock
        again: gone, or another lease, is a race lost (False: wait); only the same dead lease still there
        is an error. On a SQL store the renamed lock keeps the dead holder's tags, and a lease later
        :meth:`_sweep_broken_locks` deletes it."""
        from mlflow.exceptions import MlflowException

        try:
            self.client.rename_registered_model(self._lock_name(name), self._broken_name(name, holder))
        except MlflowException as exc:
            now = self._lock_holder(name) or {}
            if (now.get("owner"), now.get("expires")) != (holder["owner"], holder["expires"]):
                return False  # another waiter broke that lease (or its holder released it)
            raise RegistryError(f"cannot break the promotion lock of {name!r}: {exc}") from exc
        return True

    def _broken_name(self, name: str, holder: dict[str, str]) -> str:
        """The name a lease of the lock of ``name`` is renamed to when it is broken or released: one
        name per lease (:data:`BROKEN_LOCK_PREFIX` and a digest of the lock's name, owner and end)."""
        lease = hashlib.sha256(
            f"{self._lock_name(name)}\0{holder['owner']}\0{holder['expires']}".encode()
        ).hexdigest()[:32]
        return f"{BROKEN_LOCK_PREFIX}{lease}"

    @contextmanager
    def _locked(self, name: str, *, wait: bool = True) -> Iterator[None]:
        self._acquire(name, wait=wait)
        released = None
        try:
            yield
        finally:
            try:
                released = self._release(name)
            except RegistryError as exc:
                released = getattr(exc, "kept", None)
                log.warning(
                    "ctloop: could not release the promotion lock of %s (%s): it ends with its "
                    "lease "
                    "or with `ctloop registry repair --break-lock`",
                    name,
                    exc,
                )
            try:
                # never the lock just released: it is kept a lease from now (_release), however long the
                # release took (its rename is the time the sweep reads; the read-back and tag come after it)
                refused = self._sweep_broken_locks(name, tagged_only=True, keep=released)[1]
            except RegistryError as exc:  # left for the next promotion or `ctloop registry repair`
                refused = [_SweepRefusal(
                    f"could not remove the broken promotion locks of {name!r}: {exc}", False, False, None)]
            for problem in refused:
                if problem.denied and problem.released:
                    # another user's clean promotion (MLflow's auth gave its releaser MANAGE): that user's next
                    # promotion or repair removes it; `ctloop registry repair` notes it once it is old
                    continue
                if not problem.denied:  # may pass (a 503): said each time
                    log.warning("ctloop: %s", problem.text)
                elif problem.text not in _SWEEP_REFUSALS_SAID:  # refused on every promotion: said once
                    _SWEEP_REFUSALS_SAID.add(problem.text)
                    log.warning("ctloop: %s (said once per process)", problem.text)

    def _release(self, name: str) -> str | None:
        """Remove our own lease of the lock of ``name``, and nobody else's. A delete by name after a read
        deleted whatever lock was there by then: if our lease ended during the promotion and a waiter broke
        it and took the lock between that read and the delete, the delete removed the new holder's lock (and
        a third promotion ran beside it). The lock is renamed instead, to the name of our lease alone
        (:meth:`_broken_name`, the name a waiter breaking it renames it to): a waiter that broke our lease
        holds that name, so MLflow refuses the rename (RESOURCE_ALREADY_EXISTS) and nothing is removed.
        What was renamed is read back; a lock of someone else's (ours was removed by ``--break-lock``,
        then taken) is renamed back. Ours is left under that name, as a broken lease is, and
        :meth:`_sweep_broken_locks` deletes it a lease later: deleted at once, the name was free again,
        and a waiter (or ``repair --break-lock``) that read our lease just before the release, ended,
        renamed the lock a newer promotion took meanwhile (both promotions then ran). MLflow's file store
        renames a model without its tags, so there the released lock is deleted at once (that store's
        lock is not atomic anyway: :meth:`_acquire`). Returns the name our released lock is kept under
        (None when none is: not ours, deleted at once, or another promotion's given back), which the
        promotion's own sweep leaves (:meth:`_locked`)."""
        from mlflow.exceptions import MlflowException

        holder = self._lock_holder(name)
        if holder is None or holder["owner"] != self.owner:
            log.warning(
                "ctloop: the promotion lock of %s was no longer ours at the end of the promotion "
                "(its lease of %.0f s ended, or it was broken by hand); now held by %s",
                name,
                self.lease_s,
                holder["owner"] if holder else "nobody",
            )
            return None
        released = self._broken_name(name, holder)
        try:
            self.client.rename_registered_model(self._lock_name(name), released)
        except MlflowException as exc:  # judged by reading the lock again, as a refused break is
            now = self._lock_holder(name) or {}
            if (now.get("owner"), now.get("expires")) == (holder["owner"], holder["expires"]):
                raise RegistryError(f"cannot remove the promotion lock of {name!r}: {exc}") from exc
            log.warning(
                "ctloop: the promotion lock of %s was broken while this promotion ran (its lease ended %s): "
                "it is another promotion's now, left in place",
                name,
                holder["expires"],
            )
            return None
        try:
            tags = self.client.get_registered_model(released).tags or {}
        except MlflowException as exc:
            error = RegistryError(f"cannot read the released promotion lock {released!r}: {exc}")
            error.kept = released  # renamed: the promotion's own sweep leaves it all the same (_locked)
            raise error from exc
        # no owner tag: MLflow's file store renames a model without its tags (a lock always has one), and
        # nothing could tell the renamed lock from anyone's model later: deleted now
        if TAG_LOCK_OWNER not in tags:
            self._delete_model(released, f"the released promotion lock of {name!r}")
            return None
        if (tags[TAG_LOCK_OWNER], tags.get(TAG_LOCK_EXPIRES)) == (holder["owner"], holder["expires"]):
            # ours: its name stays taken until the sweep, a lease later (docstring); tagged as released, so
            # that it is not worded as a broken lock (without the tag it is, and nothing else changes)
            try:
                self.client.set_registered_model_tag(
                    released, TAG_LOCK_RELEASED, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
            except (MlflowException, RegistryError) as exc:
                log.debug("ctloop: could not tag the released promotion lock %s: %s", released, exc)
            return released
        try:  # another promotion's lock, taken after ours was removed by hand: give it back
            self.client.rename_registered_model(released, self._lock_name(name))
        except MlflowException as exc:
            raise RegistryError(
                f"released another promotion's lock of {name!r} (held by {tags.get(TAG_LOCK_OWNER, '?')}) "
                f"and could not put it back from {released!r}: {exc}") from exc
        return None

    def _delete_model(self, model: str, what: str) -> None:
        from mlflow.exceptions import MlflowException

        try:
            self.client.delete_registered_model(model)
        except MlflowException as exc:
            if not _is_not_found(exc):
                raise RegistryError(f"cannot remove {what} ({model!r}): {exc}") from exc

    def broken_locks(self, name: str, *, tagged_only: bool = False) -> list[tuple[str, dict[str, str]]]:
        """The broken leases of the promotion lock of ``name`` still in the registry, ``(model name,
        holder)``: registered models :data:`BROKEN_LOCK_PREFIX` + a digest whose tags are the lease
        that digest names (so a lock renamed in a race, or anyone else's model, is never one). ``holder``
        also has ``renamed``: when the lock was broken or released (the model's ``last_updated_timestamp``,
        which MLflow sets on a rename, in ms, the server's clock), and ``released``: when its holder released
        it (:data:`TAG_LOCK_RELEASED`), ``""`` for a lease a waiter broke.

        ``tagged_only`` (a promotion's sweep): only leases tagged :data:`TAG_LOCK_MODEL` ``name``, listed
        by that tag. Every model keeps a released lease between its promotions, and a model no longer
        promoted its last one: listed registry-wide, each promotion of every model read one entry per
        model ever promoted. The registry-wide listing is left to repair, which also finds the untagged
        leases of locks taken before that tag."""
        from mlflow.exceptions import MlflowException

        found: list[tuple[str, dict[str, str]]] = []
        token = None
        query = f"name LIKE '{BROKEN_LOCK_PREFIX}%'"
        if tagged_only:  # a name with a quote: matched with LIKE (_name_filter); the digest keeps it exact
            query += " AND " + _name_filter(name, f"tags.`{TAG_LOCK_MODEL}`")
        while True:
            try:
                page = self.client.search_registered_models(
                    filter_string=query, max_results=100 if tagged_only else 1000, page_token=token
                )
            except MlflowException as exc:
                raise RegistryError(f"cannot list the broken promotion locks: {exc}") from exc
            for model in page:
                tags = model.tags or {}
                if TAG_LOCK_OWNER not in tags or TAG_LOCK_EXPIRES not in tags or model.latest_versions:
                    continue
                holder = {"owner": tags[TAG_LOCK_OWNER], "expires": tags[TAG_LOCK_EXPIRES]}
                if self._broken_name(name, holder) == model.name:
                    holder["renamed"] = str(model.last_updated_timestamp or "")
                    holder["released"] = tags.get(TAG_LOCK_RELEASED, "")
                    found.append((model.name, holder))
            token = getattr(page, "token", None)
            if not token:
                return found

    def _sweep_broken_locks(
        self, name: str, *, tagged_only: bool = False, keep: str | None = None
    ) -> tuple[list[str], list[_SweepRefusal]]:
        """Delete the broken leases of the lock of ``name`` (:meth:`broken_locks`) broken, and ended, more
        than a lease ago. A broken lease is kept for a while under its name: that name taken is what
        refuses a second break of the same lease (:meth:`_break_lease`: a waiter that read the dead lease
        before another broke it) and the release of a holder whose lease was broken (:meth:`_release`),
        both of which come right after a read of that lease. The time that counts is the break, not the
        end of the lease: a lease that ended yesterday, broken a moment ago, may still be read by a waiter
        about to rename (deleted then, the waiter's rename would take the new holder's lock). Returns what
        was removed (a released lock's line starts with :data:`CLEANUP_PREFIX`: no repair) and what could not
        be (the others are still removed): MLflow's auth lets a user who may rename a model (EDIT: break or
        release a lock) delete it only with MANAGE, which the rename gives the renamer, so a lock broken or
        released by one user is one the next cannot delete (PERMISSION_DENIED). Only a failed listing raises.
        ``tagged_only``: :meth:`broken_locks`; ``keep``: a lock left whatever its age (the one the sweeping
        promotion just released)."""
        done: list[str] = []
        refused: list[_SweepRefusal] = []
        now = datetime.now(UTC)
        for model, holder in self.broken_locks(name, tagged_only=tagged_only):
            if model == keep:
                continue
            try:
                ended = datetime.fromisoformat(holder["expires"].replace("Z", "+00:00"))
                renamed = datetime.fromtimestamp(int(holder["renamed"]) / 1000, UTC)
            except ValueError:
                continue  # unreadable: not ours to judge
            if now - max(ended, renamed) < timedelta(seconds=self.lease_s):
                continue
            released = bool(holder.get("released"))
            kind = "released" if released else "broken"
            try:
                self._delete_model(model, f"a {kind} promotion lock of {name!r}")
            except RegistryError as exc:
                denied = _permission_denied(exc)
                if denied and released:
                    advice = ("the MLflow user that released it removes it with their next promotion or `ctloop "
                              "registry repair`; or delete it in the MLflow UI")
                elif denied:
                    advice = ("delete it in the MLflow UI, or run `ctloop registry repair` as a user with MANAGE "
                              "permission on it")
                else:
                    advice = "the next promotion or `ctloop registry repair` tries again"
                what = (f"released by {holder['owner']} at {holder['released']}" if released
                        else f"held by {holder['owner']}, lease ended {holder['expires']}")
                refused.append(_SweepRefusal(
                    f"could not remove the {kind} promotion lock {model} of {name!r} ({what}): "
                    f"{exc.__cause__ or exc}; it blocks no promotion: {advice}",
                    denied, released, renamed))
                continue
            if released:
                done.append(f"{CLEANUP_PREFIX}the released promotion lock {model} (released by {holder['owner']} "
                            f"at {holder['released']})")
            else:
                done.append(f"removed the broken promotion lock {model} (held by {holder['owner']}, lease ended "
                            f"{holder['expires']})")
        return done, refused

    def _acquire(self, name: str, *, wait: bool) -> None:
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import is_file_store

        lock = self._lock_name(name)
        if is_file_store(self.tracking_uri) and not self._file_store_said:
            self._file_store_said = True
            log.warning(
                "ctloop: %s is an MLflow file store: its create and rename of the promotion lock are a check "
                "then a mkdir, not atomic, so two promotions of one model at once can both take it; run "
                "promotions that can overlap (schedules, several pipelines) against an MLflow server with a "
                "database",
                self.tracking_uri,
            )
        deadline = time.monotonic() + (self.lock_timeout_s if wait else 0.0)
        gone = 0  # creates in a row answered "not found" with no lock there
        while True:
            expires = (datetime.now(UTC) + timedelta(seconds=self.lease_s)).strftime(
                "%Y-%m-%dT%H:%M:%S.%fZ"
            )
            try:
                self.client.create_registered_model(
                    lock,
                    tags={TAG_LOCK_OWNER: self.owner, TAG_LOCK_EXPIRES: expires, TAG_LOCK_MODEL: name},
                    description=f"ctloop promotion lock of {name}: held while a promotion runs; after it "
                    f"(or broken) renamed {BROKEN_LOCK_PREFIX}<digest> and removed a lease later. If its holder died: "
                    f"`ctloop registry repair {shell_option('--model-name', name)} --break-lock`.",
                )
                return
            except MlflowException as exc:
                # not found: the create collided with a lock that was gone (broken or released) by the
                # time the store read it back to answer "exists" (mlflow 3.17.2 sqlalchemy_store.py
                # create_registered_model: IntegrityError -> get_registered_model): a race lost, read again
                if not (_already_exists(exc) or _is_not_found(exc)):
                    raise RegistryError(
                        f"cannot take the promotion lock of {name!r}: {exc}"
                    ) from exc
                refused = exc
            holder = self._lock_holder(name)
            if holder is not None:
                gone = 0  # a lock there: the not-found answers before were races lost
            else:  # released in between: take it again
                # a store that keeps answering "not found" to a create with no lock there is no race
                # (it spun without pause or deadline): a few in a row are an error, as before
                gone = gone + 1 if _is_not_found(refused) else 0
                if gone >= LOCK_NOT_FOUND_TRIES:
                    raise RegistryError(
                        f"cannot take the promotion lock of {name!r}: {refused} "
                        f"({gone} creates in a row answered so, with no lock to read)"
                    ) from refused
                time.sleep(0.1 * gone)
                continue
            if holder["owner"] == self.owner:
                return  # our create was applied, its answer lost
            if holder["expired"] == "true":
                if self._break_lease(name, holder):
                    log.warning(
                        "ctloop: broke the promotion lock of %s held by %s (lease ended %s)",
                        name,
                        holder["owner"],
                        holder["expires"],
                    )
                continue
            if time.monotonic() >= deadline:
                raise RegistryError(
                    f"the promotion lock of {name!r} is held by {holder['owner']} until "
                    f"{holder['expires']}: "
                    "another promotion is running; retry after it, or if its holder died run "
                    f"`ctloop registry repair {shell_option('--model-name', name)} --break-lock`"
                )
            time.sleep(_LOCK_POLL_S)

    # ------------------------------------------------------------------ history and audit
    def _audit_experiment(self, name: str, *, create: bool = False) -> str | None:
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import local_artifact_root, restore_command

        experiment = f"{name}{AUDIT_EXPERIMENT_SUFFIX}"
        try:
            exp = self.client.get_experiment_by_name(experiment)
            if exp is not None and exp.lifecycle_stage == "deleted":  # deleted by hand: its runs are hidden
                raise RegistryError(
                    f"the audit experiment {experiment!r} (id {exp.experiment_id}) of model {name!r} is deleted: "
                    "its promotion records are hidden and none can be written; restore it: "
                    f"`{restore_command(self.tracking_uri, exp.experiment_id)}` (or the MLflow UI)")
            if exp is not None or not create:
                return exp.experiment_id if exp is not None else None
            try:
                return self.client.create_experiment(
                    experiment, artifact_location=local_artifact_root()
                )
            except MlflowException as exc:
                if not _already_exists(exc):
                    raise
                return self.client.get_experiment_by_name(experiment).experiment_id
        except MlflowException as exc:
            raise RegistryError(f"cannot open the audit experiment {experiment!r}: {exc}") from exc

    def _search_audit(
        self, name: str, filter_string: str = "", limit: int | None = None, *, newest: bool = False,
        experiment: str | None = None,
    ) -> list[Any]:
        """The audit records of ``name``, oldest first; with ``limit``, the first ``limit`` of them,
        or the last ``limit`` when ``newest`` (still oldest first). A record is one run, or the
        copies a retried ``runs/create`` left (:func:`_record_key`): one of them is kept, the
        first by :func:`_copy_order`, whoever reads, and ``limit`` counts records (was: runs, so
        a copy among the newest N left N-1 records, and which copy was kept depended on the
        direction of the read). ``experiment``: the audit experiment's id as this same call read it
        a moment before (one lookup per call, not per search)."""
        from mlflow.exceptions import MlflowException

        exp = experiment or self._audit_experiment(name)
        if exp is None:
            return []
        runs: dict[str, Any] = {}  # by run id: a record made between pages shifts the offsets
        keys: dict[str, None] = {}  # the records in the order read
        token = None
        try:
            while True:
                page = self.client.search_runs(
                    [exp],
                    filter_string=filter_string,
                    order_by=[f"attributes.start_time {'DESC' if newest else 'ASC'}"],
                    max_results=min(limit + 1, 1000) if limit is not None else 1000,
                    page_token=token,
                )
                for run in page:
                    runs.setdefault(run.info.run_id, run)
                    keys.setdefault(_record_key(run))
                token = page.token
                # one record past the limit: the copies of the last one kept are read too
                if not token or (limit is not None and len(keys) > limit):
                    break
        except MlflowException as exc:
            raise RegistryError(f"cannot read the audit records of {name!r}: {exc}") from exc
        wanted = set(list(keys)[:limit]) if limit is not None else set(keys)
        kept: dict[str, Any] = {}
        for run in runs.values():
            key = _record_key(run)
            if key in wanted and (key not in kept or _copy_order(run) < _copy_order(kept[key])):
                kept[key] = run
        return sorted(kept.values(), key=_copy_order)

    def _finish_copies(self, experiment_id: str, tag: str, value: str, ours: Any, *, finished: bool) -> Any:
        """The run to keep of the record whose tag ``tag`` is ``value`` (``ours``, the run
        ``create_run`` answered, or a copy a retried create left before it): the first by
        :func:`_copy_order`, as :meth:`_search_audit` keeps it, finished too when ``finished``.
        Every other copy is tagged ``ctloop.audit.duplicate_of`` and finished (was: left RUNNING
        in the MLflow UI for good)."""
        from mlflow.exceptions import MlflowException

        try:
            copies = self.client.search_runs([experiment_id], filter_string=f"tags.`{tag}` = '{value}'",
                                             max_results=10)
            copies = sorted({r.info.run_id: r for r in [ours, *copies]}.values(), key=_copy_order)
            if finished and len(copies) > 1 and not str(copies[0].info.status).endswith("FINISHED"):
                self.client.set_terminated(copies[0].info.run_id, status="FINISHED")
            for copy in copies[1:]:
                self.client.set_tag(copy.info.run_id, AUDIT_DUPLICATE_OF, copies[0].info.run_id)
                if copy.data.tags.get(AUDIT_STATE) == PENDING:
                    self.client.set_tag(copy.info.run_id, AUDIT_STATE, DUPLICATE)
                if not str(copy.info.status).endswith(("FINISHED", "KILLED")):
                    self.client.set_terminated(copy.info.run_id, status="FINISHED")
                log.warning("ctloop: audit run %s is a copy of %s (a retried create), finished", copy.info.run_id,
                            copies[0].info.run_id)
            return copies[0]
        except (MlflowException, RegistryError) as exc:
            log.warning("ctloop: cannot check audit run %s for a retried create: %s", ours.info.run_id,
                        one_line(str(exc))[:300])
            return ours

    def _promotions(self, name: str, *, experiment: str | None = None) -> list[Promotion]:
        """Every promotion record, oldest first, one per promotion id (``experiment``: as
        :meth:`_search_audit`)."""
        return _promotion_records(self._search_audit(name, f"tags.`{AUDIT_PREFIX}event` = 'promote'",
                                                     experiment=experiment))

    def champions_ever(self, name: str, champion: str | None = None) -> set[str]:
        """The versions this model's own committed promotion records made champion (those :meth:`champion_history`
        counts) and the champion each replaced (one set by hand; was: forgotten), with the alias' version ``champion``
        (read when None). Every promotion record is read: for ``ctloop approve`` and ``registry status``; the alias
        rule reads the tags (:meth:`_alias_champions`; MLflow's ``copy_model_version`` copies every tag of a version
        into the other model, mlflow 3.17.2 ``store/model_registry/abstract_store.py``)."""
        if champion is None:
            champion = self.aliases(name).get(CHAMPION, "")
        return _ever(_counted(self._promotions(name), champion or ""), champion or "")

    def _alias_champions(self, name: str, found: list[Any], champion: str, mine: int,
                         memo: dict[str, Any] | None = None) -> set[str]:
        """The versions ever champion as the challenger rule (:func:`_never_challenger`) counts them for a write of
        the alias at ``mine`` or newer: the alias' version ``champion`` and those tagged :data:`TAG_WAS_CHAMPION` with
        this model's name (:func:`_champion_tagged`), read with the versions, no audit read (was: every promotion
        record read on each register, drop and repair, and any error reading them a RegistryError that made
        register delete the version it had just made). A store promoted before round 56 (a version of this model
        tagged ``true``) is read from its promotion records as well (:meth:`champions_ever`, one audit search): a
        promotion then tagged the new champion ``true`` (the tag alone may be a copy's: only the records confirm it)
        and the champion it replaced not at all, so a champion set by hand and replaced by a ctloop promotion of an
        older version was known to the records only (was: a tagged ``true`` at ``mine`` or newer alone sent the read,
        and after v1, v3 by hand, v1 promoted back, v2 promoted, v3 read as never champion and got the alias, which
        the same history written now refuses). Those records unreadable, the ``true`` tags at ``mine`` or newer, the
        only ones that can pass a write over, count, said in one warning line: the stricter rule, never an error; the
        line says too that a champion set by hand before round 56 cannot be known then (was: said only when a ``true``
        tag at ``mine`` or newer was not otherwise counted, so the hand-set champion's alias was decided silently).
        ``memo``: one dict per :meth:`_point_challenger` or :meth:`drop_challenger` call, so its passes read the records
        (and warn) once (was: up to three audit reads per register). The next promotion or ``registry repair``
        rewrites those tags (:meth:`_migrate_legacy_champions`); after it no audit read is made here."""
        from mlflow.exceptions import MlflowException

        ever = _champion_tagged(found, name) | ({champion} if champion else set())
        legacy = _champion_tagged(found, name, legacy=True)
        if not legacy:
            return ever
        memo = {} if memo is None else memo
        if "records" not in memo:
            try:
                if self._audit_experiment(name) is None:  # removed or renamed: no record confirms or denies the tag
                    raise RegistryError(f"no audit experiment {name + AUDIT_EXPERIMENT_SUFFIX!r}")
                memo["records"] = self.champions_ever(name, champion)
            except (MlflowException, RegistryError) as exc:  # (was: no experiment, the tag silently not counted)
                memo["records"] = None
                log.warning("ctloop: cannot read the promotion records of %s (%s): v%s, tagged %s=%s, counted as "
                            "champion before (a promotion before round 56; where it can pass a write over); a "
                            "champion set by hand before round 56 cannot be known", name, one_line(str(exc))[:300],
                            ", v".join(sorted(legacy, key=int)), TAG_WAS_CHAMPION, LEGACY_WAS_CHAMPION)
        if memo["records"] is None:
            return ever | {v for v in legacy if int(v) >= mine}
        return ever | memo["records"]

    def newest_champion(self, name: str, champion: str | None = None) -> str:
        """The newest version ever champion of ``name`` (of :meth:`champions_ever`; "" for none): the one rule that a
        version older was passed over for good, of the challenger alias (:func:`_never_challenger`) and of an
        approval (``ctloop.approval``; was: the current champion there, and after v1 -> v3 -> back to v1 an approval
        of v2, which the alias rule refused, made champion a model never compared with v3)."""
        newest = _newest(self.champions_ever(name, champion))
        return "" if newest is None else str(newest)

    def champion_history(self, name: str) -> list[dict[str, str]]:
        """Every committed tenure as champion, oldest first, with since/until and reasons."""
        counted = _counted(self._promotions(name), self.aliases(name).get(CHAMPION, ""))
        rows = []
        for i, p in enumerate(counted):
            rows.append(
                {
                    "version": p.version,
                    "since": p.at,
                    "until": counted[i + 1].at if i + 1 < len(counted) else "",
                    "previous_champion": p.previous,
                    "reason": p.reason,
                }
            )
        return rows

    def record_event(self, name: str, version: str, event: dict[str, Any], *, event_id: str = "") -> str:
        """Append an audit record (one MLflow run in experiment ``<name>-audit``); returns its id.

        Answers "which model served which share of traffic, when, and why": search that
        experiment's runs (``ctloop audit`` or the MLflow UI); each run's tags hold the event.
        The version is tagged :data:`TAG_LAST_EVENT` after the record is written; a version deleted
        meanwhile is said, not an error (was: "cannot write the audit record", which was written). A
        ``version`` that is no version (:func:`check_model_version`), or a ``name`` that is no registered model
        name (:func:`check_model_name`), is a ConfigError before any write.
        ``event_id`` (32 hex digits; default a random one): the record's :data:`AUDIT_EVENT_ID`, the same in
        every attempt of one pipeline task: a record already written with it is that task's own, kept
        (the version's tag written again), not written twice.
        """
        from mlflow.exceptions import MlflowException

        from ctloop.tracking import code_version

        # before anything is written (was: the record written, then the version's tag refused; a name MLflow
        # cannot register made the audit experiment of a model that can never exist)
        check_model_name(name)
        version = check_model_version(version) if str(version or "") else ""
        if event_id and not re.fullmatch(r"[0-9a-f]{32}", event_id):  # it goes into a search filter
            raise ConfigError(f"event id {event_id!r}: 32 lowercase hex digits")
        exp_id = self._audit_experiment(name, create=True)
        written = None
        if event_id:
            written, event_id = self._written_event(name, exp_id, event_id, version)
        if written is not None:
            log.warning("ctloop: the %s record of %s v%s is written already (run %s, an earlier attempt of this "
                        "task): kept", event.get("event", "event"), name, version, written.info.run_id)
            if self._last_event_since(name, version, event):  # was: rewritten over a later event's (a retry)
                return written.info.run_id
            return self._tag_last_event(name, version, event, written)
        try:
            tags = {f"{AUDIT_PREFIX}{k}": tag_value(v) for k, v in event.items()}
            tags.update(
                {
                    f"{AUDIT_PREFIX}model": name,
                    f"{AUDIT_PREFIX}version": str(version),
                    f"{AUDIT_PREFIX}at": _now(),
                    f"{AUDIT_PREFIX}code_version": code_version(),
                    AUDIT_EVENT_ID: event_id or uuid.uuid4().hex,
                    "mlflow.runName": f"{event.get('event', 'event')}"
                    + (f"-v{version}" if version else ""),
                }
            )
            run = self.client.create_run(exp_id, tags=tags)
            self.client.set_terminated(run.info.run_id, status="FINISHED")
            run = self._finish_copies(exp_id, AUDIT_EVENT_ID, tags[AUDIT_EVENT_ID], run, finished=True)
        except MlflowException as exc:
            raise RegistryError(
                f"cannot write the audit record for {name} v{version}: {exc}"
            ) from exc
        return self._tag_last_event(name, version, event, run)

    def _last_event_since(self, name: str, version: str, event: dict[str, Any]) -> str:
        """The version's :data:`TAG_LAST_EVENT` when it is an event after registration other than ``event``
        (a decision written after the kept record of ``event``: it stays), else "" (none yet, ``register`` or
        ``approval_requested``, which a retried register task writes again in its order, this one, no
        version, not readable)."""
        from mlflow.exceptions import MlflowException

        if not version:
            return ""
        try:
            last = (self.client.get_model_version(name, str(version)).tags or {}).get(TAG_LAST_EVENT, "")
        except MlflowException:  # deleted or not readable: _tag_last_event says which
            return ""
        if last not in ("", "register", "approval_requested", tag_value(event.get("event", ""))):
            log.warning("ctloop: %s v%s has a later event (%s=%s) than this kept %s record: the tag is left as it is",
                        name, version, TAG_LAST_EVENT, one_line(last)[:100], event.get("event", "event"))
            return last
        return ""

    def _written_event(self, name: str, experiment_id: str, event_id: str, version: str) -> tuple[Any, str]:
        """``(run, id)``: the audit run of ``name`` whose :data:`AUDIT_EVENT_ID` is ``event_id`` (its first copy,
        finished), or None: not written, or not to be found (then it is written; a copy is listed once,
        :func:`_once`); and the id to write it with. A record of another version than ``version`` is not this
        one's (its version deleted before the retry, which registered a new one; was: the other's record kept):
        this version's record has an id derived from both, looked for in turn."""
        from mlflow.exceptions import MlflowException

        try:
            found = self.client.search_runs([experiment_id], filter_string=f"tags.`{AUDIT_EVENT_ID}` = '{event_id}'",
                                            max_results=10)
        except (MlflowException, RegistryError) as exc:
            log.warning("ctloop: cannot look for audit record %s of %s: %s", event_id, name, one_line(str(exc))[:300])
            return None, event_id
        if found and all(r.data.tags.get(f"{AUDIT_PREFIX}version", "") != str(version) for r in found):
            # an id of its own for this version's record (the same in a later retry), or _once lists one of the two
            own = hashlib.sha256(f"{event_id}/v{version}".encode()).hexdigest()[:32]
            log.warning("ctloop: audit record %s (run %s) of %s is of v%s, not v%s (that version deleted before "
                        "this retry): not kept; this version's record is %s", event_id, found[0].info.run_id, name,
                        found[0].data.tags.get(f"{AUDIT_PREFIX}version", ""), version, own)
            return self._written_event(name, experiment_id, own, version)
        if len(found) > 1:  # copies a retried create left: the first kept, the others tagged
            return self._finish_copies(experiment_id, AUDIT_EVENT_ID, event_id, found[0], finished=True), event_id
        if found and not str(found[0].info.status).endswith("FINISHED"):  # the attempt died between the two
            try:
                self.client.set_terminated(found[0].info.run_id, status="FINISHED")
            except MlflowException as exc:
                raise RegistryError(f"cannot finish the audit record {found[0].info.run_id} of {name}: "
                                    f"{one_line(str(exc))[:300]}") from exc
        return (found[0] if found else None), event_id

    def _tag_last_event(self, name: str, version: str, event: dict[str, Any], run: Any) -> str:
        """The version tagged :data:`TAG_LAST_EVENT` after its audit record ``run`` is written; the run's id."""
        from mlflow.exceptions import MlflowException

        if version:
            last = tag_value(event.get("event", ""))
            try:
                self.client.set_model_version_tag(name, str(version), TAG_LAST_EVENT, last)
            except MlflowException as exc:
                if _is_not_found(exc):  # deleted since the caller read it: its tag has nowhere to be
                    log.warning("ctloop: %s v%s was deleted before its tag %s=%s was written; the audit record "
                                "of the event is written", name, version, TAG_LAST_EVENT, one_line(last)[:100])
                    return run.info.run_id
                # was "cannot write the audit record", which was written: a retried step wrote it twice
                raise RegistryError(f"the audit record {run.info.run_id} of {name} v{version} is written, but tagging "
                                    f"the version {TAG_LAST_EVENT}={one_line(last)[:100]} failed: "
                                    f"{one_line(str(exc))[:300]}") from exc
        return run.info.run_id

    def run_events(self, name: str, pipeline_run: str) -> list[dict[str, str]]:
        """The audit records of ``name`` that one pipeline run wrote (tag ``pipeline_run``: its KFP
        run id), oldest first."""
        if not pipeline_run or "'" in pipeline_run or "\\" in pipeline_run:
            return []  # no KFP run id has either; nothing such was recorded
        runs = _once(self._search_audit(name, f"tags.`{AUDIT_PREFIX}pipeline_run` = '{pipeline_run}'"))
        return [{k[len(AUDIT_PREFIX):]: v for k, v in r.data.tags.items() if k.startswith(AUDIT_PREFIX)} for r in runs]

    def deployed_to(self, name: str, inference_service: str, namespace: str) -> bool:
        """Whether ``name``'s audit log holds a ``deploy`` record to ``inference_service`` in ``namespace``
        (its tags ``inference_service`` and ``namespace``): one search filtered on the three tags, one record
        (a rollback of a service that is gone: was the whole log, every page of it, read for one record).
        A name or namespace with a quote or backslash (no Kubernetes name has either) was never deployed to:
        False, as :meth:`run_events` answers such a run id. An empty namespace (the cluster's default) is
        matched in Python (a tag filter on '' is not one every MLflow store answers alike)."""
        values = (inference_service, namespace)
        if not inference_service or any("'" in v or "\\" in v for v in values):
            return False
        where = (f"tags.`{AUDIT_PREFIX}event` = 'deploy' AND "
                 f"tags.`{AUDIT_PREFIX}inference_service` = '{inference_service}'")
        if namespace:
            return bool(self._search_audit(name, f"{where} AND tags.`{AUDIT_PREFIX}namespace` = '{namespace}'",
                                           limit=1))
        return any(r.data.tags.get(f"{AUDIT_PREFIX}namespace", "") == "" for r in self._search_audit(name, where))

    def audit_log(self, name: str, max_results: int | None = 200) -> list[dict[str, str]]:
        """The newest ``max_results`` audit records of ``name`` (None: all of them), oldest first (was: the
        oldest ones, so a model with more records lost its recent ones). Promotions appear once committed: a pending
        one the champion alias does not confirm is left out, an aborted one is
        ``promote_aborted``."""
        return self._audit_records(name, _once(self._search_audit(name, limit=max_results, newest=True)))

    def audit_events(self, name: str, events: tuple[str, ...], per_event: int, *,
                     context: tuple[str, ...] = (), champion: str | None = None,
                     ) -> tuple[list[dict[str, str]], bool]:
        """The newest ``per_event`` audit records of each event in ``events`` (tag ``event``),
        merged oldest first as :meth:`audit_log` gives them, and whether one of the events had that
        many (older ones left unread). ``ctloop rollout status`` reads its decisions so: the newest
        N records of every event hid a decision behind N deploys and traffic moves of other runs.
        Where an event had that many, a record of any event older than the oldest read of it is left
        out: a record of that event between the two may be unread, and the older one would be taken
        for the newest (review 50 F: a rollback shown as the last decision while a newer analysis of
        the same service sat behind 100 analyses of another namespace). ``context`` events (deploys,
        read for what they name) are read the same way but neither cut nor counted. ``champion``:
        the alias as the caller read it (:meth:`aliases`), not read again. One search answers a log
        of fewer than :data:`AUDIT_PAGE` records."""
        runs: list[Any] = []
        full = False
        cutoff = 0  # ms: the newest of the oldest records read of each event that had per_event
        experiment = self._audit_experiment(name)
        if experiment is None:
            return [], False
        # One newest-first read of the log (was: one search per event, and one more of the promotions:
        # six round trips for ctloop rollout status). It holds each event's newest per_event records
        # when it holds that many of it or the whole log; only the events it holds fewer of, in a
        # longer log, are read apart as before
        page_size = AUDIT_PAGE
        page = self._search_audit(name, limit=page_size, newest=True, experiment=experiment)
        whole = len(page) < page_size
        by_event: dict[str, list[Any]] = {}
        for run in page:
            by_event.setdefault(run.data.tags.get(AUDIT_PREFIX + "event", ""), []).append(run)
        for event in (*events, *context):
            found = _once(by_event.get(event, []))[-per_event:] if per_event > 0 else []
            if len(found) < per_event and not whole:
                found = _once(self._search_audit(name, f"tags.`{AUDIT_PREFIX}event` = '{event}'", limit=per_event,
                                                 newest=True, experiment=experiment))
            if event not in context and len(found) >= per_event:
                full = True
                cutoff = max(cutoff, min(r.info.start_time or 0 for r in found))
            runs += found
        runs = [r for r in runs if (r.info.start_time or 0) >= cutoff
                or r.data.tags.get(AUDIT_PREFIX + "event") in context]
        runs.sort(key=lambda r: (r.info.start_time or 0, r.data.tags.get(AUDIT_PREFIX + "at", "")))
        promotions = _promotion_records(page) if whole else None  # every promotion record is in the page
        return self._audit_records(name, runs, promotions=promotions, champion=champion), full

    def _audit_records(self, name: str, runs: list[Any], *, promotions: list[Promotion] | None = None,
                       champion: str | None = None) -> list[dict[str, str]]:
        """``runs`` (audit records, oldest first) as :meth:`audit_log` gives them. ``promotions``:
        every promotion record of the log when the caller read them already (else searched);
        ``champion``: the alias as the caller read it a moment before (else read)."""
        records = (
            (promotions if promotions is not None
             else self._promotions(name, experiment=runs[0].info.experiment_id))  # found in that experiment
            if any(r.data.tags.get(AUDIT_PREFIX + "event") == "promote" for r in runs)
            else []
        )
        if champion is None and records:
            champion = self.aliases(name).get(CHAMPION, "")
        counted = {p.run_id for p in _counted(records, champion or "")}
        first = {p.run_id for p in records}
        out = []
        for r in runs:
            event = {
                k[len(AUDIT_PREFIX) :]: v
                for k, v in r.data.tags.items()
                if k.startswith(AUDIT_PREFIX)
            }
            if event.get("event") == "promote":
                if r.info.run_id not in first:
                    continue  # a duplicate of a retried intent write
                if r.info.run_id not in counted:
                    if event.get("state") != ABORTED:
                        continue
                    event["event"] = "promote_aborted"
            out.append(event)
        return out


def staged_note(name: str, versions: list[ModelVersion], tracking_uri: str = "") -> list[str]:
    """A note when ``name`` has no champion alias but versions in MLflow's deprecated stages (a
    registry used before aliases): ctloop reads the ``champion`` alias only. A version in
    ``Production`` was the served model: the gate refuses to approve a first champion beside it
    (:func:`stage_blocks`), and the note names both ways out, the alias on it or its stage archived.
    Versions in ``Staging`` only were never approved: no champion, the gate judges the challenger
    as the first model, and the note says so."""
    staged = [v for v in versions if v.stage in ("Production", "Staging")]
    if not staged:
        return []
    shown = ", ".join(f"v{v.version} ({v.stage})" for v in staged[-3:])
    from ctloop.tracking import hide_password

    # the URI as the user wrote it, its password (if any) hidden: they have it
    client = (hide_password(f"MlflowClient(tracking_uri={tracking_uri!r})", tracking_uri) if tracking_uri
              else "MlflowClient()")
    production = [v for v in staged if v.stage == "Production"]
    if not production:
        return [f"no champion alias; version(s) in MLflow's deprecated stage Staging: {shown}: ctloop reads the "
                "champion alias only, and a Staging version was never approved, so none is the champion"]
    best = production[-1]
    return [f"no champion alias, but version(s) in MLflow's deprecated stages: {shown}; ctloop reads the "
            f"champion alias only: make v{best.version} the champion "
            f"({client}.set_registered_model_alias({name!r}, 'champion', '{best.version}')) or, if it is no "
            f"longer the served model, archive its stage "
            f"({client}.transition_model_version_stage({name!r}, '{best.version}', 'Archived'))"]


def stage_blocks(versions: list[ModelVersion]) -> bool:
    """Whether a version sits in MLflow's deprecated stage ``Production``: with no ``champion``
    alias the gate refuses to approve a first champion (fail safe; :func:`staged_note` says how to
    go on). ``Staging`` alone does not block: such a version was never approved."""
    return any(v.stage == "Production" for v in versions)


def _name_filter(name: str, field: str = "name") -> str:
    """A model-version search filter that finds every version of ``name`` (and maybe others: the
    caller keeps exact matches). MLflow's filter grammar has no escape for a quote inside a quoted
    value (mlflow 3.17.2 ``utils/search_utils.py`` ``_strip_quotes`` only trims the ends), so a
    name holding a quote or a backslash is matched with LIKE, each such character a ``_``.
    ``field``: what is compared (a tag: ``tags.`<key>```)."""
    if not any(c in name for c in "'\"\\"):
        return f"{field}='{name}'"
    return f"{field} LIKE '" + "".join("_" if c in "'\"\\" else c for c in name) + "'"


def _promotion_records(runs: list[Any]) -> list[Promotion]:
    """The promotion records among ``runs`` (audit runs as :meth:`MlflowRegistry._search_audit`
    reads them), oldest first, one per promotion id."""
    seen: dict[str, Promotion] = {}
    for run in runs:
        if run.data.tags.get(AUDIT_PREFIX + "event") != "promote":
            continue
        p = Promotion.from_run(run)
        seen.setdefault(p.id, p)  # a retried intent write can leave two runs for one promotion
    return sorted(seen.values(), key=lambda p: (p.start_time, p.at))


def _record_key(run: Any) -> str:
    """Which audit record ``run`` is: its promotion id (a promotion's intent), its
    ``ctloop.audit.event_id`` (:meth:`MlflowRegistry.record_event`), else the run itself."""
    tags = run.data.tags
    if tags.get(AUDIT_PREFIX + "event") == "promote" and tags.get(AUDIT_PREFIX + "promotion_id"):
        return "promotion:" + tags[AUDIT_PREFIX + "promotion_id"]
    return "event:" + tags[AUDIT_EVENT_ID] if tags.get(AUDIT_EVENT_ID) else "run:" + run.info.run_id


def _copy_order(run: Any) -> tuple[int, str]:
    """The order of an audit record's copies, the one kept first: the oldest start, then the
    smallest run id (a retried create sends the same start time; MLflow orders such runs by run
    id, mlflow 3.17.2 ``store/tracking/sqlalchemy_store.py`` ``_get_orderby_clauses``)."""
    return int(run.info.start_time or 0), str(run.info.run_id)


def _once(runs: list[Any]) -> list[Any]:
    """``runs`` without the retried copies of an audit record (the same ``ctloop.audit.event_id``),
    the first kept."""
    seen: set[str] = set()
    out = []
    for run in runs:
        event_id = run.data.tags.get(AUDIT_EVENT_ID, "")
        if event_id and event_id in seen:
            continue
        seen.add(event_id)
        out.append(run)
    return out


def _confirmed_pending(records: list[Promotion], champion: str) -> Promotion | None:
    """The pending record the champion alias confirms (module docstring), or None."""
    if not champion:
        return None
    pending = [p for p in records if p.state == PENDING]
    if not pending or pending[-1].version != champion:
        return None
    last_committed = max((p.start_time for p in records if p.state in (COMMITTED, "")), default=-1)
    return pending[-1] if pending[-1].start_time >= last_committed else None


def _counted(records: list[Promotion], champion: str) -> list[Promotion]:
    """The records that count as committed, oldest first."""
    confirmed = _confirmed_pending(records, champion)
    return [p for p in records if p.state in (COMMITTED, "") or p is confirmed]


def _ever(counted: list[Promotion], champion: str) -> set[str]:
    """The versions ever champion by the records ``counted`` (:func:`_counted`) and the alias' version ``champion``:
    each record's version and the champion it replaced (one set by hand before a ctloop promotion replaced it; was:
    forgotten)."""
    return ({p.version for p in counted} | {p.previous for p in counted if p.previous}
            | ({champion} if champion else set()))


# The longest audit tag value ctloop writes (tag_value): mlflow 3.17.2 takes 8000 characters in a run tag
# (mlflow/utils/validation.py MAX_TAG_VAL_LENGTH, the SQL store's column String(8000) in
# store/tracking/dbmodels/models.py SqlTag), a server without mlflow PR #13176 (merged 2024-09) 5000; a longer value is
# cut to this and ends in TRUNCATED
TAG_VALUE_MAX = 5000
TRUNCATED = "…[truncated]"


def tag_value(value: Any) -> str:
    """``value`` as ctloop writes it to an MLflow tag (a version's, an audit record's): a dict or list as
    sorted JSON, not UTF-8 replaced, cut to :data:`TAG_VALUE_MAX` ending in :data:`TRUNCATED`; compare a
    value read back with this of the value written."""
    if isinstance(value, dict | list):
        text = json.dumps(value, sort_keys=True, default=str)
    else:
        text = "" if value is None else str(value)
    # A byte that is not UTF-8 in a command-line argument arrives as a lone surrogate (PEP 383),
    # which no MLflow request can encode: written as U+FFFD, as a UTF-8 decoder shows it.
    from ctloop.tracking import utf8_text

    text = utf8_text(text)
    # MLflow caps tag values; keep the head and say it was cut (TAG_VALUE_MAX).
    return text if len(text) <= TAG_VALUE_MAX else text[:TAG_VALUE_MAX - len(TRUNCATED)] + TRUNCATED


def check_model_name(name: str) -> str:
    """``name`` if MLflow can register a model under it, else one ConfigError line naming it. The
    rule is MLflow's (``mlflow/utils/validation.py`` ``_validate_model_name``, mlflow 3.17.2), checked
    before any store is opened: a sqlite tracking URI creates its database on first use."""
    import posixpath

    if not name or not name.strip():
        raise ConfigError(f"model name {name!r}: a registered model name is required (e.g. credit-default)")
    if "/" in name or ":" in name:
        raise ConfigError(f"model name {name!r}: a registered model name cannot contain '/' or ':'")
    norm = posixpath.normpath(name)
    if norm != name or norm == "." or norm.startswith(".."):
        raise ConfigError(f"model name {name!r}: not a registered model name (as a path it is {norm!r})")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in name):  # MLflow takes them; every log line breaks
        raise ConfigError(f"model name {one_line(name)!r}: holds a control character (a pasted newline?)")
    if len(name) > MODEL_NAME_MAX:
        raise ConfigError(f"model name {name[:40]!r}... ({len(name)} characters): at most {MODEL_NAME_MAX} (MLflow's "
                          f"database holds 256 characters of a name, also of its promotion lock '<name>{LOCK_SUFFIX}')")
    return name


# mlflow 3.17 store/tracking/dbmodels/models.py SqlExperiment.name and store/model_registry/dbmodels/
# models.py SqlRegisteredModel.name are String(256) (Postgres and MySQL enforce it; SQLite does not).
# A model gets the experiment "<name>-monitoring" and the registered promotion lock
# "<name>.ctloop-promotion-lock", the longer of the two
MODEL_NAME_MAX = 256 - max(len("-monitoring"), len(LOCK_SUFFIX))


def check_model_version(version: str) -> str:
    """``version`` if it can name a registered model version (MLflow numbers them 1, 2, ...), else
    one ConfigError line naming it."""
    text = str(version).strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ConfigError(f"model version {version!r}: a registered model version is a whole number >= 1 "
                          "(ctloop audit lists them)")
    if int(text) > MODEL_VERSION_MAX:  # asked of the registry: an INTERNAL_ERROR (HTTP 500, retried), not "no such version"
        raise ConfigError(f"model version {version!r}: beyond {MODEL_VERSION_MAX}, the largest version an MLflow "
                          "registry holds (a 32-bit number): is it another id?")
    return str(int(text))


# mlflow 3.17.2 store/model_registry/dbmodels/models.py SqlModelVersion.version is a SQL Integer (32-bit
# in PostgreSQL and MySQL; sqlite answers a larger number with INTERNAL_ERROR)
MODEL_VERSION_MAX = 2**31 - 1


def _declared(tags: dict[str, str]) -> list[str]:
    """The declared skops types of a bring-your-own model (run tag ``ctloop.trusted_types``)."""
    from ctloop.artifacts import declared_types
    from ctloop.tracking import TAG_TRUSTED_TYPES

    try:
        names = json.loads(tags.get(TAG_TRUSTED_TYPES) or "[]")
    except ValueError as exc:
        raise ModelIntegrityError(f"run tag {TAG_TRUSTED_TYPES} is not a JSON list: {exc}") from exc
    return declared_types({"trusted_types": names})


__all__ = [
    "CHAMPION",
    "CHALLENGER",
    "PREVIOUS_CHAMPION",
    "TAG_ROLLOUT_STATUS",
    "TAG_SERVING_VALIDATION",
    "SERVING_INVALID",
    "SERVING_VALID",
    "ROLLED_BACK_STATES",
    "ROLLBACK_REFUSED",
    "ROLLBACK_TRIED",
    "TAG_VALUE_MAX",
    "TRUNCATED",
    "tag_value",
    "TAG_ROLLOUT_NOT_READY",
    "TAG_ROLLOUT_ROLLBACK_TO",
    "TAG_ROLLOUT_HELD",
    "TAG_GATE_CHAMPION",
    "ModelVersion",
    "MlflowRegistry",
    "Promotion",
    "RegistryState",
    "check_model_name",
    "check_model_version",
    "staged_note",
    "stage_blocks",
]
