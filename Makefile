# Two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Runtime: OCR engine + Vietnamese model, fonts for rendering, Python venv support; tesserocr is
# built from source against Debian's libtesseract (the wheel on PyPI bundles another Tesseract).
RUN_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd fonts-dejavu-core python3-venv python3-dev \
	libtesseract-dev libleptonica-dev pkg-config g++
# Tests also start real PostgreSQL and Redis servers and compare against OCRmyPDF (ghostscript).
TEST_PACKAGES := $(RUN_PACKAGES) postgresql redis-server ghostscript qpdf poppler-utils
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-postgres system-run system-test deps bench clean

run: system-run deps
	@echo "sohoa: http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/docs)"
	@echo "first run? in another shell: $(VENV)/bin/sohoa users create admin --role admin --office PT01"
	$(VENV)/bin/sohoa serve --host $(HOST) --port $(PORT)

test: system-test deps
	$(PY) -m pytest -q

# The whole suite again with every `settings`-based test's catalog on PostgreSQL (make test already
# runs the backend contract suites on both, and an API slice on the full scale-out stack).
test-postgres: system-test deps
	SOHOA_TEST_CATALOG=postgresql $(PY) -m pytest -q

# Install Debian packages only when some are missing (apt-get needs root or sudo).
define apt_ensure
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi
endef

system-run:
	$(call apt_ensure,$(RUN_PACKAGES))

system-test:
	$(call apt_ensure,$(TEST_PACKAGES))

deps: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-binary tesserocr -e '.[test,bench]'
	touch $(STAMP)

bench: system-test deps
	$(PY) bench/ocr_throughput.py
	$(PY) bench/search_scale.py --docs 100000

clean:
	rm -rf $(VENV) var .pytest_cache
