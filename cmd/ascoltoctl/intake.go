package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"ascolto/data"
	"ascolto/data/intake"
)

// The intake of e-mails saved as .eml files: the same code path as the window's.
func init() {
	register(command{"intake", "intake --eml FILE [--kind KIND] [--office CODE] [--language it|de] [--received TIME] [--json]", cmdIntake})
}

func cmdIntake(e *env, args []string) error {
	fs := flag.NewFlagSet("intake", flag.ContinueOnError)
	eml := fs.String("eml", "", "")
	kind := fs.String("kind", "", "")
	office := fs.String("office", "", "")
	lang := fs.String("language", "", "")
	received := fs.String("received", "", "")
	asJSON := fs.Bool("json", false, "")
	if _, err := e.parse(fs, args, 0); err != nil {
		return err
	}
	if err := e.required("eml", *eml); err != nil {
		return err
	}
	at, err := optTime(*received)
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(*eml)
	if err != nil {
		return &data.Problem{Key: "err.read_file", Args: map[string]string{"path": *eml}, Err: err}
	}
	s, err := e.open()
	if err != nil {
		return err
	}
	defer s.Close()
	name := filepath.Base(*eml)
	res, m, err := intake.TakeIn(e.ctx, s, name, raw, intake.Options{Kind: data.Kind(*kind), Office: strings.ToUpper(*office),
		Language: data.Language(*lang), Received: at, Note: e.t("intake.mail_note", "name", name)})
	if err != nil {
		return err
	}
	// The time of receipt is a guess only for a new case whose time nobody gave.
	guessed := !res.Duplicate && at.IsZero() && m.DateNote() != nil
	if guessed {
		fmt.Fprintln(e.stderr, e.problemText(m.DateNote()))
	}
	c := res.Case
	if *asJSON {
		return e.json(intakeJSON{c, res.Duplicate, guessed})
	}
	if res.Duplicate {
		e.say("cli.intake.duplicate", "number", c.Number, "due", e.date(c.DueDate))
	} else {
		e.say("intake.saved", "number", c.Number, "due", e.date(c.DueDate))
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	citizen := c.Citizen.Name
	if c.Citizen.Email != "" {
		citizen = strings.TrimSpace(citizen + " <" + c.Citizen.Email + ">")
	}
	fmt.Fprintf(tw, "%s:\t%s\n", e.t("field.citizen"), citizen)
	fmt.Fprintf(tw, "%s:\t%s\n", e.t("field.subject"), c.Subject)
	return tw.Flush()
}

// intakeJSON is the case as `show --json` prints it, with whether it was there already
// and whether its time of receipt is the time of intake, to be confirmed.
type intakeJSON struct {
	c                  *data.Case
	duplicate, guessed bool
}

func (j intakeJSON) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(j.c)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	m["duplicate"], _ = json.Marshal(j.duplicate)
	m["received_guessed"], _ = json.Marshal(j.guessed)
	return json.Marshal(m)
}
