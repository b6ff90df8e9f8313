# Two commands for a new user: `make demo` and `make test`. Everything else builds on `.venv`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := false
export MPLBACKEND := Agg

# A Python >= 3.12: python3.13, python3.12, then pyenv's installed versions; each is run to check it works.
define find_python
for c in python3.13 python3.12 \
         $$(command -v pyenv >/dev/null 2>&1 && ls -d "$$(pyenv root)"/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
  if "$$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
    command -v "$$c" 2>/dev/null || echo "$$c"; exit 0; fi; \
done; exit 1
endef

.PHONY: bench-sweep profile demo test check bench lint format dashboard screenshot experiments venv-experiments clean venv cjk-font

venv: $(STAMP)

$(STAMP): pyproject.toml
	@PYBIN=$$( $(find_python) ) || { echo "error: gridgov needs Python >= 3.12 (python3.12/python3.13 on PATH or under pyenv); none found" >&2; exit 1; }; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV); fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[experiments,dask,dashboard,dev]'
	$(PY) -m simulation.core.warm  # compile the daily kernels once (cached on disk)
	@touch $(STAMP)

# A Chinese font (Debian's fonts-noto-cjk) for the dashboard's Chinese page, slides and GIFs.
# Installed when we are root with apt (CI, a fresh machine); otherwise the command is printed.
cjk-font:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing fonts-noto-cjk (Chinese font)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null; \
	  else echo "error: no Chinese font; run: sudo apt-get install fonts-noto-cjk" >&2; exit 1; fi; }

demo: $(STAMP)
	$(VENV)/bin/gridgov demo

# The full suite (what .ci/run runs): lint, import contracts, types, every test; then the 15
# slowest tests and the wall time of it all.
test: $(STAMP) cjk-font
	@t0=$$(date +%s); set -e; run() { echo "+ $${*#$(VENV)/bin/}"; "$$@"; }; \
	run $(VENV)/bin/ruff check simulation tests benchmarks; \
	run $(VENV)/bin/ruff format --check simulation tests benchmarks; \
	run $(VENV)/bin/lint-imports --no-logo; \
	run $(VENV)/bin/mypy; \
	run $(VENV)/bin/pytest -q --durations=15; \
	echo "make test: $$(( $$(date +%s) - t0 )) s wall"

# The inner loop, under a minute: the same checks and the fast tests (not marked slow, browser
# or dask). The markers are declared in pyproject.toml; `make test` runs everything.
FAST_TESTS := not slow and not browser and not dask

check: $(STAMP)
	@t0=$$(date +%s); set -e; run() { echo "+ $${*#$(VENV)/bin/}"; "$$@"; }; \
	run $(VENV)/bin/ruff check simulation tests benchmarks; \
	run $(VENV)/bin/ruff format --check simulation tests benchmarks; \
	run $(VENV)/bin/lint-imports --no-logo; \
	run $(VENV)/bin/mypy; \
	run $(VENV)/bin/pytest -q -m "$(FAST_TESTS)"; \
	echo "make check: $$(( $$(date +%s) - t0 )) s wall (budget: 60 s)"

bench: $(STAMP)
	$(VENV)/bin/gridgov bench

# Developer benchmarks (benchmarks/): sweep speed against an older commit, scaling and memory
# (minutes), and where one default-street day's time goes, phase by phase.
bench-sweep: $(STAMP)
	$(PY) -m benchmarks.sweep_bench

profile: $(STAMP)
	$(PY) -m benchmarks.day_profile

dashboard: $(STAMP) cjk-font
	$(VENV)/bin/gridgov dashboard

# Refresh the README's picture of the dashboard (the browser test otherwise writes under results/).
screenshot: $(STAMP) cjk-font
	GRIDGOV_SCREENSHOT=docs/img/dashboard.png $(VENV)/bin/pytest -q tests/test_dashboard_browser.py -k comparison_mode

# An experiment end to end: sweep (resumes if interrupted), report, hypothesis check with JUnit
# and JSON verdicts. Scale it down for CI: make experiments EXP=experiments/smoke.toml
# REPLICATIONS=3 DAYS=90 (a scaled-down run goes to its own folder, results/NAME-rR-dD).
# Needs only the light install (no dashboard or browser extras).
EXP ?= experiments/mechanisms.toml
REPLICATIONS ?=
DAYS ?=
EXP_NAME := $(basename $(notdir $(EXP)))
OUT ?= results/$(EXP_NAME)$(if $(REPLICATIONS),-r$(REPLICATIONS))$(if $(DAYS),-d$(DAYS))
EXP_STAMP := $(VENV)/.installed-experiments

venv-experiments: $(EXP_STAMP)

# The full install (make venv) includes these extras: then there is nothing to install.
$(EXP_STAMP): pyproject.toml
	@if [ -f $(STAMP) ] && [ $(STAMP) -nt pyproject.toml ]; then touch $(EXP_STAMP); exit 0; fi; \
	PYBIN=$$( $(find_python) ) || { echo "error: gridgov needs Python >= 3.12 (python3.12/python3.13 on PATH or under pyenv); none found" >&2; exit 1; }; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$PYBIN"; "$$PYBIN" -m venv $(VENV); fi; \
	$(PY) -m pip install -q --upgrade pip && \
	$(PY) -m pip install -q -e '.[experiments,dask]' && touch $(EXP_STAMP)

experiments: $(EXP_STAMP)
	$(VENV)/bin/gridgov sweep $(EXP) --out $(OUT) --no-progress \
	  $(if $(REPLICATIONS),--replications $(REPLICATIONS)) $(if $(DAYS),--days $(DAYS))
	$(VENV)/bin/gridgov report $(OUT)
	$(VENV)/bin/gridgov check $(OUT) --junit $(OUT).junit.xml --json $(OUT).check.json

lint: $(STAMP)
	$(VENV)/bin/ruff check simulation tests benchmarks

format: $(STAMP)
	$(VENV)/bin/ruff format simulation tests benchmarks
	$(VENV)/bin/ruff check --fix simulation tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
