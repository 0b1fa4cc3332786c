module ascolto

go 1.26.0

// Why each direct dependency:
//   fyne.io/fyne/v2      the desktop window (only cmd/ascolto pulls in its GL driver)
//   google/uuid          UUID v7 case ids: time-ordered, unique across offices
//   rickar/cal/v2        business-day calendar with Italy's holidays (data/deadline adds
//                        4 October from 2026, Whit Monday for South Tyrol, closures)
//   xuri/excelize/v2     XLSX export, streamed (spreadsheets as the offices use them)
//   golang.org/x/text    number formatting, languages
//   modernc.org/sqlite   the register: pure-Go SQLite with FTS5, WAL, VACUUM INTO
//   jung-kurt/gofpdf     reply letters and reports as PDF, with embedded UTF-8 fonts
//   golang.org/x/image   the Go fonts embedded in the letters (metric, free licence)
//   digitorus/pdfsign    PAdES-style signature of the letters (verifies in pdfsig);
//   digitorus/pdf        its PDF reader, which the signer needs to open the letter
//   digitorus/pkcs7      the signer's CMS library, used directly to check every signed
//                        letter (and signed PDFs received) before it is archived
//   digitorus/timestamp  RFC 3161: the letters' time-stamp requests and answers (and the
//                        test authority's responder); already the signing library's own
//   go-pkcs12            the office's .p12 certificate, including OpenSSL 3's default
//                        encoding (x/crypto/pkcs12 refuses it)
//   fsnotify/fsnotify    file events on the exchange folder, as a hint next to polling
//   golang.org/x/sys     the Windows parts: file locks, volume types, app-data folder
//   jhillyerd/enmime/v2  reading e-mails (.eml): a MIME parser lenient with real-world mail;
//                        its builder also writes the letters sent by e-mail (data/mailbox)
//   emersion/go-imap     the office's mailbox (data/mailbox): v1.2.1, the stable client
//                        (v2 is only served as a beta); UIDPLUS, MOVE, and raw commands
//                        for the conditional STORE that lets one workstation claim a mail
//   emersion/go-smtp     sending letters through the office's submission server (465/587)
//   klauspost/compress   DEFLATE for the audit trail's compressed entries: the same stream as
//                        the standard library's, with a writer that resets cheaply
//   emersion/go-sasl     go-smtp's login (PLAIN over TLS)
//   zalando/go-keyring   the mailbox password in the system's credential store (Secret
//                        Service over godbus on Linux, wincred on Windows, Keychain on
//                        macOS), pure Go: never in the register or a file of ours
//   miekg/pkcs11         signing on the official's smart card / USB token through the
//                        card's PKCS#11 module (printing/signature/token). A module is a C
//                        library, so this needs cgo: ascoltoctl is built with cgo where a C
//                        compiler is (gcc on Linux, the mingw-w64 compiler Ascolto.exe already
//                        needs for Windows); a build without cgo still compiles and says
//                        that it cannot use smart cards. Chosen over purego (pure-Go dlopen):
//                        PKCS#11's structures are packed on Windows and its CK_ULONG is 32
//                        bits there, which miekg/pkcs11's C headers get right and a
//                        hand-written purego binding would have to redo untested.
//   golang.org/x/term    the smart card's PIN asked on the terminal without echo
require (
	fyne.io/fyne/v2 v2.7.1
	github.com/digitorus/pdf v0.1.2
	github.com/digitorus/pdfsign v0.0.0-20250819064552-5f74f69dda1d
	github.com/digitorus/pkcs7 v0.0.0-20230818184609-3a137a874352
	github.com/digitorus/timestamp v0.0.0-20231217203849-220c5c2851b7
	github.com/emersion/go-imap v1.2.1
	github.com/emersion/go-sasl v0.0.0-20241020182733-b788ff22d5a6
	github.com/emersion/go-smtp v0.26.0
	github.com/fsnotify/fsnotify v1.10.1
	github.com/google/uuid v1.6.0
	github.com/jhillyerd/enmime/v2 v2.3.0
	github.com/jung-kurt/gofpdf v1.16.2
	github.com/klauspost/compress v1.20.5
	github.com/rickar/cal/v2 v2.1.13
	github.com/xuri/excelize/v2 v2.11.1
	github.com/zalando/go-keyring v0.2.8
	golang.org/x/image v0.44.0
	golang.org/x/sys v0.49.0
	golang.org/x/text v0.44.0
	modernc.org/sqlite v1.62.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	fyne.io/systray v1.11.1-0.20250603113521-ca66a66d8b58 // indirect
	github.com/BurntSushi/toml v1.5.0 // indirect
	github.com/cention-sany/utf7 v0.0.0-20170124080048-26cad61bd60a // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/clipperhouse/displaywidth v0.10.0 // indirect
	github.com/clipperhouse/uax29/v2 v2.6.0 // indirect
	github.com/danieljoos/wincred v1.2.3 // indirect
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/fatih/color v1.18.0 // indirect
	github.com/fredbi/uri v1.1.1 // indirect
	github.com/fyne-io/gl-js v0.2.0 // indirect
	github.com/fyne-io/glfw-js v0.3.0 // indirect
	github.com/fyne-io/image v0.1.1 // indirect
	github.com/fyne-io/oksvg v0.2.0 // indirect
	github.com/go-gl/gl v0.0.0-20231021071112-07e5d0ea2e71 // indirect
	github.com/go-gl/glfw/v3.3/glfw v0.0.0-20240506104042-037f3cc74f2a // indirect
	github.com/go-text/render v0.2.0 // indirect
	github.com/go-text/typesetting v0.2.1 // indirect
	github.com/godbus/dbus/v5 v5.2.2 // indirect
	github.com/gogs/chardet v0.0.0-20211120154057-b7413eaefb8f // indirect
	github.com/hack-pad/go-indexeddb v0.3.2 // indirect
	github.com/hack-pad/safejs v0.1.0 // indirect
	github.com/inbucket/html2text v1.0.0 // indirect
	github.com/jeandeaual/go-locale v0.0.0-20250612000132-0ef82f21eade // indirect
	github.com/jsummers/gobmp v0.0.0-20230614200233-a9de23ed2e25 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/mattetti/filebuffer v1.0.1 // indirect
	github.com/mattn/go-colorable v0.1.14 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/mattn/go-runewidth v0.0.19 // indirect
	github.com/miekg/pkcs11 v1.1.2
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/nfnt/resize v0.0.0-20180221191011-83c6a9932646 // indirect
	github.com/nicksnyder/go-i18n/v2 v2.5.1 // indirect
	github.com/olekukonko/cat v0.0.0-20250911104152-50322a0618f6 // indirect
	github.com/olekukonko/errors v1.2.0 // indirect
	github.com/olekukonko/ll v0.1.6 // indirect
	github.com/olekukonko/tablewriter v1.1.3 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	github.com/richardlehane/mscfb v1.0.9 // indirect
	github.com/richardlehane/msoleps v1.0.6 // indirect
	github.com/rymdport/portal v0.4.2 // indirect
	github.com/srwiley/oksvg v0.0.0-20221011165216-be6e8873101c // indirect
	github.com/srwiley/rasterx v0.0.0-20220730225603-2ab79fcdd4ef // indirect
	github.com/ssor/bom v0.0.0-20170718123548-6386211fdfcf // indirect
	github.com/stretchr/testify v1.11.1 // indirect
	github.com/tiendc/go-deepcopy v1.7.2 // indirect
	github.com/xuri/efp v0.0.3-0.20260924042702-217b81952dec // indirect
	github.com/xuri/nfp v0.0.2-0.20250530014748-2ddeb826f9a9 // indirect
	github.com/yuin/goldmark v1.7.8 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/term v0.47.0
	gopkg.in/yaml.v3 v3.0.1 // indirect
	modernc.org/libc v1.80.1 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
)
