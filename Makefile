# onair: the two commands that matter are `make run` and `make test`.
# Both install what is missing first (packaging/linux/deps.sh), so each
# works alone on a fresh Debian 12 machine.

GO      ?= go
BIN     := bin/onair
# Where `make run` records; an existing file is never overwritten.
RECORD  ?= recordings/onair.mkv
# Optional: RTMP=rtmp://live.example.com/app/STREAM_KEY make run
RTMP    ?=
ARGS    ?=
# Tests that go live in real time share two cores with the compiler: run
# test binaries one package at a time, after building them all in parallel.
TESTFLAGS ?= -race -count=1 -timeout 20m

export CGO_ENABLED := 1

.PHONY: deps build run run-headless test bench lint clean

deps:
	@bash packaging/linux/deps.sh

build: deps
	$(GO) build -o $(BIN) .

# The window, live at once with the test pattern to the built-in server
# (watch it in a browser at the URL it shows). Without a display: headless.
run: build
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
	  ./$(BIN) gui --source testpattern --out local $(if $(RTMP),--out "$(RTMP)") --go-live $(ARGS); \
	else \
	  echo "make run: no display (\$$DISPLAY is empty): going live headless instead (make run-headless)"; \
	  $(MAKE) --no-print-directory run-headless; \
	fi

# Headless: the test pattern to the built-in server and a local recording.
run-headless: build
	@mkdir -p $(dir $(RECORD))
	./$(BIN) publish --out local --out record:$(RECORD) $(if $(RTMP),--out "$(RTMP)") $(ARGS)

# build first: the window's acceptance tests (ui/e2e) run the real binary,
# and a warm plain build leaves them only a link to do.
test: deps lint build
	$(GO) test $(TESTFLAGS) -run '^$$' ./... >/dev/null
	$(GO) test $(TESTFLAGS) -p 1 ./...

lint:
	$(GO) vet ./...
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

bench: deps
	$(GO) build -o bench/.bin/onair .
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./... | tee bench/.bin/go-bench.txt
	$(GO) test -run '^$$' -bench SessionLeak -benchtime 800x ./pipeline/ | tee -a bench/.bin/go-bench.txt
	ONAIR_BIN=bench/.bin/onair bash bench/publish.sh | tee bench/.bin/publish.md
	ONAIR_BIN=bench/.bin/onair bash bench/webrtc_cpu.sh | tee bench/.bin/webrtc_cpu.md
	$(GO) run ./bench/viewers -onair bench/.bin/onair | tee bench/.bin/viewers.md
	bash bench/latency.sh | tee bench/.bin/latency.md
	bash bench/filters.sh | tee bench/.bin/filters.md
	ONAIR_BIN=bench/.bin/onair bash bench/pull.sh | tee bench/.bin/pull.md
	ONAIR_BIN=bench/.bin/onair bash bench/gui.sh | tee bench/.bin/gui.md
	$(GO) test -run 'Offsets|Drift' -v ./telemetry/analyzer/ | tee bench/.bin/analyzer.txt

clean:
	rm -rf bin bench/.bin
