# Two commands do everything on a fresh machine:
#   make run    set up, train if needed, start the bot, the widget's demo site and the review console
#   make test   set up, train if needed, run every test
# Everything else is a step of those two.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV     := .venv
BIN      := $(VENV)/bin
PY       := $(BIN)/python
RASA     := $(BIN)/rasa
# Rasa with the project's patches applied (rasa_patches), wherever it trains, answers patients or is tested
RASA_PATCHED := $(PY) -m rasa_patches
MODEL    := models/calcifications.tar.gz
SPACY    := build/spacy_pipeline/meta.json
KB_STAMP := var/.knowledge-loaded
MASKING  := build/identifier_ner/meta.json

RASA_PORT    ?= 5005
ACTIONS_PORT ?= 5055
QUESTIONS    ?= tests/heldout/questions.yml

# Rasa must not phone home (there is no internet here), and TensorFlow need not chatter.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

KNOWLEDGE_FILES := $(wildcard knowledge/*.yml knowledge/entries/*.yml knowledge/sources/*.txt)
LOOKUPS         := data/lookups.yml
TRAINING_FILES  := config.yml domain.yml $(LOOKUPS) $(wildcard data/*.yml) $(wildcard nlu_components/*.py) core/intent_kinds.py knowledge/intents.yml
# The list of training files, rewritten only when it changes: a file taken out of data/ retrains too
# (make sees no newer prerequisite when one is deleted).
TRAINING_LIST   := build/training-files.txt

.PHONY: FORCE help setup run shell test evaluate crossval thresholds purge-conversations forget-conversation create-staff bench-console bench bench-soak bench-masking masking-model knowledge spacy train validate lint test-stories test-tools pytest test-unit clean

help:
	@echo "make run       set up, train if needed, start the bot (prints how to chat)"
	@echo "make test      set up, train if needed, run every test"
	@echo "make test-unit the fast tests alone: in process, no trained model, no running bot"
	@echo "make evaluate  QUESTIONS=file.yml   score a question file through the running stack"
	@echo "make crossval [SETS=\"dev9 dev10\"]   leave-one-writer-out cross-validation over the development sets"
	@echo "make purge-conversations [DAYS=N] [DRY_RUN=1]   delete conversations older than the retention period"
	@echo "make forget-conversation ID=...   delete one person's conversation"
	@echo "make create-staff USERNAME=... ROLE=reviewer|admin   a review console account (asks for the password)"
	@echo "make bench-console [DATABASE=sqlite|postgresql|both]   the review console's speed with 100,000 conversations"
	@echo "make bench [JSON=file.json]   the bot's speed and memory, beside a stock rasa init bot"
	@echo "make bench-soak [MINUTES=30]   the bot under steady load: errors, stored messages, memory growth"
	@echo "make bench-masking [VERBOSE=1]   masking of personal identifiers: recall per kind, false positives"

# --- set-up ------------------------------------------------------------------------------------

$(VENV)/.installed: requirements.lock scripts/find_python.sh
	@PYTHON_BIN=$$(scripts/find_python.sh) || exit 1; \
	  echo "Using $$PYTHON_BIN ($$($$PYTHON_BIN --version))"; \
	  if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(0 if (3,8) <= sys.version_info[:2] <= (3,10) else 1)'; then \
	    rm -rf $(VENV) && $$PYTHON_BIN -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check "pip==23.3.2"
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip check
	@touch $@

CONSOLE_LIBS := review_console/node_modules/.installed

setup: $(VENV)/.installed $(SPACY) $(KB_STAMP) $(MASKING) $(CONSOLE_LIBS)

# The review console's browser library (Chart.js), pinned by its package-lock.json and served by
# the console itself.
$(CONSOLE_LIBS): review_console/package-lock.json
	@command -v npm >/dev/null || { echo "The review console needs Node.js and npm to install Chart.js (Debian: apt-get install nodejs npm)." >&2; exit 1; }
	cd review_console && npm ci --no-audit --no-fund --silent
	@touch $@

$(SPACY): $(VENV)/.installed knowledge/vocabulary.yml $(wildcard spacy_pipeline/*.py)
	$(PY) -m spacy_pipeline.build --output build/spacy_pipeline

spacy: $(SPACY)

# The masking's model of names and addresses (conversation_store/identifier_model.py), about a minute.
$(MASKING): $(VENV)/.installed conversation_store/identifier_model.py conversation_store/identifier_messages.yml data/nlu.yml
	$(PY) -m conversation_store.identifier_model --output build/identifier_ner

masking-model: $(MASKING)

$(KB_STAMP): $(VENV)/.installed $(KNOWLEDGE_FILES) $(wildcard core/knowledge/*.py)
	@mkdir -p var
	$(PY) -m core.knowledge.build
	@touch $@

knowledge: $(KB_STAMP)

# The topics' lookup tables for the RegexFeaturizer, from the vocabulary (nlu_components/lookup_tables.py).
$(LOOKUPS): $(VENV)/.installed knowledge/vocabulary.yml nlu_components/lookup_tables.py
	$(PY) -m nlu_components.lookup_tables --output $@
	@touch $@

$(TRAINING_LIST): FORCE
	@mkdir -p $(@D)
	@list="$(sort $(TRAINING_FILES))"; echo "$$list" | cmp -s - $@ || echo "$$list" > $@

$(MODEL): $(VENV)/.installed $(SPACY) $(TRAINING_FILES) $(TRAINING_LIST)
	$(RASA_PATCHED) train --fixed-model-name calcifications --out models --quiet

train: $(MODEL)

# --- running -----------------------------------------------------------------------------------

run: setup $(MODEL)
	RASA_PORT=$(RASA_PORT) ACTIONS_PORT=$(ACTIONS_PORT) $(PY) -m stack.run

shell: $(VENV)/.installed
	$(PY) -m stack.chat --url http://localhost:$(RASA_PORT)

evaluate: setup $(MODEL)
	$(PY) -m evaluation.evaluate $(QUESTIONS) --rasa-url http://localhost:$(RASA_PORT)

# Leave-one-writer-out cross-validation over tests/dev*/ (evaluation/crossval.py; SETS="dev9 dev10"
# for some): a model per set trained without its messages; about 3 minutes a set.
crossval: setup $(MODEL)
	$(PY) -m evaluation.crossval $(if $(SETS),--sets $(SETS))

thresholds: setup
	$(PY) -m evaluation.thresholds

# Retention (maintenance/retention.py): delete conversations older than retention_days in
# endpoints.yml (DAYS=N to override, DRY_RUN=1 to only report), or one person's conversation.
purge-conversations: $(VENV)/.installed
	$(PY) -m maintenance.retention purge $(if $(DAYS),--days $(DAYS)) $(if $(DRY_RUN),--dry-run)

forget-conversation: $(VENV)/.installed
	@if [ -z "$(ID)$(USER_ID)" ]; then echo "usage: make forget-conversation ID=<conversation id>  or  CHANNEL=sms USER_ID=+447700900123"; exit 2; fi
	$(PY) -m maintenance.retention forget $(ID) $(if $(USER_ID),--channel $(CHANNEL) --user $(USER_ID))

# Review console accounts (`flask --app review_console staff ...`, review_console/staff.py): asks
# for the password twice.
create-staff: $(VENV)/.installed
	@if [ -z "$(USERNAME)" ]; then echo "usage: make create-staff USERNAME=<name> [ROLE=reviewer|admin]"; exit 2; fi
	$(BIN)/flask --app review_console staff create "$(USERNAME)" --role $(or $(ROLE),reviewer)

bench-console: setup
	@scripts/ensure_services.sh
	$(PY) -m bench.console_bench --database $(or $(DATABASE),both)

# The bot through its REST channel (bench/bot_bench.py, ports 5405/5455 and 5505): both bots trained
# and measured (about 6 minutes); the soak runs the project's bot alone under a steady load.
bench: setup $(MODEL)
	$(PY) -m bench.bot_bench $(if $(JSON),--json $(JSON))

# Masking of personal identifiers on the team's benchmark (bench/masking_bench.py): recall per kind,
# identifier-free messages changed; VERBOSE=1 lists what was missed.
bench-masking: setup
	$(PY) -m bench.masking_bench $(if $(VERBOSE),--verbose) $(if $(JSON),--json $(JSON))

bench-soak: setup $(MODEL)
	$(PY) -m bench.bot_bench --soak-minutes $(or $(MINUTES),30) $(if $(JSON),--json $(JSON))

# --- tests -------------------------------------------------------------------------------------

# Style, and the import contract between the parts (pyproject.toml, [tool.importlinter]).
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

validate: setup
	$(PY) -m core.knowledge.build --check
	$(RASA) data validate --quiet

test-stories: setup $(MODEL)
	$(RASA_PATCHED) test core --stories tests/stories --model $(MODEL) --fail-on-prediction-errors --e2e \
	  --out build/reports/stories --quiet

TEST_TOOLS := var/.test-tools

$(TEST_TOOLS): web_widget/package-lock.json scripts/install_test_tools.sh
	scripts/install_test_tools.sh
	@mkdir -p var && touch $@

test-tools: $(TEST_TOOLS)

# Every test: those in process on every core, then those of the running stack one at a time
# (they share one trained model and one stack, and the failure tests start their own; the twenty
# slowest are listed at the end, to see where the time goes).
pytest: setup $(MODEL) $(TEST_TOOLS)
	@scripts/ensure_services.sh
	$(BIN)/pytest -m "not integration" -n auto
	$(BIN)/pytest -m integration --durations=20

# The fast suite: in process, without the trained model or a running bot, and without the slow
# in-process tests (tests/conftest.py), on every core (pytest-xdist); needs the machine's
# PostgreSQL and Redis like the rest.
test-unit: setup
	@scripts/ensure_services.sh
	$(BIN)/pytest -m "not integration and not slow" -n auto

test: lint validate test-stories pytest

clean:
	rm -rf build var models .pytest_cache web_widget/node_modules review_console/node_modules
