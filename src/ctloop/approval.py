"""A person signs off a new model: ``rollout.approval: required``.

The continuous-training run registers an approved challenger, points the alias
``pending-approval`` at it and stops: nothing is deployed or promoted. The version carries tags
``ctloop.approval=pending``, the reason, and the release settings it was registered with
(``ctloop.approval.rollout``: the ``rollout`` section as JSON), so the decision can be carried out
later exactly as configured then.

``ctloop approve`` / ``ctloop reject`` (:mod:`ctloop.cli.approval`) record who decided and why in
the audit trail and, on approval, start the rollout run (canary) or the registry promotion. An
approval of a version that is no longer the one pending — a newer challenger was registered since,
or it was already decided — is refused with the reason: nobody approves a model they did not see.

An approval stays ``pending-approval`` until what it starts has started (:func:`finish`): when the
rollout run could not be created (the KFP API down), ``ctloop approve`` again starts it — the
decision recorded the first time stands (who, why), and no second one is recorded.
"""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ctloop.errors import ConfigError, RegistryError, shell_option

PENDING_ALIAS = "pending-approval"
TAG_STATE = "ctloop.approval"  # pending | approved | rejected
TAG_REASON = "ctloop.approval.reason"
TAG_ROLLOUT = "ctloop.approval.rollout"
TAG_BY = "ctloop.approval.by"
TAG_AT = "ctloop.approval.at"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True)
class Decision:
    version: str
    approved: bool
    by: str
    reason: str
    rollout: dict[str, Any]
    resumed: bool = False  # an approval recorded earlier whose rollout or promotion had not started
    at: str = ""  # when it was decided (tag ctloop.approval.at, kept by a resumed decision)
    restated: str = ""  # who approved first, when this approval's by/reason replaced theirs (approval_restated)


def rollout_key(name: str, decision: Decision) -> str:
    """The idempotency key of the rollout run an approval starts (in the run's description, not its
    id): the same for every attempt to carry out one approval (``ctloop approve`` again after a crash
    between creating the run and recording ``rollout_started`` finds that run instead of starting a
    second canary), another for another approval (a model deleted and registered again counts its
    versions from 1 anew). Not the run's id: KFP 2.17.0 ``resource/resource_manager.go`` ``CreateRun``
    creates the workflow before it stores the run, and ``ReportWorkflowResource`` adopts every workflow
    of a stored run's id, so an attempt after one whose store failed would run two canaries under one
    run. Runs created by ctloop before round 42 have it as their id."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ctloop-approval:{name}/{decision.version}/{decision.at}"))


def who(explicit: str = "") -> str:
    """Who decides: ``--by``, else the Kubernetes/OS user (``KUBERNETES_USER``, ``USER``), else the
    login name."""
    for value in (explicit, os.environ.get("CTLOOP_APPROVER", ""), os.environ.get("KUBERNETES_USER", ""),
                  os.environ.get("USER", "")):
        if value.strip():
            return value.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def request(registry: Any, name: str, version: str, *, reason: str, rollout: dict[str, Any],
            pipeline_run: str = "", event_id: str = "") -> str:
    """Mark ``version`` as waiting for a person (alias, tags, audit record). Under the model's
    promotion lock, and never back to an older version: two continuous-training runs at once may
    write in either order (aliases are last-writer-wins), and the newest challenger is the one
    waiting — an older one is recorded as superseded by it. So is an older one requested late,
    after a newer version was already decided (``pending-approval`` cleared by :func:`finish`) or
    is champion. ``event_id``: the audit record's, the same in every attempt of one pipeline task
    (``MlflowRegistry.record_event``). Returns ``""``, or the decision (``approved``/``rejected``) a
    version asked about again already has: it stands, nothing is written."""
    import contextlib

    locked = getattr(registry, "_locked", None)
    with locked(name) if callable(locked) else contextlib.nullcontext():
        # a retried task asks again: a decision given since its first request stands (a person
        # approving in the seconds between the retry's registration check and this call)
        decided = (registry.get_version(name, str(version)).tags or {}).get(TAG_STATE, "")
        if decided in (APPROVED, REJECTED):
            print(f"ctloop: {name} v{version} was {decided} meanwhile: not asked again")
            return decided
        newer = _newer(registry, name, version)
        registry.set_tags(name, version, {TAG_STATE: PENDING, TAG_REASON: reason,
                                          TAG_ROLLOUT: json.dumps(rollout, sort_keys=True)})
        if not newer:
            registry.set_alias(name, PENDING_ALIAS, version)
        registry.record_event(name, version, {"event": "approval_requested", "reason": reason,
                                              "pipeline_run": pipeline_run,
                                              **({"superseded_by": newer} if newer else {})},
                              **({"event_id": event_id} if event_id else {}))
    return ""


def _newer(registry: Any, name: str, version: str) -> str:
    """A version newer than ``version`` that supersedes it: the one pending approval, one already
    approved or rejected, or the newest version ever champion (:func:`_newest_champion`); "" when there is none."""
    number = _number(version)
    waiting = pending(registry, name)
    if waiting is not None and _number(waiting.version) > number:
        return str(waiting.version)
    # the champion, not the challenger: every registered version becomes challenger, also one whose
    # run stopped before asking for approval (it would leave nothing waiting); the newest ever champion, not the
    # current one (a rollback to an older champion does not make a version passed over current again)
    champion = _newest_champion(registry, name)
    if _number(champion) > number:
        return str(champion)
    for other in (registry.versions(name) if hasattr(registry, "versions") else []):
        if _number(other.version) > number and other.tags.get(TAG_STATE) in (APPROVED, REJECTED):
            return str(other.version)
    return ""


def _newest_champion(registry: Any, name: str) -> str:
    """The newest version ever champion of ``name`` ("" for none): the registry's one rule that a version older was
    passed over for good, shared with the challenger alias (``MlflowRegistry.newest_champion``: this model's
    committed promotions and the alias; a registry without it, the alias). Was: the current champion here, the
    newest ever there, and after v1 -> v3 -> back to v1 an approval of v2, which the alias rule refused, made
    champion a model never compared with v3."""
    champion = (registry.aliases(name) if hasattr(registry, "aliases") else {}).get("champion", "")
    newest = getattr(registry, "newest_champion", None)
    return newest(name, champion) if callable(newest) else champion


def _number(version: Any) -> int:
    """A registry version's number (MLflow counts them 1, 2, ...); -1 when it is none."""
    try:
        return int(str(version))
    except ValueError:
        return -1


def pending(registry: Any, name: str) -> Any:
    """The version waiting for approval, or None."""
    return registry.get_alias(name, PENDING_ALIAS)


def beyond_bmp(*texts: str) -> bool:
    """Whether a text holds a character beyond U+FFFF (an emoji): KFP 2.17.0 cannot store one in a
    run's name or parameters (``backend/src/apiserver/client/sql.go`` ``CreateMySQLConfig``: MySQL
    ``charset=utf8``, at most 3 bytes a character; see ``ctloop.ops.platform.refuse_astral``)."""
    return any(ord(c) > 0xFFFF for text in texts for c in str(text))


def unstorable(*texts: str) -> bool:
    """Whether a rollout run cannot carry a text: a character beyond U+FFFF (:func:`beyond_bmp`) or a URL
    with a credential in it, which ``Platform.create_run`` refuses to publish in a run's parameters
    (``ctloop.ops.platform.refuse_credentials``)."""
    from ctloop.ops.platform import carries_credentials

    return beyond_bmp(*texts) or carries_credentials(list(texts))


def check_reason(reason: str) -> str:
    """``reason`` if it says something; an empty one is refused (it is kept in the audit trail)."""
    if not reason.strip():
        raise ConfigError(f"--reason is required, got {reason!r}: say why (it is kept in the audit trail)")
    return reason


def decide(registry: Any, name: str, version: str, *, approve: bool, by: str, reason: str,
           before_record: Callable[[dict[str, Any]], None] | None = None) -> Decision:
    """Record the decision on ``version``; refused unless it is the version pending approval. A
    rejection clears ``pending-approval`` at once; an approval leaves it to :func:`finish`, once
    what it starts has started. An approved version still pending (what it starts did not start)
    is resumed by another approval (``Decision.resumed``: nothing recorded again) and cannot be
    rejected, unless its rollout run can never be created: an approval recorded with a reason, an
    approver or a model name holding a character KFP cannot store or a URL with a credential
    (:func:`unstorable`; ``ctloop`` before fix round 41, and for credentials before fix round 44, checked
    them only after recording it). Such an approval is carried out with
    the reason and approver given now in place of the stored ones (recorded as ``approval_restated``),
    or rejected — unless a rollout of it ran anyway (an older ctloop sent the text and KFP made the
    workflow before refusing the run: :func:`_orphan_rollout`), when both are refused, nothing
    changed. ``before_record`` gets the version's rollout settings just before a new decision is
    recorded: what it raises refuses the decision with nothing recorded (the version stays pending)."""
    check_reason(reason)
    waiting = pending(registry, name)
    target = registry.get_version(name, str(version))  # a RegistryError names a missing version
    state = target.tags.get(TAG_STATE, "")
    verb = "approve" if approve else "reject"
    if waiting is None or waiting.version != target.version:
        if state in (APPROVED, REJECTED):
            why = f"v{target.version} was already {state} by {target.tags.get(TAG_BY, '?')}"
        elif waiting is not None:
            why = (f"a newer challenger v{waiting.version} was registered after v{target.version} and is the one "
                   "pending approval; review that one")
        else:
            why = f"v{target.version} is not waiting for approval (nothing is pending for {name})"
        raise RegistryError(f"cannot {verb} {name} v{target.version}: {why}")
    rollout = _rollout(name, target)
    if approve and state != REJECTED:  # a rejected one is refused below
        _not_older_than_champion(registry, name, target.version, state)
        changed = getattr(registry, "refuse_champion_changed", None)
        if callable(changed):  # the champion its gate compared it with (its tags say) is champion still
            changed(name, target.version, tags=target.tags, doing="approving")
        refuse = getattr(registry, "refuse_deleted_run", None)
        if callable(refuse):  # its training run in MLflow's trash: refused, nothing recorded (rejecting it works)
            refuse(name, target.version, "approve",
                   f"reject it (`ctloop reject {shell_option('--model-name', name)} --version {target.version} --reason ...`)")
    if state == APPROVED:  # approved before, but what the approval starts did not start
        first_by, first_reason = target.tags.get(TAG_BY, "?"), target.tags.get(f"{TAG_REASON}.{APPROVED}", "")
        # an approval recorded before its rollout run's parameters were checked (ctloop before fix
        # round 41): its rollout run was refused — before it was sent (from 01e044f on), or by KFP
        # after it had made the workflow (every ctloop before), whose records then say so
        stuck = bool(rollout.get("inference_service")) and unstorable(name, first_by, first_reason)
        if stuck and (ran := _orphan_rollout(registry, name, target)):
            raise RegistryError(
                f"cannot {verb} {name} v{target.version}: its approval by {first_by} holds a character KFP cannot "
                f"store, and an older ctloop sent it anyway — KFP makes the rollout workflow before it refuses to "
                f"store the run — and {ran}: a rollout of v{target.version} ran without a KFP run; nothing was "
                f"changed — check what it left (`ctloop rollout status`; promote or roll back by hand: `ctloop "
                f"rollout promote`/`rollback`); "
                f"v{target.version} stays approved, and the next challenger waiting for approval replaces it")
        if not approve and not stuck:
            raise RegistryError(f"cannot reject {name} v{target.version}: it was already approved by {first_by}; "
                                "its rollout or promotion has not started yet: `ctloop approve` starts it")
        if approve:
            restated = ""
            if stuck and unstorable(first_by, first_reason) and not unstorable(by, reason):
                # its rollout run cannot carry the stored reason/by: this approval's replace them —
                # recorded first: tags replaced before a failed record would hide it for good (the
                # next approve finds nothing stuck)
                registry.record_event(name, target.version, {"event": "approval_restated", "by": by, "reason": reason,
                                                             "replaces": f"{first_by}: {first_reason}"})
                registry.set_tags(name, target.version, {TAG_BY: by, f"{TAG_REASON}.{APPROVED}": reason})
                restated, first_by, first_reason = first_by, by, reason
            elif not recorded(registry, name, target.version, APPROVED):  # the first attempt stopped before its record
                registry.record_event(name, target.version, {"event": APPROVED, "by": first_by, "reason": first_reason})
            return Decision(target.version, True, first_by, first_reason, rollout, resumed=True,
                            at=target.tags.get(TAG_AT, ""), restated=restated)
        # a rejection of a stuck approval: recorded below like any other
    if state == REJECTED:  # rejected, but the alias was not cleared (a crash in between)
        if approve:
            raise RegistryError(f"cannot approve {name} v{target.version}: it was already rejected by "
                                f"{target.tags.get(TAG_BY, '?')}")
        first_by, first_reason = target.tags.get(TAG_BY, "?"), target.tags.get(f"{TAG_REASON}.{REJECTED}", "")
        alias = _not_challenger(registry, name, target.version, again=True)
        if not recorded(registry, name, target.version, REJECTED):
            registry.record_event(name, target.version, {"event": REJECTED, "by": first_by, "reason": first_reason,
                                                         **alias})
        finish(registry, name, target.version)  # last: while it is pending, a retry completes the record
        return Decision(target.version, False, first_by, first_reason, rollout, resumed=True)
    from ctloop.timeutil import utc_now

    if before_record is not None:
        before_record(rollout)
    decided, at = (APPROVED if approve else REJECTED), utc_now().isoformat()
    registry.set_tags(name, target.version, {TAG_STATE: decided, TAG_BY: by, TAG_AT: at,
                                             f"{TAG_REASON}.{decided}": reason})
    alias = {} if approve else _not_challenger(registry, name, target.version)
    registry.record_event(name, target.version, {"event": decided, "by": by, "reason": reason, **alias})
    if not approve:
        # cleared after the record (was: before it, and a record that failed was never written: the retry, finding
        # nothing pending, was refused as "already rejected"); a retry resumes the rejection above
        finish(registry, name, target.version)
    return Decision(target.version, approve, by, reason, rollout, at=at)


# what a rollout run's steps record of the version (ctloop.serving.release: deploy, analyze's
# audit with walk_plan's "traffic", promote's traffic_promote and the registry's promote, rollback)
ROLLOUT_EVENTS = ("deploy", "deploy_held", "traffic", "analysis", "traffic_promote", "promote", "promote_aborted", "rollback")


def _orphan_rollout(registry: Any, name: str, target: Any) -> str:
    """What shows that a rollout run of ``target`` ran although ``ctloop approve`` never recorded
    starting one (``""``: nothing does): a record of its steps (:data:`ROLLOUT_EVENTS`, naming the
    run), its last event or rollout status tag, or the champion alias on it."""
    version = str(target.version)
    for event in reversed(registry.audit_log(name)):
        if event.get("event") in ROLLOUT_EVENTS and str(event.get("version")) == version:
            run = event.get("pipeline_run") or "?"
            return (f"the audit trail holds its '{event['event']}' from rollout run {run} "
                    f"(`kubectl get workflows -A -l pipeline/runid={run}`)")
    tags = target.tags
    last = tags.get("ctloop.last_event", "")
    if last in ROLLOUT_EVENTS or tags.get("ctloop.rollout.status"):
        return f"its tags name a rollout step (last event {last!r}, status {tags.get('ctloop.rollout.status', '')!r})"
    champion = (registry.aliases(name) if hasattr(registry, "aliases") else {}).get("champion", "")
    if str(champion) == version:
        return "it is champion"
    return ""


def _not_older_than_champion(registry: Any, name: str, version: str, state: str) -> None:
    """Refuse carrying out an approval of ``version`` when a newer version is or was champion
    (:func:`_newest_champion`): one released without approval after it was registered (``rollout.approval``
    switched off in the spec, or a promotion by hand), perhaps rolled back since. Approving the older one would
    replace the champion with a model never compared with the newer one (what :func:`request` records as
    superseded when the request comes late)."""
    newest = _newest_champion(registry, name)
    if _number(newest) <= _number(version):
        return
    champion = (registry.aliases(name) if hasattr(registry, "aliases") else {}).get("champion", "")
    fix = (f"`ctloop reject {shell_option('--model-name', name)} --version {version} --reason ...` clears it" if state != APPROVED
           else "it stays approved and is not carried out; the next challenger waiting for approval replaces it")
    was = ("is champion" if newest == champion else
           f"was champion (rolled back since: v{champion or '?'} is champion), and v{version} was passed over then")
    raise RegistryError(f"cannot approve {name} v{version}: v{newest}, registered after it, {was} (released "
                        f"without this approval: rollout.approval switched off since, or promoted by hand); approving "
                        f"v{version} would make champion a model never compared with v{newest} — nothing was changed; "
                        f"{fix}; to release v{version} anyway (moves all traffic, no canary): `ctloop rollout promote "
                        f"--isvc ... --namespace ... {shell_option('--model-name', name)} --version {version} --reason ...`")


def _rollout(name: str, target: Any) -> dict[str, Any]:
    """The release settings ``target`` was registered with (tag :data:`TAG_ROLLOUT`), read before
    anything is recorded: a tag that is no JSON mapping (cut at MLflow's tag limit, edited by hand)
    is refused in one line, the version still pending."""
    text = target.tags.get(TAG_ROLLOUT) or "{}"
    try:
        rollout = json.loads(text)
    except ValueError:
        rollout = None
    if not isinstance(rollout, dict):
        raise RegistryError(f"cannot carry out the decision on {name} v{target.version}: its tag {TAG_ROLLOUT} is no "
                            f"JSON mapping of the rollout settings (got {text[:80]!r}): set it again, e.g. "
                            '\'{"approval": "required"}\' for a registry promotion')
    return rollout


def recorded(registry: Any, name: str, version: str, event: str) -> bool:
    """Whether the audit trail holds ``event`` for ``version`` (a decision resumed after a crash)."""
    return any(e.get("event") == event and str(e.get("version")) == str(version) for e in registry.audit_log(name))


def _not_challenger(registry: Any, name: str, version: str, *, again: bool = False) -> dict[str, str]:
    """Take alias ``challenger`` off ``version``, just rejected (under the promotion lock, as :func:`finish`):
    a rejected version is never challenger (``ctloop.registry._never_challenger``; was: left on it, and ``ctloop
    score --alias challenger`` or a shadow deployment scored the model the reviewer turned down). Returns what
    became of the alias for the rejection's audit record (``challenger_alias``, as a rollback's says it; was: not
    recorded, so the audit trail never said the alias moved). ``again``: a rejection resumed (an earlier attempt
    may have removed it: "already removed, or never set", not "was not challenger")."""
    drop = getattr(registry, "drop_challenger", None)
    if callable(drop):
        return {"challenger_alias": drop(name, str(version), rolled_back_before=again)}
    return {}


def finish(registry: Any, name: str, version: str) -> None:
    """Clear ``pending-approval`` once the decision on ``version`` is carried out (unless it
    already points at a newer challenger registered meanwhile: that one still waits). Called under the
    model's promotion lock, which :func:`request` writes under: a read of the alias then its delete."""
    from mlflow.exceptions import MlflowException

    waiting = pending(registry, name)
    if waiting is None or str(waiting.version) != str(version):
        return
    try:
        registry.client.delete_registered_model_alias(name, PENDING_ALIAS)
    except MlflowException as exc:
        raise RegistryError(f"cannot clear alias {PENDING_ALIAS!r} of {name!r}: {exc}") from exc


__all__ = ["PENDING_ALIAS", "TAG_STATE", "PENDING", "APPROVED", "REJECTED", "Decision", "who", "request", "pending",
           "beyond_bmp", "unstorable", "check_reason", "decide", "finish", "recorded", "rollout_key"]
