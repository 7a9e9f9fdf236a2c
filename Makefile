# The two commands of the README, and what they need.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build demo test bench fuzz format clean

all: build

deps:
	@scripts/install_deps.sh

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -Wno-dev >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	@$(BUILD_DIR)/kenyon moth run

test: build
	@KENYON_REQUIRE_DATA=1 ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

bench: build
	@$(BUILD_DIR)/kenyon bench moth

# libFuzzer targets (clang, ASan + UBSan) in build-fuzz, each run FUZZ_SECONDS (default 300)
# seconds; FUZZ_TARGETS picks some. See docs/fuzzing.md.
fuzz: deps
	@FUZZ_JOBS=$(JOBS) scripts/fuzz.sh

format:
	@find include src apps tests benchmarks python/src fuzz -name '*.[ch]pp' | xargs clang-format -i

clean:
	@rm -rf $(BUILD_DIR)
