# sessim: one non-recursive Makefile.
#
# The targets, one line each: `make help` prints this table, and `make lint`
# fails when a .PHONY target has no line here (scripts/lint.sh).
## all             build libsessim-model.a and sessim into .build/release/ (the default)
## build           the same, without installing missing packages first
## run             build, then replay every scenario under SCENARIOS on the model
## check           everything a change must keep green: lint, schema-check, check-cli,
##                 check-man, check-install, check-junit, check-units, check-scenarios,
##                 check-explore, fuzz-replay, check-serve, check-asan, check-valgrind,
##                 mutants
## lint            model purity (no I/O, clock, rand), symbol prefixes, layering of
##                 sim/ and its model/ includes, this table (scripts/lint.sh)
## schema-check    scenarios/schema.json against every scenario and bad fixture
## check-cli       bad command lines and bad files: exit status and messages
## check-man       the man pages render without warnings (man -l, groff -ww), name
##                 every option of every command's --help, and their example runs
## check-install   make install into a temporary DESTDIR, a C program built against it
##                 with pkg-config, the installed sessim run, then make uninstall
## check-junit     sessim's JUnit reports (pass, fail, skip, unloadable; model and a
##                 live sessim serve) against sim/tests/junit/junit-10.xsd with xmllint
## check-units     the model and sim Check suites (FLAVOUR)
## check-scenarios every scenario on the model (FLAVOUR)
## check-explore   a short exploration that must find nothing (FLAVOUR)
## check-serve     slixmpp and hostile clients against sessim serve and record (FLAVOUR)
## check-asan      check-units, check-scenarios, check-explore, fuzz-replay, check-serve
##                 under ASan+UBSan
## memcheck        unit tests, scenarios and corpus replays under valgrind
## check-valgrind  the same as memcheck
## mutants         the named patches (sim/tests/mutants/*.patch) and a sample of
##                 MUTANT_SAMPLE mechanical mutants of model/ (at least MUTANT_MIN_SCORE%)
## mutants-full    every mechanical mutant (MUTANT_FILES=model/x.c,...: those files'),
##                 each through the tests that execute it; reports/mutants/report.{txt,json}
## mutants-flags   print the flags a mutant is compiled and linked with
## check-failalloc every scenario with its n-th allocation failing, for every n, under
##                 ASan (sim/run/failalloc.h; check-units runs six; not in check)
## fuzz-replay     replay each fuzz target's corpus and regressions, and check that a
##                 planted property violation is reported (FLAVOUR)
## fuzz-build      build the libFuzzer targets (FLAVOUR=fuzz)
## fuzz            run each libFuzzer target FUZZ_SECONDS (default 60, fuzz/run.sh);
##                 findings go to fuzz/regressions/ with the command reproducing them
## fuzz-long       the same for FUZZ_LONG_SECONDS each (default 3600: a CPU-hour)
## fuzz-corpus     seed fuzz/corpus/ from SCENARIOS up to each target's max_len
##                 (fuzz/corpus.sh; FUZZ_MERGE=0: keep every seed)
## bench           benchmarks; prints measured ratios
## coverage        gcov build, tests, scenarios and corpus replays: reports/coverage/
##                 and lines/branches per folder (SCENARIOS=path: those scenarios only)
## live-deps       install Prosody when missing (and ejabberd with SERVER=ejabberd)
## live-check      every scenario on the model and on Prosody, and the differential
##                 explorer against Prosody (LIVE_JOBS, LIVE_SETTLE, LIVE_PACING; not in check);
##                 SERVER=ejabberd: every scenario on the model and on ejabberd, and
##                 the explorer against ejabberd
## deps            install the missing Debian packages (apt-get)
## install         install sessim, libsessim-model.a with its headers and sessim-model.pc,
##                 the man pages, bash completion and FORMAT.md/SEMANTICS.md under
##                 DESTDIR/PREFIX (PREFIX=/usr/local; BINDIR, LIBDIR, INCLUDEDIR, MANDIR,
##                 DOCDIR, COMPLETIONDIR)
## uninstall       remove what install installed
## man             the man pages with version and paths filled in, into .build/<flavour>/man/
## help            this table
## clean           remove .build/, reports/coverage/, reports/explore/
#
# Objects go to .build/<flavour>/: FLAVOUR=release (default), asan (ASan+UBSan),
# cov, fuzz. Missing Debian packages are installed with apt-get on first use.

FLAVOUR ?= release
B := .build/$(FLAVOUR)

CC ?= cc
ifeq ($(FLAVOUR),fuzz)
CC := clang
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -pedantic
BASE_CFLAGS := -std=c11 $(WARN) -g -MMD -MP
# release: sessim links with link-time optimisation across the modules
# (buf, stanza and the model's small helpers inline into their callers).
# The objects are fat: everything else (the test binaries, the fuzz
# drivers, each mutant) links their plain code with -fno-lto, since gcc
# otherwise optimises the whole program again at every link it sees them.
FLAVOUR_CFLAGS_release := -O3 -flto=auto -ffat-lto-objects
FLAVOUR_LDFLAGS_release := -fno-lto
SESSIM_LDFLAGS_release := -O3 -flto=auto
FLAVOUR_CFLAGS_asan := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FLAVOUR_CFLAGS_cov := -O0 --coverage
FLAVOUR_CFLAGS_fuzz := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FLAVOUR_LDFLAGS_asan := -fsanitize=address,undefined
FLAVOUR_LDFLAGS_cov := --coverage
FLAVOUR_LDFLAGS_fuzz := -fsanitize=fuzzer,address,undefined

PKG_CFLAGS = $(shell pkg-config --cflags expat yaml-0.1 2>/dev/null)
CFLAGS_ALL = $(BASE_CFLAGS) $(FLAVOUR_CFLAGS_$(FLAVOUR)) $(PKG_CFLAGS) $(CFLAGS)
SIM_DEFS := -D_POSIX_C_SOURCE=200809L
LDFLAGS_ALL = $(FLAVOUR_LDFLAGS_$(FLAVOUR)) $(LDFLAGS)
SESSIM_LDFLAGS_ALL = $(or $(SESSIM_LDFLAGS_$(FLAVOUR)),$(FLAVOUR_LDFLAGS_$(FLAVOUR))) $(LDFLAGS)
LIBS_MODEL = $(shell pkg-config --libs expat 2>/dev/null || echo -lexpat)
LIBS_SIM = $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml) $(LIBS_MODEL) -lm
LIBS_CHECK = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

MODEL_SRC := $(wildcard model/*.c)
SIM_SRC := $(filter-out sim/cli/main.c sim/tests/%,$(wildcard sim/*/*.c))
MODEL_TEST_SRC := $(wildcard model/tests/*.c)
SIM_TEST_SRC := $(wildcard sim/tests/*.c)
FUZZ_TARGETS := $(basename $(notdir $(filter-out fuzz/replay.c,$(wildcard fuzz/*.c))))
FUZZ_COMMON_SRC := $(wildcard fuzz/common/*.c)

MODEL_OBJ := $(MODEL_SRC:%.c=$(B)/%.o)
SIM_OBJ := $(SIM_SRC:%.c=$(B)/%.o)
FUZZ_COMMON_OBJ := $(FUZZ_COMMON_SRC:%.c=$(B)/%.o)
LIB := $(B)/libsessim-model.a
SIMLIB := $(B)/libsessim-sim.a
SESSIM := $(B)/sessim
MODEL_TESTS := $(B)/model-tests
SIM_TESTS := $(B)/sim-tests
REPLAYS := $(FUZZ_TARGETS:%=$(B)/replay-%)

FUZZ_SECONDS ?= 60
SCENARIOS ?= scenarios

# ---- version: one place -------------------------------------------------------
# VERSION holds sessim's version; `sessim --version` adds `git describe`
# when built in a git checkout, and the scenario format version from the
# title of scenarios/FORMAT.md. $(B)/version is rewritten only when either
# text changes, so main.o is rebuilt only then.
VERSION := $(shell cat VERSION)
GIT_DESCRIBE := $(shell git describe --always --dirty 2>/dev/null)
VERSION_TEXT := $(VERSION)$(if $(GIT_DESCRIBE), (git $(GIT_DESCRIBE)))
SCENARIO_FORMAT := $(shell sed -n '1s/^\# Scenario file format (version \([0-9.]*\))$$/\1/p' \
  scenarios/FORMAT.md)
$(shell mkdir -p $(B) && \
  [ "$$(cat $(B)/version 2>/dev/null)" = '$(VERSION_TEXT) $(SCENARIO_FORMAT)' ] || \
  printf '%s\n' '$(VERSION_TEXT) $(SCENARIO_FORMAT)' > $(B)/version)
$(B)/sim/cli/main.o: $(B)/version
$(B)/sim/cli/main.o: SIM_DEFS += -DSESSIM_VERSION='"$(VERSION_TEXT)"' \
  -DSESSIM_SCENARIO_FORMAT='"$(SCENARIO_FORMAT)"'

# ---- install layout -------------------------------------------------------------
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/sessim
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
# The installed headers are the ones sim/ may include (scripts/lint.sh:
# the facade and the toolkit), so the installed set always compiles.
MODEL_PUBLIC_HEADERS := $(addprefix model/,$(shell sed -n 's/^MODEL_\(FACADE\|TOOLKIT\)="\(.*\)"/\2/p' scripts/lint.sh))
MAN_PAGES := $(B)/man/sessim.1 $(B)/man/sessim-scenario.5

.PHONY: all build run check check-units check-scenarios check-asan check-valgrind lint deps \
        fuzz fuzz-long fuzz-build fuzz-replay fuzz-corpus memcheck bench coverage clean help \
        schema-check live-deps live-check check-explore mutants mutants-full mutants-flags check-cli check-serve \
        check-failalloc install uninstall man check-man check-install check-junit
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build

build: $(LIB) $(SESSIM)

help:
	@sed -n 's/^## /  /p' Makefile

# ---- dependency bootstrap (Debian 12) -------------------------------------
# Detects each tool or library and installs only what is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian's interpreter, where apt installs python3-jsonschema (another
# python3 first on PATH may lack it)
PYTHON := /usr/bin/python3
deps:
	@need=""; \
	command -v pkg-config >/dev/null 2>&1 || need="$$need pkg-config"; \
	pkg-config --exists expat 2>/dev/null || need="$$need libexpat1-dev"; \
	pkg-config --exists yaml-0.1 2>/dev/null || need="$$need libyaml-dev"; \
	pkg-config --exists check 2>/dev/null || need="$$need check"; \
	command -v clang >/dev/null 2>&1 || need="$$need clang libclang-rt-dev"; \
	if command -v clang >/dev/null 2>&1; then \
	  [ -e "$$(clang -print-resource-dir)/lib/linux/libclang_rt.fuzzer-$$(uname -m).a" ] || need="$$need libclang-rt-dev"; \
	fi; \
	command -v gcovr >/dev/null 2>&1 || need="$$need gcovr"; \
	command -v lcov >/dev/null 2>&1 || need="$$need lcov"; \
	command -v valgrind >/dev/null 2>&1 || need="$$need valgrind"; \
	[ -x $(PYTHON) ] || need="$$need python3"; \
	$(PYTHON) -c 'import jsonschema' >/dev/null 2>&1 || need="$$need python3-jsonschema"; \
	$(PYTHON) -c 'import yaml' >/dev/null 2>&1 || need="$$need python3-yaml"; \
	$(PYTHON) -c 'import slixmpp' >/dev/null 2>&1 || need="$$need python3-slixmpp"; \
	command -v man >/dev/null 2>&1 || need="$$need man-db"; \
	command -v groff >/dev/null 2>&1 || need="$$need groff-base"; \
	command -v xmllint >/dev/null 2>&1 || need="$$need libxml2-utils"; \
	if [ -n "$$need" ]; then \
	  echo "deps: installing$$need"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$need >/dev/null || \
	  { echo "deps: apt-get install$$need failed" >&2; exit 1; }; \
	fi

# ---- build ------------------------------------------------------------------
$(B)/model/%.o: model/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(B)/model/tests/%.o: model/tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -D_POSIX_C_SOURCE=200809L -Imodel -c $< -o $@

$(B)/sim/%.o: sim/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SIM_DEFS) -I. -Isim -c $< -o $@

$(B)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SIM_DEFS) -I. -Isim -Ifuzz -c $< -o $@

$(LIB): $(MODEL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SIMLIB): $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SESSIM): $(B)/sim/cli/main.o $(SIMLIB) $(LIB)
	$(CC) $(SESSIM_LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

$(MODEL_TESTS): $(MODEL_TEST_SRC:%.c=$(B)/%.o) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_CHECK) $(LIBS_MODEL)

$(SIM_TESTS): $(SIM_TEST_SRC:%.c=$(B)/%.o) $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_CHECK) $(LIBS_SIM)

# A plain driver replays each fuzz target's corpus and regressions with the
# ordinary compiler.
$(B)/replay-%: $(B)/fuzz/%.o $(B)/fuzz/replay.o $(FUZZ_COMMON_OBJ) $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

# The throughput driver for `sessim bench` (fuzz/bench/driver.c): the
# stream_parser target and its raw-expat reference in turn, ordinary compiler.
FUZZ_BENCH := $(B)/fuzzbench-stream_parser
$(B)/fuzzbench-stream_parser: $(B)/fuzz/stream_parser.o $(B)/fuzz/bench/driver.o \
                              $(B)/fuzz/bench/expat_raw.o $(FUZZ_COMMON_OBJ) $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

-include $(shell find .build -name '*.d' 2>/dev/null)

# ---- man pages, pkg-config file, install ------------------------------------
# man/*.[15] and model/sessim-model.pc.in carry @VERSION@, @FORMAT@ and the
# install paths as placeholders; these rules fill them in. `make install`
# honours DESTDIR (staged installs) and PREFIX and the *DIR variables.
FILL = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@FORMAT@|$(SCENARIO_FORMAT)|g' \
  -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
  -e 's|@DOCDIR@|$(DOCDIR)|g'

man: $(MAN_PAGES)

$(B)/man/%: man/% VERSION scenarios/FORMAT.md
	@mkdir -p $(@D)
	$(FILL) $< > $@

# The filled files are written straight into place, so they always carry
# this install's paths.
install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/sessim \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(SESSIM) $(DESTDIR)$(BINDIR)/sessim
	install -m 644 sim/cli/sessim.bash $(DESTDIR)$(COMPLETIONDIR)/sessim
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libsessim-model.a
	install -m 644 $(MODEL_PUBLIC_HEADERS) $(DESTDIR)$(INCLUDEDIR)/sessim/
	$(FILL) model/sessim-model.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/sessim-model.pc
	$(FILL) man/sessim.1 > $(DESTDIR)$(MANDIR)/man1/sessim.1
	$(FILL) man/sessim-scenario.5 > $(DESTDIR)$(MANDIR)/man5/sessim-scenario.5
	install -m 644 scenarios/FORMAT.md model/SEMANTICS.md $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sessim $(DESTDIR)$(LIBDIR)/libsessim-model.a \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/sessim-model.pc \
	  $(addprefix $(DESTDIR)$(INCLUDEDIR)/sessim/,$(notdir $(MODEL_PUBLIC_HEADERS))) \
	  $(DESTDIR)$(MANDIR)/man1/sessim.1 $(DESTDIR)$(MANDIR)/man5/sessim-scenario.5 \
	  $(DESTDIR)$(DOCDIR)/FORMAT.md $(DESTDIR)$(DOCDIR)/SEMANTICS.md \
	  $(DESTDIR)$(COMPLETIONDIR)/sessim
	-rmdir $(DESTDIR)$(INCLUDEDIR)/sessim $(DESTDIR)$(DOCDIR) 2>/dev/null

# ---- run and check ----------------------------------------------------------
run: all
	$(SESSIM) run $(SCENARIOS)

check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory schema-check
	@$(MAKE) --no-print-directory check-cli
	@$(MAKE) --no-print-directory check-man check-install check-junit
	@$(MAKE) --no-print-directory check-units check-scenarios check-explore fuzz-replay check-serve
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-valgrind
	@$(MAKE) --no-print-directory mutants
	@echo "check: all passed"

check-asan:
	@$(MAKE) --no-print-directory FLAVOUR=asan check-units check-scenarios check-explore fuzz-replay \
	  check-serve

# Check's per-test timeout is wall time (4 s by default): on a loaded machine
# an ASan test of the loader's limits needed more, so it is a minute here;
# a hang still fails.
CK_TIMEOUT ?= 60
check-units: $(MODEL_TESTS) $(SIM_TESTS)
	@echo "== unit tests ($(FLAVOUR))"
	CK_DEFAULT_TIMEOUT=$(CK_TIMEOUT) $(MODEL_TESTS)
	CK_DEFAULT_TIMEOUT=$(CK_TIMEOUT) $(SIM_TESTS)

check-scenarios: $(SESSIM)
	@echo "== scenarios ($(FLAVOUR))"
	$(SESSIM) run $(SCENARIOS)

fuzz-replay: $(REPLAYS)
	@echo "== fuzz corpus replay ($(FLAVOUR))"
	@for t in $(FUZZ_TARGETS); do \
	  $(B)/replay-$$t fuzz/corpus/$$t $$(ls -d fuzz/regressions/$$t 2>/dev/null) || exit 1; \
	done
	@sh fuzz/tests/plant_test.sh $(B)

# memcheck: the unit tests, the scenario suite and the fuzz corpus replays
# under valgrind; any memory error or definite/indirect leak exits 99.
VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full \
            --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect
memcheck: build $(MODEL_TESTS) $(SIM_TESTS) $(REPLAYS)
	@echo "== valgrind ($(FLAVOUR))"
	CK_FORK=no $(VALGRIND) $(MODEL_TESTS) >/dev/null
	CK_FORK=no $(VALGRIND) $(SIM_TESTS) >/dev/null
	$(VALGRIND) $(SESSIM) run $(SCENARIOS) >/dev/null
	@for t in $(FUZZ_TARGETS); do \
	  echo "$(VALGRIND) $(B)/replay-$$t fuzz/corpus/$$t"; \
	  $(VALGRIND) $(B)/replay-$$t fuzz/corpus/$$t $$(ls -d fuzz/regressions/$$t 2>/dev/null) >/dev/null || exit 1; \
	done

check-valgrind: memcheck

# ---- lint: the architecture rules ------------------------------------------
# scripts/lint.sh reads the sources and this flavour's objects (model purity,
# symbol prefixes, layering of sim/, model/ includes, the help table) and
# lists violations as FILE:LINE; scripts/lint-known.txt holds the known ones.
# scripts/lint_test.sh plants violations in a copy and expects them caught.
lint: $(LIB) $(SIMLIB) $(B)/sim/cli/main.o
	@echo "== lint"
	@sh scripts/lint.sh $(B)
	@sh scripts/lint_test.sh $(B)

# ---- fuzzing -----------------------------------------------------------------
# fuzz/run.sh runs every target FUZZ_SECONDS (fuzz-long: FUZZ_LONG_SECONDS,
# one hour each by default) with the dictionaries, the -max_len of
# fuzz/<target>.options and FUZZ_FLAGS, on its checked-in corpus plus
# .build/fuzz/work/<target>/. A finding is reported after its target's run,
# minimised into fuzz/regressions/<target>/ (replayed by `make check`) and
# shown with the replay command that reproduces it; the other targets still
# run, and the exit status is 1.
FUZZ_FLAGS ?= -timeout=25 -rss_limit_mb=2048
FUZZ_LONG_SECONDS ?= 3600
export FUZZ_FLAGS
fuzz: deps
	@$(MAKE) --no-print-directory FLAVOUR=fuzz fuzz-build
	@$(MAKE) --no-print-directory FLAVOUR=release $(FUZZ_TARGETS:%=.build/release/replay-%)
	@sh fuzz/run.sh $(FUZZ_SECONDS)

fuzz-long:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_LONG_SECONDS)

fuzz-build: $(FUZZ_TARGETS:%=$(B)/fuzz-%)

# Keep the targets' objects, so that a second `make fuzz` links nothing.
.PRECIOUS: $(B)/fuzz/%.o

$(B)/fuzz-%: $(B)/fuzz/%.o $(FUZZ_COMMON_OBJ) $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

# fuzz-corpus: seeds from $(SCENARIOS), at most the target's max_len, added
# to fuzz/corpus/<target>/ by fuzz/corpus.sh (FUZZ_MERGE=1, the default:
# only those that add coverage; 0: all). Nothing is removed.
FUZZ_MERGE ?= 1
$(B)/corpus-extract: $(B)/fuzz/tools/corpus.o $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

fuzz-corpus: deps
	@$(MAKE) --no-print-directory FLAVOUR=release .build/release/corpus-extract
	@[ "$(FUZZ_MERGE)" = 0 ] || $(MAKE) --no-print-directory FLAVOUR=fuzz fuzz-build
	@sh fuzz/corpus.sh $(SCENARIOS) $(FUZZ_MERGE)

# ---- benchmarks ----------------------------------------------------------------
bench: all $(FUZZ_BENCH)
	$(SESSIM) bench

# ---- coverage ------------------------------------------------------------------
# A gcov build (.build/cov), then scripts/coverage.sh runs the unit tests,
# every scenario and the fuzz corpus replays (`make coverage SCENARIOS=path`:
# only those scenarios), writes reports/coverage/ and prints lines and
# branches per folder.
COV := .build/cov
COV_ONLY_SCENARIOS := $(filter command line environment,$(origin SCENARIOS))
coverage: deps
	@$(MAKE) --no-print-directory FLAVOUR=cov build $(COV)/model-tests $(COV)/sim-tests \
	  $(FUZZ_TARGETS:%=$(COV)/replay-%)
	@sh scripts/coverage.sh $(if $(COV_ONLY_SCENARIOS),--scenarios-only) $(COV) "$(FUZZ_TARGETS)" \
	  $(SCENARIOS)

# ---- schema: scenarios/schema.json against every scenario ---------------------
# Every scenario (and the loader's good fixtures) must validate, every file in
# sim/tests/schema-bad/ must not, and `sessim lint` must agree on each.
schema-check: $(SESSIM)
	@echo "== schema"
	$(PYTHON) sim/tests/schema_check.py scenarios/schema.json --sessim $(SESSIM) \
	  $(SCENARIOS) sim/tests/good -- sim/tests/schema-bad

# ---- live: every scenario on the model and on Prosody ----------------------
# live-check (not part of check: it takes a few minutes and needs a server)
# installs Debian's prosody when missing (a service the package starts is
# stopped again), then `sessim diff` runs $(SCENARIOS) on the model and on
# LIVE_JOBS Prosody servers that sessim starts on free ports of 127.0.0.1,
# each in a directory under one temporary directory, and stops by pid;
# then the differential explorer runs against Prosody and against a
# Prosody with a planted difference (sim/tests/live_explore.sh), and the
# slixmpp client runs against Prosody directly and through `sessim record`,
# whose recording must replay on the model and live (sim/tests/live_serve.sh), and a
# Prosody started by hand runs EXTERNAL_SCENARIOS through `--server` (a server sessim did
# not start; sim/tests/live_external.sh; one scenario at a time with a restart of
# that Prosody between them, about 2 s each, so by default two areas: the whole
# corpus is EXTERNAL_SCENARIOS=scenarios, about 15 minutes). It fails
# on a divergence not listed in scenarios/DIVERGENCES.md, on a difference
# the explorer finds on Prosody as installed, when the planted one is not
# found and reproduced, and when a server outlives the run (pgrep -f on
# the directory).
LIVE_JOBS ?= 8
LIVE_SETTLE ?= 200
LIVE_PACING ?= roundtrip
EXTERNAL_SCENARIOS ?= scenarios/routing scenarios/offline
# SERVER=ejabberd: Debian's ejabberd instead (installed when missing; anything
# the package starts is stopped by pid): `sessim diff --server ejabberd` runs
# every scenario on the model and on EJABBERD_JOBS ejabberd servers that
# sessim starts on free ports (servers/ejabberd.yaml; sim/tests/live_server.sh),
# failing on a divergence not listed in scenarios/DIVERGENCES-ejabberd.md;
# then the differential explorer runs against ejabberd and against an
# ejabberd with a planted difference (sim/tests/live_explore.sh ... ejabberd).
SERVER ?= prosody
EJABBERD_JOBS ?= 2
EJABBERD_SETTLE ?= 100
live-deps:
	@need=""; \
	command -v pgrep >/dev/null 2>&1 || need="$$need procps"; \
	command -v prosody >/dev/null 2>&1 || need="$$need prosody"; \
	if [ "$(SERVER)" = ejabberd ] && ! ls -d /usr/lib/*/ejabberd-*/ebin >/dev/null 2>&1; then \
	  need="$$need ejabberd"; fi; \
	if [ -n "$$need" ]; then \
	  echo "live-deps: installing$$need"; \
	  before=$$(pgrep -d ' ' 'beam|epmd' || true); \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$need \
	    >/dev/null || { echo "live-deps: apt-get install$$need failed" >&2; exit 1; }; \
	  if [ -d /run/systemd/system ]; then $(SUDO) systemctl stop prosody ejabberd 2>/dev/null || true; \
	  elif [ -s /run/prosody/prosody.pid ]; then \
	    $(SUDO) kill "$$(cat /run/prosody/prosody.pid)" 2>/dev/null || true; fi; \
	  for p in $$(pgrep 'beam|epmd' || true); do \
	    case " $$before " in *" $$p "*) ;; *) $(SUDO) kill "$$p" 2>/dev/null || true;; esac; \
	  done; \
	fi

# The end of both live-check recipes: a server still running from $$dir
# after sessim stopped it fails the check (exit 3); else exit $$rc.
LIVE_LEFTOVERS = left=$$(pgrep -f "$$dir/" || true); \
	if [ -n "$$left" ]; then \
	  echo "live-check: servers still running after sessim stopped them (pids $$left)" >&2; \
	  rc=3; \
	fi; \
	exit $$rc

ifeq ($(SERVER),ejabberd)
live-check: deps live-deps
	@$(MAKE) --no-print-directory build
	@echo "== live: model and ejabberd ($(EJABBERD_JOBS) servers, settle $(EJABBERD_SETTLE) ms)"
	@dir=$$(mktemp -d "$${TMPDIR:-/tmp}/sessim-live.XXXXXX") || exit 1; \
	trap 'rm -rf "$$dir"' EXIT; trap 'exit 130' INT TERM HUP; \
	mkdir -p "$$dir/tmp" && \
	TMPDIR="$$dir/tmp" sh sim/tests/live_server.sh $(SESSIM) "$$dir" ejabberd \
	  --server ejabberd --jobs $(EJABBERD_JOBS) --settle $(EJABBERD_SETTLE) $(SCENARIOS); \
	rc=$$?; \
	echo "== live: the differential explorer against ejabberd"; \
	mkdir -p "$$dir/explore" && \
	TMPDIR="$$dir/explore" sh sim/tests/live_explore.sh $(SESSIM) "$$dir/explore" ejabberd || rc=1; \
	$(LIVE_LEFTOVERS)
else
live-check: deps live-deps
	@$(MAKE) --no-print-directory build
	@echo "== live: model and Prosody ($(LIVE_JOBS) servers, pacing $(LIVE_PACING), settle $(LIVE_SETTLE) ms)"
	@dir=$$(mktemp -d "$${TMPDIR:-/tmp}/sessim-live.XXXXXX") || exit 1; \
	trap 'rm -rf "$$dir"' EXIT; trap 'exit 130' INT TERM HUP; \
	$(SESSIM) diff --jobs $(LIVE_JOBS) --settle $(LIVE_SETTLE) --pacing $(LIVE_PACING) --dir "$$dir" $(SCENARIOS); \
	rc=$$?; \
	echo "== live: the differential explorer"; \
	mkdir -p "$$dir/explore" && \
	TMPDIR="$$dir/explore" sh sim/tests/live_explore.sh $(SESSIM) "$$dir/explore" || rc=1; \
	echo "== live: a Prosody started by hand, reached with --server (in-band accounts)"; \
	mkdir -p "$$dir/external" && \
	PYTHON=$(PYTHON) sh sim/tests/live_external.sh $(SESSIM) "$$dir/external" $(EXTERNAL_SCENARIOS) || rc=1; \
	echo "== live: a real client (slixmpp) against Prosody, recorded and replayed"; \
	mkdir -p "$$dir/serve" && \
	PYTHON=$(PYTHON) sh sim/tests/live_serve.sh $(SESSIM) "$$dir/serve" || rc=1; \
	$(LIVE_LEFTOVERS)
endif

# ---- explorer: a short exploration, and the mutant self-test ----------------
# check-explore must find nothing on the correct model (both flavours run it
# from `make check`); `make mutants` applies each sim/tests/mutants/*.patch
# to a copy of the tree and requires the explorer to kill it.
EXPLORE_CHECK ?= --seed 1 --runs 50 --steps 200
check-explore: $(SESSIM)
	@echo "== explore ($(FLAVOUR))"
	$(SESSIM) explore $(EXPLORE_CHECK) --out $(B)/explore
	$(SESSIM) explore --sm $(EXPLORE_CHECK) --out $(B)/explore-sm

# Mechanical mutants (sim/tests/mutgen.py, run by sim/tests/mutrun.py):
# operators flipped, conditions negated, statements and calls deleted,
# +-1 on constants and indexes, over model/*.c; each is compiled into a
# work copy under .build/mutants/ and run against the scenarios, a short
# exploration, the model unit tests, the failalloc suite of sim-tests (the
# out-of-memory paths) and then the same under ASan. `make
# mutants` runs the named patches and a fixed sample (it fails below
# MUTANT_MIN_SCORE percent killed); `make mutants-full` runs every mutant
# (MUTANT_FILES=model/a.c,model/b.c: those files' only) and writes
# reports/mutants/report.{txt,json}. The full run measures first, on the gcov
# build, which lines each scenario, the exploration, each Check case and
# the failalloc sweep of each of its scenarios execute (sim/tests/mutcov.py),
# and runs a mutant through only the tests that execute it: one no test
# executes survives as "not covered" unbuilt.
# Equivalent mutants are listed in sim/tests/mutants/equivalent.txt.
MUTANT_SAMPLE ?= 40
MUTANT_MIN_SCORE ?= 90
MUTANT_JOBS ?= 2
MUTANT_BUILDS := build $(MODEL_TESTS) $(SIM_TESTS)
mutants:
	@echo "== mutants: named patches"
	sh sim/tests/mutants.sh
	@echo "== mutants: a sample of $(MUTANT_SAMPLE) mechanical mutants"
	@$(MAKE) --no-print-directory FLAVOUR=release $(MUTANT_BUILDS:$(B)/%=.build/release/%)
	@$(MAKE) --no-print-directory FLAVOUR=asan $(MUTANT_BUILDS:$(B)/%=.build/asan/%)
	$(PYTHON) sim/tests/mutrun.py --sample $(MUTANT_SAMPLE) -j$(MUTANT_JOBS) --min-score $(MUTANT_MIN_SCORE)

MUTANT_FILES ?=
mutants-full:
	@$(MAKE) --no-print-directory FLAVOUR=release $(MUTANT_BUILDS:$(B)/%=.build/release/%)
	@$(MAKE) --no-print-directory FLAVOUR=asan $(MUTANT_BUILDS:$(B)/%=.build/asan/%)
	@$(MAKE) --no-print-directory FLAVOUR=cov $(MUTANT_BUILDS:$(B)/%=.build/cov/%)
	$(PYTHON) sim/tests/mutrun.py --all --coverage -j$(MUTANT_JOBS) --progress \
	  $(if $(MUTANT_FILES),--files $(MUTANT_FILES)) \
	  --report reports/mutants/report.txt --json reports/mutants/report.json

# The flags sim/tests/mutrun.py compiles and links a mutant's object with.
mutants-flags:
	@echo 'CC=$(CC)'
	@echo 'CFLAGS=$(CFLAGS_ALL)'
	@echo 'LDFLAGS=$(LDFLAGS_ALL)'
	@echo 'LIBS_SIM=$(LIBS_SIM)'
	@echo 'LIBS_CHECK=$(LIBS_CHECK)'
	@echo 'LIBS_MODEL=$(LIBS_MODEL)'

# ---- serve: real clients (slixmpp) and hostile ones against sessim serve ----
# sim/tests/serve_test.sh: the slixmpp script against serve and through
# record, the recordings replayed, garbage, a close mid-stanza, a client
# that never reads, 1,000 idle connections; servers on 127.0.0.1 only,
# stopped by pid (a few seconds).
check-serve: $(SESSIM)
	@echo "== serve ($(FLAVOUR))"
	PYTHON=$(PYTHON) sh sim/tests/serve_test.sh $(SESSIM)

# ---- out of memory: every scenario with each allocation failing ------------
# The failalloc suite of sim-tests (check-units, both flavours) sweeps six
# scenarios; check-failalloc sweeps every scenario under ASan, a line per
# scenario on stderr.
check-failalloc:
	@$(MAKE) --no-print-directory FLAVOUR=asan .build/asan/sim-tests
	@echo "== failalloc (asan, every scenario)"
	CK_RUN_SUITE=failalloc SESSIM_FAILALLOC_PATHS="$(SCENARIOS)" .build/asan/sim-tests

# ---- cli: bad command lines and bad files, exit status and messages ---------
check-cli: $(SESSIM)
	@echo "== cli ($(FLAVOUR))"
	sh sim/tests/cli_test.sh $(SESSIM)

# ---- man pages, install, (about 2 s together) -------------------
check-man: $(SESSIM) $(MAN_PAGES)
	@echo "== man pages"
	$(PYTHON) sim/tests/man_test.py $(SESSIM) $(B)/man $(SCENARIO_FORMAT) $(VERSION)

INSTALL_CHECK_SCENARIO := scenarios/lifecycle/auth-success.yaml
check-install: build
	@echo "== install (DESTDIR, pkg-config, uninstall)"
	@dir=$$(mktemp -d "$${TMPDIR:-/tmp}/sessim-install.XXXXXX") || exit 1; \
	trap 'rm -rf "$$dir"' EXIT; mkdir "$$dir/work" && \
	$(MAKE) --no-print-directory install DESTDIR="$$dir/root" PREFIX=/usr/local >/dev/null && \
	sh sim/tests/install_test.sh "$$dir/root" /usr/local $(INSTALL_CHECK_SCENARIO) "$$dir/work" && \
	$(MAKE) --no-print-directory uninstall DESTDIR="$$dir/root" PREFIX=/usr/local >/dev/null && \
	left=$$(find "$$dir/root" ! -type d) && \
	if [ -n "$$left" ]; then echo "check-install: left after uninstall: $$left" >&2; exit 1; fi

# The JUnit schema (sim/tests/junit/junit-10.xsd: the structure of the
# Jenkins xUnit plugin's junit-10.xsd, its source in the file) with xmllint.
check-junit: $(SESSIM)
	@echo "== JUnit reports against the schema"
	PYTHON=$(PYTHON) sh sim/tests/junit_test.sh $(SESSIM) sim/tests/junit/junit-10.xsd

clean:
	rm -rf .build reports/coverage reports/explore
