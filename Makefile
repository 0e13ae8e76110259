# `make run` and `make test` each work on a fresh machine: they create or refresh the virtual
# environment, install the project, then start the dashboard or run every test.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTHON ?= python3
PORT ?= 8501
# Where `make run` listens: this machine only, unless told otherwise (e.g. make run ADDRESS=0.0.0.0).
ADDRESS ?= 127.0.0.1
# every package at the version (and hash) the lock names: installs do not drift. `make lock` remakes it.
LOCK := requirements.lock
UV_VERSION := 0.13.8

.PHONY: install run test bench browser clean lock

$(STAMP): pyproject.toml $(LOCK)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# After changing the dependencies in pyproject.toml: resolve them again (uv, from PyPI) for every
# platform and Python 3.11+, with hashes; then `make install` installs exactly that.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
		--quiet -o $(LOCK)

run: install
	$(PY) -m core demo --if-empty
	@case "$(ADDRESS)" in 127.*|localhost|::1) ;; *) echo "warning: serving on $(ADDRESS):$(PORT), reachable from other machines;" \
		"without [auth] in .streamlit/secrets.toml everyone who can reach it sees every region (see README, Sign-in)" >&2 ;; esac
	$(PY) serve.py --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

# Browser tests need Debian's chromium; install it where we may (root with apt), else they skip with a reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
		echo "chromium not installed: browser tests will skip"; }

test: install browser
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: install browser
	$(PY) bench/bench_whatif.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_hostile.py
	$(PY) bench/bench_pages.py

clean:
	rm -rf $(VENV) .pytest_cache
