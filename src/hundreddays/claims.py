"""The log's claims (claims.yaml): load and validate them, and judge each one against the metrics.

A claim is either measured (reported value, the metric "<study>.<key>" that answers it, and how to
compare the two) or explained (not_reproducible: why no run can answer it). Every claim keeps its
row in the verdict table whatever happens to its study.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, ValidationError

from .comparability import REHEARSAL

OTHER_HARDWARE = "not comparable (other hardware)"
NOT_COMPARED = "config or data differ from the full scale"  # a study evaluate() was not told of
NOT_RUN = "not run (study not in the workflow yet)"
TOLERANCE_KINDS = ("abs_tol", "rel_tol", "factor")
MEASURED_KEYS = ("reported", "metric", "compare")
# What a claim is (claims.yaml's `kind`), in the order REPORT.md's headline counts them.
KINDS = {
    "real_data": "the log's experiment on real data",
    "synthetic": "synthetic experiment",
    "library_fact": "library fact",
    "analogue": "simulated analogue",
    "added_check": "added check (not stated in the log)",
}


class ClaimsError(ValueError):
    """A claims file that breaks the schema or its rules, or a claim its run cannot answer."""


@functools.cache
def _validator() -> Draft202012Validator:
    text = (files("hundreddays") / "schemas" / "claims.schema.yaml").read_text(encoding="utf-8")
    schema = yaml.safe_load(text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def load_claims(path: str | os.PathLike) -> list[dict]:
    """Read `path` and check it against the claims schema and the rules the schema cannot state.

    Returns the claims (dicts as written in the file), in file order. Raises ClaimsError naming
    the file, the claim (index and id) and the key of every problem found.
    """
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ClaimsError(f"{path}: cannot read the claims file: {exc}") from exc
    errors = sorted(_validator().iter_errors(doc), key=_error_order)
    problems = [_describe(doc, error) for error in errors]
    if not problems:
        problems = list(_rule_problems(doc["claims"]))
    if problems:
        raise ClaimsError("\n".join(f"{path}: {problem}" for problem in problems))
    return doc["claims"]


def _error_order(error: ValidationError) -> list[tuple[bool, int | str]]:
    return [(isinstance(part, str), part) for part in error.absolute_path]


def _where(doc: object, parts: Iterable[int | str]) -> str:
    """Return a readable location such as "claims[3] (id fib_naive_growth).compare.kind"."""
    parts = list(parts)
    if len(parts) < 2 or parts[0] != "claims" or not isinstance(parts[1], int):
        return ".".join(map(str, parts)) or "(top level)"
    return ".".join([_claim_name(doc["claims"], parts[1]), *map(str, parts[2:])])


def _claim_name(claims: list, index: int) -> str:
    claim = claims[index]
    if isinstance(claim, dict) and isinstance(claim.get("id"), str):
        return f"claims[{index}] (id {claim['id']})"
    return f"claims[{index}]"


def _describe(doc: object, error: ValidationError) -> str:
    message = error.message
    if error.validator == "oneOf" and isinstance(error.instance, dict):
        message = _measured_or_explained(error.instance)
    return f"{_where(doc, error.absolute_path)}: {message}"


def _measured_or_explained(claim: dict) -> str:
    if "not_reproducible" in claim:
        return "not_reproducible excludes metric and compare: a claim is measured or explained"
    missing = ", ".join(key for key in MEASURED_KEYS if key not in claim)
    return (
        "needs either not_reproducible (why no run can answer it) or all of reported, metric "
        f"and compare (missing: {missing})"
    )


def _rule_problems(claims: list[dict]) -> Iterable[str]:
    """Yield what the schema cannot express: unique ids, metric of the claim's own study, and a
    tolerance for the kinds that need one."""
    first_index: dict[str, int] = {}
    for index, claim in enumerate(claims):
        name = _claim_name(claims, index)
        if claim["id"] in first_index:
            yield f"{name}.id: duplicate of claims[{first_index[claim['id']]}]"
        first_index.setdefault(claim["id"], index)
        if "metric" in claim:
            study = claim["metric"].split(".", 1)[0]
            if study != claim["study"]:
                yield (
                    f"{name}.metric: {claim['metric']!r} belongs to study {study!r}, "
                    f"but the claim's study is {claim['study']!r}"
                )
        compare = claim.get("compare", {})
        if compare.get("kind") in TOLERANCE_KINDS and "tol" not in compare:
            yield f"{name}.compare.tol: kind {compare['kind']!r} needs a tol"
        if compare.get("kind") == "factor" and compare.get("tol", 2) <= 1:
            yield f"{name}.compare.tol: a factor must be greater than 1"


def agrees(compare: dict, reported: float, measured: float) -> bool:
    """Return whether `measured` passes the comparison `compare` with `reported` (bounds count as
    passing). A non-finite measurement never passes."""
    if not math.isfinite(measured):
        return False
    kind = compare["kind"]
    if kind in ("at_least", "at_most"):
        threshold = compare.get("threshold", reported)
        return measured >= threshold if kind == "at_least" else measured <= threshold
    tol = compare["tol"]
    if kind == "abs_tol":
        return abs(measured - reported) <= tol
    if kind == "rel_tol":
        return abs(measured - reported) <= tol * abs(reported)
    low, high = sorted((reported / tol, reported * tol))
    return low <= measured <= high


def comparison_text(compare: dict | None, reported: float | None) -> str:
    """Return the comparison in words, e.g. "within ×10", "≥ 1000", "± 0.01"; "" for none."""
    if not compare:
        return ""
    kind = compare["kind"]
    if kind in ("at_least", "at_most"):
        sign = "≥" if kind == "at_least" else "≤"
        return f"{sign} {compare.get('threshold', reported):g}"
    tol = compare["tol"]
    return {
        "abs_tol": f"± {tol:g}",
        "rel_tol": f"within ± {tol * 100:g}%",
        "factor": f"within ×{tol:g}",
    }[kind]


def evaluate(
    claims: list[dict], metrics: dict[str, list[float]], studies_run: set[str], scale: str,
    not_comparable: dict[str, str | None], not_run: dict[str, str] | None = None,
    not_measured: dict[str, str] | None = None,
) -> list[dict]:
    """Judge every claim against `metrics` ("<study>.<key>" -> its values over the seeds, in seed
    order) measured at `scale`.

    Returns one row per claim, in claim order, with the keys claim, day, study, kind,
    statement, reported, unit, metric, measured (the mean over the seeds), measured_min,
    measured_max, n (seeds; None/0 when nothing was measured), verdict, scale and comparison.

    Verdicts of a measured claim: `reproduced` when every seed's value agrees with the claim,
    `differs` when none does, `inconclusive` otherwise (a non-finite value never agrees). A
    claim is judged only where `not_comparable[study]` is None (the study ran with its full-scale
    config on the publishers' data: hundreddays.comparability.why_not_comparable) or the claim
    states `config_independent`; otherwise its values are shown with "not comparable at <scale>
    scale (<not_comparable[study]>)" (a study missing from it is not comparable). A claim whose
    reported number was measured on the author's hardware (`other_hardware`) is never judged:
    "not comparable (other hardware)".

    `not_run` maps a study that could not run here to the reason; its claims get the verdict
    "not run (<reason>)"; `not_measured` maps a metric ("<study>.<key>") that its study could
    not measure to the reason ("not measured (<reason>)"). Raises ClaimsError when a study that
    ran lacks a claim's metric and does not say why, or a metric has no value.
    """
    not_run, not_measured = not_run or {}, not_measured or {}
    return [_judge(claim, metrics, studies_run, scale, not_comparable, not_run, not_measured)
            for claim in claims]


def verdict_over_seeds(compare: dict, reported: float, values: list[float]) -> str:
    """"reproduced" when every value agrees with the claim (the interval of the values lies on
    the claim's side), "differs" when none does, "inconclusive" otherwise."""
    agreeing = [agrees(compare, reported, value) for value in values]
    if all(agreeing):
        return "reproduced"
    return "differs" if not any(agreeing) else "inconclusive"


def _summary_of(values: list[float]) -> dict:
    """The row's measured (mean), measured_min, measured_max and n of the seeds' values."""
    finite = all(math.isfinite(v) for v in values)
    mean = math.fsum(values) / len(values) if finite else math.nan
    if len(values) == 1:
        mean = values[0]
    return {"measured": mean, "measured_min": min(values), "measured_max": max(values),
            "n": len(values)}


def _judge(claim: dict, metrics: dict[str, list[float]], studies_run: set[str], scale: str,
           not_comparable: dict[str, str | None], not_run: dict[str, str],
           not_measured: dict[str, str]) -> dict:
    row = {
        "claim": claim["id"],
        "day": claim["day"],
        "study": claim["study"],
        "kind": claim["kind"],
        "statement": claim["statement"],
        "reported": claim.get("reported"),
        "unit": claim.get("unit", ""),
        "metric": claim.get("metric", ""),
        "measured": None,
        "measured_min": None,
        "measured_max": None,
        "n": 0,
        "scale": scale,
        "comparison": comparison_text(claim.get("compare"), claim.get("reported")),
    }
    if "other_hardware" in claim:
        row["comparison"] = f"none: the log's number is from {claim['other_hardware']}"
    if "not_reproducible" in claim:
        return {**row, "verdict": f"not reproducible ({claim['not_reproducible']})"}
    if claim["study"] in not_run:
        return {**row, "verdict": f"not run ({not_run[claim['study']]})"}
    if claim["study"] not in studies_run:
        return {**row, "verdict": NOT_RUN}
    if claim["metric"] not in metrics and claim["metric"] in not_measured:
        return {**row, "verdict": f"not measured ({not_measured[claim['metric']]})"}
    if claim["metric"] not in metrics:
        raise ClaimsError(
            f"claim {claim['id']}: study {claim['study']} ran but wrote no metric "
            f"{claim['metric']!r}; add it to results/{claim['study']}/metrics.json or fix the claim"
        )
    values = list(metrics[claim["metric"]])
    if not values:
        raise ClaimsError(f"claim {claim['id']}: metric {claim['metric']!r} has no value")
    row.update(_summary_of(values))
    reason = not_comparable.get(claim["study"], NOT_COMPARED)  # None: comparable
    if "other_hardware" in claim:
        verdict = OTHER_HARDWARE
    elif reason is not None and ("config_independent" not in claim or reason == REHEARSAL):
        verdict = f"not comparable at {scale} scale ({reason})"
    else:
        verdict = verdict_over_seeds(claim["compare"], claim["reported"], values)
    return {**row, "verdict": verdict}
