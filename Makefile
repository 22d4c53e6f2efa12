# Two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Runtime: OCR engine + Vietnamese models (SOHOA_OCR_LANG=vie+Vietnamese reads real scans ~8 % better
# for ~30-100 % more CPU; see bench/ocr_real.py), fonts for rendering, Python venv support; tesserocr is
# built from source against Debian's libtesseract (the wheel on PyPI bundles another Tesseract).
RUN_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-script-viet tesseract-ocr-osd fonts-dejavu-core python3-venv python3-dev \
	libtesseract-dev libleptonica-dev pkg-config g++
# Tests also start real PostgreSQL and Redis servers and compare against OCRmyPDF (ghostscript).
TEST_PACKAGES := $(RUN_PACKAGES) postgresql redis-server ghostscript qpdf poppler-utils
# ... signing keys on a PKCS#11 token (SoftHSM2),
TEST_PACKAGES += softhsm2
# ... the web pages driven in Debian's Chromium, with axe-core (from npm) checking accessibility;
TEST_PACKAGES += chromium chromium-driver
# ... and an OpenSearch node assembled from Maven Central (tests/opensearch_node).
TEST_PACKAGES += openjdk-17-jdk-headless maven
SEARCH_NODE := build/opensearch/classpath.txt
MVN := mvn -q -B -Dmaven.repo.local=$(CURDIR)/build/m2 -f tests/opensearch_node/pom.xml
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

AXE_VERSION := 4.14.1
AXE := $(VENV)/axe/node_modules/axe-core/axe.min.js

.PHONY: run test test-postgres system-run system-test deps search-server axe screenshots bench clean

run: system-run deps
	@echo "sohoa: http://$(HOST):$(PORT)/  (API docs: http://$(HOST):$(PORT)/docs)"
	@echo "first run? the service prints a one-time setup link for the first administrator"
	$(VENV)/bin/sohoa keys init-dev --if-missing  # throw-away signing keys when none is configured
	$(VENV)/bin/sohoa serve --host $(HOST) --port $(PORT)

test: system-test deps search-server axe
	$(PY) -m pytest -q

# The whole suite again with every `settings`-based test's catalog on PostgreSQL (make test already
# runs the backend contract suites on both, and an API slice on the full scale-out stack).
test-postgres: system-test deps search-server axe
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
	@# npm: any will do (a machine with NodeSource's nodejs has it, and Debian's npm conflicts with it)
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq npm; }

deps: $(STAMP)

$(STAMP): pyproject.toml setup.py search/_words.c
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q --no-binary tesserocr -e '.[test,bench]'
	touch $(STAMP)

# The test suite's OpenSearch node: jars cached in build/m2 (offline once they are there).
search-server: $(SEARCH_NODE)

$(SEARCH_NODE): tests/opensearch_node/pom.xml $(wildcard tests/opensearch_node/src/main/java/sohoa/searchnode/*.java)
	if [ -d build/m2 ]; then $(MVN) -o compile || $(MVN) compile; else $(MVN) compile; fi
	touch $@

axe: $(AXE)

$(AXE):
	npm install --silent --no-save --no-package-lock --prefix $(VENV)/axe axe-core@$(AXE_VERSION)

# docs/screenshots/*.png, shown in the README: the browser tests save each page as they pass it.
screenshots: system-test deps axe
	SOHOA_SCREENSHOTS=docs/screenshots $(PY) -m pytest -q tests/api/test_web.py tests/api/test_web_search.py tests/api/test_pages_*.py

bench: system-test deps search-server
	$(PY) bench/ocr_throughput.py
	$(PY) bench/search_scale.py --docs 100000
	$(PY) bench/login_flood.py

clean:
	rm -rf $(VENV) var build .pytest_cache
