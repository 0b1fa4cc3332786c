package printer

import (
	"errors"
	"strings"

	"ascolto/data"
)

// CUPS, its lp and lpstat, and the Windows print verb answer in English, in the
// system's words ("lp: The printer or class does not exist."). A clerk reads instead
// what happened and what to do, in the interface language; the system's text stays in
// the problem's Err, for the log.

// printFailures are the common failures by the words the systems use for them, in the
// order they are tried (the first that matches names the failure).
var printFailures = []struct {
	key    string // the named printer's
	keyOwn string // the system's default printer's
	words  []string
}{
	{"letter.print.not_found", "letter.print.not_found_default", []string{"printer or class does not exist", "unknown destination", "no such destination",
		"not-found", "invalid destination name", "the printer name is invalid", "invalid printer name"}},
	{"letter.print.no_default", "letter.print.no_default", []string{"no default destination", "no default printer", "no destinations added"}},
	{"letter.print.service", "letter.print.service", []string{"scheduler is not running", "scheduler not responding", "unable to connect to server",
		"connection refused", "service-unavailable", "spooler"}},
	{"letter.print.stopped", "letter.print.stopped_default", []string{"not accepting jobs", "is disabled", "disabled since", "printer-stopped", "printer is stopped",
		"paused", "rejecting jobs", "printer stopped"}},
	{"letter.print.permission", "letter.print.permission_default", []string{"forbidden", "not authorized", "not-authorized", "unauthorized", "permission denied",
		"access denied", "not allowed"}},
	{"letter.print.too_large", "letter.print.too_large_default", []string{"too large", "request-entity-too-large", "file too big", "no space left", "quota"}},
}

// printProblem turns a printing failure into what a clerk reads: one of the known
// failures with the printer's name, else a general sentence. raw is the system's text
// (lp's standard error), kept with err for the log.
func printProblem(raw, queue string, err error) *data.Problem {
	raw = strings.TrimSpace(raw)
	if raw == "" && err != nil {
		raw = err.Error()
	}
	cause := err
	if raw != "" {
		cause = errors.Join(errors.New(raw), err)
	}
	low := strings.ToLower(raw)
	key, own := "letter.print.failed", "letter.print.failed_default"
	for _, f := range printFailures {
		if containsAny(low, f.words) {
			key, own = f.key, f.keyOwn
			break
		}
	}
	if queue == "" {
		return &data.Problem{Key: own, Args: map[string]string{}, Err: cause}
	}
	return &data.Problem{Key: key, Args: map[string]string{"printer": queue}, Err: cause}
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}
