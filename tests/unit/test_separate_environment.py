"""The determinism test's second installation (tests/helpers/workflow_copy.py) shares no file
path with the first: its own source and its own virtual environment, and this one untouched."""

import subprocess
import sys
from pathlib import Path

from workflow_copy import copy_workflow, separate_environment


def test_second_installation_imports_its_own_copies(tmp_path):
    editable = sorted(Path(sys.prefix).glob("lib/python3*/site-packages/__editable__*hundreddays*"))
    before = [p.read_bytes() for p in editable]
    wf = copy_workflow(tmp_path / "clone")
    env = separate_environment(wf, tmp_path / "venv")
    code = ("import hundreddays, snakemake, torch\n"
            "print(hundreddays.__file__)\nprint(torch.__file__)")
    out = subprocess.run([str(tmp_path / "venv" / "bin" / "python"), "-c", code], env=env,
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    package, torch_file = out.split()
    assert Path(package).is_relative_to(wf / "src")
    assert Path(torch_file).is_relative_to(tmp_path / "venv")
    assert [p.read_bytes() for p in editable] == before  # the first environment is unchanged
