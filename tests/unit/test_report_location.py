import shlex

from hundreddays.report_location import end_message, html_report_command, snakemake_words


def test_the_command_repeats_the_runs_configuration(tmp_path):
    command = html_report_command("results", [tmp_path / "profiles" / "demo" / "scale.yaml"],
                                  {}, tmp_path, ["snakemake"])
    assert command == ("snakemake --configfile profiles/demo/scale.yaml "
                       "--report results/report.html")


def test_config_overrides_and_outside_paths_are_kept_and_quoted(tmp_path):
    outside = tmp_path.parent / "my scale.yaml"
    command = html_report_command("out", [outside], {"scale": "demo", "seeds": 3,
                                                     "skip": {"whale": "no data"}}, tmp_path,
                                   ["snakemake"])
    assert shlex.split(command) == [
        "snakemake", "--configfile", str(outside), "--config", "scale=demo", "seeds=3",
        'skip={"whale": "no data"}', "--report", "out/report.html"]


def test_a_plain_run_needs_no_configuration_words(tmp_path):
    assert html_report_command("results", [], {}, tmp_path, ["snakemake"]) == (
        "snakemake --report results/report.html")


def test_snakemake_is_called_as_it_was_started(tmp_path, monkeypatch):
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    script = venv / "snakemake"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", "/nonexistent")
    assert snakemake_words(str(script), "/usr/bin/python3", tmp_path) == [".venv/bin/snakemake"]
    main = "/somewhere/site-packages/snakemake/__main__.py"
    assert snakemake_words(main, str(venv / "python"), tmp_path) == [
        ".venv/bin/python", "-m", "snakemake"]
    monkeypatch.setenv("PATH", str(venv))
    assert snakemake_words(str(script), "/usr/bin/python3", tmp_path) == ["snakemake"]


def test_the_message_names_report_md_and_the_command():
    message = end_message("results/REPORT.md", "snakemake --report results/report.html")
    lines = message.splitlines()
    assert len(lines) == 2
    assert "results/REPORT.md" in lines[0]
    assert lines[1].endswith(": snakemake --report results/report.html")
