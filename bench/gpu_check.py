"""GPU check: every training study (a studies.yaml row with gpu: 1) run on CUDA through the
full-scale code path (mixed precision in the fastai learners, pinned memory, batches moved
non-blocking), at the demo scale's config (config.yaml deep-merged with profiles/demo/scale.yaml)
on the demo data, in one process, each study through hundreddays.runner.run_study exactly as its
rule runs it, its outputs in a scratch folder.

While a study runs, a global forward hook checks that every tensor input of every module call,
and the module's own parameters and buffers, are on the GPU, and counts the calls (and those
under autocast, i.e. in mixed precision). Per study the table gives: status (ok, or what went
wrong), wall seconds of run_study (imports and CUDA start-up excluded), the seconds per epoch the
study wrote in its metrics, peak GPU memory (torch.cuda.max_memory_allocated, reset per study)
and the hook's counts (a study that calls no nn.Module passes when its tensors took GPU
memory). It is written to --out (.md: a markdown table; .csv: CSV). Exit status 0
when every study ran with everything on the GPU, else 1.

Without CUDA it says there is no GPU and exits 0, running nothing.

    .venv/bin/python bench/gpu_check.py [--data-dir data/demo] [--out results/gpu_check.md]
                                        [--keep DIR] [study ...]

--data-dir is a demo run's prepared data (snakemake --profile profiles/demo makes data/demo).
--rehearse-on-cpu runs the same machinery with the CPU as the expected device (no GPU memory
column): a rehearsal of the script, not a GPU check.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

import torch
import yaml

from hundreddays.claims import load_claims
from hundreddays.rehearsal.placement import DeviceCheck, autocast_enabled, tensors  # noqa: F401
from hundreddays.rule_log import rule_log
from hundreddays.runner import reference_of, run_study
from hundreddays.study_table import Study, load_studies, validate_config

REPO = Path(__file__).resolve().parents[1]
EPOCH_KEY = re.compile(r"(^|_)(seconds_per_epoch|epoch_seconds)(_|$)")  # per-epoch timings
COLUMNS = ["study", "status", "wall_seconds", "seconds_per_epoch", "epoch_timings",
           "peak_gpu_mib", "peak_reserved_mib", "module_calls", "off_device_calls",
           "autocast_calls"]


def deep_merge(base: dict, over: dict) -> dict:
    """`over` merged into `base` key by key (nested dicts merged too), as snakemake merges a
    --configfile over config.yaml."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(base.get(key), dict)
        out[key] = deep_merge(base[key], value) if both else value
    return out


def demo_config(repo: Path = REPO) -> dict:
    """config.yaml with profiles/demo/scale.yaml merged over it: the demo run's config."""
    full = yaml.safe_load((repo / "config.yaml").read_text())
    demo = yaml.safe_load((repo / "profiles" / "demo" / "scale.yaml").read_text())
    return deep_merge(full, demo)


def gpu_studies(studies: dict[str, Study]) -> list[str]:
    """The studies whose row says gpu: 1 (the training studies), in table order."""
    return [s for s, row in studies.items() if row.gpu]


def study_files(row: Study, cfg: dict, studies: dict[str, Study], data_dir: Path,
                results: Path) -> tuple[dict, dict, str | None]:
    """(inputs, outputs, checkpoint) of `row`'s study as its rule has them (rules/common.smk:
    study_inputs, study_outputs, training_checkpoint), with data under `data_dir` and results
    under `results`."""
    data = row.data(cfg)
    inputs = {"data": str(data_dir / data[0])} if len(data) == 1 else {
        f"data_{d}": str(data_dir / d) for d in data}
    for weights in row.weights(cfg):
        inputs["weights"] = str(data_dir / weights)
    for name, ref in row.after.items():
        other, output = ref.split(".")
        inputs[name] = str(results / other / studies[other].outputs[output])
    outputs = {"metrics": str(results / row.id / "metrics.json"),
               "figure": str(results / "figures" / f"{row.id}.png")}
    if row.table:
        outputs["table"] = str(results / row.id / "table.csv")
    for name, file in row.outputs.items():
        outputs[name] = str(results / row.id / file)
    uses_data = bool(data or row.weights(cfg))
    checkpoint = str(results / "checkpoints" / f"{row.id}.pt") if row.gpu and uses_data else None
    return inputs, outputs, checkpoint


def epoch_timings(metrics: dict) -> dict[str, float]:
    """The per-epoch wall times a study wrote ({key: seconds}: seconds_per_epoch and the
    variants named per phase, e.g. frozen_seconds_per_epoch, classifier_epoch_seconds)."""
    return {k: float(v) for k, v in metrics.items()
            if EPOCH_KEY.search(k) and isinstance(v, int | float)}


def run_one(study: str, row: Study, cfg: dict, config: dict, studies: dict[str, Study],
            claims: list[dict], data_dir: Path, results: Path, device_type: str = "cuda",
            package: str = "hundreddays.studies") -> dict:
    """Run one study as its rule would, under DeviceCheck; return its row of the table."""
    record: dict = {"study": study}
    inputs, outputs, checkpoint = study_files(row, cfg, studies, data_dir, results)
    missing = [p for p in inputs.values() if not Path(p).exists()]
    if missing:
        return {**record, "status": f"not run: input missing {', '.join(missing)}"}
    cuda = device_type == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    check = DeviceCheck(device_type)
    start = time.perf_counter()
    try:
        with rule_log(results.parent / "logs" / f"{study}.log"), check:
            run_study(study, cfg=cfg, seed=config["seed"], threads=row.threads, scale="demo",
                      inputs=inputs, outputs=outputs, reference=reference_of(study, claims),
                      checkpoint=checkpoint, table=row.table, package=package)
            if cuda:
                torch.cuda.synchronize()
    except Exception as err:  # one study's failure is its row, the others still run
        record["status"] = f"error: {type(err).__name__}: {str(err).splitlines()[0][:200]}"
    record["wall_seconds"] = time.perf_counter() - start
    if cuda:
        record["peak_gpu_mib"] = torch.cuda.max_memory_allocated() / 2**20
        record["peak_reserved_mib"] = torch.cuda.max_memory_reserved() / 2**20
    record.update(module_calls=check.calls, off_device_calls=check.off_device_calls,
                  autocast_calls=check.autocast_calls)
    if "status" not in record:
        record["status"] = status(check, record.get("peak_gpu_mib"))
    metrics_path = Path(outputs["metrics"])
    if metrics_path.exists():
        per_epoch = epoch_timings(json.loads(metrics_path.read_text()))
        if per_epoch:
            record["seconds_per_epoch"] = per_epoch.get("seconds_per_epoch",
                                                        next(iter(per_epoch.values())))
            record["epoch_timings"] = "; ".join(f"{k} {v:.4g}" for k, v in per_epoch.items())
    return record


def status(check: DeviceCheck, peak_gpu_mib: float | None) -> str:
    """A finished study's verdict: "ok" when modules were called with everything on the device.
    A study that calls no nn.Module (sgd_line: gradient descent on bare tensors) passes on the
    GPU when it allocated GPU memory (its tensors were there), and is not checked on the CPU."""
    if check.calls == 0 and check.device_type == "cuda":
        if peak_gpu_mib:
            return "ok (no nn.Module called; its tensors used GPU memory)"
        return "FAILED: no nn.Module called and no GPU memory allocated"
    if check.calls == 0:
        return "ok (no nn.Module called: not checked)"
    return "ok" if check.ok else f"FAILED: {check.problem()}"


def cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def write_table(rows: list[dict], path: str | Path, header: str = "") -> str:
    """Write `rows` (dicts keyed by COLUMNS; missing keys stay empty) to `path`: CSV when it
    ends in .csv, else a markdown table under `header`. Returns the text written."""
    path = Path(path)
    if path.suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: cell(row.get(c)) for c in COLUMNS})
        text = buffer.getvalue()
    else:
        lines = [header, ""] if header else []
        lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(cell(row.get(c)).replace("|", "/") for c in COLUMNS) + " |"
                  for row in rows]
        text = "\n".join(lines) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def machine_line(device_type: str, data_dir: Path) -> str:
    """Which device, torch and CUDA the table was measured with."""
    if device_type == "cuda":
        props = torch.cuda.get_device_properties(0)
        device = f"{props.name}, {props.total_memory / 2**30:.0f} GiB, CUDA {torch.version.cuda}"
    else:
        device = f"CPU rehearsal ({platform.processor() or platform.machine()}), no GPU"
    return (f"GPU check at the demo scale on {data_dir}: {device}; torch {torch.__version__}; "
            f"{time.strftime('%Y-%m-%d %H:%M')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("studies", nargs="*", help="gpu studies to run (default: all)")
    parser.add_argument("--data-dir", default="data/demo", type=Path,
                        help="a demo run's prepared data (default: data/demo)")
    parser.add_argument("--out", default="results/gpu_check.md", type=Path,
                        help="the table: .md (markdown) or .csv (default: results/gpu_check.md)")
    parser.add_argument("--keep", type=Path, help="keep the studies' outputs and logs here "
                        "(default: a scratch folder, deleted)")
    parser.add_argument("--rehearse-on-cpu", action="store_true",
                        help="no GPU: run the machinery with the CPU as the expected device")
    args = parser.parse_args(argv)

    if not torch.cuda.is_available() and not args.rehearse_on_cpu:
        print("gpu_check: no GPU (torch.cuda.is_available() is False); nothing was run.")
        return 0
    device_type = "cpu" if args.rehearse_on_cpu else "cuda"

    studies = load_studies(REPO / "studies.yaml")
    config = demo_config()
    validate_config(config, studies)
    claims = load_claims(REPO / "claims.yaml")
    chosen = args.studies or gpu_studies(studies)
    unknown = [s for s in chosen if s not in studies or not studies[s].gpu]
    if unknown:
        parser.error(f"not a gpu study of studies.yaml: {unknown}")
    data_dir = args.data_dir.resolve()
    if device_type == "cuda":
        torch.zeros(1, device="cuda")  # CUDA's start-up, outside every study's time

    rows = []
    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        root = args.keep.resolve() if args.keep else Path(scratch)
        for study in chosen:
            print(f"gpu_check: {study} ...", flush=True)
            row = run_one(study, studies[study], config["studies"][study], config, studies,
                          claims, data_dir, root / "results", device_type)
            rows.append(row)
            print(f"gpu_check: {study}: {row['status']} ({row.get('wall_seconds', 0):.1f} s)",
                  flush=True)
    text = write_table(rows, args.out, header=machine_line(device_type, data_dir))
    print(text)
    print(f"gpu_check: table written to {args.out}")
    return 0 if all(r["status"].startswith("ok") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
