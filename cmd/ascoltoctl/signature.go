package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"time"

	"ascolto/data"
	"ascolto/data/safefile"
	"ascolto/printing/signedfile"
)

// Exit codes of `signature check` and `signature extract` beyond the usual 0, 1 and 2,
// so that a script can tell the verdicts apart (docs/cli.md).
const (
	exitUntrusted = 3 // intact, but the signer is not on the trust list (or there is none)
	exitTampered  = 4 // the content was changed after signing, or the signature is broken
	exitNotSigned = 5 // the file carries no signature
	exitDamaged   = 6 // a signed file that cannot be read, too large or nested too deep, or a .p7s without its file
	exitExpired   = 7 // intact, but the certificate was not valid when the file was signed
)

func init() {
	register(command{"signature", "signature check FILE [--json] [--trust PATH] [--content FILE] | signature extract FILE --out FILE [--trust PATH] [--content FILE]", cmdSignature})
}

// exitError carries a verdict's exit code; its message is the problem's sentence.
type exitError struct {
	code int
	err  error
}

func (x *exitError) Error() string { return x.err.Error() }
func (x *exitError) Unwrap() error { return x.err }
func (x *exitError) ExitCode() int { return x.code }

func cmdSignature(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "check" && args[0] != "extract") {
		return &usageError{e.t("cli.signature_usage")}
	}
	fs := flag.NewFlagSet("signature", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	trustPath := fs.String("trust", "", "")
	contentPath := fs.String("content", "", "")
	out := fs.String("out", "", "")
	words, err := e.parse(fs, args[1:], 1)
	if err != nil {
		return err
	}
	if args[0] == "extract" {
		if err := e.required("out", *out); err != nil {
			return err
		}
	}
	path := words[0]
	file, err := readSigned(path)
	if err != nil {
		return err
	}
	trust, trustSource, err := e.trustList(*trustPath)
	if err != nil {
		return err
	}
	res, err := inspectFile(path, file, *contentPath, trust)
	if err != nil {
		if *asJSON && args[0] == "check" {
			_ = e.json(signatureJSON{File: filepath.Base(path), Problem: e.problemJSON(err), Exit: verdictCode(err)})
		}
		return &exitError{verdictCode(err), err}
	}
	verdict := res.Problem()
	if args[0] == "extract" {
		if !res.Intact() {
			return &exitError{exitTampered, verdict}
		}
		if err := writeAtomic(*out, res.Content); err != nil {
			return err
		}
		e.say("cli.signature_extracted", "path", *out)
	} else if *asJSON {
		if err := e.json(e.signatureReport(path, res, trustSource)); err != nil {
			return err
		}
	} else {
		e.showSignature(path, res)
	}
	if verdict != nil {
		return &exitError{verdictCode(verdict), verdict}
	}
	if args[0] == "check" && !*asJSON {
		e.say("cli.signature_ok")
	}
	return nil
}

// readSigned reads the file to check, no larger than a signed file may be.
func readSigned(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &data.Problem{Key: "err.read_file", Args: map[string]string{"path": path}, Err: err}
	}
	if fi.Size() > signedfile.MaxFile {
		return nil, &exitError{exitDamaged, data.Problemf("case.signed_too_large", "name", filepath.Base(path))}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &data.Problem{Key: "err.read_file", Args: map[string]string{"path": path}, Err: err}
	}
	return b, nil
}

// inspectFile checks the file; a detached signature (.p7s) is checked against the file
// given with --content or, without it, the file of the same name beside it.
func inspectFile(path string, file []byte, contentPath string, trust *signedfile.TrustList) (*signedfile.Result, error) {
	name := filepath.Base(path)
	now := time.Now()
	if contentPath == "" && strings.HasSuffix(strings.ToLower(name), ".p7s") {
		beside := path[:len(path)-4]
		if _, err := os.Stat(beside); err == nil {
			contentPath = beside
		}
	}
	if contentPath == "" {
		return signedfile.Inspect(name, file, trust, now)
	}
	content, err := readSigned(contentPath)
	if err != nil {
		return nil, err
	}
	return signedfile.InspectDetached(name, file, content, trust, now)
}

// trustList loads the trust list named by --trust or, without it, the one the office
// set (letter settings, trust_list) when the register can be read; none is no error:
// the signatures are then checked but no signer is trusted.
func (e *env) trustList(path string) (*signedfile.TrustList, string, error) {
	if path == "" {
		if _, err := os.Stat(e.db); err != nil {
			return nil, "", nil
		}
		s, err := e.open()
		if err != nil {
			return nil, "", nil // a register that cannot be read leaves the check without a list
		}
		st, err := s.LetterSettings(e.ctx)
		s.Close()
		if err != nil || st.TrustList == "" {
			return nil, "", nil
		}
		path = st.TrustList
	}
	tl, err := signedfile.LoadTrust(path)
	if err != nil {
		return nil, "", err
	}
	return tl, path, nil
}

// verdictCode is the exit code for a verdict.
func verdictCode(err error) int {
	p, _ := data.AsProblem(err)
	if p == nil {
		return 1
	}
	switch p.Key {
	case "case.signed_tampered", "letter.sig_key_type":
		return exitTampered
	case "case.signed_expired":
		return exitExpired
	case "case.signed_unknown", "case.signed_no_trust":
		return exitUntrusted
	case "case.signed_none":
		return exitNotSigned
	case "case.signed_damaged", "case.signed_too_large", "case.signed_too_deep", "case.signed_detached":
		return exitDamaged
	}
	return 1
}

// writeAtomic writes content to path through a temporary file in the same folder, so
// that the path holds either nothing new or the whole document.
func writeAtomic(path string, content []byte) error {
	fail := func(err error) error {
		return &data.Problem{Key: "cli.signature_write_failed", Args: map[string]string{"path": path}, Err: err}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fail(err)
	}
	defer os.Remove(tmp.Name()) // after the rename there is nothing left to remove
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fail(err)
	}
	_ = safefile.Mark(path) // it came from outside: Windows warns before running it
	return nil
}

// showSignature prints the check for a person.
func (e *env) showSignature(path string, res *signedfile.Result) {
	kind := e.t("cli.signature_kind_p7m")
	switch res.Kind {
	case signedfile.KindDetached:
		kind = e.t("cli.signature_kind_p7s")
	case signedfile.KindPDF:
		kind = e.t("cli.signature_kind_pdf")
	}
	e.say("cli.signature_file", "name", filepath.Base(path), "kind", kind)
	if res.Envelopes > 1 {
		e.say("cli.signature_envelopes", "n", e.num(res.Envelopes))
	}
	for _, s := range res.Signers {
		name := s.Name
		if s.Certificate == nil {
			name = "?"
		}
		e.say("cli.signature_signer", "name", name)
		if s.FiscalCode != "" {
			e.say("cli.signature_cf", "cf", s.FiscalCode)
		}
		if s.Issuer != "" {
			e.say("cli.signature_issuer", "issuer", s.Issuer)
		}
		if !s.SigningTime.IsZero() {
			e.say("cli.signature_time", "when", e.dateTime(s.SigningTime))
		} else {
			e.say("cli.signature_no_time")
		}
		if s.Intact {
			e.say("cli.signature_intact")
		} else {
			e.say("cli.signature_not_intact")
		}
		if c := s.Certificate; c != nil {
			from, until := e.date(c.NotBefore.UTC().Format("2006-01-02")), e.date(c.NotAfter.UTC().Format("2006-01-02"))
			if s.ValidAtSigning {
				e.say("cli.signature_valid", "from", from, "until", until)
			} else {
				e.say("cli.signature_not_valid", "from", from, "until", until)
			}
		}
		switch {
		case !res.TrustList:
			e.say("cli.signature_no_trust")
		case s.Trusted:
			e.say("cli.signature_trusted")
		default:
			e.say("cli.signature_not_trusted")
		}
	}
	e.say("cli.signature_content", "name", res.ContentName, "size", e.num(len(res.Content)))
}

type signatureJSON struct {
	File        string          `json:"file"`
	Kind        string          `json:"kind,omitempty"`
	Envelopes   int             `json:"envelopes,omitempty"`
	Signers     []signerJSON    `json:"signers,omitempty"`
	ContentName string          `json:"content_name,omitempty"`
	ContentSize int             `json:"content_size,omitempty"`
	Intact      bool            `json:"intact"`
	Trusted     bool            `json:"trusted"`
	TrustList   string          `json:"trust_list,omitempty"`
	Problem     *problemJSONOut `json:"problem"`
	Exit        int             `json:"exit"`
}

type signerJSON struct {
	Name           string     `json:"name"`
	FiscalCode     string     `json:"fiscal_code,omitempty"`
	SerialNumber   string     `json:"serial_number,omitempty"`
	Issuer         string     `json:"issuer"`
	SigningTime    *time.Time `json:"signing_time"`
	Envelope       int        `json:"envelope"`
	Intact         bool       `json:"intact"`
	ValidAtSigning bool       `json:"valid_at_signing"`
	Trusted        bool       `json:"trusted"`
	NotBefore      *time.Time `json:"not_before,omitempty"`
	NotAfter       *time.Time `json:"not_after,omitempty"`
}

type problemJSONOut struct {
	Key     string `json:"key"`
	Message string `json:"message"`
}

func (e *env) problemJSON(err error) *problemJSONOut {
	if err == nil {
		return nil
	}
	p := &problemJSONOut{Message: e.problemText(err)}
	if dp, ok := data.AsProblem(err); ok {
		p.Key = dp.Key
	}
	return p
}

func (e *env) signatureReport(path string, res *signedfile.Result, trustSource string) signatureJSON {
	out := signatureJSON{File: filepath.Base(path), Kind: res.Kind, Envelopes: res.Envelopes, ContentName: res.ContentName,
		ContentSize: len(res.Content), Intact: res.Intact(), Trusted: res.Trusted(), TrustList: trustSource}
	for _, s := range res.Signers {
		j := signerJSON{Name: s.Name, FiscalCode: s.FiscalCode, SerialNumber: s.SerialAttr, Issuer: s.Issuer, Envelope: s.Envelope,
			Intact: s.Intact, ValidAtSigning: s.ValidAtSigning, Trusted: s.Trusted}
		if !s.SigningTime.IsZero() {
			t := s.SigningTime.UTC()
			j.SigningTime = &t
		}
		if c := s.Certificate; c != nil {
			nb, na := c.NotBefore.UTC(), c.NotAfter.UTC()
			j.NotBefore, j.NotAfter = &nb, &na
		}
		out.Signers = append(out.Signers, j)
	}
	if p := res.Problem(); p != nil {
		out.Problem = e.problemJSON(p)
		out.Exit = verdictCode(p)
	}
	return out
}
