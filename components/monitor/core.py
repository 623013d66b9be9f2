"""Retraining rules over the monitoring history. KFP-free.

A window record is ``{"window_end": iso, "drift_share": float|None, "realized": float|None,
"rows": int, "triggered": bool}``; the history is every earlier record, oldest first (kept as
an MLflow time series). Rules (all optional, documented in the monitoring pipeline):

* ``drift_share`` + ``drift_windows``: drift share above the threshold for N consecutive windows;
* ``realized_floor``: realized metric below an absolute floor;
* ``realized_drop``: realized metric more than X below the champion's validation metric;
* ``min_rows_since_training``: at least this many logged rows since the champion was trained
  (a volume condition every other rule also needs when set);
* ``cooldown``: no trigger within this duration of the previous trigger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctloop.errors import ConfigError

RULE_KEYS = {"drift_share", "drift_windows", "realized_floor", "realized_drop", "min_rows_since_training", "cooldown"}


@dataclass
class Verdict:
    fire: bool
    rule: str
    reason: str


def check_rules(rules: dict[str, Any]) -> dict[str, Any]:
    unknown = set(rules) - RULE_KEYS
    if unknown:
        raise ConfigError(f"unknown monitoring rule(s) {sorted(unknown)}; known: {', '.join(sorted(RULE_KEYS))}")
    return rules


def decide(history: list[dict[str, Any]], current: dict[str, Any], rules: dict[str, Any], *,
           champion_metric: float | None = None, rows_since_training: int | None = None) -> Verdict:
    import pandas as pd

    from ctloop.components.prepare.core import parse_duration

    rules = check_rules(dict(rules or {}))
    now = pd.Timestamp(current["window_end"])
    last_trigger = next((pd.Timestamp(h["window_end"]) for h in reversed(history) if h.get("triggered")), None)
    if rules.get("cooldown") and last_trigger is not None and now - last_trigger < parse_duration(rules["cooldown"]):
        return Verdict(False, "cooldown", f"in cooldown until {last_trigger + parse_duration(rules['cooldown'])} "
                       f"(last retraining trigger {last_trigger})")
    min_rows = rules.get("min_rows_since_training")
    if min_rows and (rows_since_training or 0) < min_rows:
        return Verdict(False, "volume", f"only {rows_since_training or 0} rows logged since training (< {min_rows})")
    if "drift_share" in rules:
        n = int(rules.get("drift_windows", 1))
        recent = (history + [current])[-n:]
        shares = [r.get("drift_share") for r in recent]
        if len(recent) == n and all(s is not None and s > rules["drift_share"] for s in shares):
            return Verdict(True, "drift", f"drift share above {rules['drift_share']} for {n} consecutive window(s): "
                           + ", ".join(f"{s:.2f}" for s in shares))
    realized = current.get("realized")
    if realized is not None and "realized_floor" in rules and realized < rules["realized_floor"]:
        return Verdict(True, "realized_floor", f"realized metric {realized:.4f} below the floor {rules['realized_floor']}")
    if realized is not None and "realized_drop" in rules and champion_metric is not None \
            and champion_metric - realized > rules["realized_drop"]:
        return Verdict(True, "realized_drop", f"realized metric {realized:.4f} is {champion_metric - realized:.4f} below "
                       f"the champion's validation {champion_metric:.4f} (> {rules['realized_drop']})")
    if min_rows and not ({"drift_share", "realized_floor", "realized_drop"} & set(rules)):
        return Verdict(True, "volume", f"{rows_since_training} rows logged since training (>= {min_rows})")
    return Verdict(False, "none", "no retraining rule fired")


__all__ = ["RULE_KEYS", "Verdict", "check_rules", "decide"]
