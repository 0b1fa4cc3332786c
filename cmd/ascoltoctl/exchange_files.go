package main

import (
	"fmt"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"ascolto/data/exchange"
)

// printFilesStatus adds the files of cases to `exchange status`: what this office keeps
// in the folder against its budget, its files waiting for room, and the files of other
// offices that have not come in time (for the administrator to look after).
func (e *env) printFilesStatus(fs exchange.FilesStatus) {
	budget := e.t("cli.exchange.files_no_limit")
	if fs.Budget > 0 {
		budget = e.mib(fs.Budget)
	}
	fmt.Fprintln(e.stdout)
	e.say("cli.exchange.files_published", "size", e.mib(fs.Published), "budget", budget)
	if len(fs.Waiting) > 0 {
		e.say("cli.exchange.files_waiting", "count", e.num(len(fs.Waiting)))
	}
	if fs.Arriving > 0 {
		e.say("cli.exchange.files_arriving", "count", e.num(fs.Arriving))
	}
	if len(fs.Late) > 0 {
		e.say("cli.exchange.files_late", "count", e.num(len(fs.Late)))
		for _, f := range fs.Late {
			fmt.Fprintf(e.stdout, "  %s  %s (%s, %s)\n    %s\n", f.CaseNumber, term(f.Name), e.mib(f.Size), f.Origin,
				e.t("cli.exchange.files_late_why", "passes", e.num(f.Passes), "since", e.when(f.FirstTry), "reason", e.fileReason(f.Reason), "sha256", f.SHA256))
		}
	}
}

// mib writes a size in MB with one decimal (bytes below 1 MB: "0.1 MB" at least).
func (e *env) mib(n int64) string {
	v := float64(n) / (1 << 20)
	if n > 0 && v < 0.1 {
		v = 0.1
	}
	return e.t("cli.exchange.files_mb", "size", message.NewPrinter(language.Make(e.lang)).Sprintf("%.1f", v))
}

// fileReason says why a file has not come (data.CaseFile.Reason).
func (e *env) fileReason(r string) string {
	switch r {
	case "size":
		return e.t("cli.exchange.files_reason_size")
	case "hash":
		return e.t("cli.exchange.files_reason_hash")
	case "unreadable":
		return e.t("cli.exchange.files_reason_unreadable")
	}
	return e.t("cli.exchange.files_reason_missing")
}
