# gebieden: the two commands.
#   make run    installs what is missing, builds (Release) and starts the service
#   make test   installs what is missing, builds and runs every test (CTest)
# Further targets: make test-asan (the tests under ASan+UBSan), make bench, make check, make format,
# make fuzz-smoke (the fuzz targets a few seconds each; part of make test) and make fuzz (each
# target FUZZ_SECONDS, default 600): docs/fuzzing.md.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 3
CONFIG     ?= data/leeuwarden.json
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian 12 packages: build tools, GDAL, GEOS, PROJ, OpenSSL, zlib, nlohmann/json, CLI11, and for the
# tests Catch2, cpp-httplib and GDAL's command line tools (ogrinfo is a test client),
# PostgreSQL + PostGIS (the store tests on PostGIS: a cluster the tests start themselves,
# tests/pg/cluster.sh), nginx and wrk (the reverse-proxy tests and the benchmarks), openssl
# and systemd (test_ops: a self-signed certificate for nginx, systemd-analyze verify on the unit),
# clang and its runtimes (libFuzzer, ASan, UBSan) for the fuzz build (tests/fuzz),
# chromium for the browser tests (tests/browser: playwright-core drives it, docs/map-app.md).
# cairo, pango and DejaVu for the printed documents (print/, docs/printing.md), poppler-utils
# (pdfinfo, pdftotext) for their tests.
# FreeType and the Noto Sans and DejaVu fonts for the MapLibre label glyphs (docs/styles.md);
# QGIS (python3-qgis, qgis-providers: its OAPIF provider) for test_qgis_style, installed without
# its recommendations (DEBS_NO_RECOMMENDS: 160 packages instead of a desktop).
DEBS := cmake g++ make pkg-config libgdal-dev gdal-bin libgeos-dev libproj-dev proj-data \
        libssl-dev zlib1g-dev nlohmann-json3-dev libcli11-dev catch2 \
        libcpp-httplib-dev libsqlite3-dev curl \
        libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils \
        postgresql-15 postgresql-15-postgis-3 postgresql-client-15 nginx-light wrk \
        openssl systemd clang libclang-rt-14-dev \
        chromium libfreetype-dev fonts-noto-core
DEBS_NO_RECOMMENDS := python3-qgis qgis-providers

.PHONY: all deps build run test test-asan bench check format clean fuzz-build fuzz-smoke fuzz

all: build

deps:
	@missing=""; for p in $(DEBS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@missing=""; for p in $(DEBS_NO_RECOMMENDS); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages (without recommendations):$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@# npm installs Leaflet for the HTML pages at build time (any Node.js with npm will do).
	@command -v npm >/dev/null 2>&1 || { echo "installing Debian packages: nodejs npm"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm; }

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j$(JOBS)

run: build
	$(BUILD)/app/gebieden serve --config $(CONFIG)

check: build
	$(BUILD)/app/gebieden check --config $(CONFIG)

test: build
	cd $(BUILD) && ctest --output-on-failure -j2
	$(MAKE) fuzz-smoke

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DGEBIEDEN_SANITIZE=ON -DGEBIEDEN_BUILD_BENCH=OFF \
	  -DGEBIEDEN_BROWSER_TESTS=OFF
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2

# The fuzz build: clang, every library instrumented (libFuzzer, ASan, UBSan), no tests or
# benchmarks, in a build directory of its own (the default build stays g++).
fuzz-build: deps
	CC=clang-14 CXX=clang++-14 cmake -S . -B $(BUILD_FUZZ) -DGEBIEDEN_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEBIEDEN_BUILD_TESTS=OFF -DGEBIEDEN_BUILD_BENCH=OFF
	cmake --build $(BUILD_FUZZ) -j$(JOBS) --target fuzz_targets

fuzz-smoke: fuzz-build
	tests/fuzz/smoke.sh $(BUILD_FUZZ) $(FUZZ_SMOKE_SECONDS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

bench: build
	$(BUILD)/bench/bench_locate
	bash bench/bench_ogc.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
