package main

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"ascolto/data"
)

// The operations received from other offices that break a rule of the register
// (data/validate.go): kept, never applied, listed here for the administrator.

// cmdExchangeRejected lists them; it needs the register only, not the exchange folder.
func cmdExchangeRejected(e *env, args []string) error {
	fs := flag.NewFlagSet("exchange rejected", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "")
	fs.String("folder", "", "") // accepted as by the other exchange commands; not needed
	_, s, err := e.openWith(fs, args, 0)
	if err != nil {
		return err
	}
	defer s.Close()
	rs, err := s.RejectedOps(e.ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if rs == nil {
			rs = []data.RejectedOp{}
		}
		return e.json(rs)
	}
	if len(rs) == 0 {
		e.say("cli.rejected.none")
		return nil
	}
	for _, r := range rs {
		c := r.Number
		if c == "" {
			c = r.CaseID
		}
		at := term(r.At)
		if t, err := time.Parse(time.RFC3339Nano, r.At); err == nil {
			at = e.dateTime(t)
		}
		fmt.Fprintf(e.stdout, "%s\n", e.t("cli.rejected.line", "office", term(r.Origin), "seq", strconv.FormatInt(r.Seq, 10),
			"case", term(c), "action", term(r.Action), "at", at))
		fmt.Fprintf(e.stdout, "    %s\n", e.problemText(r.Problem()))
	}
	e.say("cli.rejected.how")
	return nil
}
