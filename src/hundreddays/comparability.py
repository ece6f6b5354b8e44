"""Which studies ran, at this scale, the experiment whose numbers the log reports.

A study's measured numbers can be compared with the log's only when it ran with its full-scale
config (its merged config block equals config.yaml's) on the publishers' data (no demo
miniature). This is computed from the configs, never declared by hand: the workflow passes the
result to the report, and a claim of a study that is not comparable keeps its measured value,
marked not comparable, unless the claim itself states why it does not depend on the config
(claims.yaml's `config_independent`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# A rehearsal (config key `rehearsal`) runs the full-scale config with its loops cut to a few
# steps: nothing it measures is a result, so no claim of it is judged, config_independent or not.
REHEARSAL = "rehearsal: capped steps"


def config_differences(merged: object, full: object, prefix: str = "") -> list[str]:
    """The dotted keys where the config block `merged` differs from `full` (config.yaml's block),
    sorted; [] when they are equal. A key present in only one of them counts as a difference;
    lists are compared as a whole."""
    if isinstance(merged, Mapping) and isinstance(full, Mapping):
        keys = sorted({*merged, *full}, key=str)
        return [
            diff
            for key in keys
            for diff in (
                config_differences(merged[key], full[key], f"{prefix}{key}.")
                if key in merged and key in full
                else [f"{prefix}{key}"]
            )
        ]
    return [] if merged == full else [prefix.rstrip(".") or "(the whole block)"]


def why_not_comparable(merged_config: Mapping, full_config: Mapping,
                       inputs: Mapping[str, Iterable[str]]) -> dict[str, str | None]:
    """{study: None when its numbers are comparable with the log's, else why not} for each study
    of `inputs` ({study: the registry ids it reads (datasets and weights) under merged_config}).

    `merged_config` is the config the workflow runs with (config.yaml with the profile's and the
    command line's overrides merged over it), `full_config` config.yaml as written. A study is
    not comparable when its `studies` block differs ("config differs: <keys>") or when it reads
    a dataset while the demo's miniature mirror serves the data ("reads demo miniatures"). In a
    rehearsal (config key `rehearsal`) every study is not comparable: REHEARSAL."""
    if merged_config.get("rehearsal"):
        return {study: REHEARSAL for study in inputs}
    merged_studies = merged_config.get("studies") or {}
    full_studies = full_config.get("studies") or {}
    miniatures = bool(merged_config.get("build_demo_mirror", False))
    reasons = {}
    for study, reads in inputs.items():
        parts = []
        diff = config_differences(merged_studies.get(study, {}), full_studies.get(study, {}))
        if diff:
            parts.append("config differs: " + ", ".join(diff))
        if miniatures and list(reads):
            parts.append("reads demo miniatures")
        reasons[study] = "; ".join(parts) or None
    return reasons

