# launchready: two commands on a fresh machine.
#   make demo   create .venv, install, open the wizard on the built-in lab
#   make test   same venv with test extras (+ Debian nginx/nsd when root), whole suite, ruff
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# Stamps: reinstall only when pyproject.toml changed (or the venv was recreated).
STAMP_BASE := $(VENV)/.installed-base
STAMP_TEST := $(VENV)/.installed-test
DEBIAN_PKGS := nginx nsd gnome-keyring dbus-daemon libsecret-tools poppler-utils tmux

.PHONY: demo test lint bench clean distclean venv install install-test debian-deps

demo: $(STAMP_BASE)
	$(VENV)/bin/launchready demo

test: $(STAMP_TEST) debian-deps
	@rc=0; \
	$(PY) -m pytest -q || rc=$$?; \
	$(VENV)/bin/ruff check . || rc=1; \
	exit $$rc

lint: $(STAMP_TEST)
	$(VENV)/bin/ruff check .

bench: $(STAMP_BASE)
	$(PY) bench/startup.py
	$(PY) bench/audit_overlap.py

venv: $(PY)
install: $(STAMP_BASE)
install-test: $(STAMP_TEST)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP_BASE): pyproject.toml | $(PY)
	$(PIP) install -q -e .
	@touch $@

# The test extras are a superset: a test install also satisfies the demo stamp.
$(STAMP_TEST): pyproject.toml | $(PY)
	$(PIP) install -q -e '.[test]'
	@touch $(STAMP_BASE) $@

# Real-server tests need Debian nginx and nsd. Installed only when missing AND running as root
# with apt-get available; otherwise skipped quietly (the tests then skip, or fail when
# LAUNCHREADY_REQUIRE_REAL_SERVERS=1). The tests start their own instances on free loopback ports,
# so the packages' system services are kept from starting (a temporary policy-rc.d, if none exists).
debian-deps:
	@missing=""; PATH="$$PATH:/usr/sbin:/sbin"; export PATH; \
	for p in $(DEBIAN_PKGS); do \
	  { command -v $$p || dpkg -s $$p; } >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian packages:$$missing"; \
	  policy=/usr/sbin/policy-rc.d; added=""; \
	  if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' > $$policy && chmod 755 $$policy && added=1; fi; \
	  rc=0; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || rc=$$?; \
	  if [ -n "$$added" ]; then rm -f $$policy; fi; \
	  exit $$rc; \
	fi

clean:
	rm -rf build dist .pytest_cache .ruff_cache snapshot_report.html
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
