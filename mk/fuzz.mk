# mk/fuzz.mk - the fuzzing entry points (included by the Makefile).
.PHONY: fuzz
# make fuzz [TARGET=name] [SECONDS=n] [JOBS=n]: runs a fuzz target on its
# seeds, findings under findings/TARGET/. Until the example services land,
# the targets are apifuzz's own (spec_load, ...).
TARGET ?= spec_load
SECONDS ?= 300
JOBS ?= 1
fuzz: deps
	@$(MAKE) --no-print-directory $(O)/fuzz/$(TARGET)_fuzzer
	@mkdir -p findings/$(TARGET) $(O)/corpus/$(TARGET)
	@if [ -x fuzz/$(TARGET)/seeds.sh ]; then \
	  fuzz/$(TARGET)/seeds.sh $(O)/corpus/$(TARGET) >/dev/null; fi
	$(O)/fuzz/$(TARGET)_fuzzer -max_total_time=$(SECONDS) \
	  -artifact_prefix=findings/$(TARGET)/ -print_final_stats=1 \
	  $(if $(filter-out 1,$(JOBS)),-fork=$(JOBS) -ignore_crashes=1) \
	  $(O)/corpus/$(TARGET)

