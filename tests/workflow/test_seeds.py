"""Several seeds per study: a wildcard rule per study for the seeds after the base seed, planned
at full scale for every study that is not too long to repeat, none at the demo scale, and a real
two-seed run whose seeds differ only where the seed matters."""

import json
import re

import pytest
import yaml
from workflow_copy import REPO, copy_workflow, snakemake

from hundreddays.metrics import is_timing
from hundreddays.study_table import load_studies

pytestmark = pytest.mark.workflow
TABLE = load_studies(REPO / "studies.yaml")
CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
NOT_RUN = {"whale"}  # Kaggle data, and no credentials in the tests' environment


@pytest.fixture
def workflow(tmp_path):
    return copy_workflow(tmp_path / "wf")


def job_counts(stdout: str) -> dict[str, int]:
    """{rule: jobs} from a dry run's job stats."""
    stats = stdout.split("Job stats:")[1].split("total")[0]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", stats, re.MULTILINE)}


def test_full_scale_runs_the_configured_seeds_of_every_study_not_too_long(workflow):
    proc = snakemake(workflow, "-n", "--cores", "8", "--resources", "gpu=1")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = job_counts(proc.stdout)
    extra = CONFIG["seeds"] - 1
    assert extra == 4
    for study, row in TABLE.items():
        one = bool(row.one_seed) or study in NOT_RUN
        assert jobs.get(f"{study}_seeds", 0) == (0 if one else extra), study
        assert jobs.get(study, 0) + jobs.get("not_run", 0) >= 1, study
    several = [s for s, row in TABLE.items() if not row.one_seed and s not in NOT_RUN]
    report_input = re.search(r"rule report:\n\s+input: (.*)", proc.stdout)[1].split(", ")
    for study in several:
        for seed in range(CONFIG["seed"] + 1, CONFIG["seed"] + CONFIG["seeds"]):
            assert f"results/{study}/seeds/{seed}/metrics.json" in report_input, (study, seed)
    # each seed its own log and benchmark
    assert "log: logs/float_stability/seed-4.log" in proc.stdout
    assert "benchmark: benchmarks/float_stability/seed-4.tsv" in proc.stdout


def test_the_seed_count_is_one_config_key(workflow):
    proc = snakemake(workflow, "-n", "--cores", "8", "--resources", "gpu=1",
                     "--config", "seeds=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = job_counts(proc.stdout)
    assert jobs["float_stability_seeds"] == 1 and "galaxy_analogues_seeds" not in jobs
    bad = snakemake(workflow, "-n", "--config", "seeds=0")
    assert bad.returncode != 0 and "seeds" in bad.stdout + bad.stderr


def test_the_demo_runs_the_base_seed_only(workflow):
    proc = snakemake(workflow, "-n", "--profile", "profiles/demo")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not [rule for rule in job_counts(proc.stdout) if rule.endswith("_seeds")]


def test_two_seeds_differ_only_where_the_seed_matters(workflow):
    """float_stability draws nothing at random: its seeds agree on every number but timings;
    householder_qr draws its matrices from the seed: its seeds differ there."""
    targets = [f"results/{s}/{p}metrics.json" for s in ("float_stability", "householder_qr")
               for p in ("", "seeds/1/")]
    proc = snakemake(workflow, *targets, "--cores", "2", "--config", "seeds=2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = workflow / "results"

    def metrics(study, seed_dir=""):
        data = json.loads((results / study / seed_dir / "metrics.json").read_text())
        return {k: v for k, v in data.items() if not is_timing(k)}, {
            k for k in data if is_timing(k)}

    base, base_timings = metrics("float_stability")
    other, other_timings = metrics("float_stability", "seeds/1")
    assert base == other and base and base_timings == other_timings != set()
    base, _ = metrics("householder_qr")
    other, _ = metrics("householder_qr", "seeds/1")
    assert base.keys() == other.keys()
    assert any(base[k] != other[k] for k in base)
    for study in ("float_stability", "householder_qr"):
        assert "seed 1," in (workflow / "logs" / study / "seed-1.log").read_text()
        assert "seed 0," in (workflow / "logs" / f"{study}.log").read_text()
        assert (workflow / "benchmarks" / study / "seed-1.tsv").exists()
        assert [p.name for p in (results / study / "seeds" / "1").iterdir()] == ["metrics.json"]
        assert (results / "figures" / f"{study}.png").exists()  # the base seed's figure
