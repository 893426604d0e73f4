# mk/fuzz.mk - the fuzzing entry points, included by the Makefile (after
# SERVICES and SELF_FUZZ are known). The work is done by tools/fuzz.py;
# these rules only build what it runs and pass the paths on.
#
#   make fuzz [TARGET=booking] [ENGINE=libfuzzer|afl] [JOBS=N] [SECONDS=N]
#       builds the target, makes its dictionary and seed corpus when
#       missing (DICTS/TARGET.dict, CORPORA/TARGET/), fuzzes it for
#       SECONDS with JOBS workers, going on after findings (libFuzzer
#       -fork=JOBS -ignore_crashes=1; STOP_AT_FIRST=1 stops at the first
#       one) (new inputs go to FUZZ_WORK/TARGET/,
#       failures to FINDINGS/TARGET/), then prints a summary: distinct
#       failures by signature with a reproduction command each, exec/s,
#       corpus size, edges and API coverage.
#   make minimize CRASH=FILE [TARGET=...]
#       structured shrinking (drop calls, fields, items; shorten strings,
#       simplify numbers) plus libFuzzer's -minimize_crash, keeping the
#       failure's signature; writes FINDINGS/TARGET/NAME.min and
#       NAME.curl and prints the program as curl commands.
#   make cmin [TARGET=...] [ENGINE=...]
#       minimizes CORPORA/TARGET/ plus the work corpus into CORPORA/TARGET/
#       (libFuzzer -merge=1, or afl-cmin).
#   make triage [TARGET=...]
#       replays every finding under FINDINGS/TARGET/ and groups them by
#       signature.
#
# TARGET is a service (fuzz/NAME/ or tests/fuzz/NAME/ with a spec) or one
# of apifuzz's own fuzz targets (fuzz/NAME/ without one; libFuzzer only).
# FINDINGS, CORPORA, DICTS and FUZZ_WORK (default findings, corpora,
# dictionaries, $(O)/fuzz-work) move the outputs, e.g. into a temporary
# folder for tests. APIFUZZ_MODE, APIFUZZ_MAX_CALLS and APIFUZZ_OPERATION
# are honoured everywhere (seeds, replays, minimization).

.PHONY: fuzz minimize cmin triage

# The bundled example service when it is there, else the test service.
FUZZ_DEFAULT_TARGET := $(if $(wildcard fuzz/booking/openapi.*),booking,plant)
# make minimize CRASH=findings/NAME/crash-x: the target is NAME.
FUZZ_CRASH_TARGET = $(filter $(SERVICES) $(SELF_FUZZ),\
	$(notdir $(patsubst %/,%,$(dir $(CRASH)))))
TARGET ?= $(or $(FUZZ_CRASH_TARGET),$(FUZZ_DEFAULT_TARGET))
ENGINE ?= libfuzzer
SECONDS ?= 300
JOBS ?= 1
FINDINGS ?= findings
CORPORA ?= corpora
DICTS ?= dictionaries
FUZZ_WORK ?= $(O)/fuzz-work

FUZZ_KIND = $(if $(filter $(TARGET),$(SERVICES)),service,$(if \
	$(filter $(TARGET),$(SELF_FUZZ)),self,none))
FUZZ_SPEC = $(firstword $(wildcard fuzz/$(TARGET)/openapi.yaml \
	fuzz/$(TARGET)/openapi.json tests/fuzz/$(TARGET)/openapi.yaml \
	tests/fuzz/$(TARGET)/openapi.json))
FUZZ_BIN = $(O)/fuzz/$(TARGET)_fuzzer
FUZZ_CLI = $(O)/release/apifuzz
# Services need the CLI (dict, seeds, show). Findings are replayed with
# the libFuzzer binary whatever the engine, so signatures have one
# format; AFL++ runs also need the AFL binary and the mutator library.
FUZZ_NEEDS = $(FUZZ_BIN) $(if $(filter service,$(FUZZ_KIND)),$(FUZZ_CLI))
FUZZ_NEEDS_AFL = $(if $(filter afl,$(ENGINE)),$(O)/afl/$(TARGET)_afl \
	$(O)/afl/libapifuzz_afl.so)

FUZZ_PY = python3 tools/fuzz.py --target '$(TARGET)' --kind $(FUZZ_KIND) \
	--engine '$(ENGINE)' --bin '$(FUZZ_BIN)' --cli '$(FUZZ_CLI)' \
	--spec '$(FUZZ_SPEC)' --afl-bin '$(O)/afl/$(TARGET)_afl' \
	--afl-lib '$(O)/afl/libapifuzz_afl.so' --findings '$(FINDINGS)' \
	--corpora '$(CORPORA)' --dicts '$(DICTS)' --work '$(FUZZ_WORK)'

# $(call fuzz_build,COMMAND,WHAT): checks the arguments of make COMMAND,
# then builds WHAT.
define fuzz_build
@python3 tools/fuzz.py check --what $(1) --target '$(TARGET)' \
  --kind $(FUZZ_KIND) --engine '$(ENGINE)' --services '$(SERVICES)' \
  --self '$(SELF_FUZZ)' --jobs '$(JOBS)' --seconds '$(SECONDS)' \
  --crash '$(CRASH)'
@$(MAKE) -s --no-print-directory $(2)
endef

fuzz: deps
	$(call fuzz_build,fuzz,$(FUZZ_NEEDS) $(FUZZ_NEEDS_AFL))
	@$(FUZZ_PY) fuzz --jobs '$(JOBS)' --seconds '$(SECONDS)'

minimize: deps
	$(call fuzz_build,minimize,$(FUZZ_NEEDS))
	@$(FUZZ_PY) minimize --crash '$(CRASH)'

cmin: deps
	$(call fuzz_build,cmin,$(FUZZ_NEEDS) $(FUZZ_NEEDS_AFL))
	@$(FUZZ_PY) cmin

triage: deps
	$(call fuzz_build,triage,$(FUZZ_NEEDS))
	@$(FUZZ_PY) triage
