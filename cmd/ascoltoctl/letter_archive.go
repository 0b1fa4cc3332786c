package main

import (
	"flag"
	"os"
	"strconv"

	"ascolto/data"
	"ascolto/printing/letter"
	"ascolto/printing/signature"
)

// archiveFlags are --tsa, --tsa-user, --tsa-pass-env and --pdfa of letter and letter
// batch: the time-stamping authority and the PDF/A choice for these letters, over the
// letter settings'.
type archiveFlags struct {
	tsa, user, passEnv *string
	pdfa               *optionalBool
}

// optionalBool is a boolean flag that knows whether it was given: --pdfa and
// --pdfa=false override the settings, no flag keeps them.
type optionalBool struct{ set, value bool }

func (b *optionalBool) String() string {
	if b == nil || !b.set {
		return ""
	}
	return strconv.FormatBool(b.value)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	b.set, b.value = true, v
	return nil
}

func (b *optionalBool) IsBoolFlag() bool { return true }

func addArchiveFlags(fs *flag.FlagSet) archiveFlags {
	af := archiveFlags{tsa: fs.String("tsa", "", ""), user: fs.String("tsa-user", "", ""),
		passEnv: fs.String("tsa-pass-env", "", ""), pdfa: &optionalBool{}}
	fs.Var(af.pdfa, "pdfa", "")
	return af
}

// apply puts the flags into the letters' options. The authority's password is read
// from the environment variable named, never from the command line (where other users
// of the computer can see it).
func (f archiveFlags) apply(e *env, opt *letter.Options) error {
	if *f.tsa != "" {
		opt.TSA = signature.TSA{URL: *f.tsa, Username: *f.user}
		if *f.passEnv != "" {
			pw, ok := os.LookupEnv(*f.passEnv)
			if !ok {
				return data.Problemf("letter.err_tsa_pass_env", "name", *f.passEnv)
			}
			opt.TSA.Password = pw
		}
	} else if *f.user != "" || *f.passEnv != "" {
		return &usageError{e.t("cli.missing_flag", "flag", "--tsa")}
	}
	if f.pdfa.set {
		v := f.pdfa.value
		opt.PDFA = &v
	}
	return nil
}
