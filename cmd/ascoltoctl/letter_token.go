package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	xterm "golang.org/x/term"

	"ascolto/data"
	"ascolto/printing/signature"
	"ascolto/printing/signature/token"
)

func init() {
	register(command{"token", "token list --pkcs11 MODULE [--json]   (smart cards and USB tokens for signing letters: docs/letters.md)", cmdToken})
}

// tokenFlags are --pkcs11, --token and --pin-env of letter and letter batch: the letters
// are signed on the official's smart card. The card is logged in to once, before any
// letter is made, and the session is closed when the command ends (close).
type tokenFlags struct {
	module, label, pinEnv *string
	mod                   *token.Module
	session               *token.Session
}

func addTokenFlags(fs *flag.FlagSet) *tokenFlags {
	return &tokenFlags{module: fs.String("pkcs11", "", ""), label: fs.String("token", "", ""), pinEnv: fs.String("pin-env", "", "")}
}

// chosen: any of the card's flags asks for the card (--token or --pin-env without
// --pkcs11 is refused by open, not silently ignored).
func (f *tokenFlags) chosen() bool {
	return f != nil && (*f.module != "" || *f.label != "" || *f.pinEnv != "")
}

// open logs in to the card and returns the letters' signer on it. The PIN comes from
// the variable --pin-env names, or is asked on the terminal without echo; it is not
// kept beyond the session.
func (f *tokenFlags) open(e *env, s *data.Store, p12 string) (*signature.Signer, error) {
	if p12 != "" {
		return nil, &usageError{e.t("cli.token.sign_or_card")}
	}
	if *f.module == "" {
		return nil, &usageError{e.t("cli.missing_flag", "flag", "--pkcs11")}
	}
	pin, err := f.pin(e)
	if err != nil {
		return nil, err
	}
	if f.mod, err = token.Open(*f.module); err != nil {
		return nil, err
	}
	if f.session, err = f.mod.Login(*f.label, pin); err != nil {
		f.close()
		return nil, err
	}
	signer, err := f.session.Signer(s.Now())
	if err != nil {
		f.close()
		return nil, err
	}
	return signer, nil
}

func (f *tokenFlags) pin(e *env) (string, error) {
	if *f.pinEnv != "" {
		pin, ok := os.LookupEnv(*f.pinEnv)
		if !ok {
			return "", data.Problemf("letter.token.err_pin_env", "name", *f.pinEnv)
		}
		return pin, nil
	}
	fd := int(os.Stdin.Fd())
	if !xterm.IsTerminal(fd) {
		return "", data.Problemf("letter.token.err_pin_terminal")
	}
	fmt.Fprint(e.stderr, e.t("cli.token.pin_prompt")+" ")
	b, err := xterm.ReadPassword(fd)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", data.Problemf("letter.token.err_pin_terminal")
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// close logs out of the card and unloads the module.
func (f *tokenFlags) close() {
	if f == nil {
		return
	}
	if f.session != nil {
		f.session.Close()
		f.session = nil
	}
	if f.mod != nil {
		f.mod.Close()
		f.mod = nil
	}
}

// cmdToken lists the cards the module sees, with their signing certificates.
func cmdToken(e *env, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return &usageError{e.t("cli.token.usage")}
	}
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	module := fs.String("pkcs11", "", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := e.parse(fs, args[1:], 0); err != nil {
		return err
	}
	if *module == "" {
		return &usageError{e.t("cli.missing_flag", "flag", "--pkcs11")}
	}
	m, err := token.Open(*module)
	if err != nil {
		return err
	}
	defer m.Close()
	ts, err := m.Tokens()
	if err != nil {
		return err
	}
	if *asJSON {
		return e.json(tokenJSON(ts))
	}
	if len(ts) == 0 {
		return data.Problemf("letter.token.err_no_token")
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for i, t := range ts {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s:\t%s\n", e.t("cli.token.label"), term(t.Label))
		fmt.Fprintf(tw, "%s:\t%s\n", e.t("cli.token.serial"), term(t.Serial))
		fmt.Fprintf(tw, "%s:\t%s %s\n", e.t("cli.token.manufacturer"), term(t.Manufacturer), term(t.Model))
		fmt.Fprintf(tw, "%s:\t%s\n", e.t("cli.token.pin"), e.t(pinState(t)))
		if len(t.Certificates) == 0 {
			fmt.Fprintf(tw, "%s:\t%s\n", e.t("cli.token.certificates"), e.t("cli.token.no_certificates"))
		}
		for _, c := range t.Certificates {
			use := "cli.token.use_other"
			if c.NonRepudiation() {
				use = "cli.token.use_signature"
			}
			fmt.Fprintf(tw, "%s:\t%s\n", e.t("cli.token.certificate"), e.t("cli.token.certificate_line",
				"name", term(c.Name()), "issuer", term(c.Cert.Issuer.CommonName),
				"until", c.Cert.NotAfter.In(data.Rome).Format("2006-01-02"), "use", e.t(use)))
		}
	}
	return tw.Flush()
}

// pinState is the PIN's state as the card's flags tell it.
func pinState(t token.Token) string {
	switch {
	case t.PINLocked():
		return "cli.token.pin_locked"
	case t.PINFinalTry():
		return "cli.token.pin_final"
	case t.PINCountLow():
		return "cli.token.pin_low"
	case t.PINPad():
		return "cli.token.pin_pad"
	}
	return "cli.token.pin_ok"
}

type tokenOut struct {
	Label        string    `json:"label"`
	Serial       string    `json:"serial"`
	Manufacturer string    `json:"manufacturer"`
	Model        string    `json:"model"`
	Flags        uint      `json:"flags"`
	PINCountLow  bool      `json:"pin_count_low"`
	PINFinalTry  bool      `json:"pin_final_try"`
	PINLocked    bool      `json:"pin_locked"`
	PINPad       bool      `json:"pin_pad"`
	Certificates []certOut `json:"certificates"`
}

type certOut struct {
	Name           string    `json:"name"`
	Issuer         string    `json:"issuer"`
	Serial         string    `json:"serial"`
	NotBefore      time.Time `json:"not_before"`
	NotAfter       time.Time `json:"not_after"`
	NonRepudiation bool      `json:"non_repudiation"`
	Label          string    `json:"label"`
}

func tokenJSON(ts []token.Token) []tokenOut {
	out := []tokenOut{}
	for _, t := range ts {
		o := tokenOut{Label: t.Label, Serial: t.Serial, Manufacturer: t.Manufacturer, Model: t.Model, Flags: t.Flags,
			PINCountLow: t.PINCountLow(), PINFinalTry: t.PINFinalTry(), PINLocked: t.PINLocked(), PINPad: t.PINPad(),
			Certificates: []certOut{}}
		for _, c := range t.Certificates {
			o.Certificates = append(o.Certificates, certOut{Name: c.Name(), Issuer: c.Cert.Issuer.CommonName,
				Serial: c.Cert.SerialNumber.Text(16), NotBefore: c.Cert.NotBefore, NotAfter: c.Cert.NotAfter,
				NonRepudiation: c.NonRepudiation(), Label: c.Label})
		}
		out = append(out, o)
	}
	return out
}
