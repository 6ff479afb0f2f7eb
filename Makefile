# Entry points for people and CI. `make run` and `make test` set up
# everything on a fresh Debian 12 machine (scripts/bootstrap.sh).

BUILD ?= build
ASAN_BUILD ?= build-asan
CMAKE_FLAGS ?=
NINJA ?= ninja

CONFIGURE = cmake -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
  -DLLVM_USE_LINKER=lld -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
  -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
  $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

.PHONY: all bootstrap configure build build-asan run test clean

all: build

bootstrap:
	@bash scripts/bootstrap.sh

$(BUILD)/build.ninja: | bootstrap
	$(CONFIGURE) $(CMAKE_FLAGS) -S . -B $(BUILD)

configure: $(BUILD)/build.ninja

build: bootstrap configure
	$(NINJA) -C $(BUILD)

$(ASAN_BUILD)/build.ninja: | bootstrap
	$(CONFIGURE) -DTCC_SANITIZE=ON -DTCC_BUILD_FUZZERS=ON $(CMAKE_FLAGS) -S . -B $(ASAN_BUILD)

build-asan: bootstrap $(ASAN_BUILD)/build.ninja
	$(NINJA) -C $(ASAN_BUILD) tcc-opt tcc tcc-run tcc-parse-fuzzer tcc-format-fuzzer

# Compiles the example MLP for this CPU and runs it once (seeded random
# inputs and weights: prints its logits and loss), then compiles its
# training step (AdamW) and trains it for 200 steps on a synthetic
# classification task: prints each step's loss, going down.
run: build
	$(BUILD)/bin/tcc compile examples/mlp.mlir -o $(BUILD)/mlp.tccm
	$(BUILD)/bin/tcc run $(BUILD)/mlp.tccm
	/usr/bin/python3 scripts/make_training_data.py $(BUILD)/example-data
	$(BUILD)/bin/tcc compile --train --optimizer=adamw --lr=3e-3 examples/mlp.mlir -o $(BUILD)/mlp-train.tccm
	$(BUILD)/bin/tcc run $(BUILD)/mlp-train.tccm --weights $(BUILD)/example-data/mlp-init.safetensors \
	  --data $(BUILD)/example-data/mlp-data.npz --steps 200 --batch-seed 1 \
	  --save $(BUILD)/example-data/mlp-trained.safetensors

test: build build-asan
	@bash scripts/run_tests.sh $(BUILD) $(ASAN_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
