# Front door. `make demo` and `make test` each set up the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package, its version and the sha256 of its files, resolved from pyproject.toml's pins by
# `make lock` (pip-tools: pip's own resolver, reading pip's configuration) for Linux x86_64,
# CPython 3.11. On another platform, run `make lock` there first.
LOCK := requirements.lock
LOCK_TOOLS ?= .lock-tools
PIP := pip==26.3
PY_VERSION = $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PIP_TOOLS := $(PIP) pip-tools==7.7.0

.PHONY: demo test full published rehearsal rehearsal-resources dry-run lint report clean lock

# The locked packages, hash-checked and without resolving anything, then the project itself; pip
# check fails if pyproject.toml's pins and the lock disagree (a pin changed without `make lock`).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP)
	$(BIN)/pip install --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --no-deps --no-build-isolation -e .
	$(BIN)/pip check
	touch $@

# Keeps the lock's other versions where the new pins allow them; `rm requirements.lock` first to
# resolve everything anew.
lock:  ## requirements.lock from pyproject.toml's pins, for this platform
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/pip install $(PIP_TOOLS)
	CUSTOM_COMPILE_COMMAND='make lock' $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes \
	    --allow-unsafe --extra test --strip-extras --no-emit-index-url --no-emit-find-links \
	    --output-file $(LOCK) pyproject.toml
	sed -i "2i # for $$(uname -s) $$(uname -m), Python $(PY_VERSION); another platform: make lock" \
	    $(LOCK)

demo: $(STAMP)  ## the main job: the whole DAG at the demo scale, offline, on CPU
	$(BIN)/snakemake --profile profiles/demo

test: $(STAMP)  ## the test suite (includes a demo run end to end)
	$(BIN)/python -m pytest

full: $(STAMP)  ## the full reproduction (internet for the first fetch, a GPU for training)
	$(BIN)/snakemake --cores 8 --resources gpu=1

RUN ?= $(shell date -u +%Y-%m-%d)-cpu$(shell nproc)
published: $(STAMP)  ## every study that fits on a 2-core CPU at full scale -> published/$(RUN)/
	$(BIN)/python scripts/publish_run.py --run $(RUN) -- $(BIN)/snakemake --profile profiles/published

rehearsal: $(STAMP)  ## the full config, loops capped, full-size inputs -> published/rehearsal-$(RUN)/
	$(BIN)/python scripts/rehearse.py --run rehearsal-$(RUN) -- $(BIN)/snakemake --profile profiles/rehearsal

rehearsal-resources: $(STAMP)  ## README's estimate, mem_mb and SLURM runtimes from the last rehearsal
	$(BIN)/python scripts/rehearsal_resources.py

dry-run: $(STAMP)
	$(BIN)/snakemake -n

lint: $(STAMP)
	$(BIN)/snakemake --lint
	$(BIN)/ruff check src scripts tests bench
	$(BIN)/snakefmt --check Snakefile rules

# The report needs the run's configuration (without it, a demo's report says "full scale"):
# after make demo, make report PROFILE=profiles/demo. Every run ends by printing its command.
PROFILE ?=
report: $(STAMP)  ## the HTML report of the last run (PROFILE= the run's profile, if any)
	$(BIN)/snakemake $(if $(PROFILE),--profile $(PROFILE)) --report results/report.html

clean:
	rm -rf results logs benchmarks resources/demo-mirror resources/rehearsal-mirror data/demo \
		data/rehearsal .snakemake
