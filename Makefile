# `make run` serves the chat on http://127.0.0.1:7860; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
DOCS ?= $(or $(CITEWISE_DOCS_DIR),seeds)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_VERBOSITY := error
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint typecheck bench bench-answers setup browser mandoc manuals bench-corpora clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, so nothing below can pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# Debian's Chromium for the browser tests (never a browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "install Debian's chromium: sudo apt-get install -y chromium" >&2; exit 1; fi; }

# mandoc reads manual pages (bash.1.gz, ...); without it they are reported as unreadable and skipped, the rest is read.
mandoc:
	@command -v mandoc >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mandoc; \
	  else echo "manual pages (.1 to .9) are read with mandoc: sudo apt-get install -y mandoc" >&2; fi; }

# Debian's documentation packages: real HTML, PDF and reST manuals for the loader fidelity tests, and mandoc for
# the manual pages.
MANUALS := mandoc debian-handbook debian-reference-en bash-doc python3.11-doc sqlite3-doc debian-policy apache2-doc git-doc \
	live-manual-epub zsh-doc python3-pip doxygen-doc postgresql-doc-15 postfix-doc distro-info-data python-nbconvert-doc python-odf-doc
manuals:
	@missing=$$(for p in $(MANUALS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "install the manuals for the fidelity tests: sudo apt-get install -y $$missing" >&2; exit 1; fi; fi

# The benchmarks' corpora: the manuals (SQLite's documentation among them, for the sqlite set), FOLDOC for the
# encyclopedia set, the Debian FAQ for the PDF set (bench/eval.py --dataset encyclopedia|sqlite|pdfs) and the Jargon File,
# Postfix (postfix-doc, among the manuals) and zsh manuals for the three sets written after every rule (--dataset
# jargon|postfix|zsh); pip's documentation (python3-pip, among the manuals) for the pip set; Doxygen's manual
# (doxygen-doc, among the manuals) and the Rust book (rust-doc) for the doxygen and rustbook sets; Django's manual
# (python-django-doc) for the django set; PostgreSQL's manual (postgresql-doc-15, among the manuals) for the postgres set;
# manual pages of dpkg-dev, openssh-client and procps (with apt's, dpkg's, findutils', grep's, sed's and tar's) for the
# manpages set; the GNU Info manuals of coreutils, grep, sed, findutils, gzip, wget, diffutils and time for the info set.
BENCH_PACKAGES := dict-foldoc debian-faq valgrind nodejs dict-jargon rust-doc python-django-doc dpkg-dev openssh-client procps \
	coreutils grep sed findutils gzip wget diffutils time
bench-corpora: manuals
	@missing=$$(for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "install the benchmarks' corpora: sudo apt-get install -y $$missing" >&2; exit 1; fi; fi

# The app syncs the documents folder at start (incremental: only new and changed files are embedded).
run: setup mandoc
	CITEWISE_DOCS_DIR="$(DOCS)" $(PY) app.py

lint: setup
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

typecheck: setup
	$(PY) -m mypy

# Two workers, each running whole modules, longest first (conftest.py keeps the shared app's modules together).
test: setup browser manuals lint typecheck
	$(PY) -m pytest -n 2 --dist loadfile

# Quick benchmarks (minutes); see the README for the longer ones (ingest, scale, Python FAQ, browser).
bench: setup
	$(PY) bench/startup.py --reps 3 --passes 3
	$(PY) bench/eval.py --dataset seeds

# Every question set over text other than the seeds, both halves, one after another: bench/results/<set>.md,
# <set>_details.jsonl and <set>_misses.md (bench/.cache keeps each index; building all of them takes about an hour here).
bench-answers: setup bench-corpora
	@for set in $$($(PY) -c "from bench.corpus import QUESTION_SETS; print(*QUESTION_SETS)"); do \
	  $(PY) bench/eval.py --dataset $$set --prune-cache --output bench/results/$$set.md || exit 1; done

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
