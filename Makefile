# sessim: one non-recursive Makefile.
#
#   make            build libsessim-model.a and sessim (.build/release/)
#   make run        build, then replay every scenario under scenarios/ on the model
#   make check      everything below that a change must keep green
#   make lint       model purity (no I/O, clock, rand), symbol prefixes, includes
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (default 60)
#   make bench      benchmarks; prints measured ratios
#   make coverage   gcov build + reports/coverage/
#
# Objects go to .build/<flavour>/: release, asan (ASan+UBSan), cov, fuzz.
# Missing Debian packages are installed with apt-get on first use (deps).

FLAVOUR ?= release
B := .build/$(FLAVOUR)

CC ?= cc
ifeq ($(FLAVOUR),fuzz)
CC := clang
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -pedantic
BASE_CFLAGS := -std=c11 $(WARN) -g -MMD -MP
FLAVOUR_CFLAGS_release := -O2
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
LIBS_MODEL = $(shell pkg-config --libs expat 2>/dev/null || echo -lexpat)
LIBS_SIM = $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml) $(LIBS_MODEL) -lm
LIBS_CHECK = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

MODEL_SRC := $(wildcard model/*.c)
SIM_SRC := $(filter-out sim/main.c,$(wildcard sim/*.c))
MODEL_TEST_SRC := $(wildcard model/tests/*.c)
SIM_TEST_SRC := $(wildcard sim/tests/*.c)
FUZZ_TARGETS := $(basename $(notdir $(filter-out fuzz/replay.c,$(wildcard fuzz/*.c))))

MODEL_OBJ := $(MODEL_SRC:%.c=$(B)/%.o)
SIM_OBJ := $(SIM_SRC:%.c=$(B)/%.o)
LIB := $(B)/libsessim-model.a
SIMLIB := $(B)/libsessim-sim.a
SESSIM := $(B)/sessim
MODEL_TESTS := $(B)/model-tests
SIM_TESTS := $(B)/sim-tests
REPLAYS := $(FUZZ_TARGETS:%=$(B)/replay-%)

FUZZ_SECONDS ?= 60
SCENARIOS ?= scenarios

.PHONY: all build run check check-units check-scenarios check-asan check-valgrind lint deps \
        fuzz fuzz-build fuzz-replay bench coverage clean help
.DEFAULT_GOAL := all

all: deps
	@$(MAKE) --no-print-directory build

build: $(LIB) $(SESSIM)

help:
	@sed -n '3,11p' Makefile | sed 's/^# //'

# ---- dependency bootstrap (Debian 12) -------------------------------------
# Detects each tool or library and installs only what is missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
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
	$(CC) $(CFLAGS_ALL) $(SIM_DEFS) -Imodel -Isim -c $< -o $@

$(B)/fuzz/%.o: fuzz/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SIM_DEFS) -Imodel -Isim -c $< -o $@

$(LIB): $(MODEL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SIMLIB): $(SIM_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SESSIM): $(B)/sim/main.o $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

$(MODEL_TESTS): $(MODEL_TEST_SRC:%.c=$(B)/%.o) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_CHECK) $(LIBS_MODEL)

$(SIM_TESTS): $(SIM_TEST_SRC:%.c=$(B)/%.o) $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_CHECK) $(LIBS_SIM)

# A plain driver replays each fuzz target's corpus and regressions with the
# ordinary compiler.
$(B)/replay-%: $(B)/fuzz/%.o $(B)/fuzz/replay.o $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

-include $(shell find .build -name '*.d' 2>/dev/null)

# ---- run and check ----------------------------------------------------------
run: all
	$(SESSIM) run $(SCENARIOS)

check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory check-units check-scenarios fuzz-replay
	@$(MAKE) --no-print-directory FLAVOUR=asan check-units check-scenarios fuzz-replay
	@$(MAKE) --no-print-directory check-valgrind
	@echo "check: all passed"

check-units: $(MODEL_TESTS) $(SIM_TESTS)
	@echo "== unit tests ($(FLAVOUR))"
	$(MODEL_TESTS)
	$(SIM_TESTS)

check-scenarios: $(SESSIM)
	@echo "== scenarios ($(FLAVOUR))"
	$(SESSIM) run $(SCENARIOS)

fuzz-replay: $(REPLAYS)
	@echo "== fuzz corpus replay ($(FLAVOUR))"
	@for t in $(FUZZ_TARGETS); do \
	  $(B)/replay-$$t fuzz/corpus/$$t $$(ls -d fuzz/regressions/$$t 2>/dev/null) || exit 1; \
	done

VALGRIND := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect
check-valgrind: build $(MODEL_TESTS) $(SIM_TESTS)
	@echo "== valgrind"
	CK_FORK=no $(VALGRIND) $(MODEL_TESTS) >/dev/null
	CK_FORK=no $(VALGRIND) $(SIM_TESTS) >/dev/null
	$(VALGRIND) $(SESSIM) run $(SCENARIOS) >/dev/null

# ---- lint: model purity and naming -----------------------------------------
# Undefined symbols the model may use: allocation, mem*/str*, sorting,
# expat, assertions and the compiler's helpers.
LINT_ALLOWED := ^(malloc|calloc|realloc|free|mem[a-z]*|str[a-z]*|qsort|bsearch|XML_[A-Za-z]+|__assert_fail|__stack_chk_fail|abort)$$
lint: $(LIB)
	@echo "== lint"
	@nm -g --defined-only $(LIB) | awk 'NF==3{print $$3}' | sort -u > $(B)/lint-defined; \
	bad=$$(nm -u $(LIB) | awk 'NF==2{print $$2}' | sort -u | comm -23 - $(B)/lint-defined | grep -Ev '$(LINT_ALLOWED)'); \
	if [ -n "$$bad" ]; then echo "lint: model/ uses forbidden symbols:"; echo "$$bad"; exit 1; fi
	@bad=""; for o in $(MODEL_OBJ); do \
	  m=$$(basename $$o .o); \
	  for s in $$(nm -g --defined-only $$o | awk '{print $$3}'); do \
	    case "$$s" in $$m|$${m}_*) ;; *) bad="$$bad $$o:$$s";; esac; \
	  done; \
	done; \
	if [ -n "$$bad" ]; then echo "lint: exported symbols without their module prefix:$$bad"; exit 1; fi
	@bad=$$(grep -l '#include "\.\./sim\|#include <stdio.h>\|#include <time.h>' model/*.c model/*.h 2>/dev/null); \
	if [ -n "$$bad" ]; then echo "lint: model/ includes I/O, time or sim/ headers: $$bad"; exit 1; fi
	@echo "lint: ok"

# ---- fuzzing -----------------------------------------------------------------
fuzz: deps
	@$(MAKE) --no-print-directory FLAVOUR=fuzz fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  mkdir -p .build/fuzz/work/$$t fuzz/regressions/$$t; \
	  .build/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -dict=fuzz/xmpp.dict -artifact_prefix=.build/fuzz/work/$$t/ \
	    .build/fuzz/work/$$t fuzz/corpus/$$t 2>.build/fuzz/work/$$t.log; rc=$$?; \
	  grep -E 'stat::(number_of_executed_units|average_exec_per_sec)|cov:' .build/fuzz/work/$$t.log | tail -3; \
	  if [ $$rc -ne 0 ]; then \
	    for a in .build/fuzz/work/$$t/crash-* .build/fuzz/work/$$t/leak-* .build/fuzz/work/$$t/timeout-*; do \
	      [ -e "$$a" ] || continue; \
	      .build/fuzz/fuzz-$$t -minimize_crash=1 -runs=10000 -exact_artifact_path=fuzz/regressions/$$t/$$(basename $$a) $$a >/dev/null 2>&1 || cp $$a fuzz/regressions/$$t/; \
	      echo "fuzz: finding saved to fuzz/regressions/$$t/$$(basename $$a)"; \
	    done; \
	    tail -40 .build/fuzz/work/$$t.log; exit 1; \
	  fi; \
	done

fuzz-build: $(FUZZ_TARGETS:%=$(B)/fuzz-%)

$(B)/fuzz-%: $(B)/fuzz/%.o $(SIMLIB) $(LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS_SIM)

# ---- benchmarks ----------------------------------------------------------------
bench: all
	$(SESSIM) bench

# ---- coverage ------------------------------------------------------------------
coverage: deps
	@rm -rf .build/cov reports/coverage && mkdir -p reports/coverage
	@$(MAKE) --no-print-directory FLAVOUR=cov build $(B:release=cov)/model-tests
	@$(MAKE) --no-print-directory FLAVOUR=cov check-units check-scenarios fuzz-replay
	gcovr --root . --filter 'model/' --filter 'sim/' --exclude '.*/tests/.*' \
	  --object-directory .build/cov --branches \
	  --html-details reports/coverage/index.html --lcov reports/coverage/lcov.info \
	  --print-summary >/dev/null
	@gcovr --root . --filter 'model/' --filter 'sim/' --exclude '.*/tests/.*' \
	  --object-directory .build/cov --txt-metric branch --sort-uncovered 2>/dev/null | tail -3 || true
	@for d in model sim; do \
	  gcovr --root . --filter "$$d/" --exclude '.*/tests/.*' --object-directory .build/cov \
	    --print-summary -o /dev/null | sed "s|^|$$d/ |"; \
	done
	@echo "coverage: reports/coverage/index.html"

clean:
	rm -rf .build reports/coverage reports/explore
