package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"ascolto/data"
	"ascolto/printing/history"
)

// say prints a sentence; its values (numbers, names, paths) go through term.
func (e *env) say(key string, kv ...string) {
	safe := make([]string, len(kv))
	for i, v := range kv {
		if i%2 == 1 {
			v = term(v)
		}
		safe[i] = v
	}
	fmt.Fprintln(e.stdout, e.t(key, safe...))
}

// json prints v as JSON: encoding/json escapes the C0 controls, U+2028 and U+2029, and
// jsonSafe what it leaves (term.go).
func (e *env) json(v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := e.stdout.Write(jsonSafe(b.Bytes()))
	return err
}

// num formats a count the way the reader's language writes it (1.234 in Italian and
// German, 1,234 in English).
func (e *env) num(n int) string {
	return message.NewPrinter(language.Make(e.lang)).Sprintf("%d", n)
}

// dateLayouts are the short dates offices write in each language.
var dateLayouts = map[string]string{"it": "02/01/2006", "de": "02.01.2006", "en": "2006-01-02"}

func (e *env) date(d string) string {
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return d
	}
	return t.Format(dateLayouts[e.lang])
}

func (e *env) dateTime(t time.Time) string {
	return t.In(data.Rome).Format(dateLayouts[e.lang] + " 15:04")
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// mark says in words, not colour alone, that a case is late.
func (e *env) mark(c *data.Case) string {
	if c.Overdue {
		return "⚠ " + e.t("cli.overdue")
	}
	return ""
}

func (e *env) showList(cases []*data.Case, total int) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{e.t("field.number"), e.t("field.received"), e.t("field.kind"),
		e.t("field.status"), e.t("field.due_date"), e.t("field.citizen"), e.t("field.subject"), ""}, "\t"))
	for _, c := range cases {
		fmt.Fprintln(tw, strings.Join([]string{c.Number, e.date(c.ReceivedAt.In(data.Rome).Format("2006-01-02")),
			e.t("kind." + string(c.Kind)), e.t("status." + string(c.Status)), e.date(c.DueDate),
			cut(term(c.Citizen.Name), 24), cut(term(c.Subject), 48), e.mark(c)}, "\t"))
	}
	tw.Flush()
	e.say("cli.shown", "shown", e.num(len(cases)), "total", e.num(total))
}

func (e *env) showCase(c *data.Case) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	row := func(key, val string) {
		if val != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", e.t(key), term(val))
		}
	}
	// Text of several lines keeps its lines, each under the one before.
	text := func(key, val string) {
		if val != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", e.t(key), strings.Join(termLines(val), "\n\t"))
		}
	}
	row("field.number", c.Number)
	row("field.office", c.Office)
	row("field.kind", e.t("kind."+string(c.Kind)))
	row("field.channel", e.t("channel."+string(c.Channel)))
	row("field.status", strings.TrimSpace(e.t("status."+string(c.Status))+" "+e.mark(c)))
	row("field.received", e.dateTime(c.ReceivedAt))
	row("field.due_date", e.date(c.DueDate))
	if c.WaitedDays > 0 {
		row("field.waited", e.t("cli.working_days", "days", fmt.Sprint(c.WaitedDays)))
	}
	row("field.subject", c.Subject)
	text("field.description", c.Description)
	row("field.category", c.Category)
	row("field.service", c.Service)
	row("field.assignee", c.Assignee)
	row("field.citizen", c.Citizen.Name)
	row("field.email", c.Citizen.Email)
	row("field.phone", c.Citizen.Phone)
	text("field.address", c.Citizen.Address)
	if c.Citizen.Language != "" {
		row("field.language", e.t("language."+string(c.Citizen.Language)))
	}
	if c.Reply.At != nil {
		row("field.reply_at", e.dateTime(*c.Reply.At))
		text("field.reply", c.Reply.Text)
	}
	if c.ClosedAt != nil {
		row("field.closed_at", e.dateTime(*c.ClosedAt))
	}
	if c.Satisfaction > 0 {
		row("field.satisfaction", fmt.Sprintf("%d/5", c.Satisfaction))
	}
	tw.Flush()
}

// showHistory prints a case's history as the window tells it: each entry's time, clerk
// and action, then its changes and note, in the interface language.
func (e *env) showHistory(h []data.AuditEntry, offices []data.Office) {
	for _, a := range h {
		l := history.Describe(a, e.lang, offices)
		fmt.Fprintf(e.stdout, "%s  %s  %s\n", l.When, term(l.Who), term(l.What))
		for _, d := range l.Details {
			fmt.Fprintf(e.stdout, "    %s\n", strings.Join(termLines(d), "\n    "))
		}
		if l.Note != "" {
			fmt.Fprintf(e.stdout, "    %s\n", strings.Join(termLines(e.t("case.history.note", "note", l.Note)), "\n    "))
		}
	}
}
