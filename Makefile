# apifuzz - one non-recursive Makefile for every entry point.
#
#   make deps      install missing Debian packages (apt-get, as root)
#   make           build/release/apifuzz and build/release/libapifuzz.a
#   make test      everything under ASan+UBSan, then every test
#   make fuzz      fuzz a target: [TARGET=booking] [ENGINE=libfuzzer|afl]
#                  [JOBS=N] [SECONDS=N]; then minimize CRASH=f, cmin, triage
#   make coverage  API and source coverage of a target's corpus
#   make serve     a service target over HTTP: [TARGET=booking] [PORT=8080]
#   make bench-bugs  planted bugs found per variant: [TARGET] [RUNS] [SECONDS]
#   make bench     benchmarks that print side-by-side ratios
#   make check     clang-tidy and cppcheck
#   make install   PREFIX=/usr/local
#
# Outputs go under $(O)/<mode>/ (O=build by default). V=1 for verbose.

O ?= build
PREFIX ?= /usr/local
CC := clang
APIFUZZ_TESTDATA ?= ../shared/testdata
FUZZ_SECONDS ?= 60
export APIFUZZ_TESTDATA

ifeq ($(V),1)
Q :=
else
Q := @
endif

DEPS_PKGS := clang libclang-rt-14-dev llvm afl++ libcjson-dev libyaml-dev \
	libpcre2-dev libsqlite3-dev libmicrohttpd-dev libcmocka-dev \
	python3-jsonschema python3-yaml zip pkg-config

PKGS := libcjson yaml-0.1 libpcre2-8
# Evaluated once, on first use (after `make deps` may have installed them).
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $$(shell pkg-config --libs $(PKGS)))$(PKG_LIBS)
CMOCKA_LIBS = $(eval CMOCKA_LIBS := $$(shell pkg-config --libs cmocka))$(CMOCKA_LIBS)

WARN := -std=c11 -Wall -Wextra -Wpedantic -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	-Wimplicit-fallthrough
CPPFLAGS := -Iinclude -Isrc -D_POSIX_C_SOURCE=200809L -MMD -MP
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

CFLAGS_release := -O2 -g
CFLAGS_asan := -O1 -g $(SAN)
CFLAGS_fuzz := -O1 -g $(SAN) -fsanitize=fuzzer-no-link
LDFLAGS_release :=
LDFLAGS_asan := $(SAN)
LDFLAGS_fuzz := $(SAN) -fsanitize=fuzzer
# Service targets' variants: libFuzzer's own mutations only (the decoder
# still reads every input), and every planted bug corrected.
CFLAGS_nomut := $(CFLAGS_fuzz) -DAPIFUZZ_NO_CUSTOM_MUTATOR
CFLAGS_fixed = $(CFLAGS_fuzz) $(foreach s,$(SERVICES),\
	-D$(shell echo $(s) | tr a-z- A-Z_)_FIXED)
# AFL++: targets built with afl-clang-fast (ASan+UBSan, so memory bugs
# crash), the custom mutator as a plain -fPIC shared library.
AFL_CC ?= afl-clang-fast
AFL_DRIVER ?= /usr/lib/afl/libAFLDriver.a
CC_aflcc = $(AFL_CC)
CFLAGS_aflcc := -O2 -g $(SAN)
LDFLAGS_aflcc := $(SAN)
CFLAGS_pic := -O2 -g -fPIC
CFLAGS_svc := -O2 -g -fsanitize=address -fno-omit-frame-pointer

# The engine's in-process runner is core; the libFuzzer/AFL++ entry points
# (issue 5) stay out of the library and its test binaries.
LIB_SRCS := $(wildcard src/util/*.c src/spec/*.c src/gen/*.c src/wire/*.c \
	src/check/*.c) src/engine/runner.c
# The engine glue, linked into service targets only (not the library).
ENGINE_SRCS := src/engine/fuzzer.c src/engine/crash.c src/engine/minimize.c \
	src/engine/har.c \
	src/engine/feedback.c src/engine/spec_embed.c
AFL_MUT_SRCS := $(wildcard src/engine/afl*.c)
CLI_SRCS := $(wildcard src/cli/*.c)
TEST_SRCS := $(wildcard tests/test_*.c)
TEST_SUPPORT := $(filter-out $(TEST_SRCS),$(wildcard tests/*.c))
# A folder of fuzz/ without a spec is a self-fuzz target (DESIGN.md).
SELF_FUZZ := $(patsubst fuzz/%/,%,$(foreach d,$(wildcard fuzz/*/),\
	$(if $(wildcard $(d)openapi.yaml $(d)openapi.json),,\
	$(if $(wildcard $(d)*.c),$(d)))))
# A folder with a spec is a service target: fuzz/NAME/ (the examples) and
# tests/fuzz/NAME/ (services the tests fuzz).
SERVICE_SPECS := $(wildcard fuzz/*/openapi.yaml fuzz/*/openapi.json \
	tests/fuzz/*/openapi.yaml tests/fuzz/*/openapi.json)
SERVICES := $(notdir $(patsubst %/,%,$(dir $(SERVICE_SPECS))))
SVC_LIBS := -lsqlite3

# Keep objects of pattern-built binaries (no re-link churn).
.SECONDARY:

.PHONY: all deps test test-run fuzz-self bench check install clean FORCE
all: $(O)/release/apifuzz $(O)/release/libapifuzz.a

define MODE_RULES
$(O)/$(1)/obj/%.o: %.c
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  CC[$(1)] $$<")
	$$(Q)$$(or $$(CC_$(1)),$$(CC)) $$(CPPFLAGS) $$(WARN) $$(CFLAGS_$(1)) $$(PKG_CFLAGS) -c $$< -o $$@

$(O)/$(1)/libapifuzz.a: $$(LIB_SRCS:%.c=$(O)/$(1)/obj/%.o)
	@mkdir -p $$(@D)
	$$(Q)rm -f $$@ && ar rcs $$@ $$^

$(O)/$(1)/apifuzz: $$(CLI_SRCS:%.c=$(O)/$(1)/obj/%.o) $(O)/$(1)/libapifuzz.a
	$$(if $$(Q),@echo "  LD[$(1)] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_$(1)) -o $$@ $$^ $$(PKG_LIBS) -lm
endef
$(foreach m,release asan fuzz nomut fixed aflcc pic svc,\
	$(eval $(call MODE_RULES,$(m))))

# Tests: one cmocka binary per tests/test_<module>.c, always ASan+UBSan.
TEST_BINS := $(TEST_SRCS:tests/%.c=$(O)/asan/tests/%)
$(O)/asan/tests/%: $(O)/asan/obj/tests/%.o \
		$(TEST_SUPPORT:%.c=$(O)/asan/obj/%.o) $(O)/asan/libapifuzz.a
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD[asan] $@")
	$(Q)$(CC) $(LDFLAGS_asan) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS) -lm

# Self-fuzz targets: fuzz/NAME/*.c with LLVMFuzzerTestOneInput.
SELF_FUZZ_BINS := $(SELF_FUZZ:%=$(O)/fuzz/%_fuzzer)
define SELF_FUZZ_RULE
$(O)/fuzz/$(1)_fuzzer: $$(patsubst %.c,$(O)/fuzz/obj/%.o,$$(wildcard fuzz/$(1)/*.c)) $(O)/fuzz/libapifuzz.a
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[fuzz] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_fuzz) -o $$@ $$^ $$(PKG_LIBS) -lm
endef
$(foreach t,$(SELF_FUZZ),$(eval $(call SELF_FUZZ_RULE,$(t))))

# Service targets: NAME_fuzzer (libFuzzer, ASan+UBSan), NAME_nomut_fuzzer
# (no custom mutator), NAME_fixed_fuzzer (planted bugs corrected),
# NAME_afl (afl-clang-fast + libAFLDriver.a), and the benchmark's
# NAME_ceiling_fuzzer / NAME_ceiling_afl (the service alone on one fixed
# program). The spec is embedded. Only the service is instrumented for
# coverage: apifuzz itself (library, engine glue) is built in mode svc,
# -O2 with ASan (its arena poisons the gaps between request buffers, so
# a service reading past a request's body is still caught) and no
# coverage or comparison tracing, so the engines' feedback is the
# service's alone and apifuzz's share of each execution stays small.
SVC_OBJS = $(patsubst %.c,$(O)/svc/obj/%.o,$(ENGINE_SRCS) $(O)/gen/$(1)_spec.c) \
	$(O)/svc/libapifuzz.a
SERVICE_FUZZERS := $(SERVICES:%=$(O)/fuzz/%_fuzzer)
define SERVICE_RULES
$(O)/gen/$(1)_spec.c: $(2) tools/embed-spec.sh
	@mkdir -p $$(@D)
	$$(Q)tools/embed-spec.sh $$< $$@
$(O)/fuzz/$(1)_fuzzer: $$(patsubst %.c,$(O)/fuzz/obj/%.o,$$(wildcard $(3)*.c)) \
		$$(call SVC_OBJS,$(1))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[fuzz] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_fuzz) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
$(O)/fuzz/$(1)_nomut_fuzzer: $$(patsubst %.c,$(O)/nomut/obj/%.o,$$(wildcard $(3)*.c)) \
		$$(call SVC_OBJS,$(1))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[nomut] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_fuzz) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
$(O)/fuzz/$(1)_fixed_fuzzer: $$(patsubst %.c,$(O)/fixed/obj/%.o,$$(wildcard $(3)*.c)) \
		$$(call SVC_OBJS,$(1))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[fixed] $$@")
	$$(Q)$$(CC) $$(LDFLAGS_fuzz) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
$(O)/afl/$(1)_afl: $$(patsubst %.c,$(O)/aflcc/obj/%.o,$$(wildcard $(3)*.c)) \
		$$(call SVC_OBJS,$(1))
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[afl] $$@")
	$$(Q)$(AFL_CC) $$(LDFLAGS_aflcc) -o $$@ $$^ $(AFL_DRIVER) $$(PKG_LIBS) \
	  $(SVC_LIBS) -lm
$(O)/svc/obj/tests/bench/ceiling_$(1).o: tests/bench/ceiling.c
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CPPFLAGS) $$(WARN) $$(CFLAGS_svc) $$(PKG_CFLAGS) \
	  -DCEILING_SERVICE=$(1)_service -c $$< -o $$@
$(O)/afl/$(1)_ceiling_afl: $(O)/svc/obj/tests/bench/ceiling_$(1).o \
		$$(patsubst %.c,$(O)/aflcc/obj/%.o,$$(shell grep -sL APIFUZZ_TARGET \
		$(3)*.c)) $$(call SVC_OBJS,$(1))
	@mkdir -p $$(@D)
	$$(Q)$(AFL_CC) $$(LDFLAGS_aflcc) -o $$@ $$^ $(AFL_DRIVER) $$(PKG_LIBS) \
	  $(SVC_LIBS) -lm
$(O)/fuzz/$(1)_ceiling_fuzzer: $(O)/svc/obj/tests/bench/ceiling_$(1).o \
		$$(patsubst %.c,$(O)/fixed/obj/%.o,$$(shell grep -sL APIFUZZ_TARGET \
		$(3)*.c)) $$(call SVC_OBJS,$(1))
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS_fuzz) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
endef
$(foreach spec,$(SERVICE_SPECS),$(eval $(call SERVICE_RULES,$(notdir \
	$(patsubst %/,%,$(dir $(spec)))),$(spec),$(dir $(spec)))))

# The AFL++ custom mutator: plain clang, -fPIC, not instrumented.
$(O)/afl/libapifuzz_afl.so: $(AFL_MUT_SRCS:%.c=$(O)/pic/obj/%.o) \
		$(LIB_SRCS:%.c=$(O)/pic/obj/%.o)
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD[pic] $@")
	$(Q)$(CC) -shared -Wl,--no-undefined -o $@ $^ $(PKG_LIBS) -lm

deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

NPROC := $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(NPROC) test-run

# Service targets the script tests fuzz (tests/t_engines.sh, ...).
TEST_SERVICE_BINS := $(O)/fuzz/plant_fuzzer $(O)/fuzz/plant_nomut_fuzzer \
	$(O)/serve/echo_serve $(O)/serve/plant_serve $(O)/serve/plant_replay
test-run: $(O)/asan/apifuzz $(TEST_BINS) $(SELF_FUZZ_BINS) $(TEST_SERVICE_BINS)
	@O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run.sh \
	  $(TEST_BINS) $(wildcard tests/t_*.sh) \
	  $(SELF_FUZZ:%=fuzz:%)

fuzz-self: $(SELF_FUZZ_BINS)

# make fuzz / minimize / cmin / triage (mk/fuzz.mk) and the other
# entry points of mk/*.mk.
include $(sort $(wildcard mk/*.mk))

bench: deps
	@$(MAKE) --no-print-directory $(O)/release/apifuzz
	@O=$(O) tests/bench/run.sh

check: deps
	clang-tidy --quiet $(LIB_SRCS) $(CLI_SRCS) $(ENGINE_SRCS) \
	  $(wildcard src/serve/*.c) -- $(CPPFLAGS) -std=c11 $(PKG_CFLAGS) \
	  $(shell pkg-config --cflags libmicrohttpd) -DAF_SERVE_TARGET=check
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	  --inline-suppr -Iinclude -Isrc src

# Rewritten on every install, so PREFIX is always the one asked for. The
# library is static: its dependencies are Requires, not Requires.private.
$(O)/release/apifuzz.pc: FORCE
	@mkdir -p $(@D)
	@printf 'prefix=%s\nlibdir=$${prefix}/lib\nincludedir=$${prefix}/include\n\nName: apifuzz\nDescription: OpenAPI-driven structure-aware fuzzing for C web services\nVersion: 0.1.0\nRequires: $(PKGS)\nCflags: -I$${includedir}\nLibs: -L$${libdir} -lapifuzz -lm\n' \
	  '$(PREFIX)' > $@

install: all $(O)/release/apifuzz.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/include
	install -m 755 $(O)/release/apifuzz $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(O)/release/libapifuzz.a $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/apifuzz.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(O)/release/apifuzz.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/

clean:
	rm -rf $(O)

FORCE:

-include $(shell find $(O) -name '*.d' 2>/dev/null)
