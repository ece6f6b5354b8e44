"""A study whose data cannot be read here still measures what needs none (its studies.yaml row's
data_free): weight_decay without MNIST, randomized_svd without the UCSD frames. Their rules run
with no data input and nothing is fetched for them; a study without data-free metrics
(svd_background) is answered by rule not_run."""

import json

import pytest
import yaml
from workflow_copy import copy_workflow, snakemake

pytestmark = pytest.mark.workflow

WHY = {"weight_decay": "no MNIST here (a test)", "randomized_svd": "no UCSD frames here (a test)",
       "svd_background": "no UCSD frames here (a test)"}
TARGETS = [f"results/{s}/metrics.json" for s in WHY]


def test_skipped_studies_run_their_data_free_part(tmp_path):
    wf = copy_workflow(tmp_path / "wf")
    (wf / "skip.yaml").write_text(yaml.safe_dump({"skip": WHY}))
    proc = snakemake(wf, "--profile", "profiles/demo", "--configfile",
                     "profiles/demo/scale.yaml", "skip.yaml", "--", *TARGETS)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-5000:]
    for rule in ("fetch_file", "prepare_dataset", "build_demo_mirror"):
        assert f"rule {rule}" not in said, rule  # no data was brought for them
    assert "rule weight_decay:" in said and "rule randomized_svd:" in said
    weight_decay = json.loads((wf / TARGETS[0]).read_text())
    assert weight_decay["not_run"] == WHY["weight_decay"]
    assert weight_decay["loss_term_vs_optimizer_max_param_diff"] < 1e-12
    assert "wd_0_1_to_0_01_valid_loss_ratio" not in weight_decay
    svd = json.loads((wf / TARGETS[1]).read_text())
    assert svd["not_run"] == WHY["randomized_svd"] and "top_singular_values_rel_error" in svd
    assert not any(k.startswith("peds_") for k in svd)
    assert json.loads((wf / TARGETS[2]).read_text()) == {"not_run": WHY["svd_background"]}
    for study in WHY:
        assert (wf / "results" / "figures" / f"{study}.png").read_bytes()[:4] == b"\x89PNG"
