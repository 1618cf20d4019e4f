"""Discovery of evaluators: the built-ins plus Python entry points in group ``spyglass.evaluators``.

An entry point names an ``Evaluator`` subclass (or a factory returning an instance); it is
called with keyword ``settings`` (the ``EvaluatorSettings``) when it accepts it, else with no arguments.
"""

from __future__ import annotations

import inspect
import logging
from importlib.metadata import entry_points
from typing import Any, Callable

from spyglass.core.settings import EvaluatorSettings
from spyglass.evaluators.base import Evaluator

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "spyglass.evaluators"


def _toxicity(settings: EvaluatorSettings) -> Evaluator:
    from spyglass.evaluators.toxicity import build_toxicity_evaluator

    return build_toxicity_evaluator(settings)


def _pii(settings: EvaluatorSettings) -> Evaluator:
    from spyglass.evaluators.encoder import pick_device
    from spyglass.evaluators.pii import PIIEvaluator
    from spyglass.evaluators.pii_pool import default_processes

    processes = settings.pii_processes
    return PIIEvaluator(processes=default_processes(pick_device(settings.device)) if processes is None else processes)


def _hallucination(settings: EvaluatorSettings) -> Evaluator:
    from spyglass.evaluators.hallucination import HallucinationEvaluator

    return HallucinationEvaluator()


BUILTINS: dict[str, Callable[..., Evaluator]] = {"toxicity": _toxicity, "pii": _pii, "hallucination": _hallucination}


def available_evaluators() -> dict[str, Callable[..., Evaluator]]:
    """Name -> factory for every evaluator: built-ins, then entry points (a plugin cannot shadow a built-in)."""
    found: dict[str, Callable[..., Evaluator]] = dict(BUILTINS)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            log.warning("evaluator plugin %s (%s) ignored: the name is taken", ep.name, ep.value)
            continue
        found[ep.name] = _lazy(ep)
    return found


def _lazy(ep: Any) -> Callable[..., Evaluator]:
    def factory(settings: EvaluatorSettings) -> Evaluator:
        return _call(ep.load(), settings)

    return factory


def _call(target: Callable[..., Evaluator], settings: EvaluatorSettings) -> Evaluator:
    try:
        accepts = "settings" in inspect.signature(target).parameters
    except (TypeError, ValueError):
        accepts = False
    evaluator = target(settings=settings) if accepts else target()
    if not isinstance(evaluator, Evaluator):
        raise TypeError(f"{target!r} did not produce an Evaluator (got {type(evaluator).__name__})")
    return evaluator


def load_evaluators(names: list[str], settings: EvaluatorSettings) -> list[Evaluator]:
    """Instantiate the named evaluators, in order; raises KeyError naming an unknown one."""
    known = available_evaluators()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"unknown evaluator(s) {', '.join(unknown)}; available: {', '.join(sorted(known))}")
    return [_call(known[n], settings) for n in names]
