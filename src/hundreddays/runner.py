"""The one runner of every study, and the contract it calls.

A study is a module hundreddays.studies.<study> with two functions:

    run(ctx: Context) -> dict       the measurement: {"metrics": {key: number}, and where the
                                    study has them "table": [row dicts] (its row in studies.yaml
                                    says table: true), "not_measured": {key: reason}, and
                                    whatever its plot needs}
    plot(result, path, reference)   its figure at `path`; `reference` holds the values the log
                                    reports for the study's metrics (claims.yaml), to draw beside
                                    the measured ones

The runner seeds Python, NumPy and torch once from the config's seed, sets the thread count,
picks the device, gives the study a scratch folder, and writes the files the rule declares:
table.csv (metrics.table_csv), the figure (through plot; an extra seed's rule has none),
metrics.json last, then drops the training checkpoint (a finished rule needs no resume).

Where a study's data cannot be read here and its row in studies.yaml names `data_free`
metrics, the rule runs without data input and ctx.data_missing says why: `run` then measures
those metrics only (and `plot` draws what it has); the runner checks that it did, and
metrics.json carries the reason, which the claims on the other metrics give.
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from .metrics import write_metrics, write_table
from .rehearsal.record import study_recording
from .seeds import device_name, seed_everything, torch_loaded


class Reference(Mapping):
    """The log's values for one study's metrics: reference["<key>"] is the reported value of the
    claim on metric "<study>.<key>"; threshold("<key>") its at_least / at_most threshold."""

    def __init__(self, claims: Mapping[str, dict]):
        self._claims = dict(claims)

    def __getitem__(self, key: str) -> float:
        return self._claims[key]["reported"]

    def __iter__(self):
        return iter(self._claims)

    def __len__(self) -> int:
        return len(self._claims)

    def threshold(self, key: str) -> float:
        return self._claims[key]["compare"]["threshold"]


def reference_of(study: str, claims: list[dict]) -> dict[str, dict]:
    """{key: {"reported", "compare"}} of the claims on "<study>.<key>" metrics (the first claim of
    a key when several share it), plain data for a rule's params."""
    found: dict[str, dict] = {}
    for claim in claims:
        name, _, key = claim.get("metric", "").partition(".")
        if name == study and key not in found:
            found[key] = {"reported": claim["reported"], "compare": claim["compare"]}
    return found


@dataclass(frozen=True)
class Context:
    """What a study's run gets: its config block, seed, threads, device, input and output paths,
    the log's reference values, a resumable checkpoint path and a scratch folder; and, where
    its data cannot be read here, why (`data_missing`: then it measures its data-free metrics
    only)."""

    study: str
    cfg: dict
    seed: int = 0
    threads: int = 1
    device: str = "cpu"
    scale: str = "demo"
    inputs: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    reference: Reference = field(default_factory=lambda: Reference({}))
    checkpoint: str | None = None
    workdir: Path | None = None
    log: Callable[[str], None] = print
    data_missing: str | None = None


def study_module(study: str, package: str = "hundreddays.studies"):
    """The module of `study` (it must define run and plot)."""
    module = importlib.import_module(f"{package}.{study}")
    missing = [f for f in ("run", "plot") if not callable(getattr(module, f, None))]
    if missing:
        raise TypeError(f"study {study}: {module.__name__} lacks {missing} "
                        f"(see hundreddays.runner)")
    return module


def log(text: str) -> None:
    print(text, flush=True)


def process_age() -> float | None:
    """Seconds since this process started (psutil, which Snakemake brings), or None."""
    try:
        import psutil
    except ImportError:
        return None
    return max(0.0, time.time() - psutil.Process().create_time())


def check_data_free(study: str, measured: Sequence[str], data_free: Sequence[str]) -> None:
    """Raise TypeError naming the keys unless the metric keys `measured` without data are the
    row's `data_free` ones: each matches one of its patterns, and each of its plain keys (no
    wildcard) was measured."""
    extra = [k for k in measured if not any(fnmatchcase(k, p) for p in data_free)]
    plain = [p for p in data_free if not any(c in p for c in "*?[")]
    missing = [p for p in plain if p not in measured]
    if extra or missing or not measured:
        raise TypeError(f"study {study}: without its data, run() must measure the data_free "
                        f"metrics of its row in studies.yaml {list(data_free)}; it measured "
                        f"{sorted(measured)} (not data-free: {extra}, missing: {missing})")


def run_study(study: str, *, cfg: dict, seed: int, threads: int, scale: str,
              inputs: Mapping[str, str], outputs: Mapping[str, str], reference: Mapping[str, dict],
              checkpoint: str | None = None, table: bool = False,
              without_data: Mapping | None = None,
              package: str = "hundreddays.studies", rehearsal: dict | None = None,
              rehearsal_record: str | None = None) -> dict:
    """Run one study (the module `<package>.<study>`) as its rule does and write `outputs`
    ("metrics", "figure" when asked for, "table" when `table`, and the study's own). An extra
    seed's rule asks for no figure and no table. Returns its result.

    `without_data`: {"reason": why its data cannot be read here, "data_free": its row's
    data_free}, or None. The study then runs as ctx.data_missing = reason, must measure its
    data_free metrics only (check_data_free), and metrics.json records the reason as not_run.

    Where the rule's time goes is added to its metrics as timing keys (timings.csv):
    runner_startup_seconds (the process's start up to here: Python, Snakemake's script preamble),
    runner_import_seconds (importing the study's module and its libraries, seeding),
    runner_run_seconds (its run) and runner_plot_seconds (its figure).

    With `rehearsal` (config key rehearsal: the cap), the study's loops are capped and what ran
    is recorded in the JSON file `rehearsal_record` (hundreddays.rehearsal.record), also when
    the study fails."""
    clock = {"start": time.perf_counter()}
    startup = process_age()
    module = study_module(study, package)
    seed_everything(seed, threads, with_torch=torch_loaded())
    clock["imported"] = time.perf_counter()
    record = {"threads": threads, "device": device_name(), "runner": {
        "runner_import_seconds": clock["imported"] - clock["start"],
        **({"runner_startup_seconds": startup} if startup is not None else {})}}
    with study_recording(study, rehearsal, rehearsal_record, record):
        result = _run_and_write(study, module, clock, startup, record["runner"], cfg=cfg,
                                seed=seed, threads=threads, scale=scale, inputs=inputs,
                                outputs=outputs, reference=reference, checkpoint=checkpoint,
                                table=table, without_data=without_data)
    return result


def _run_and_write(study: str, module, clock: dict, startup: float | None, timings: dict, *,
                   cfg: dict, seed: int, threads: int, scale: str, inputs: Mapping[str, str],
                   outputs: Mapping[str, str], reference: Mapping[str, dict],
                   checkpoint: str | None, table: bool,
                   without_data: Mapping | None) -> dict:
    """run_study's part after the import: the study's run, its files, its timings (also put in
    `timings`)."""
    metrics_path = Path(outputs["metrics"])
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{study}-work-", dir=metrics_path.parent) as work:
        ctx = Context(study=study, cfg=cfg, seed=seed, threads=threads, device=device_name(),
                      scale=scale, inputs=dict(inputs), outputs=dict(outputs),
                      reference=Reference(reference), checkpoint=checkpoint, workdir=Path(work),
                      log=log, data_missing=without_data["reason"] if without_data else None)
        log(f"{study}: seed {seed}, {threads} thread(s), device {ctx.device}, {scale} scale")
        if ctx.data_missing:
            log(f"{study}: without its data ({ctx.data_missing}): its data-free metrics only")
        result = module.run(ctx)
        clock["ran"] = time.perf_counter()
        if "metrics" not in result:
            raise TypeError(f"study {study}: run() must return a dict with 'metrics'")
        if without_data:
            check_data_free(study, list(result["metrics"]), without_data["data_free"])
        if table:
            if "table" not in result:
                raise TypeError(f"study {study}: studies.yaml says table: true, but run() "
                                f"returned no 'table'")
            write_table(outputs["table"], result["table"])
        if "figure" in outputs:  # an extra seed's rule asks for its metrics only
            module.plot(result, outputs["figure"], ctx.reference)
        clock["plotted"] = time.perf_counter()
    shares = {"runner_import_seconds": clock["imported"] - clock["start"],
              "runner_run_seconds": clock["ran"] - clock["imported"],
              "runner_plot_seconds": clock["plotted"] - clock["ran"]}
    if startup is not None:
        shares["runner_startup_seconds"] = startup
    timings.update(shares)
    log("time: " + ", ".join(f"{k.removeprefix('runner_')} {v:.2f}" for k, v in shares.items()))
    write_metrics(metrics_path, {**result["metrics"], **shares},
                  not_measured=result.get("not_measured"), not_run=ctx.data_missing)
    if checkpoint is not None:
        Path(checkpoint).unlink(missing_ok=True)
    return result
