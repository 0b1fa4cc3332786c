# Ascolto — build, run and test on a Debian or Ubuntu workstation.
#
#   make run     start the desktop app (a demo register is made where none exists)
#   make test    every test: format, vet, race detector on the register, the window
#   make bench   the register's benchmarks on a demo register of 1,000,000 cases
#
# The targets install what they need: Debian packages through apt-get (with sudo when
# not root) and, where the machine has no Go 1.26, the Go toolchain from the Go module
# proxy (golang.org/toolchain), kept in ~/.cache/ascolto-go.

GO_VERSION := 1.26.8
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ARCH := $(shell uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
comma := ,
GOPROXY_URL := $(or $(filter http%,$(firstword $(subst $(comma), ,$(shell go env GOPROXY 2>/dev/null)))),https://proxy.golang.org)
TOOLCHAIN := $(HOME)/.cache/ascolto-go/go$(GO_VERSION)
# The go command: the machine's if it is recent enough, else the one fetched below.
GO := $(shell if command -v go >/dev/null 2>&1 && go version | grep -Eq 'go1\.(2[6-9]|[3-9][0-9])'; then command -v go; else echo $(TOOLCHAIN)/bin/go; fi)

# Version and build from FyneApp.toml, stamped into both programs.
VERSION := $(shell sed -n 's/^Version *= *"\(.*\)"/\1/p' FyneApp.toml)
BUILD := $(shell sed -n 's/^Build *= *\([0-9]*\)/\1/p' FyneApp.toml)
LDFLAGS := -X ascolto/cmd/internal/buildinfo.Version=$(VERSION) -X ascolto/cmd/internal/buildinfo.Build=$(BUILD)
WINRES := github.com/tc-hib/go-winres@v0.3.3
MINGW := x86_64-w64-mingw32-gcc

RUN_PACKAGES := gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev libxkbcommon-dev
TEST_PACKAGES := $(RUN_PACKAGES) xvfb xauth xdotool tesseract-ocr tesseract-ocr-ita tesseract-ocr-deu poppler-utils qpdf imagemagick sqlite3 openssl gnome-keyring dbus dovecot-imapd dovecot-lmtpd postfix softhsm2 opensc syncthing colord

.PHONY: run test fuzz bench bench-stats bench-letters bench-window deps-run deps-test deps-windows toolchain build check fmt vet clean windows windows-check windows-run install deb deb-check

run: deps-run toolchain
	$(GO) run ./cmd/ascolto $(ARGS)

build: deps-run toolchain
	mkdir -p bin
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/ascolto ./cmd/ascolto
	# with cgo: signing on a smart card loads its PKCS#11 module (a C library)
	CGO_ENABLED=1 $(GO) build -ldflags "$(LDFLAGS)" -o bin/ascoltoctl ./cmd/ascoltoctl

# One workstation: the programs in PREFIX/bin, the desktop entry and the icon, so the
# app appears in the menu. PREFIX=/usr/local by default (root); ~/.local for one user.
PREFIX ?= $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/.local)
install: build
	install -D -m 0755 bin/ascolto $(DESTDIR)$(PREFIX)/bin/ascolto
	install -D -m 0755 bin/ascoltoctl $(DESTDIR)$(PREFIX)/bin/ascoltoctl
	install -D -m 0644 assets/icon.png $(DESTDIR)$(PREFIX)/share/icons/hicolor/512x512/apps/it.bz.provincia.ascolto.png
	install -D -m 0644 assets/ascolto.desktop $(DESTDIR)$(PREFIX)/share/applications/it.bz.provincia.ascolto.desktop
	sed -i 's|^Exec=.*|Exec=$(PREFIX)/bin/ascolto|' $(DESTDIR)$(PREFIX)/share/applications/it.bz.provincia.ascolto.desktop

# The Debian package for the workstations: both programs in /usr/bin, the menu entry
# and the icon, and the libraries the window needs as dependencies (libGL and libX11
# are linked; GLFW loads the X extensions when it starts). Version from FyneApp.toml.
# The control file is assets/deb/control; DEB_MAINTAINER names who answers for it.
DEB := dist/ascolto_$(VERSION)_$(ARCH).deb
DEBROOT := dist/deb/ascolto_$(VERSION)_$(ARCH)
DEB_MAINTAINER ?= Provincia autonoma di Bolzano - Alto Adige <ascolto@localhost>
deb: build
	rm -rf $(DEBROOT) && mkdir -p $(DEBROOT)/DEBIAN
	install -D -m 0755 bin/ascolto $(DEBROOT)/usr/bin/ascolto
	install -D -m 0755 bin/ascoltoctl $(DEBROOT)/usr/bin/ascoltoctl
	install -D -m 0644 assets/ascolto.desktop $(DEBROOT)/usr/share/applications/it.bz.provincia.ascolto.desktop
	install -D -m 0644 assets/icon.png $(DEBROOT)/usr/share/icons/hicolor/512x512/apps/it.bz.provincia.ascolto.png
	install -D -m 0644 assets/deb/copyright $(DEBROOT)/usr/share/doc/ascolto/copyright
	chmod -R u=rwX,go=rX $(DEBROOT)
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@ARCH@|$(ARCH)|' -e 's|@MAINTAINER@|$(DEB_MAINTAINER)|' \
		-e "s|@SIZE@|$$(du -sk --apparent-size --exclude=DEBIAN $(DEBROOT) | cut -f1)|" assets/deb/control > $(DEBROOT)/DEBIAN/control
	dpkg-deb --root-owner-group -Zxz --build $(DEBROOT) $(DEB)
	rm -rf dist/deb
	@ls -l $(DEB)

# The package's fields and files, and ascoltoctl run from an unpacked copy.
deb-check:
	assets/deb/check $(DEB) $(VERSION)

# The Windows build: cross-compiled with mingw-w64 (GUI subsystem, icon and version
# resource from FyneApp.toml), zipped with ascoltoctl.exe and a README in Italian and
# German: a portable program an admin unpacks anywhere.
WINDIST := dist/Ascolto-$(VERSION)-windows-amd64
windows: deps-windows toolchain
	rm -rf $(WINDIST) && mkdir -p $(WINDIST)
	cd cmd/ascolto && $(GO) run $(WINRES) simply --arch amd64 --icon ../../assets/icon.png --manifest gui \
		--product-name Ascolto --product-version $(VERSION) --file-version $(VERSION).$(BUILD) \
		--file-description "Ascolto" --original-filename Ascolto.exe --copyright "Provincia autonoma di Bolzano - Alto Adige"
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW) $(GO) build -trimpath -ldflags "-H windowsgui $(LDFLAGS)" -o $(WINDIST)/Ascolto.exe ./cmd/ascolto; \
		status=$$?; rm -f cmd/ascolto/rsrc_windows_*.syso; exit $$status
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW) $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(WINDIST)/ascoltoctl.exe ./cmd/ascoltoctl
	cp docs/windows/LEGGIMI.txt docs/windows/LIESMICH.txt $(WINDIST)/
	cd dist && rm -f $(notdir $(WINDIST)).zip && zip -qr $(notdir $(WINDIST)).zip $(notdir $(WINDIST))
	@ls -l $(WINDIST).zip

# Windows-only code must not rot: vet every package and compile every package's tests
# for Windows.
windows-check: deps-windows toolchain
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW) $(GO) vet ./...
	for p in $$($(GO) list ./...); do \
		CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW) $(GO) test -c -o /dev/null $$p || exit 1; \
	done

# The Windows zip run as an admin and a clerk would: ascoltoctl.exe, an upgrade of the
# first release's register, the window drawn (under Wine; .ci/windows-run says how).
windows-run: windows
	.ci/windows-run $(WINDIST).zip

# Seeds of the exchange simulation in `make test` (about 0.3 s each on 2 quiet cores,
# up to 5 s on a loaded machine); no new seed starts after SIM_BUDGET, so the stage ends
# in time on any machine and says how many seeds it ran.
SIM_SEEDS ?= 300
SIM_BUDGET ?= 12m
# Every parser of outside input is fuzzed: FUZZ_TIME each in `make test`, longer in
# `make fuzz` (FUZZ_TIME=10m make fuzz: ten minutes each).
FUZZ_TIME ?= 10s
FUZZ_TARGETS := \
	./data/exchange/:FuzzParse \
	./data/exchange/:FuzzCheckSealed \
	./data/mailin/:FuzzParse \
	./data/intake/:FuzzTakeIn \
	./data/mailbox/:FuzzParseID \
	./data/benchmarking/:FuzzParse \
	./data/safefile/:FuzzName \
	./data/transfer/:FuzzImportCSV \
	./data/transfer/:FuzzImportJSON \
	./printing/signature/:FuzzLoad \
	./printing/signature/:FuzzCheck \
	./printing/signature/token/:FuzzECDSADER \
	./printing/signedfile/:FuzzInspect \
	./printing/signedfile/:FuzzTrustList
STAGE := .ci/stage

test: deps-test toolchain check
	# The office mailbox's tests talk to a real Dovecot and Postfix on 127.0.0.1 (when
	# root; started once here, before packages test in parallel).
	[ "$$(id -u)" != 0 ] || bash .ci/mailserver.sh >/dev/null
	# The register under the race detector (cgo): the store, deadlines, demo, transfer,
	# the exchange (its simulation with a few seeds: -short).
	$(STAGE) race env CGO_ENABLED=1 $(GO) test -race -count=1 -short -timeout 40m ./data/...
	# The exchange: the simulation of offices over a faulty folder on a few hundred seeds
	# (thousands: docs/exchange.md).
	$(STAGE) simulation env CGO_ENABLED=0 $(GO) test -count=1 -timeout 30m -run TestSimulation ./data/exchange/ -seeds=$(SIM_SEEDS) -sim-budget=$(SIM_BUDGET)
	# Every parser of outside input fuzzed briefly.
	$(STAGE) fuzz $(MAKE) --no-print-directory fuzz FUZZ_TIME=$(FUZZ_TIME)
	# Letters, signatures, extracts, printing (a real CUPS server with a PDF printer when root).
	[ "$$(id -u)" != 0 ] || bash .ci/cups.sh
	$(STAGE) printing env CGO_ENABLED=0 $(GO) test -count=1 -timeout 20m ./printing/...
	# Signing on a smart card: a SoftHSM2 token, the module loaded through cgo (the
	# other stages build without cgo, where the token's tests are left out).
	$(STAGE) token env CGO_ENABLED=1 $(GO) test -count=1 -timeout 20m -run Token ./printing/signature/token/... ./cmd/ascoltoctl/ ./ui/
	# Headless parts and the Fyne test driver: no GL, no cgo.
	$(STAGE) headless env CGO_ENABLED=0 $(GO) test -count=1 -timeout 30m ./translations/... ./ui/... ./cmd/ascoltoctl/... ./cmd/internal/...
	# The real window under Xvfb, with a screenshot.
	$(STAGE) window env CGO_ENABLED=1 $(GO) test -count=1 -timeout 30m ./cmd/ascolto/...

fuzz: toolchain
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZ_TIME)"; \
		CGO_ENABLED=0 $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZ_TIME) -fuzzminimizetime 20x $$pkg || exit 1; \
	done

check: toolchain
	@unformatted="$$($(dir $(GO))gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	CGO_ENABLED=1 $(GO) vet ./...

bench: deps-test toolchain
	GO=$(GO) bench/run

bench-stats: deps-test toolchain
	GO=$(GO) bench/stats

# The real window on the 1,000,000-case register: start, memory while scrolling, search
# (docs/window.md, "Measured"); needs xdotool.
bench-window: deps-test toolchain
	GO=$(GO) bench/window

bench-letters: deps-test toolchain
	GO=$(GO) bench/letters

# Debian packages, installed only when missing.
deps-run:
	@missing="$$(for p in $(RUN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi

deps-windows:
	@missing="$$(for p in gcc-mingw-w64-x86-64 zip; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi

deps-test:
	@missing="$$(for p in $(TEST_PACKAGES) curl unzip; do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done)"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi

# Go from the Go module proxy when the machine has none or an old one.
toolchain:
	@if [ ! -x "$(GO)" ]; then \
		command -v curl >/dev/null && command -v unzip >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y curl unzip; }; \
		echo "fetching Go $(GO_VERSION) from $(GOPROXY_URL)"; \
		mkdir -p $(TOOLCHAIN).tmp && \
		curl -fsSL -o $(TOOLCHAIN).zip "$(GOPROXY_URL)/golang.org/toolchain/@v/v0.0.1-go$(GO_VERSION).linux-$(ARCH).zip" && \
		unzip -q -o $(TOOLCHAIN).zip -d $(TOOLCHAIN).tmp && \
		mv "$(TOOLCHAIN).tmp/golang.org/toolchain@v0.0.1-go$(GO_VERSION).linux-$(ARCH)" $(TOOLCHAIN) && \
		chmod +x $(TOOLCHAIN)/bin/* $(TOOLCHAIN)/pkg/tool/*/* && \
		rm -rf $(TOOLCHAIN).tmp $(TOOLCHAIN).zip; \
	fi

clean:
	rm -rf bin dist bench/out
