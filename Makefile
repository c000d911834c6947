# dlprobe: `make run` and `make test` are the two commands a fresh Debian 12
# machine needs (they install missing packages first, see scripts/deps.sh).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
OPT     ?= -O2 -g
SAN     ?=

NVCC ?= $(shell command -v nvcc 2>/dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; })

WARN     = -Wall -Wextra -Wno-unused-parameter
CPPFLAGS += -Iinclude -I. -D_GNU_SOURCE
CFLAGS   += -std=c11 $(OPT) $(WARN) -fno-strict-aliasing -pthread
LDLIBS   += -lhwloc -ljansson -lOpenCL -ldl -lm -pthread

ifneq ($(SAN),)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Library sources: the data flow probe -> kernels -> estimator, plus report/ and common/.
LIB_SRC := $(wildcard common/*.c probe/*.c kernels/*.c kernels/*/*.c estimator/*.c report/*.c cluster/*.c)
CLI_SRC := $(wildcard cli/*.c)
DATA    := $(sort $(wildcard data/*.json data/*/*.json))
# OpenCL C sources travel the same way (named kernels/opencl/NAME.cl).
DATA    += $(sort $(wildcard kernels/opencl/*.cl))
# The framework probe (kernels/framework.c) runs in a child python.
DATA    += data/framework_probe.py

# Per-ISA micro-kernels are compiled with their own flags (BLIS style); the
# rest of the binary stays baseline x86-64 and dispatches by CPUID at run time.
isa_flags = $(strip \
  $(if $(filter %_avx2.c,$1),-mavx2 -mfma -mf16c) \
  $(if $(filter %_avx512.c,$1),-mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma -mavx2 -mf16c) \
  $(if $(filter %_avx512bf16.c,$1),-mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512bf16 -mfma -mavx2) \
  $(if $(filter %_amx.c,$1),-mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mamx-tile -mamx-bf16 -mamx-int8 -mfma -mavx2))

# CUDA kernels: PTX when nvcc exists, embedded as data; the build never needs it.
CU_SRC := $(wildcard kernels/cuda/*.cu)
ifneq ($(NVCC),)
ifneq ($(CU_SRC),)
PTX := $(patsubst %.cu,$(BUILD)/%.ptx,$(CU_SRC))
CPPFLAGS += -DDLP_HAVE_CUDA_PTX
endif
endif
# CUDA 13 dropped compute_70 (Volta); compute_75 is the oldest it emits.
NVCCFLAGS ?= -arch=compute_75 -ftz=true -O3 -lineinfo

LIB_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRC)) $(BUILD)/embedded.o
CLI_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRC))
LIB     := $(BUILD)/libdlprobe.a
BIN     := $(BUILD)/dlprobe

TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TEST_SUPPORT_SRC := $(wildcard tests/support/*.c)
TEST_SUPPORT_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SUPPORT_SRC))
FAKE_LIBS := $(BUILD)/tests/libcuda_fake.so $(BUILD)/tests/libcuda_nosym.so $(BUILD)/tests/libOpenCL_crash.so \
	     $(BUILD)/tests/libcublas_fake.so $(BUILD)/tests/libblas_crash.so $(BUILD)/tests/libblas_hang.so \
	     $(BUILD)/tests/libsignal_fsync.so

# Keep intermediate objects (tests/support): deleting them only forces rebuilds.
.SECONDARY:

.PHONY: all run test check check-scripts check-unit check-cli check-schema check-golden check-report check-fuzz check-cluster fuzz deps install uninstall clean bench-probe gpu-check gpu-bundle
all: $(BIN)

# Objects depend on the flags they were built with: a changed CPPFLAGS (CUDA
# kernels appearing, SAN=1) must rebuild, not reuse a stale object.
CONFIG_STAMP := $(BUILD)/config.stamp
CONFIG_TEXT := $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)
$(shell mkdir -p $(BUILD) && { echo '$(CONFIG_TEXT)' | cmp -s - $(CONFIG_STAMP) || echo '$(CONFIG_TEXT)' > $(CONFIG_STAMP); })

$(BUILD)/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(call isa_flags,$<) -MMD -MP -c $< -o $@

$(BUILD)/%.ptx: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -ptx $< -o $@
# bf16 and tf32 wmma need compute_80: *_sm80.cu files get their own PTX arch.
$(BUILD)/%_sm80.ptx: %_sm80.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(subst compute_75,compute_80,$(NVCCFLAGS)) -ptx $< -o $@
# wgmma and TMA need the arch-specific compute_90a, which JITs for 9.0 only.
$(BUILD)/%_sm90a.ptx: %_sm90a.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(subst compute_75,compute_90a,$(NVCCFLAGS)) -ptx $< -o $@
$(PTX): $(wildcard kernels/cuda/*.cuh kernels/cuda/*.h)

$(BUILD)/embedded.S: scripts/embed.sh $(DATA) $(PTX) | $(BUILD)/.dir
	scripts/embed.sh $(DATA) $(PTX) > $@.tmp && mv $@.tmp $@

$(BUILD)/embedded.o: $(BUILD)/embedded.S
	$(CC) -c $< -o $@

$(BUILD)/.dir:
	@mkdir -p $(BUILD) && touch $@

$(LIB): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

# ---- dlprobe-cluster: the MPI binary, built with mpicc against the same
# library when MPI is installed; plain dlprobe never links MPI. MPICC picks
# the implementation (make dlprobe-cluster MPICC=mpicc.mpich); its objects
# live under a folder named after it, so switching never mixes the two.
MPICC ?= mpicc
HAVE_MPICC := $(shell command -v $(MPICC) 2>/dev/null)
MPI_SRC := $(wildcard cluster/mpi/*.c cli/cluster/*.c)
MPI_DIR := $(BUILD)/mpi-$(notdir $(MPICC))
MPI_OBJ := $(patsubst %.c,$(MPI_DIR)/%.o,$(MPI_SRC))
CLUSTER_BIN := $(BUILD)/dlprobe-cluster

$(MPI_DIR)/%.o: %.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# the front end's output helpers and atomic writer, shared with dlprobe
CLUSTER_CLI_OBJ := $(BUILD)/cli/output.o $(BUILD)/cli/outfile.o
$(CLUSTER_BIN): $(MPI_OBJ) $(CLUSTER_CLI_OBJ) $(LIB) $(MPI_DIR)/.stamp
	$(MPICC) $(LDFLAGS) $(MPI_OBJ) $(CLUSTER_CLI_OBJ) $(LIB) $(LDLIBS) -o $@

# relink when MPICC names another implementation than the last link used
$(MPI_DIR)/.stamp: FORCE
	@mkdir -p $(dir $@); echo '$(MPICC)' > $(BUILD)/mpicc.tmp; \
	cmp -s $(BUILD)/mpicc.tmp $(BUILD)/mpicc.last || { cp $(BUILD)/mpicc.tmp $(BUILD)/mpicc.last; touch $@; }; \
	rm -f $(BUILD)/mpicc.tmp; [ -f $@ ] || touch $@

.PHONY: dlprobe-cluster FORCE
dlprobe-cluster: $(CLUSTER_BIN)
ifneq ($(HAVE_MPICC),)
all: $(CLUSTER_BIN)
endif

# ---- tests ---------------------------------------------------------------
$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $(LDFLAGS) $< $(TEST_SUPPORT_OBJ) $(LIB) $(LDLIBS) -lcmocka -o $@

# The golden-output helper renders what the front end prints for a fixture
# bench document: it links the front end's objects, less main().
GOLDEN_RENDER := $(BUILD)/tests/golden_render
$(GOLDEN_RENDER): tests/golden_render.c $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ)) $(LIB) $(LDLIBS) -o $@

# Fake driver libraries are plain shared objects, never sanitized: they are
# dlopen'ed (or loaded by the ICD loader) into the process under test.
$(BUILD)/tests/libcuda_fake.so: tests/fakes/fake_cuda.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared $< -o $@
$(BUILD)/tests/libcuda_nosym.so: tests/fakes/fake_cuda.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared -DFAKE_CUDA_NO_NAME $< -o $@
$(BUILD)/tests/libcublas_fake.so: tests/fakes/fake_cublas.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared $< -o $@
$(BUILD)/tests/libnccl_fake.so: tests/fakes/fake_nccl.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared $< -o $@
$(BUILD)/tests/libsignal_fsync.so: tests/fakes/fake_signal_fsync.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared $< -o $@ -ldl
$(BUILD)/tests/libblas_crash.so: tests/fakes/fake_blas.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -Wno-unused-parameter -fPIC -shared -DFAKE_BLAS_CRASH $< -o $@
$(BUILD)/tests/libblas_hang.so: tests/fakes/fake_blas.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -Wno-unused-parameter -fPIC -shared -DFAKE_BLAS_HANG $< -o $@
$(BUILD)/tests/libOpenCL_crash.so: tests/fakes/fake_icd_crash.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O1 -Wall -Wextra -fPIC -shared $< -o $@

# Leaks inside PoCL/LLVM (third-party) are suppressed, nothing of ours.
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

check-unit: $(TEST_BIN) $(FAKE_LIBS) $(BIN)
	@set -e; for t in $(TEST_BIN); do \
		echo "== $$t"; DLP_TEST_BUILD=$(BUILD) $$t; done

check-cli: $(BIN) $(FAKE_LIBS) $(GOLDEN_RENDER)
	BUILD=$(BUILD) sh tests/cli.sh
	BUILD=$(BUILD) sh tests/cli_estimate.sh
	BUILD=$(BUILD) sh tests/published_runs.sh
	BUILD=$(BUILD) sh tests/estimate_docs.sh
	BUILD=$(BUILD) sh tests/framework.sh
	BUILD=$(BUILD) sh tests/cli_front.sh
	BUILD=$(BUILD) sh tests/cli_harden.sh
	BUILD=$(BUILD) sh tests/faults.sh
	BUILD=$(BUILD) sh tests/cli_blas.sh
	BUILD=$(BUILD) sh tests/cli_review.sh

check-schema: $(BIN)
	BUILD=$(BUILD) sh tests/schema.sh

# ---- fuzzing (docs/fuzzing.md) ---------------------------------------------
# Each fuzz/fuzz_NAME.c is a libFuzzer harness. `make test` replays its
# corpus, the seeds below and every past crash (fuzz/crashes/NAME) through
# fuzz/replay.c built with $(CC), sanitized in the SAN pass; `make fuzz`
# builds the harnesses with clang and runs each FUZZ_SECONDS.
FUZZ_NAMES := $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SEEDS_model := data/models
# (the GPU device runs are seeds in fuzz/corpus/bench without their raw
# samples: 400 kB inputs would slow every execution 30-fold)
FUZZ_SEEDS_bench := $(wildcard tests/fixtures/bench_*.json)
FUZZ_SEEDS_spec :=
FUZZ_SEEDS_sysfs :=
REPLAY_BIN := $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_NAMES))

$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay.c fuzz/util.c fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $< fuzz/replay.c fuzz/util.c $(LIB) $(LDLIBS) -o $@

check-fuzz: $(REPLAY_BIN)
	@set -e; $(foreach n,$(FUZZ_NAMES),echo "== replay $(n)"; \
		$(BUILD)/fuzz/replay_$(n) fuzz/corpus/$(n) fuzz/crashes/$(n) $(FUZZ_SEEDS_$(n));)

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_LIB_SRC := $(wildcard common/*.c estimator/*.c) probe/cgroup.c probe/memory.c probe/sysfile.c
FUZZ_LIB_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(FUZZ_LIB_SRC)) $(FUZZ_BUILD)/embedded.o
FUZZ_BIN     := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_NAMES))

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) -pthread $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/embedded.o: scripts/embed.sh $(DATA)
	@mkdir -p $(dir $@)
	scripts/embed.sh $(DATA) > $(FUZZ_BUILD)/embedded.S && $(FUZZ_CC) -c $(FUZZ_BUILD)/embedded.S -o $@
$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/util.c fuzz/fuzz.h $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(CPPFLAGS) -std=c11 $(WARN) -pthread $(FUZZ_FLAGS) -fsanitize=fuzzer $< fuzz/util.c \
		$(FUZZ_LIB_OBJ) -ljansson -lm -ldl -pthread -o $@

fuzz: deps $(FUZZ_BIN)
	FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) \
		FUZZ_SEEDS_model="$(FUZZ_SEEDS_model)" FUZZ_SEEDS_bench="$(FUZZ_SEEDS_bench)" \
		sh scripts/fuzz.sh $(FUZZ_NAMES)

# GOLDEN_UPDATE=1 rewrites tests/golden/ (review the diff before committing).
check-golden: $(BIN) $(GOLDEN_RENDER)
	BUILD=$(BUILD) sh tests/golden.sh

# The plain run with the fake libcuda: minutes, so once (not under the sanitizers).
check-default: $(BIN) $(FAKE_LIBS)
	BUILD=$(BUILD) sh tests/default_fake_cuda.sh

# `dlprobe report` rendered by headless Chromium: DOM marks and a non-blank screenshot.
check-report: $(BIN) $(GOLDEN_RENDER)
	BUILD=$(BUILD) sh tests/html_report.sh

# dlprobe-cluster under mpirun (plain build only: the MPI runtimes are not
# ASan-clean, and the suite is about the protocol, not memory).
check-cluster: $(CLUSTER_BIN) $(FAKE_LIBS) $(BUILD)/tests/libnccl_fake.so
	BUILD=$(BUILD) sh tests/cluster.sh

# scripts built against the library (plain build only: no sanitizer flags)
check-scripts: $(LIB)
	BUILD=$(BUILD) sh tests/core_share_watch.sh

check: check-unit check-cli check-schema check-golden check-report check-fuzz check-default check-cluster check-scripts

deps:
	@sh scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(BIN)

# The plain suite, then the same unit and CLI tests under ASan+UBSan.
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory BUILD=build-san SAN=1 check-unit check-cli check-golden check-fuzz

bench-probe: $(BIN)
	sh scripts/bench_probe.sh $(BIN)

# On a machine with an NVIDIA GPU and nvcc (docs/gpu.md): OUT=file for the JSON.
gpu-check:
	sh scripts/gpu_check.sh $(or $(OUT),gpu-check.json)

# The binary and its non-glibc libraries, for a GPU machine without our packages.
gpu-bundle: $(BIN)
	sh scripts/gpu_bundle.sh $(BIN) build-gpu-bundle

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/dlprobe $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/dlprobe
	if [ -x $(CLUSTER_BIN) ]; then install -m 755 $(CLUSTER_BIN) $(DESTDIR)$(PREFIX)/bin/dlprobe-cluster; fi
	install -m 644 data/dlprobe.schema.json $(DESTDIR)$(PREFIX)/share/dlprobe/
	install -m 644 docs/dlprobe.1 $(DESTDIR)$(PREFIX)/share/man/man1/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dlprobe $(DESTDIR)$(PREFIX)/bin/dlprobe-cluster $(DESTDIR)$(PREFIX)/share/man/man1/dlprobe.1
	rm -rf $(DESTDIR)$(PREFIX)/share/dlprobe

# $(BUILD) too: a build made with BUILD=elsewhere is cleaned with the same BUILD.
clean:
	rm -rf build build-san build-fuzz $(BUILD) build-gpu-bundle

# The estimator against published training runs: the table in docs/validation.md
# between its "published-runs" markers (scripts/published_runs.py).
.PHONY: published-runs
published-runs: $(BIN)
	python3 scripts/published_runs.py --bin $(BIN) --markdown $(BUILD)/published_runs.md
	python3 scripts/splice_md.py docs/validation.md published-runs $(BUILD)/published_runs.md

# README's one-screen example from this build on this machine (between its
# "readme-example" markers; tests/cli_review.sh checks it against the build).
.PHONY: readme-example
readme-example: $(BIN)
	sh scripts/readme_example.sh $(BIN) $(BUILD)

# Predicted vs measured with real frameworks (minutes; installs Debian packages
# as root). Not part of `make test`; see docs/validation.md.
# make validate VALIDATE_CONFIG=onethread|avx2|generic: the same cases in a restricted configuration
VALIDATE_CONFIG ?= default
.PHONY: validate
validate: $(BIN)
	BIN=$(BIN) OUT=$(BUILD)/validation-$(VALIDATE_CONFIG).md WORK=$(BUILD)/validate-$(VALIDATE_CONFIG) VALIDATE_CONFIG=$(VALIDATE_CONFIG) sh scripts/validate.sh

-include $(shell find $(BUILD) $(if $(filter fuzz,$(MAKECMDGOALS)),$(FUZZ_BUILD)) -name '*.d' 2>/dev/null)
