# mk/serve.mk - serve mode (issue 7), included by the Makefile after
# SERVICE_SPECS is known. Every service target NAME (fuzz/NAME/ or
# tests/fuzz/NAME/ with a spec) gets $(O)/serve/NAME_serve: the service's
# sources (its APIFUZZ_TARGET harness left out), the embedded spec and
# src/serve/ over libmicrohttpd.
#
#   make serve [TARGET=booking] [PORT=8080] [SERVE_ARGS='--log ...']
#       builds $(O)/serve/TARGET_serve and runs it on 127.0.0.1:PORT
#       (NAME_serve --help tells the options).
#
# Built like the tests, with ASan+UBSan at -O1 (CFLAGS_asan, over
# $(O)/asan/libapifuzz.a): a request that crashes the fuzzer crashes the
# served process with the same report, and a loopback client still gets
# thousands of exchanges per second. Objects go under $(O)/serve/obj/.
#
# For tests/t_serve.sh, also per service $(O)/serve/NAME_replay (the
# seed programs run in-process, each exchange printed as a JSON line:
# tests/serve/replay.c) and $(O)/serve/echo_serve (a service that
# answers with the request it was given: tests/serve/echo.c).

.PHONY: serve

PORT ?= 8080
SERVE_ARGS ?=
SERVE_MHD_CFLAGS = $(eval SERVE_MHD_CFLAGS := $$(shell pkg-config --cflags \
	libmicrohttpd))$(SERVE_MHD_CFLAGS)
SERVE_MHD_LIBS = $(eval SERVE_MHD_LIBS := $$(shell pkg-config --libs \
	libmicrohttpd))$(SERVE_MHD_LIBS)
SERVE_SRCS := $(filter-out src/serve/main.c,$(wildcard src/serve/*.c))
SERVE_OBJS := $(SERVE_SRCS:%.c=$(O)/serve/obj/%.o)
SERVE_BINS := $(SERVICES:%=$(O)/serve/%_serve)
SERVE_LINK = $(CC) $(LDFLAGS_asan) -o $@ $^ $(PKG_LIBS) $(SERVE_MHD_LIBS) \
	$(SVC_LIBS) -lpthread -lm

$(O)/serve/obj/%.o: %.c
	@mkdir -p $(@D)
	$(if $(Q),@echo "  CC[serve] $<")
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS_asan) $(PKG_CFLAGS) \
	  $(SERVE_MHD_CFLAGS) -c $< -o $@

# $(1) NAME, $(2) its folder with the trailing slash.
define SERVE_RULES
SERVE_SVC_OBJS_$(1) := $$(patsubst %.c,$(O)/serve/obj/%.o,$$(shell grep -sL \
	APIFUZZ_TARGET $(2)*.c) src/engine/spec_embed.c $(O)/gen/$(1)_spec.c)
$(O)/serve/obj/src/serve/main_$(1).o: src/serve/main.c
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  CC[serve] $$< ($(1))")
	$$(Q)$$(CC) $$(CPPFLAGS) $$(WARN) $$(CFLAGS_asan) $$(PKG_CFLAGS) \
	  $$(SERVE_MHD_CFLAGS) -DAF_SERVE_TARGET=$(1) -c $$< -o $$@
$(O)/serve/$(1)_serve: $(O)/serve/obj/src/serve/main_$(1).o $(SERVE_OBJS) \
		$$(SERVE_SVC_OBJS_$(1)) $(O)/asan/libapifuzz.a
	@mkdir -p $$(@D)
	$$(if $$(Q),@echo "  LD[serve] $$@")
	$$(Q)$$(SERVE_LINK)
$(O)/serve/obj/tests/serve/replay_$(1).o: tests/serve/replay.c
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(CPPFLAGS) $$(WARN) $$(CFLAGS_asan) $$(PKG_CFLAGS) \
	  -DREPLAY_TARGET=$(1) -c $$< -o $$@
$(O)/serve/$(1)_replay: $(O)/serve/obj/tests/serve/replay_$(1).o \
		$$(SERVE_SVC_OBJS_$(1)) $(O)/serve/obj/src/engine/har.o \
		$(O)/asan/libapifuzz.a
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS_asan) -o $$@ $$^ $$(PKG_LIBS) $(SVC_LIBS) -lm
endef
$(foreach spec,$(SERVICE_SPECS),$(eval $(call SERVE_RULES,$(notdir \
	$(patsubst %/,%,$(dir $(spec)))),$(dir $(spec)))))

# The echo service of tests/serve/: not a service target (no fuzzer).
$(O)/gen/echo_spec.c: tests/serve/echo.yaml tools/embed-spec.sh
	@mkdir -p $(@D)
	$(Q)tools/embed-spec.sh $< $@
$(O)/serve/obj/src/serve/main_echo.o: src/serve/main.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS_asan) $(PKG_CFLAGS) \
	  $(SERVE_MHD_CFLAGS) -DAF_SERVE_TARGET=echo -c $< -o $@
$(O)/serve/echo_serve: $(O)/serve/obj/src/serve/main_echo.o $(SERVE_OBJS) \
		$(O)/serve/obj/tests/serve/echo.o \
		$(O)/serve/obj/src/engine/spec_embed.o \
		$(O)/serve/obj/$(O)/gen/echo_spec.o $(O)/asan/libapifuzz.a
	@mkdir -p $(@D)
	$(if $(Q),@echo "  LD[serve] $@")
	$(Q)$(SERVE_LINK)

serve: deps
	@if [ -z "$(filter $(TARGET),$(SERVICES))" ]; then \
	  echo "make serve: TARGET=$(TARGET) is not a service target;" \
	    "one of: $(SERVICES)" >&2; exit 2; fi
	@$(MAKE) -s --no-print-directory $(O)/serve/$(TARGET)_serve
	@exec $(O)/serve/$(TARGET)_serve --port '$(PORT)' $(SERVE_ARGS)
