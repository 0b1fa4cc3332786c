package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ascolto/data"
)

// statsRegister has three cases of March 2026: one answered in 2 working days, one in 4
// (late), one never answered (overdue).
func statsRegister(t *testing.T) (*ctl, []data.Case) {
	c := newCtl(t)
	a := addJSON(c, "--kind", "complaint", "--channel", "counter", "--subject", "Wartezeiten", "--citizen-name", "Jörg Müller",
		"--citizen-email", "joerg.mueller@example.it", "--language", "de", "--category", "tempi di attesa", "--received", "2026-03-02T09:00:00+01:00")
	b := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Certificato", "--citizen-name", "Anna Rossi",
		"--language", "it", "--category", "certificati", "--received", "2026-03-06T09:00:00+01:00")
	open := addJSON(c, "--kind", "request", "--channel", "counter", "--subject", "Orari", "--citizen-name", "Jörg Müller",
		"--citizen-email", "joerg.mueller@example.it", "--language", "de", "--received", "2026-03-10T09:00:00+01:00")
	c.ok("reply", a.Number, "--text", "Sehr geehrter Herr Müller, …", "--at", "2026-03-04T10:00:00+01:00") // Tue 3, Wed 4: 2
	c.ok("reply", b.Number, "--text", "Gentile signora Rossi, …", "--at", "2026-03-12T10:00:00+01:00")     // 9, 10, 11, 12: 4, due 11
	return c, []data.Case{a, b, open}
}

// TestStatsJSON: the fields CLI.md promises, with the figures of the three cases.
func TestStatsJSON(t *testing.T) {
	c, _ := statsRegister(t)
	var got map[string]any
	if err := json.Unmarshal([]byte(c.ok("stats", "--from", "2026-03-01", "--to", "2026-03-31", "--json")), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"total": 3.0, "answered": 2.0, "answered_on_time": 1.0, "on_time_rate": 0.5,
		"median_reply_working_days": 3.0, "p90_reply_working_days": 4.0, "open": 1.0, "overdue": 1.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	for _, k := range []string{"by_kind", "by_channel", "by_office", "by_language"} {
		if _, ok := got[k].(map[string]any); !ok {
			t.Errorf("%s is not an object of counts: %v", k, got[k])
		}
	}
	if got["by_kind"].(map[string]any)["request"] != 2.0 || got["by_office"].(map[string]any)["BZ"] != 3.0 || got["by_language"].(map[string]any)["de"] != 2.0 {
		t.Errorf("breakdowns %v %v %v", got["by_kind"], got["by_office"], got["by_language"])
	}
	// The same figures for March, by month; and nothing for a category with no cases.
	if out := c.ok("stats", "--month", "2026-03", "--category", "certificati", "--json"); !strings.Contains(out, `"total": 1`) {
		t.Errorf("March, certificati: %s", out)
	}
	text := c.ok("stats", "--quarter", "2026-Q1")
	for _, w := range []string{"from 01/01/2026", "Replies on time", "50.0%", "Receipt → reply (less waiting)"} {
		if !strings.Contains(strings.ReplaceAll(text, "2026-01-01", "01/01/2026"), w) && !strings.Contains(text, w) {
			t.Errorf("stats lacks %q:\n%s", w, text)
		}
	}
	de := func() string {
		code, out, _ := c.run("--lang", "de", "stats", "--year", "2026")
		if code != 0 {
			t.Fatal(code)
		}
		return out
	}()
	if !strings.Contains(de, "50,0 %") || !strings.Contains(de, "Fristgerechte Antworten") {
		t.Errorf("German stats:\n%s", de)
	}
}

func TestStatsRefusals(t *testing.T) {
	c, cases := statsRegister(t)
	c.refused("not a valid date", 1, "stats", "--from", "2026-13-01")
	c.refused("cannot start", 1, "stats", "--from", "2026-04-01", "--to", "2026-03-01")
	c.refused("--year", 1, "stats", "--year", "2026", "--from", "2026-01-01")
	c.refused("Unknown kind", 1, "stats", "--kind", "grumble")
	c.refused("", 1, "report", "--format", "doc", "--out", filepath.Join(t.TempDir(), "r.doc"))
	c.refused("cannot be read", 1, "benchmark", "compare", filepath.Join(t.TempDir(), "missing.json"))
	c.refused("Unknown outcome", 1, "outcome", cases[0].Number, "maybe")
	c.refused("has no reply yet", 1, "erase", cases[2].Number, "--note", "richiesta 2026/5")
	c.refused("required", 2, "erase", cases[0].Number)
	c.refused("no improvement action 9", 1, "action", "set", "9", "--status", "done")
	c.refused("required", 2, "action", "add", "--title", "Sedie", "--owner", " ", "--due", "2026-12-31")
	c.refused("not a valid date", 1, "action", "add", "--title", "Sedie", "--owner", "anna", "--due", "31/12/2026")
	c.refused("not possible", 1, "retention", "--years", "200")
	c.refused("Name the person", 1, "access", "--out", t.TempDir())
}

// TestReportsBenchmarkingActionsAndPrivacy: the other quality commands end to end.
func TestReportsBenchmarkingActionsAndPrivacy(t *testing.T) {
	c, cases := statsRegister(t)
	dir := t.TempDir()
	for _, format := range []string{"pdf", "xlsx", "csv"} {
		out := filepath.Join(dir, "q1."+format)
		c.ok("--lang", "it", "report", "--format", format, "--out", out, "--quarter", "2026-Q1")
		if st, err := os.Stat(out); err != nil || st.Size() < 100 {
			t.Errorf("%s: %v", format, err)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "q1.csv")); !strings.Contains(string(b), "all;3;2;1;0,5;3;4;3;1;1;") {
		t.Errorf("CSV:\n%s", b)
	}
	c.ok("office", "add", "EGNA", "--name-it", "Egna", "--name-de", "Neumarkt")
	bz, egna := filepath.Join(dir, "bz.json"), filepath.Join(dir, "egna.json")
	c.ok("benchmark", "export", "--out", bz, "--year", "2026", "--municipality", "Comune di Bolzano")
	c.ok("benchmark", "export", "--out", egna, "--year", "2026", "--office", "EGNA")
	var cmp struct {
		Rows []struct {
			Label  string     `json:"label"`
			Values []*float64 `json:"values"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(c.ok("benchmark", "compare", bz, egna, "--json")), &cmp); err != nil {
		t.Fatal(err)
	}
	if r := cmp.Rows[0]; r.Label != "stats.total" || *r.Values[0] != 3 || *r.Values[1] != 0 {
		t.Errorf("compare: %+v", cmp.Rows[0])
	}
	side := c.ok("benchmark", "compare", bz, egna, "--pdf", filepath.Join(dir, "cmp.pdf"))
	if !strings.Contains(side, "BZ (Comune di Bolzano)") || !strings.Contains(side, "EGNA") {
		t.Errorf("compare table:\n%s", side)
	}

	c.ok("action", "add", "--title", "Più sedie in sala d'attesa", "--owner", "m.ferrari", "--due", "2026-04-30", "--cause", "tempi di attesa")
	c.ok("action", "link", "1", cases[2].Number, "--category", "tempi di attesa")
	var shown struct {
		Cases  int         `json:"cases"`
		Linked []data.Case `json:"linked_cases"`
	}
	json.Unmarshal([]byte(c.ok("action", "show", "1", "--json")), &shown)
	if shown.Cases != 2 || len(shown.Linked) != 2 {
		t.Errorf("action show: %+v", shown)
	}
	if list := c.ok("action", "list"); !strings.Contains(list, "m.ferrari") || !strings.Contains(list, "overdue") {
		t.Errorf("action list:\n%s", list)
	}
	c.ok("action", "set", "1", "--status", "done", "--result", "Dodici sedie")
	if list := c.ok("action", "list"); strings.Contains(list, "m.ferrari") {
		t.Errorf("a done action is still listed as pending:\n%s", list)
	}
	c.ok("outcome", cases[0].Number, "granted")

	// Access: both of Jörg Müller's cases, as JSON and PDF; then erasure of the answered one.
	out := c.ok("access", "--email", "joerg.mueller@example.it", "--out", dir)
	if !strings.Contains(out, "2 cases") {
		t.Errorf("access: %s", out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "access-*"))
	if len(matches) != 2 {
		t.Fatalf("access files %v", matches)
	}
	var rep data.SubjectReport
	for _, m := range matches {
		if strings.HasSuffix(m, ".json") {
			b, _ := os.ReadFile(m)
			json.Unmarshal(b, &rep)
		}
	}
	if len(rep.Cases) != 2 || rep.Cases[0].Outcome != data.OutcomeGranted || len(rep.Cases[0].History) < 2 {
		t.Errorf("access JSON %+v", rep)
	}
	before := c.ok("stats", "--json")
	if out := c.ok("erase", cases[0].Number, "--note", "richiesta prot. 2026/77"); !strings.Contains(out, "Personal data of one case erased: "+cases[0].Number) {
		t.Errorf("erase of one case says %q", out)
	}
	var erased data.Case
	json.Unmarshal([]byte(c.ok("show", cases[0].Number, "--json")), &erased)
	if erased.Citizen.Name != "" || erased.Citizen.Email != "" {
		t.Errorf("erased case keeps %+v", erased.Citizen)
	}
	if after := c.ok("stats", "--json"); after != before {
		t.Errorf("the indicators changed with the erasure")
	}
	if rule := c.ok("retention"); !strings.Contains(rule, "5 years") {
		t.Errorf("retention: %s", rule)
	}
	c.ok("retention", "--years", "0")
	if rule := c.ok("retention", "--run"); !strings.Contains(rule, "0 cases") {
		t.Errorf("retention off ran: %s", rule)
	}
	if out := c.ok("verify"); !strings.Contains(out, "intact") {
		t.Errorf("verify: %s", out)
	}
}
