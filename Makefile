# Front door. `make demo` and `make test` each set up the virtual environment first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test full published rehearsal rehearsal-resources dry-run lint report clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install -e '.[test]'
	touch $@

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

report: $(STAMP)  ## the HTML report of the last run
	$(BIN)/snakemake --report results/report.html

clean:
	rm -rf results logs benchmarks resources/demo-mirror resources/rehearsal-mirror data/demo \
		data/rehearsal .snakemake
