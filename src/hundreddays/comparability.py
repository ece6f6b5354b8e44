"""Which studies ran, at this scale, the experiment whose numbers the log reports.

A study's measured numbers can be compared with the log's only when it ran with its full-scale
config (its merged config block equals config.yaml's) on the publishers' data (no demo
miniature). This is computed from the configs, never declared by hand: the workflow passes the
result to the report, and a claim of a study that is not comparable keeps its measured value,
marked not comparable, unless the claim itself states why it does not depend on what differs:
on the whole config and data (claims.yaml's `config_independent`), or on the config keys it
names (`independent_of: {<key>: <why>}`, e.g. a `source` key that picks another file of the
same data set).

Where the publisher's data comes from does not enter: a download, a mirror, a file placed by
hand and a local copy (config `local_copies`, e.g. an unpacked MNIST folder on a shared disk) are
all checked against the publisher's bytes (checksums, or a pinned manifest after the loader's
layout check) and read by the same loader, and none of them changes a study's config block. So a
study on a local copy stays comparable, and a dataset read from a local copy is not a demo
miniature even where the demo mirror serves the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# A rehearsal (config key `rehearsal`) runs the full-scale config with its loops cut to a few
# steps: nothing it measures is a result, so no claim of it is judged, config_independent or not.
REHEARSAL = "rehearsal: capped steps"

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
                       inputs: Mapping[str, Iterable[str]]) -> dict[str, dict | None]:
    """{study: None when its numbers are comparable with the log's, else why not} for each study
    of `inputs` ({study: the registry ids it reads (datasets and weights) under merged_config}).

    `merged_config` is the config the workflow runs with (config.yaml with the profile's and the
    command line's overrides merged over it), `full_config` config.yaml as written. Why not is
    {"config": the dotted keys where its `studies` block differs, "miniatures": whether it reads
    a dataset, other than a local copy (merged_config's `local_copies`), while the demo's
    miniature mirror serves the data}; describe() words it. In a rehearsal (config key `rehearsal`)
    every study is not comparable: REHEARSAL, in words."""
    if merged_config.get("rehearsal"):
        return {study: REHEARSAL for study in inputs}
    merged_studies = merged_config.get("studies") or {}
    full_studies = full_config.get("studies") or {}
    miniatures = bool(merged_config.get("build_demo_mirror", False))
    local = set(merged_config.get("local_copies") or {})
    reasons = {}
    for study, reads in inputs.items():
        diff = config_differences(merged_studies.get(study, {}), full_studies.get(study, {}))
        reads_miniatures = miniatures and bool(set(reads) - local)
        reasons[study] = ({"config": diff, "miniatures": reads_miniatures}
                          if diff or reads_miniatures else None)
    return reasons


def describe(reason: Mapping | str | None, independent_of: Iterable[str] = ()) -> str | None:
    """`reason` (why_not_comparable's, or a reason already in words) in words, e.g. "config
    differs: epochs, source; reads demo miniatures", leaving out the config keys under the
    top-level keys `independent_of`; None when nothing is left. A reason in words is kept whole."""
    if reason is None or isinstance(reason, str):
        return reason
    ignored = set(independent_of)
    config = [key for key in reason["config"] if key.split(".", 1)[0] not in ignored]
    parts = ["config differs: " + ", ".join(config)] if config else []
    if reason["miniatures"]:
        parts.append("reads demo miniatures")
    return "; ".join(parts) or None


def claim_not_comparable(claim: Mapping, reason: Mapping | str | None) -> str | None:
    """Why `claim` (a row of claims.yaml) is not judged where its study's numbers are not
    comparable for `reason` (why_not_comparable's entry of the claim's study), in words; None
    where it is judged: its study is comparable, the claim states `config_independent`, or every
    config key that differs is one the claim states it is `independent_of` (and no miniature
    was read). A rehearsal's claims are never judged (REHEARSAL)."""
    if reason == REHEARSAL:
        return REHEARSAL
    if "config_independent" in claim:
        return None
    return describe(reason, claim.get("independent_of", {}))
