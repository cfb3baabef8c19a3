# Tessie Stats: one Makefile for every binary, test and tool.
#
#   make                 build everything into $(BUILD)
#   make run             the whole service locally (see README)
#   make test            every test: unit, integration, sanitizers, lint, e2e
#   make valgrind        unit tests, tessie-api and each job under valgrind
#   make SANITIZE=address,undefined   a sanitizer build (into build/san)
#   make bench           figures, no pass/fail
#   make loadtest        60 s at 256 connections while a job writes
#   make fuzz            every libFuzzer target for FUZZ_TIME seconds each
#   make fmt / make lint
#   make install DESTDIR=... PREFIX=/usr/local

PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PKG_CONFIG ?= pkg-config
PKGS	= libpq jansson libcurl openssl libjwt

ifdef SANITIZE
BUILD	?= build/san
SANFLAGS = -fsanitize=$(SANITIZE) -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
OPT	?= -O1 -g
else
BUILD	?= build
SANFLAGS =
OPT	?= -O2 -g
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || \
	echo -lpq -ljansson -lcurl -lssl -lcrypto -ljwt)

WARN	= -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	  -Wshadow -Wpointer-arith -Wwrite-strings -Wformat=2 \
	  -Wno-format-nonliteral
CFLAGS	?= $(OPT)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -MMD -MP $(WARN) $(SANFLAGS) \
	     -Ilib $(PKG_CFLAGS) $(CFLAGS)
LDLIBS	= $(PKG_LIBS) -lfcgi -lm
SIM_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

LIB_SRC	 = $(sort $(wildcard lib/*.c))
API_SRC	 = $(sort $(wildcard handlers/*.c))
ADMIN_SRC = jobs/admin.c
SYNC_SRC = $(filter-out $(ADMIN_SRC),$(sort $(wildcard jobs/*.c)))
SIM_SRC	 = $(sort $(wildcard tests/sim/*.c))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
ITEST_SRC = $(sort $(wildcard tests/integration/test_*.c))

LIB_OBJ	 = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
API_OBJ	 = $(API_SRC:%.c=$(BUILD)/obj/%.o)
ADMIN_OBJ = $(ADMIN_SRC:%.c=$(BUILD)/obj/%.o)
SYNC_OBJ = $(SYNC_SRC:%.c=$(BUILD)/obj/%.o)
SIM_OBJ	 = $(SIM_SRC:%.c=$(BUILD)/obj/%.o)
LIBA	 = $(BUILD)/libtessie.a

BINS	 = $(BUILD)/tessie-api $(BUILD)/tessie-admin \
	   $(if $(SYNC_SRC),$(BUILD)/tessie-sync) \
	   $(if $(SIM_SRC),$(BUILD)/tessie-sim)
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
ITEST_BINS = $(ITEST_SRC:tests/integration/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test test-c test-e2e bench loadtest fmt fmt-check lint \
	install clean web tests fuzz fuzz-build valgrind

all: $(BINS)

tests: $(UNIT_BINS) $(ITEST_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tessie-api: $(API_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(API_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/tessie-admin: $(ADMIN_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(ADMIN_OBJ) $(LIBA) $(LDLIBS)

$(BUILD)/tessie-sync: $(SYNC_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(SYNC_OBJ) $(LIBA) $(LDLIBS)

# The Fleet API simulator (tests/sim) serves HTTP with libmicrohttpd.
$(BUILD)/tessie-sim: $(SIM_OBJ) $(LIBA)
	$(CC) $(ALL_LDFLAGS) -o $@ $(SIM_OBJ) $(LIBA) $(SIM_LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/integration/%.o $(LIBA)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# libFuzzer targets (tests/fuzz): lib/ and handlers/ rebuilt with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into $(FUZZ_DIR)/obj,
# apart from the gcc build.  tests/fuzz/run.sh runs them.
FUZZ_CC	?= clang
FUZZ_DIR ?= build/fuzz
FUZZ_TIME ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -MMD -MP $(WARN) -O1 -g $(FUZZ_SAN) \
	      -fsanitize=fuzzer-no-link -Ilib -Ihandlers $(PKG_CFLAGS)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_API_OBJ = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,\
	       $(filter-out handlers/main.c,$(API_SRC)))
FUZZ_BINS = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_DIR=$(FUZZ_DIR) tests/fuzz/run.sh build $(FUZZ_TIME)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/libtessie.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/libhandlers.a: $(FUZZ_API_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o \
    $(FUZZ_DIR)/libhandlers.a $(FUZZ_DIR)/libtessie.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

-include $(shell find $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# Installs (idempotently) every Debian and npm package the project needs.
deps:
	@deploy/deps.sh

web: deps
	cd web && npm run build

# The whole service in the foreground until Ctrl-C.
run: deps
	@$(MAKE) --no-print-directory all
	@cd web && npm run --silent build >/dev/null
	@exec deploy/run-local.sh

# Every test. Plain build, then the sanitizer build, then lint and e2e.
test: deps
	@tests/run-all.sh

test-c: all tests
	@tests/run.sh $(BUILD)

# No definite leak and no memcheck error (tests/valgrind.sh); a plain build.
valgrind: all tests
	@tests/valgrind.sh $(BUILD)

# Every figure into one table and $(BUILD)/bench.json (tests/bench/report.sh).
bench: export BENCH_FIGURES = $(abspath $(BUILD))/bench.tsv
bench: deps all $(BUILD)/thin-ref
	@rm -f "$$BENCH_FIGURES"
	@tests/bench/run.sh $(BUILD)
	@tests/bench/energy.sh $(BUILD)
	@tests/bench/energy_history.sh $(BUILD)
	@tests/bench/web.sh
	@tests/bench/report.sh $(BUILD)

# LOAD_DURATION (60s) at LOAD_CONNECTIONS (256) over a mix of read
# endpoints while the vehicles job writes; fails on any non-2xx answer.
loadtest: deps all
	@tests/bench/loadtest.sh $(BUILD)

# The benchmark's reference handler (tests/bench/thin.c); not installed.
$(BUILD)/thin-ref: tests/bench/thin.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LDLIBS)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

fmt-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

lint: fmt-check
	@tests/lint.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tessie-stats/sql \
		$(DESTDIR)$(PREFIX)/share/tessie-stats/web \
		$(DESTDIR)$(PREFIX)/share/tessie-stats/nginx \
		$(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 0755 $(filter-out %/tessie-sim,$(BINS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 sql/*.sql $(DESTDIR)$(PREFIX)/share/tessie-stats/sql/
	install -m 0644 nginx/*.in nginx/*.conf $(DESTDIR)$(PREFIX)/share/tessie-stats/nginx/
	install -m 0644 deploy/tessie-api.service $(DESTDIR)$(PREFIX)/lib/systemd/system/
	if [ -d web/dist ]; then cp -R web/dist/. $(DESTDIR)$(PREFIX)/share/tessie-stats/web/; fi

clean:
	rm -rf build
