"""The log's figures beside ours (issue 13): log_figures.yaml maps each image the log links to
the study that regenerates it, the originals are fetched at the pinned commit and verified (a
failure falls back to a link), and REPORT.md shows them in two columns."""

import hashlib
import re
from pathlib import Path

import pytest
import yaml
from real_data import shared

from hundreddays.log_figures import LogFiguresError, fetch_originals, load_log_figures, read_records
from hundreddays.report import write_report_md
from hundreddays.study_table import load_studies

ROOT = Path(__file__).resolve().parents[2]
STUDIES = load_studies(ROOT / "studies.yaml")
IMAGES = load_log_figures(ROOT / "log_figures.yaml", STUDIES)
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def days(study: str) -> set[int]:
    """Every day of the study's row in studies.yaml ("33-53": each day of the range)."""
    named = STUDIES[study].days
    return set(range(min(named), max(named) + 1)) if "-" in STUDIES[study].day else set(named)


def test_the_registry_pins_a_commit_and_every_study_exists():
    """load_log_figures(…, STUDIES) above checked the studies; here the URLs: at the commit,
    never at a branch."""
    assert len(IMAGES) == 14
    assert sum(image.kind == "figure" for image in IMAGES.values()) == 12
    for image in IMAGES.values():
        assert re.fullmatch(r"[0-9a-f]{40}", image.commit)
        assert f"/{image.commit}/{image.name}" in image.url()
        assert "master" not in image.url() and "master" not in image.page


def test_each_regenerated_figure_is_mapped_to_a_study_of_its_day():
    for image in IMAGES.values():
        if image.study:
            assert image.kind == "figure", image.name
            assert image.day in days(image.study), image.name
        else:
            assert image.why, image.name


def test_every_figure_day_with_a_figure_study_is_mapped():
    """A log figure is left without a study only when a reason is given, and a study of that day
    that regenerates nothing of the log is named in that reason (e.g. onnx_export, day 29)."""
    for image in IMAGES.values():
        if image.kind != "figure" or image.study:
            continue
        same_day = [s for s in STUDIES if image.day in days(s)]
        for study in same_day:
            assert study in image.why, f"{image.name}: {study} (day {image.day}) not explained"


def test_every_image_the_log_links_is_registered_with_its_day():
    linked, day = {}, None
    for line in shared("seed", "100days-log.md").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"# Day (\d+)", line):
            day = int(m.group(1))
        for name in re.findall(r"marberi/100days/blob/master/([\w.-]+\.png)", line):
            linked[name] = day
    assert linked == {name: image.day for name, image in IMAGES.items()}


def registry(tmp_path, payloads: dict[str, bytes], studies: dict[str, str | None]) -> Path:
    images = {
        name: {"day": 8 + i, "kind": "figure", "study": studies[name],
               "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
               **({} if studies[name] else {"why": "private images"})}
        for i, (name, data) in enumerate(payloads.items())
    }
    path = tmp_path / "log_figures.yaml"
    path.write_text(yaml.safe_dump({"repository": "marberi/100days", "commit": COMMIT,
                                    "commit_source": "test", "images": images}))
    return path


PAYLOADS = {"walking.png": b"\x89PNG walking", "fibonacci.png": b"\x89PNG fibonacci",
            "hipster_man.png": b"\x89PNG hipster"}
MAPPED = {"walking.png": "svd_background", "fibonacci.png": "fibonacci", "hipster_man.png": None}
FIGURES = [{"path": f"figures/{s}.png", "title": f"the {s} study", "study": s, "rule": s,
            "script": f"{s}.py", "inputs": []} for s in ("svd_background", "fibonacci")]


def report(tmp_path, records) -> str:
    write_report_md(tmp_path / "REPORT.md", [], {}, FIGURES, [], "full", log_figures=records)
    return (tmp_path / "REPORT.md").read_text(encoding="utf-8")


def test_report_shows_the_fetched_original_beside_ours(httpserver, tmp_path):
    """Served by a local server at <host>/marberi/100days/<commit>/<name>: walking.png with its
    bytes, fibonacci.png with other bytes (rejected: a link instead, no file left)."""
    images = load_log_figures(registry(tmp_path, PAYLOADS, MAPPED), STUDIES)
    for name, data in PAYLOADS.items():
        body = data if name != "fibonacci.png" else b"\x89PNG changed since"
        httpserver.expect_request(f"/marberi/100days/{COMMIT}/{name}").respond_with_data(body)
    folder = tmp_path / "log-figures"
    fetch_originals(images, folder, fetch=True, host=httpserver.url_for("/"))
    assert (folder / "walking.png").read_bytes() == PAYLOADS["walking.png"]
    assert not (folder / "fibonacci.png").exists()
    text = report(tmp_path, read_records(folder, tmp_path))
    assert "| the log, day 8 | this run |" in text
    assert ("| ![the log, day 8: walking.png](log-figures/walking.png)<br>"
            f"[walking.png at {COMMIT[:7]}](https://github.com/marberi/100days/blob/{COMMIT}/"
            "walking.png)") in text
    assert "verified | ![the svd_background study](figures/svd_background.png) |" in text
    fib = f"[fibonacci.png at {COMMIT[:7]}](https://raw.githubusercontent.com/marberi/100days/" \
          f"{COMMIT}/fibonacci.png) (not shown: could not be fetched"
    assert fib in text and "sha256" in text.split(fib)[1].splitlines()[0]
    assert "![the fibonacci study](figures/fibonacci.png)" in text
    other = text.split("### The log's other images")[1]
    assert "hipster_man.png" in other and "private images" in other
    assert "walking.png" not in other


def test_offline_report_links_to_the_pinned_originals(httpserver, tmp_path):
    images = load_log_figures(registry(tmp_path, PAYLOADS, MAPPED), STUDIES)
    folder = tmp_path / "log-figures"
    records = fetch_originals(images, folder, fetch=False, host=httpserver.url_for("/"))
    assert not httpserver.log  # nothing was asked for
    assert sorted(p.name for p in folder.iterdir()) == ["records.json"]
    assert [r["fetched"] for r in records] == [False] * 3
    text = report(tmp_path, read_records(folder, tmp_path))
    for name in ("walking.png", "fibonacci.png"):
        assert f"](https://raw.githubusercontent.com/marberi/100days/{COMMIT}/{name}) " \
               "(not shown: this run does not download" in text
    assert "blob/master" not in text
    assert "![the svd_background study](figures/svd_background.png)" in text


def test_no_network_falls_back_to_links_after_the_first_try(tmp_path):
    """A host that cannot be reached: the first image is tried (and fails quickly), the others
    are not, and the run goes on (no exception) with links."""
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    images = load_log_figures(registry(tmp_path, PAYLOADS, MAPPED), STUDIES)
    records = fetch_originals(images, tmp_path / "out", fetch=True,
                              host=f"http://127.0.0.1:{port}", timeout=5)
    assert [r["fetched"] for r in records] == [False] * 3
    assert "connection failed" in records[0]["note"]
    assert all(r["note"].startswith("not tried") for r in records[1:])
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["records.json"]


def test_report_without_log_figures_is_unchanged(tmp_path):
    text = report(tmp_path, None)
    assert "the log, day" not in text and "The log's other images" not in text
    assert "![the fibonacci study](figures/fibonacci.png)" in text


@pytest.mark.parametrize("change,message", [
    (lambda d: d.update(commit="master"), "commit"),
    (lambda d: d["images"]["walking.png"].update(study="no_such_study"), "images.walking.png"),
    (lambda d: d["images"]["fibonacci.png"].update(study="svd_background"), "already"),
    (lambda d: d["images"]["hipster_man.png"].pop("why"), "why"),
])
def test_registry_errors_name_the_file_and_key(tmp_path, change, message):
    path = registry(tmp_path, PAYLOADS, MAPPED)
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(LogFiguresError, match=message) as err:
        load_log_figures(path, STUDIES)
    assert str(path) in str(err.value)


def test_registry_checksums_verify_the_logs_images(tmp_path):
    """The registry's sizes and sha256 against a copy of the log's images, used as a mirror
    folder (<mirror>/log_figures/<name>, linked, never copied); the upstream is never tried."""
    (tmp_path / "mirror").mkdir()
    (tmp_path / "mirror" / "log_figures").symlink_to(shared("reference-figures"))
    records = fetch_originals(IMAGES, tmp_path / "out", fetch=True, mirror=str(tmp_path / "mirror"),
                              host="http://127.0.0.1:9")
    assert [r["image"] for r in records if not r["fetched"]] == []


def test_every_claim_read_from_a_figure_names_an_image_of_the_log():
    """claims.yaml's `figure`: the log's image the reported value is read from."""
    from hundreddays.claims import load_claims

    claims = load_claims(ROOT / "claims.yaml")
    for claim in claims:
        if claim.get("figure"):
            assert claim["figure"] in IMAGES, claim["id"]
            assert IMAGES[claim["figure"]].study == claim["study"], claim["id"]


def test_report_sets_the_log_figures_quantity_beside_ours(tmp_path):
    """A claim whose reported value is read from the log's image stands under that pair of
    figures, the log's value beside this run's; claims read from no image do not."""
    images = load_log_figures(registry(tmp_path, PAYLOADS, MAPPED), STUDIES)
    fetch_originals(images, tmp_path / "log-figures", fetch=False)
    row = {"claim": "fib_timing_shape", "statement": "the figure's curve", "reported": 29.4,
           "unit": "µs", "comparison": "within ×10", "measured": 31.0, "measured_min": 30.0,
           "measured_max": 32.0, "n": 2, "verdict": "conditions not given", "kind": "synthetic",
           "day": 13, "metric": "fibonacci.t", "figure": "fibonacci.png"}
    other = {**row, "claim": "not_from_a_figure", "figure": ""}
    write_report_md(tmp_path / "REPORT.md", [row, other], {}, FIGURES, [], "full",
                    log_figures=read_records(tmp_path / "log-figures", tmp_path))
    text = (tmp_path / "REPORT.md").read_text(encoding="utf-8")
    fib = text.split("### the fibonacci study")[1].split("###")[0]
    assert "Read from both figures:" in fib
    assert "| the figure's curve (`fib_timing_shape`) | 29.4 µs | within ×10 | 31 (30–32, n = 2) " \
           "| conditions not given |" in fib
    assert "not_from_a_figure" not in fib
    svd = text.split("### the svd_background study")[1].split("###")[0]
    assert "Read from both figures" not in svd
