# mk/coverage.mk - coverage reports of a service target, included by the
# Makefile (after mk/fuzz.mk, whose TARGET, CORPORA, FUZZ_WORK, FUZZ_SPEC
# and FUZZ_CLI it reuses). The work is done by tools/coverage.py.
#
#   make coverage [TARGET=booking] [COVERAGE_OUT=$(O)/coverage]
#       replays the corpus (CORPORA/TARGET/ and FUZZ_WORK/TARGET/corpus;
#       fresh seeds when there is none) with the target built for source
#       coverage, and prints
#       - API coverage: per operation, documented statuses seen and not
#         seen, undocumented ones, parameters and body properties sent,
#         checks failed; also COVERAGE_OUT/TARGET.md and TARGET.json;
#       - source coverage of the service's own files (llvm-cov report);
#         HTML under COVERAGE_OUT/TARGET/html/, the text summary in
#         COVERAGE_OUT/TARGET/summary.txt.
#
# The cov build mode: the service's sources compiled with
# -fprofile-instr-generate -fcoverage-mapping under $(O)/cov/, no
# sanitizers; apifuzz's engine glue and library come from the release
# build, uninstrumented, so only the service shows in the report.
# libFuzzer's driver (-fsanitize=fuzzer) replays the corpus with -runs=0.

.PHONY: coverage

COVERAGE_OUT ?= $(O)/coverage
CFLAGS_cov := -O0 -g -fprofile-instr-generate -fcoverage-mapping
LDFLAGS_cov := -fsanitize=fuzzer -fprofile-instr-generate
$(eval $(call MODE_RULES,cov))

define COV_RULES
$(O)/cov/$(1)_fuzzer: $$(patsubst %.c,$(O)/cov/obj/%.o,$$(wildcard $(2)*.c)) \
		$$(patsubst %.c,$(O)/release/obj/%.o,$(ENGINE_SRCS) \
		$(O)/gen/$(1)_spec.c) $(O)/release/libapifuzz.a
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[cov] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_cov) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
endef
$(foreach spec,$(SERVICE_SPECS),$(eval $(call COV_RULES,$(notdir \
	$(patsubst %/,%,$(dir $(spec)))),$(dir $(spec)))))

coverage: deps
	@if [ "$(FUZZ_KIND)" != service ]; then \
	  echo "make: TARGET=$(TARGET) is no service target; services:" \
	    "$(or $(strip $(SERVICES)),none)" >&2; exit 2; fi
	@$(MAKE) -s --no-print-directory $(O)/cov/$(TARGET)_fuzzer $(FUZZ_CLI)
	@python3 tools/coverage.py --target '$(TARGET)' \
	  --cov-bin '$(O)/cov/$(TARGET)_fuzzer' --cli '$(FUZZ_CLI)' \
	  --spec '$(FUZZ_SPEC)' --corpora '$(CORPORA)' --work '$(FUZZ_WORK)' \
	  --out '$(COVERAGE_OUT)' --exclude 'src include $(O)'
