# mk/bench.mk - the bug-finding benchmark (issue 6), included by the
# Makefile after SERVICES and SELF_FUZZ are known (and before mk/fuzz.mk,
# whose TARGET and SECONDS the recipe reads when it runs). The work is
# done by tools/bench_bugs.py.
#
#   make bench-bugs [TARGET=booking] [RUNS=5] [SECONDS=300]
#       runs every variant RUNS times for SECONDS each, alternating
#       variants: the plain libFuzzer baseline (fuzz/TARGET_baseline/),
#       apifuzz without coverage feedback (tests/bench/nofeedback.c),
#       apifuzz with libFuzzer's own mutations (TARGET_nomut_fuzzer),
#       apifuzz complete under libFuzzer and under AFL++, and the complete
#       one on TARGET_fixed_fuzzer (false findings). Findings are matched
#       to fuzz/TARGET/BUGS.md by signature; the table (bug x variant:
#       runs that found it, median time to the first finding; edges,
#       exec/s) is printed and written to BENCH_OUT/bugs-TARGET.md and
#       .csv (BENCH_OUT defaults to $(O)/bench).
#
# Binaries built here, per service NAME of fuzz/NAME/:
#   $(O)/bench/NAME_baseline_fuzzer  fuzz/NAME_baseline/harness/*.c and
#       tests/bench/baseline.c (mode svc: no coverage of their own) over
#       the service's fuzz-mode objects; libapifuzz only for the
#       apifuzz_response functions.
#   $(O)/bench/NAME_nofeedback  tests/bench/nofeedback.c over the same
#       service objects (their inline counters give its edge count),
#       the embedded spec and the mode-svc library; no libFuzzer.
# A baseline's harness sits one folder down (fuzz/NAME_baseline/harness/)
# so that oss-fuzz/build.sh, which builds every fuzz/*/ holding C files,
# leaves it alone: it crashes by design.

.PHONY: bench-bugs

RUNS ?= 5
BENCH_OUT ?= $(O)/bench
BENCH_BASELINES := $(patsubst fuzz/%_baseline/harness/,%,$(sort $(dir \
	$(wildcard fuzz/*_baseline/harness/*.c))))

$(O)/bench/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC[bench] $<")
	$(Q)$(CC) $(CPPFLAGS) -Itests/bench $(WARN) $(CFLAGS_svc) $(PKG_CFLAGS) \
	  -c $< -o $@

# The service's sources but its APIFUZZ_TARGET harness, as the fuzzers
# compile them (mode fuzz); $(1) is the folder with its trailing slash.
BENCH_SVC_OBJS = $(patsubst %.c,$(O)/fuzz/obj/%.o,$(shell grep -sL \
	APIFUZZ_TARGET $(1)*.c))

# $(1) NAME, $(2) its folder with the trailing slash.
define BENCH_NOFEEDBACK_RULES
$(O)/bench/obj/tests/bench/nofeedback_$(1).o: tests/bench/nofeedback.c
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  CC[bench] $$< ($(1))")
	$$(Q)$$(CC) $$(CPPFLAGS) $$(WARN) $$(CFLAGS_svc) $$(PKG_CFLAGS) \
	  -DNOFEEDBACK_SERVICE=$(1)_service -c $$< -o $$@
$(O)/bench/$(1)_nofeedback: $(O)/bench/obj/tests/bench/nofeedback_$(1).o \
		$$(call BENCH_SVC_OBJS,$(2)) $(O)/svc/obj/src/engine/crash.o \
		$(O)/svc/obj/src/engine/spec_embed.o \
		$(O)/svc/obj/$(O)/gen/$(1)_spec.o $(O)/svc/libapifuzz.a
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[bench] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_asan) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
endef
$(foreach spec,$(SERVICE_SPECS),$(eval $(call BENCH_NOFEEDBACK_RULES,$(notdir \
	$(patsubst %/,%,$(dir $(spec)))),$(dir $(spec)))))

BENCH_BASELINE_OBJS = $(patsubst %.c,$(O)/bench/obj/%.o,$(wildcard \
	fuzz/$(1)_baseline/harness/*.c) tests/bench/baseline.c) \
	$(call BENCH_SVC_OBJS,fuzz/$(1)/)
define BENCH_BASELINE_RULES
$(O)/bench/$(1)_baseline_fuzzer: $$(call BENCH_BASELINE_OBJS,$(1)) \
		$(O)/svc/libapifuzz.a
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[bench] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_fuzz) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
endef
$(foreach b,$(BENCH_BASELINES),$(eval $(call BENCH_BASELINE_RULES,$(b))))

BENCH_NEEDS = $(O)/release/apifuzz $(O)/fuzz/$(TARGET)_fuzzer \
	$(O)/fuzz/$(TARGET)_nomut_fuzzer $(O)/fuzz/$(TARGET)_fixed_fuzzer \
	$(O)/bench/$(TARGET)_nofeedback \
	$(if $(filter $(TARGET),$(BENCH_BASELINES)),\
	  $(O)/bench/$(TARGET)_baseline_fuzzer) \
	$(if $(BENCH_HAS_AFL),$(O)/afl/$(TARGET)_afl $(O)/afl/libapifuzz_afl.so)
BENCH_HAS_AFL = $(and $(shell command -v afl-fuzz 2>/dev/null),$(shell \
	command -v $(AFL_CC) 2>/dev/null))

bench-bugs: deps
	@if [ -z "$(filter $(TARGET),$(SERVICES))" ] || \
	  [ ! -f fuzz/$(TARGET)/BUGS.md ]; then \
	  echo "make bench-bugs: TARGET=$(TARGET) is no example service with" \
	    "planted bugs (fuzz/NAME/BUGS.md):" $(foreach s,$(SERVICES),$(if \
	    $(wildcard fuzz/$(s)/BUGS.md),$(s))) >&2; exit 2; fi
	@$(MAKE) -s --no-print-directory -j2 $(BENCH_NEEDS)
	@python3 tools/bench_bugs.py bench --target '$(TARGET)' \
	  --runs '$(RUNS)' --seconds '$(SECONDS)' --out '$(BENCH_OUT)' \
	  --build '$(O)' --spec '$(firstword $(wildcard \
	    fuzz/$(TARGET)/openapi.yaml fuzz/$(TARGET)/openapi.json))' \
	  $(if $(BENCH_HAS_AFL),,--no-afl)
