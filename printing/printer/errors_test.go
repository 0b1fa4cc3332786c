package printer

import (
	"errors"
	"strings"
	"testing"

	"ascolto/translations"
)

// TestPrintFailuresInWords: lp's, lpstat's and the Windows spooler's English answers
// reach the clerk as a sentence in the interface language that names the printer and
// says what to do; the system's text stays in Err, for the log.
func TestPrintFailuresInWords(t *testing.T) {
	exit := errors.New("exit status 1")
	for _, tc := range []struct {
		raw, queue, key string
	}{
		{"lp: The printer or class does not exist.\n", "Ufficio2", "letter.print.not_found"},
		{"lp: Error - The printer or class does not exist.", "", "letter.print.not_found_default"},
		{"lp: Error - No default destination.", "", "letter.print.no_default"},
		{"lp: Error - no default destination available.", "", "letter.print.no_default"},
		{"lp: Error - Scheduler not responding.", "PDF", "letter.print.service"},
		{"lp: Unable to connect to server: Connection refused", "PDF", "letter.print.service"},
		{"lp: Destination \"Ufficio2\" is not accepting jobs.", "Ufficio2", "letter.print.stopped"},
		{"printer Ufficio2 disabled since Mon 07 Dec 2026 09:12:01 CET -\n\tPaused", "", "letter.print.stopped_default"},
		{"lp: Forbidden", "Ufficio2", "letter.print.permission"},
		{"lp: Unauthorized", "Ufficio2", "letter.print.permission"},
		{"lp: Request Entity Too Large", "Ufficio2", "letter.print.too_large"},
		{"lp: Error - unable to queue from stdin - No space left on device", "", "letter.print.too_large_default"},
		{"lp: Something else entirely.", "Ufficio2", "letter.print.failed"},
		{"", "", "letter.print.failed_default"},
	} {
		p := printProblem(tc.raw, tc.queue, exit)
		if p.Key != tc.key {
			t.Errorf("%q: %s, want %s", tc.raw, p.Key, tc.key)
			continue
		}
		if !errors.Is(p.Err, exit) || tc.raw != "" && !strings.Contains(p.Err.Error(), strings.TrimSpace(tc.raw)) {
			t.Errorf("%q: the system's text is not kept for the log: %v", tc.raw, p.Err)
		}
		for _, lang := range []string{"it", "de"} {
			text := translations.Format(lang, p.Key, p.Args)
			if strings.Contains(text, "lp:") || strings.Contains(text, "{") || text == p.Key {
				t.Errorf("%s %q: %q", lang, tc.raw, text)
			}
			if tc.queue != "" && p.Key != "letter.print.service" && !strings.Contains(text, tc.queue) {
				t.Errorf("%s %q: the printer is not named: %q", lang, tc.raw, text)
			}
		}
	}
}
