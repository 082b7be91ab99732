# Thin entry points; CI calls the same ones (.ci/run -> make test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# the training job (tutorial 07) installs torch==2.13.0 into its own environment: on this kind of
# machine the CPU build lies in /opt/wheels (a plain PyPI install would pull a CUDA build of GBs)
WHEELS := $(wildcard /opt/wheels)
ifneq ($(WHEELS),)
export PIP_FIND_LINKS ?= $(WHEELS)
endif

.PHONY: up test lint validate site bench bench-bot install system-deps clean

up: install  ## install everything and run the hub on its embedded defaults
	$(BIN)/mlhub up

test: install system-deps  ## install everything and run every test
	$(BIN)/ruff check mlhub bot tests bench
	$(BIN)/mypy
	$(BIN)/mlhub validate
	$(BIN)/python -m pytest -n 3 --dist loadfile --no-loadscope-reorder  # three processes (the tests wait on services a third of the time), a file at a time (module fixtures run once), longest first (tests/conftest.py)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,platform]'
	touch $@

system-deps:  ## what the tests need from Debian (Chromium); installs it when missing
	bash ci/system-deps.sh

lint: install
	$(BIN)/ruff check mlhub bot tests bench
	$(BIN)/mypy

validate: install
	$(BIN)/mlhub validate

site: install
	$(BIN)/mlhub site build

bench: install  ## print verification timings of the chain (cold, warm, one step changed), page weights, build time
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/site.py

bench-bot: install  ## the Slack bot: every interaction of tests/bot_interactions.py against a Slack answering in 250 ms, then 50 clients of load
	$(BIN)/python bench/bot_interactions.py
	$(BIN)/python bench/bot.py

clean:
	rm -rf site schemas .pytest_cache
