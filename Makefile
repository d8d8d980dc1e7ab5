# Copyright Hub: the public face of the repository. `make up` runs the hub, `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HUB := $(VENV)/bin/copyright-hub
STAMPS := .stamps
# the slowest tests are listed after every run, so a suite creeping towards its 20-minute bound shows where;
# the suite runs on every CPU (at most 4 workers: each starts its own anvil and PostgreSQL connections),
# whole modules per worker (tests/conftest.py says how the timing-sensitive modules are kept together)
PYTEST_ARGS ?= --durations=25 -n auto --maxprocesses 4 --dist loadscope

.PHONY: install up down test lint bench bench-results gas-baseline contracts wheel clean help

help:
	@echo "make up      install, start the devnet, deploy, index and serve the API with demo data"
	@echo "make down    stop what make up started (chain state is kept)"
	@echo "make test    install, then run the contract build check, lint and the whole suite"
	@echo "make bench   run every benchmark under benchmarks/; figures and charts go to $(BENCH_OUT), committed results stay"
	@echo "make bench-results  re-measure and rewrite the committed throughput results and charts (benchmarks/results/)"
	@echo "make wheel   build the installable wheel (SDK, CLI, contract artifacts) into dist/: pip install dist/*.whl"
	@echo "make gas-baseline   rewrite the gas regression baseline (benchmarks/results/gas.json) after a deliberate gas change"

install: $(STAMPS)/python $(STAMPS)/node

$(STAMPS)/tools:
	@command -v $(PYTHON) >/dev/null || { echo "make install: Python 3.11+ is required; install it (or pass PYTHON=/path/to/python3.11)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "make install: Python 3.11+ is required, found $$($(PYTHON) --version 2>&1); pass PYTHON=/path/to/python3.11"; exit 1; }
	@command -v node >/dev/null || { echo "make install: Node.js 20+ is required for solc-js and anvil; install Node.js 20 or newer"; exit 1; }
	@command -v npm >/dev/null || { echo "make install: npm is required (it ships with Node.js 20+); install it"; exit 1; }
	@node -e 'process.exit(parseInt(process.versions.node) < 20 ? 1 : 0)' || { echo "make install: Node.js 20+ is required, found $$(node --version); upgrade Node.js"; exit 1; }
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/python: $(STAMPS)/tools pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[server,dev]'
	@touch $@

$(STAMPS)/node: $(STAMPS)/tools package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Headless Chromium for the page tests (Debian's package; a test tool must not download a browser).
$(STAMPS)/browser: $(STAMPS)/tools
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the page tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test: headless Chromium is needed for the page tests; install it (Debian: sudo apt-get install chromium)"; exit 1; \
	  fi; }
	@# a CJK font for Chinese text in page screenshots and in the PDF certificate (best effort: without
	@# one the certificate command refuses PDF with a message naming the package, and says so in its test)
	@test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's fonts-wqy-microhei for Chinese text in pages and PDF certificates"; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 || \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei >/dev/null; } || \
	      echo "could not install fonts-wqy-microhei; PDF certificates will be refused until a CJK font is installed"; \
	  else \
	    echo "note: no CJK font found; install fonts-wqy-microhei for PDF certificates in Chinese"; \
	  fi; }
	@touch $@

# Media tools for ISCC content codes (client_sdk.content.iscc): Debian's ffmpeg (MPEG-7 signature filter,
# chromaprint muxer) and Chromaprint's fpcalc; nothing downloads its own binaries at run time.
$(STAMPS)/media: $(STAMPS)/tools
	@{ command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null && command -v fpcalc >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's ffmpeg and libchromaprint-tools for ISCC content codes"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg libchromaprint-tools >/dev/null; \
	  else \
	    echo "make test: ffmpeg is needed for ISCC content codes; install it (Debian: sudo apt-get install ffmpeg libchromaprint-tools)"; exit 1; \
	  fi; }
	@touch $@

up: install
	@$(HUB) up

down:
	@$(HUB) down

contracts: install
	$(PY) -m contracts.build

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# the build check (solc-js, most of a minute on one core) runs beside the linters, on the other core
test: install $(STAMPS)/browser $(STAMPS)/media
	$(PY) -m contracts.build --check & check=$$!; \
	  $(VENV)/bin/ruff check . && $(VENV)/bin/mypy; lint=$$?; \
	  wait $$check && exit $$lint
	$(PY) -m pytest $(PYTEST_ARGS)

# Benchmarks never rewrite committed results as a side effect. `make bench` measures everything into
# $(BENCH_OUT) (a copy of benchmarks/results/ with the fresh figures and charts) and checks gas against
# the baseline; `make bench-results` rewrites the committed throughput results and charts;
# `make gas-baseline` rewrites the gas baseline, which only a deliberate gas change should do.
BENCH_OUT ?= $(STAMPS)/bench

bench: install
	@rm -rf $(BENCH_OUT) && mkdir -p $(BENCH_OUT) && cp benchmarks/results/*.json $(BENCH_OUT)/
	$(PY) benchmarks/gas.py --check --save $(BENCH_OUT)/gas.json || echo "make bench: gas differs from benchmarks/results/gas.json (reasons above)"
	$(PY) benchmarks/cid.py --mb 256 --save $(BENCH_OUT)/cid.json
	$(PY) benchmarks/indexer.py --events 20000 --db sqlite --save $(BENCH_OUT)/indexer-sqlite.json
	$(PY) benchmarks/indexer.py --events 20000 --db postgresql --save $(BENCH_OUT)/indexer-postgresql.json
	$(PY) benchmarks/report.py --results $(BENCH_OUT)
	@echo "make bench: fresh results and charts in $(BENCH_OUT); benchmarks/results/ is unchanged"

bench-results: install
	$(PY) benchmarks/cid.py --mb 64 --save benchmarks/results/cid.json
	$(PY) benchmarks/cid.py --mb 256 --save benchmarks/results/cid.json
	$(PY) benchmarks/indexer.py --events 20000 --db sqlite --save benchmarks/results/indexer-sqlite.json
	$(PY) benchmarks/indexer.py --events 20000 --db postgresql --save benchmarks/results/indexer-postgresql.json
	$(PY) benchmarks/report.py
	@echo "make bench-results: rewrote benchmarks/results/; update the README figures from the output above"

gas-baseline: install
	$(PY) benchmarks/gas.py --save benchmarks/results/gas.json
	$(PY) benchmarks/report.py
	@echo "make gas-baseline: rewrote benchmarks/results/gas.json; update benchmarks/results/gas.md and README to match, and say in the commit what changed the gas"

# The wheel an auditor installs with pip (SDK, `copyright-hub verify`, committed contract artifacts;
# nothing to compile, no Node): built by pip from a copy of the sources, so the tree gets no build/ folder.
WHEEL_SRC := $(STAMPS)/wheel-src
DIST ?= dist

wheel:
	@rm -rf $(WHEEL_SRC) && mkdir -p $(WHEEL_SRC) $(DIST)
	@tar -c --exclude=__pycache__ pyproject.toml README.md contracts client_sdk indexer api copyright_hub | tar -x -C $(WHEEL_SRC)
	@$(PYTHON) -m pip wheel -q --no-deps --disable-pip-version-check -w $(DIST) $(WHEEL_SRC)
	@rm -rf $(WHEEL_SRC)
	@ls $(DIST)/copyright_hub-*.whl

clean:
	rm -rf $(VENV) node_modules $(STAMPS)
