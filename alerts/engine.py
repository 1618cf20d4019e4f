"""The alert engine: every ``interval_s`` it evaluates the rules, records transitions, then delivers.

Transitions are recorded (``alert_events``) before their notices are queued, and open alerts are
restored from that table on start, so a restarted engine carries on without paging again.
One thread runs ``run()``; ``stop()`` may be called from any other thread.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from dataclasses import asdict, replace
from typing import Any, Sequence

from spyglass.alerts.channels import Channel
from spyglass.alerts.delivery import DeliveryResult, Dispatcher
from spyglass.alerts.examples import offending_traces, pii_entity_counts
from spyglass.alerts.notice import STATUS_OF_EVENT, build_notice, summarize, trace_links
from spyglass.alerts.observe import drift_table_exists, observe
from spyglass.alerts.repost import Repost, due_reposts, expires_at
from spyglass.alerts.rules import AlertRule, RuleError, parse_rule
from spyglass.alerts.silences import Silence, SilenceError, parse_matchers
from spyglass.alerts.state import AlertState, Transition, close_orphans, step
from spyglass.storage import alerts as db
from spyglass.storage.errors import StorageError
from spyglass.storage.store import Store
from spyglass.telemetry.recorders import alert_tick, alertmanager_repost

log = logging.getLogger("spyglass.alerts")


def _finite(x: float) -> float | None:
    return None if x is None or math.isnan(x) or math.isinf(x) else x


class AlertEngine:
    """Evaluates stored rules over the rollups; ``rules`` (from files) are saved to the store on start."""

    def __init__(self, store: Store, channels: Sequence[Channel] = (), rules: Sequence[AlertRule] = (),
                 interval_s: float = 2.0, renotify_s: float = 3600.0, public_url: str = "http://127.0.0.1:8000",
                 example_traces: int = 3, repost_s: float = 30.0) -> None:
        self.store = store
        self.channels = {c.name: c for c in channels}
        self.file_rules = list(rules)
        self.interval_s = interval_s
        self.renotify_s = renotify_s
        self.public_url = public_url
        self.example_traces = example_traces
        self.repost_s = repost_s  # post firing alerts to Alertmanager channels again this often
        self._posted: dict[str, float] = {}  # dedup key -> last post to its Alertmanager channels
        self.states: dict[str, AlertState] = {}  # open alerts by dedup key
        self.rules: dict[str, AlertRule] = {}
        self.ticks = 0
        self._seq = 0
        self._stopping = threading.Event()
        self._results: queue.SimpleQueue[DeliveryResult] = queue.SimpleQueue()
        self._warned: set[str] = set()
        self.dispatcher = Dispatcher(self._results.put)

    def run(self) -> None:
        """Save file rules, restore open alerts, then tick until ``stop()``. Blocks."""
        try:
            self.start()
            while not self._stopping.is_set():
                started = time.monotonic()
                try:
                    self.tick()
                except StorageError as exc:
                    log.warning("alert tick failed (will retry): %s", exc)
                self._stopping.wait(max(self.interval_s - (time.monotonic() - started), 0.0))
        finally:
            self.dispatcher.close()
            self._record_deliveries()

    def stop(self) -> None:
        """Ask ``run()`` to return after the current tick (thread-safe, idempotent)."""
        self._stopping.set()

    def start(self) -> None:
        """Save the file rules and load the open alerts of a previous run."""
        for rule in self.file_rules:
            db.save_rule(self.store, rule.id, rule.name, rule.to_dict(), "file")
        self.rules = self._load_rules()
        self.states = {}
        for row in db.open_alerts(self.store):
            self.states[row["dedup_key"]] = AlertState(
                alert_id=row["alert_id"], dedup_key=row["dedup_key"], rule_id=row["rule_id"],
                group=dict(row["labels"]), status=row["status"], since=row["since"], value=row["value"],
                samples=row["samples"], score=row["z_score"], fired_at=row["fired_at"],
                notified_at=row["notified_at"], acked_at=row["acked_at"])
        log.info("alert engine: %d rules, %d open alerts restored", len(self.rules), len(self.states))

    def _load_rules(self) -> dict[str, AlertRule]:
        rules = {}
        for row in db.list_rules(self.store):
            try:
                rules[row["id"]] = parse_rule(row["body"])
            except RuleError as exc:
                self._warn_once(f"rule:{row['id']}", "stored alert rule %s is invalid, skipped: %s", row["id"], exc)
        return rules

    def _silences(self, now: float) -> list[Silence]:
        out = []
        for row in db.list_silences(self.store, active_at=now):
            try:
                out.append(Silence(row["id"], parse_matchers(row["matchers"]), row["starts_at"], row["ends_at"]))
            except SilenceError as exc:
                self._warn_once(f"silence:{row['id']}", "silence %s is invalid, ignored: %s", row["id"], exc)
        return out

    def tick(self, now: float | None = None) -> list[Transition]:
        """Evaluate every rule once at ``now``; record, then deliver. Returns the transitions."""
        now = time.time() if now is None else now
        started = time.perf_counter()
        self._record_deliveries()
        self.rules = self._load_rules()
        silences = self._silences(now)
        acked = frozenset(db.acked_alert_ids(self.store, [s.alert_id for s in self.states.values()
                                                          if s.status == "firing" and s.acked_at is None]))
        by_rule: dict[str, dict[str, AlertState]] = {}
        for key, state in self.states.items():
            by_rule.setdefault(state.rule_id, {})[key] = state
        states: dict[str, AlertState] = {}
        made: list[tuple[AlertRule | None, Transition]] = []
        has_drift: bool | None = None
        for rule in self.rules.values():
            if not rule.enabled:
                continue  # its open alerts stay in by_rule and are closed below
            old = by_rule.pop(rule.id, {})
            if rule.metric.source == "drift":
                has_drift = drift_table_exists(self.store) if has_drift is None else has_drift
                if not has_drift:
                    self._warn_once("drift", "drift rules wait for the drift_reports table (drift monitor)")
                    states.update(old)
                    continue
            try:
                observations = observe(self.store, rule, now)
            except StorageError as exc:
                log.warning("rule %s: cannot read its metric, keeping its alerts as they are: %s", rule.id, exc)
                states.update(old)
                continue
            new, transitions = step(rule, observations, old, now, silences, acked, self.renotify_s)
            states.update(new)
            made += [(rule, t) for t in transitions]
        for rule_id, orphans in by_rule.items():  # rules deleted or disabled: close their alerts
            rule = self.rules.get(rule_id)
            made += [(rule, t) for t in close_orphans(orphans, now)]
        db.insert_events(self.store, [self._event_row(rule, t, now) for rule, t in made])
        self.states = states
        self.ticks += 1
        for rule, transition in made:
            if transition.notify and rule is not None:
                self._deliver(rule, transition, now)
        self._repost(now, silences)
        alert_tick(time.perf_counter() - started, [r.kind for r in self.rules.values() if r.enabled],
                   [(t.event, rule.severity if rule else "") for rule, t in made],
                   [s.status for s in self.states.values()])
        return [t for _, t in made]

    def _repost(self, now: float, silences: list[Silence]) -> None:
        """Post firing alerts again to their Alertmanager channels, so Alertmanager keeps them active."""
        self._posted = {k: v for k, v in self._posted.items() if k in self.states}
        for due in due_reposts(self.rules, self.states, self.channels, self._posted, now, self.repost_s, silences):
            self._send_repost(due, now)

    def _send_repost(self, due: Repost, now: float) -> None:
        notice = build_notice(due.rule, Transition("reposted", due.state, True), now,
                              trace_links(self.public_url, due.rule, due.state.group, []), {},
                              expires_at(now, self.repost_s))
        if due.state.acked_at is not None:
            notice = replace(notice, status="acknowledged")
        self._posted[due.state.dedup_key] = now
        for channel in due.channels:
            if self.dispatcher.pending(channel.name):
                continue  # the previous post is still queued: one is enough
            # a repost gives up by the next one, so a resolve queued behind it is never held up long
            self.dispatcher.submit(replace(channel, deadline_s=min(channel.deadline_s, self.repost_s)), notice)
            alertmanager_repost(channel.name)

    def _event_row(self, rule: AlertRule | None, t: Transition, now: float) -> dict[str, Any]:
        s = t.state
        self._seq = max(self._seq + 1, time.time_ns())
        status = STATUS_OF_EVENT.get(t.event, "firing")
        return {"seq": self._seq, "at": now, "alert_id": s.alert_id, "dedup_key": s.dedup_key, "rule_id": s.rule_id,
                "rule_name": rule.name if rule else s.rule_id, "severity": rule.severity if rule else "",
                "event": t.event, "status": s.status, "labels": s.group, "value": _finite(s.value),
                "threshold": (rule.z_threshold if rule.kind == "baseline" else rule.threshold) if rule else None,
                "samples": s.samples, "z_score": _finite(s.score), "silenced": t.silenced, "notified": t.notify,
                "since": s.since, "fired_at": s.fired_at, "notified_at": s.notified_at, "acked_at": s.acked_at,
                "resolved_at": s.resolved_at,
                "summary": summarize(rule, status, s.value, s.score, s.group) if rule else ""}

    def _deliver(self, rule: AlertRule, transition: Transition, now: float) -> None:
        state, details = transition.state, {}
        examples: list[str] = []
        if transition.event in ("firing", "notified", "renotified"):
            start = now - rule.window_s
            try:
                examples = offending_traces(self.store, rule, state.group, start, self.example_traces)
                if rule.metric.source == "evaluations" and rule.metric.evaluator == "pii":
                    details["pii_entities"] = pii_entity_counts(self.store, rule, state.group, start)
            except StorageError as exc:  # evidence is a nicety; the page must still go out
                log.warning("rule %s: cannot read example traces: %s", rule.id, exc)
        notice = build_notice(rule, transition, now, trace_links(self.public_url, rule, state.group, examples,
                                                                   state.alert_id),
                              details, expires_at(now, self.repost_s))
        self._posted[state.dedup_key] = now
        for name in rule.channels:
            channel = self.channels.get(name)
            if channel is None:
                self._warn_once(f"channel:{rule.id}:{name}", "rule %s names channel %r, which is not configured "
                                "(configured: %s)", rule.id, name, ", ".join(self.channels) or "none")
                continue
            self.dispatcher.submit(channel, notice)

    def _record_deliveries(self) -> None:
        results = []
        while True:
            try:
                result = self._results.get_nowait()
            except queue.Empty:
                break
            if result.event != "reposted" or not result.ok:  # successful reposts would only flood the table
                results.append(asdict(result))
        try:
            db.insert_deliveries(self.store, results)
        except StorageError as exc:
            log.warning("cannot record %d delivery results: %s", len(results), exc)

    def _warn_once(self, key: str, message: str, *args: Any) -> None:
        if key not in self._warned:
            self._warned.add(key)
            log.warning(message, *args)
