"""Resources from the rehearsal: the margins, the edits of studies.yaml and the SLURM profile, and
the workflow's declarations checked against the last published rehearsal."""

from pathlib import Path

import pytest

from hundreddays.rehearsal.publish import latest
from hundreddays.rehearsal.resources import (
    MB_PER_MIB,
    SLURM_BEGIN,
    SLURM_END,
    mem_mb,
    planned,
    runtime_minutes,
    slurm_block,
    with_block,
    with_mem_mb,
)
from hundreddays.rehearsal.summary import README_BEGIN, README_END, readme_block
from hundreddays.study_table import load_studies

ROOT = Path(__file__).resolve().parents[3]
LAST = latest(ROOT / "published")


def test_margins():
    assert mem_mb(100) == 500
    assert mem_mb(1000) == 2000  # 1000 MiB = 1049 MB, x 1.5 = 1573, up to 2000
    assert runtime_minutes(10) == 5 and runtime_minutes(200) == 10


def test_with_mem_mb_edits_one_row_and_keeps_the_rest():
    text = ("studies:\n  a:\n    day: \"1\"\n    resources: {threads: 2, gpu: 1, mem_mb: 16000}\n"
            "  b:\n    day: \"2\"\n  c:\n    day: \"3\"\n")
    text = with_mem_mb(text, "a", 2500)
    text = with_mem_mb(text, "b", 500)
    assert text == ("studies:\n  a:\n    day: \"1\"\n    resources: {threads: 2, gpu: 1, "
                    "mem_mb: 2500}\n  b:\n    day: \"2\"\n    resources: {mem_mb: 500}\n"
                    "  c:\n    day: \"3\"\n")
    with pytest.raises(KeyError):
        with_mem_mb(text, "d", 1)


def test_with_block_needs_its_markers():
    with pytest.raises(ValueError, match="no markers"):
        with_block("x", "<a>", "<b>", "y", "README.md")
    assert with_block("1<a>old<b>2", "<a>", "<b>", "<a>new<b>", "f") == "1<a>new<b>2"


@pytest.mark.skipif(LAST is None, reason="no published rehearsal yet")
def test_every_rule_declares_at_least_its_rehearsed_peak():
    studies = load_studies(ROOT / "studies.yaml")
    low = {study: (studies[study].mem_mb, round(values["peak_mib"] * MB_PER_MIB))
           for study, values in planned(LAST).items()
           if (studies[study].mem_mb or 0) < values["peak_mib"] * MB_PER_MIB}
    assert not low, (f"mem_mb below the peak rehearsed in {LAST.name} (declared, peak MB): "
                     f"{low}; run scripts/rehearsal_resources.py")


@pytest.mark.skipif(LAST is None, reason="no published rehearsal yet")
def test_readme_and_slurm_profile_are_generated_from_the_last_rehearsal():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(README_BEGIN):readme.index(README_END) + len(README_END)]
    assert block == readme_block(LAST), "run scripts/rehearsal_resources.py"
    slurm = (ROOT / "profiles" / "slurm" / "config.yaml").read_text(encoding="utf-8")
    block = slurm[slurm.index(SLURM_BEGIN):slurm.index(SLURM_END) + len(SLURM_END)]
    assert block == slurm_block(planned(LAST), LAST.name), "run scripts/rehearsal_resources.py"
