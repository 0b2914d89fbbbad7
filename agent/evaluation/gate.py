"""Quality gate: compare measured metrics with the floors/ceilings in a TOML file.

``evals/thresholds.toml``::

    [floors]                      # metric must be >= value
    "extraction.recall.alliance" = 0.5
    [ceilings]                    # metric must be <= value (lower is better)
    "qa.false_refusal_rate" = 0.2

Nested tables are flattened with dots (``[floors.qa] answer_accuracy = 0.6`` is
``qa.answer_accuracy``). Other top-level keys (``placeholder``, ``note``) are ignored.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from agent.core.errors import InputError


class ThresholdError(InputError):
    """The thresholds file is missing or malformed."""


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(_flatten(value, name))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ThresholdError(f"threshold {name!r} must be a number, got {value!r}")
        else:
            out[name] = float(value)
    return out


def load_thresholds(path: str | Path) -> tuple[dict[str, float], dict[str, float]]:
    """``(floors, ceilings)`` from a thresholds TOML file."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ThresholdError(f"thresholds file not found: {p}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdError(f"cannot parse {p}: {exc}") from exc
    floors = data.get("floors", {})
    ceilings = data.get("ceilings", {})
    if not isinstance(floors, Mapping) or not isinstance(ceilings, Mapping):
        raise ThresholdError(f"{p}: [floors] and [ceilings] must be tables")
    return _flatten(floors), _flatten(ceilings)


def _fmt(x: float) -> str:
    return f"{x:.2f}" if math.isfinite(x) else str(x)


def check_thresholds(
    metrics: Mapping[str, float], thresholds_path: str | Path, *, require_all: bool = False
) -> list[str]:
    """Failures such as ``"extraction.recall.alliance 0.41 < 0.50"``; empty when all pass.

    A metric named in the thresholds but absent from ``metrics`` is skipped (that stage
    was not run) unless ``require_all`` is true, in which case it fails as
    ``"<name> missing"``. A NaN metric always fails.
    """
    floors, ceilings = load_thresholds(thresholds_path)
    failures: list[str] = []
    checks = [(name, bound, "<") for name, bound in floors.items()]
    checks += [(name, bound, ">") for name, bound in ceilings.items()]
    for name, bound, op in checks:
        if name not in metrics:
            if require_all:
                failures.append(f"{name} missing")
            continue
        value = float(metrics[name])
        bad = math.isnan(value) or (value < bound if op == "<" else value > bound)
        if bad:
            failures.append(f"{name} {_fmt(value)} {op} {_fmt(bound)}")
    return failures
