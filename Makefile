# Two commands do all the set-up on a fresh machine:
#   make demo   - create .venv, install rnnkit, run the main job on bundled data
#   make test   - create .venv, install rnnkit with test extras, fetch the recipes' data (video, Debian packages), run the test suite
PYTHON := $(shell command -v python3)  # resolved before the venv joins PATH below
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# the venv's tools (ninja, for the C++ GRU extension) on PATH without activating it
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: install demo test lint bench clean debs

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c constraints.txt -e ".[test,data,kernels,deploy]"
	$(PY) -c "import rnnkit.kernels as k; print('C++ CPU loops:', k.build())"  # compiled once here, not in the first fit
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/rnnkit demo --out out/demo

test: $(STAMP) data/vtest.avi data/dm3_upstream2000.fa.gz debs
	$(PY) -m ruff check rnnkit tests benchmarks
	$(PY) -m pytest

# the surveillance recipe's real video, from the Debian package opencv-doc (scripts/fetch_vtest.sh)
data/vtest.avi:
	bash scripts/fetch_vtest.sh data

# the dna recipe's Drosophila upstream sequences, from the Debian package r-bioc-biostrings
data/dm3_upstream2000.fa.gz:
	bash scripts/fetch_dna.sh data

# the spoken-digits and charlm recipes' data: Debian espeak-ng and bible-kjv (installed ones are skipped)
debs:
	bash scripts/install_debs.sh

bench: $(STAMP)
	$(PY) benchmarks/layers.py

clean:
	rm -rf $(VENV) out
