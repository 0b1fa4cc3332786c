package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

// ctl runs ascoltoctl in-process on a register in dir and returns exit code and output.
type ctl struct {
	t  *testing.T
	db string
}

func newCtl(t *testing.T) *ctl {
	c := &ctl{t: t, db: filepath.Join(t.TempDir(), "register.ascolto")}
	c.ok("init", "--office", "BZ", "--name-it", "Centro di mediazione lavoro Bolzano", "--name-de", "Arbeitsvermittlungszentrum Bozen")
	return c
}

func (c *ctl) run(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"--db", c.db, "--lang", "en", "--actor", "test"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func (c *ctl) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("ascoltoctl %v: exit %d: %s", args, code, errs)
	}
	return out
}

// snapshot is the register's whole content that a refused command must not change.
func (c *ctl) snapshot() string {
	c.t.Helper()
	s, err := data.Open(c.db, data.Options{})
	if err != nil {
		c.t.Fatal(err)
	}
	defer s.Close()
	var b strings.Builder
	for _, q := range []string{`SELECT count(*), coalesce(sum(version), 0) FROM cases`, `SELECT count(*), coalesce(max(seq), 0) FROM audit`,
		`SELECT count(*), coalesce(max(seq), 0) FROM ops`, `SELECT coalesce(group_concat(office || year || last), '') FROM counters`} {
		var a, z string
		s.DB().QueryRow(q).Scan(&a, &z)
		b.WriteString(a + "/" + z + ";")
	}
	return b.String()
}

func (c *ctl) refused(key string, want int, args ...string) {
	c.t.Helper()
	before := c.snapshot()
	code, out, errs := c.run(args...)
	if code != want {
		c.t.Fatalf("ascoltoctl %v: exit %d, want %d (stderr %q)", args, code, want, errs)
	}
	if want == 1 && (strings.Count(strings.TrimSpace(errs), "\n") != 0 || errs == "" || out != "") {
		c.t.Fatalf("ascoltoctl %v: want one sentence on stderr, got out %q err %q", args, out, errs)
	}
	if key != "" && !strings.Contains(errs, key) {
		c.t.Fatalf("ascoltoctl %v: stderr %q lacks %q", args, errs, key)
	}
	if after := c.snapshot(); after != before {
		c.t.Fatalf("ascoltoctl %v changed the register: %s → %s", args, before, after)
	}
}

func addJSON(c *ctl, args ...string) data.Case {
	c.t.Helper()
	var got data.Case
	out := c.ok(append([]string{"add", "--json"}, args...)...)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		c.t.Fatal(err, out)
	}
	return got
}

func TestWorkflowThroughTheCommandLine(t *testing.T) {
	c := newCtl(t)
	a := addJSON(c, "--kind", "complaint", "--channel", "counter", "--subject", "Wartezeiten am Schalter zu lang",
		"--citizen-name", "Jörg Müller", "--citizen-email", "joerg.mueller@example.it", "--language", "de", "--received", "2026-11-23T09:15:00+01:00")
	if a.Number != "BZ-2026-000001" || a.DueDate != "2026-11-26" || a.Citizen.Language != "de" {
		t.Fatalf("added %+v", a)
	}
	b := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Certificato", "--citizen-name", "Nicolò Dalla Via", "--language", "it")
	c.ok("assign", b.Number, "--to", "giulia")
	c.ok("status", b.Number, "waiting", "--note", "manca il documento")
	c.ok("status", b.Number, "in_progress")
	c.ok("reply", b.Number, "--text", "Gentile signor Dalla Via, il certificato è pronto.")
	c.ok("close", b.Number)
	c.ok("satisfaction", b.Number, "5")
	var shown data.Case
	json.Unmarshal([]byte(c.ok("show", b.Number, "--json")), &shown)
	if shown.Status != data.StatusClosed || shown.Assignee != "giulia" || shown.Reply.Language != "it" || shown.ClosedAt == nil || shown.Satisfaction != 5 {
		t.Fatalf("after workflow: %+v", shown)
	}
	// the CLI.md field names are the JSON contract
	var raw map[string]any
	json.Unmarshal([]byte(c.ok("show", a.Number, "--json")), &raw)
	for _, k := range []string{"id", "number", "office", "kind", "channel", "status", "received_at", "due_date", "answered_at",
		"closed_at", "overdue", "subject", "description", "category", "service", "assignee", "citizen", "reply"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("show --json lacks %q", k)
		}
	}
	if raw["overdue"] != true {
		t.Errorf("a complaint due 2026-11-26 and not answered is overdue: %v", raw["overdue"])
	}
	var list []data.Case
	json.Unmarshal([]byte(c.ok("list", "--overdue", "--json")), &list)
	if len(list) != 1 || list[0].Number != a.Number {
		t.Fatalf("list --overdue: %+v", list)
	}
	for q, want := range map[string]string{"muller": a.Number, "nicolo": b.Number, "wartezeit": a.Number, "certificato pronto": b.Number, "BZ-2026-000002": b.Number} {
		var hits []data.Case
		json.Unmarshal([]byte(c.ok("search", q, "--json")), &hits)
		if len(hits) == 0 || hits[0].Number != want {
			t.Errorf("search %q: %v", q, hits)
		}
	}
	hist := c.ok("history", b.Number)
	for _, w := range []string{"registered", "assigned", "status changed", "reply recorded", "closed", "Status: waiting → in progress"} {
		if !strings.Contains(hist, w) {
			t.Errorf("history lacks %q:\n%s", w, hist)
		}
	}
	if out := c.ok("verify"); !strings.Contains(out, "intact") {
		t.Fatalf("verify: %s", out)
	}
}

func TestBadInputIsRefusedAndChangesNothing(t *testing.T) {
	c := newCtl(t)
	a := addJSON(c, "--kind", "request", "--channel", "counter", "--subject", "Orari")
	add := func(extra ...string) []string {
		return append([]string{"add", "--kind", "request", "--channel", "counter", "--subject", "x"}, extra...)
	}
	c.refused("Unknown kind \"wish\"", 1, "add", "--kind", "wish", "--channel", "counter", "--subject", "x")
	c.refused("Unknown channel \"fax\"", 1, "add", "--kind", "request", "--channel", "fax", "--subject", "x")
	c.refused("subject is empty", 1, "add", "--kind", "request", "--channel", "counter", "--subject", " ")
	c.refused("not a valid e-mail", 1, add("--citizen-email", "anna.at.example.it")...)
	c.refused("not a valid date", 1, add("--received", "2026-02-30")...)
	c.refused("not a valid date", 1, add("--received", "yesterday")...)
	c.refused("in the future", 1, add("--received", "2099-01-01")...)
	c.refused("Unknown language", 1, add("--language", "fr")...)
	c.refused("cannot go from", 1, "status", a.Number, "received")
	c.refused("Unknown status", 1, "status", a.Number, "forgotten")
	c.refused("no written reply", 1, "close", a.Number)
	c.refused("No case \"BZ-2026-000099\"", 1, "assign", "BZ-2026-000099", "--to", "anna")
	c.refused("No case", 1, "show", "nothing")
	c.refused("reply text is empty", 1, "reply", a.Number, "--text", "", "--language", "it")
	c.refused("Unknown office", 1, add("--office", "ROMA")...)
	c.refused("not a satisfaction score", 1, "satisfaction", a.Number, "7")
	c.refused("not a satisfaction score", 1, "satisfaction", a.Number, "good")
	c.refused("required", 2, "add", "--channel", "counter", "--subject", "x")
	c.refused("", 2, "add", "--kind")
	c.refused("", 2, "frobnicate")
	c.refused("", 2, "show")
	c.refused("", 2, "list", "--limit", "-1")
	if code, _, _ := c.run(); code != 2 {
		t.Fatalf("no command: exit %d", code)
	}

	// A file that is not a register, a register newer than the program, a missing one.
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.ascolto")
	os.WriteFile(notes, []byte("Liste der Anrufe vom Montag\n"), 0o644)
	for _, tc := range []struct{ path, want string }{{notes, "is not an Ascolto register"}, {filepath.Join(dir, "none.ascolto"), "There is no register"}} {
		var out, errb bytes.Buffer
		if code := run([]string{"--db", tc.path, "--lang", "en", "list"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), tc.want) {
			t.Fatalf("%s: exit %d %q", tc.path, code, errb.String())
		}
	}
	if b, _ := os.ReadFile(notes); string(b) != "Liste der Anrufe vom Montag\n" {
		t.Fatal("a foreign file was changed")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.ascolto")); err == nil {
		t.Fatal("opening a missing register created one")
	}
	s, _ := data.Open(c.db, data.Options{})
	s.DB().Exec(`PRAGMA user_version = 999`)
	s.Close()
	code, _, errs := c.run("list")
	if code != 1 || !strings.Contains(errs, "newer version") {
		t.Fatalf("newer register: exit %d %q", code, errs)
	}
}

func TestMessagesInItalianAndGerman(t *testing.T) {
	c := newCtl(t)
	for lang, want := range map[string]string{"it": "Tipo sconosciuto", "de": "Unbekannte Art"} {
		var out, errb bytes.Buffer
		code := run([]string{"--db", c.db, "--lang", lang, "add", "--kind", "wish", "--channel", "email", "--subject", "x"}, &out, &errb)
		if code != 1 || !strings.Contains(errb.String(), want) {
			t.Fatalf("%s: exit %d %q", lang, code, errb.String())
		}
	}
	t.Setenv("LANG", "de_IT.UTF-8")
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("ASCOLTO_LANG", "")
	var out, errb bytes.Buffer
	run([]string{"--db", c.db, "show", "X-1"}, &out, &errb)
	if !strings.Contains(errb.String(), "Im Register gibt es keinen Vorgang") {
		t.Fatalf("LANG=de_IT: %q", errb.String())
	}
	t.Setenv("LANG", "C")
	errb.Reset()
	run([]string{"--db", c.db, "show", "X-1"}, &out, &errb)
	if !strings.Contains(errb.String(), "No case") {
		t.Fatalf("LANG=C falls back to English: %q", errb.String())
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	c := newCtl(t)
	c.ok("demo", "--count", "120", "--seed", "3")
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "cases.csv")
	c.ok("export", "--format", "csv", "--out", csvPath)
	raw, _ := os.ReadFile(csvPath)
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBFid;number;office;")) {
		t.Fatalf("CSV must start with a BOM and use ';': %q", raw[:40])
	}
	r := csv.NewReader(bytes.NewReader(raw[3:]))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) != 121 {
		t.Fatalf("CSV: %d records, %v", len(recs), err)
	}
	commaPath := filepath.Join(dir, "comma.csv")
	c.ok("export", "--format", "csv", "--separator", ",", "--out", commaPath, "--kind", "complaint")
	jsonPath := filepath.Join(dir, "cases.json")
	c.ok("export", "--format", "json", "--out", jsonPath)
	xlsxPath := filepath.Join(dir, "cases.xlsx")
	c.ok("export", "--format", "xlsx", "--out", xlsxPath)
	if b, _ := os.ReadFile(xlsxPath); !bytes.HasPrefix(b, []byte("PK")) {
		t.Fatal("xlsx is not a zip")
	}

	// Into a fresh register: the same cases, the same content, new numbers.
	for _, f := range []struct{ format, path string }{{"csv", csvPath}, {"json", jsonPath}, {"csv", commaPath}} {
		d := newCtl(t)
		for _, o := range []string{"EGNA", "MERANO", "BRESSANONE"} {
			d.ok("office", "add", o, "--name-it", "Centro "+o, "--name-de", "Zentrum "+o)
		}
		out := d.ok("import", "--format", f.format, "--in", f.path)
		if !strings.Contains(out, "imported") {
			t.Fatal(out)
		}
		var src, dst []data.Case
		json.Unmarshal([]byte(c.ok("list", "--limit", "1000", "--json", "--sort", "number")), &src)
		json.Unmarshal([]byte(d.ok("list", "--limit", "1000", "--json", "--sort", "received")), &dst)
		if f.path == commaPath {
			n := 0
			for _, x := range src {
				if x.Kind == data.KindComplaint {
					n++
				}
			}
			if len(dst) != n {
				t.Fatalf("comma CSV: %d of %d complaints", len(dst), n)
			}
			continue
		}
		if len(dst) != len(src) {
			t.Fatalf("%s: %d cases, want %d", f.format, len(dst), len(src))
		}
		bySubject := map[string]int{}
		for _, x := range src {
			bySubject[string(x.Status)+x.Subject+x.Citizen.Name+x.Reply.Text+x.ReceivedAt.UTC().Format(time.RFC3339)]++
		}
		for _, x := range dst {
			bySubject[string(x.Status)+x.Subject+x.Citizen.Name+x.Reply.Text+x.ReceivedAt.UTC().Format(time.RFC3339)]--
		}
		for k, v := range bySubject {
			if v != 0 {
				t.Fatalf("%s round trip differs at %q (%d)", f.format, k, v)
			}
		}
		d.ok("verify")
	}
}

func TestImportIsAllOrNothingAndNamesTheLine(t *testing.T) {
	c := newCtl(t)
	c.ok("add", "--kind", "request", "--channel", "counter", "--subject", "Prima")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("\xEF\xBB\xBFkind;channel;subject;citizen_name;received_at\r\n"+
		"request;email;Domanda;Anna Pichler;2026-11-02\r\n"+
		"complaint;counter;\"Reclamo su\r\npiù righe\";Luca Rossi;2026-11-03\r\n"+
		"praise;telegraph;Grazie;Zoë Thöni;2026-11-04\r\n"), 0o644)
	c.refused("Line 5: Unknown channel \"telegraph\"", 1, "import", "--format", "csv", "--in", bad)

	badJSON := filepath.Join(dir, "bad.json")
	os.WriteFile(badJSON, []byte("[\n  {\"kind\": \"request\", \"channel\": \"email\", \"subject\": \"Uno\"},\n  {\"kind\": \"request\",\n   \"channel\": \"email\", \"subject\": \"Due\", \"citizen\": {\"email\": \"not-an-address\"}}\n]\n"), 0o644)
	c.refused("Line 3: \"not-an-address\" is not a valid e-mail", 1, "import", "--format", "json", "--in", badJSON)
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte("[\n {\"kind\": \"request\", \"channel\": \"email\", \"subject\": \"Uno\"},\n {\"kind\": \"request\" \"channel\": 1}\n]"), 0o644)
	c.refused("Line 3", 1, "import", "--format", "json", "--in", broken)
	c.refused("Unknown column", 1, "import", "--format", "csv", "--in", writeFile(t, dir, "col.csv", "kind,channel,subjekt\nrequest,email,x\n"))
	c.refused("could not be read", 1, "import", "--format", "csv", "--in", filepath.Join(dir, "missing.csv"))
}

func writeFile(t *testing.T, dir, name, content string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBackupWhileTheAppWrites takes a backup while another connection (the window)
// keeps writing, and checks the copy is a complete, verifiable register.
func TestBackupWhileTheAppWrites(t *testing.T) {
	c := newCtl(t)
	c.ok("demo", "--count", "300")
	app, err := data.Open(c.db, data.Options{Actor: "window"})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := app.Create(context.Background(), data.NewCase{Kind: data.KindReport, Channel: data.ChannelPhone, Subject: "Segnalazione"}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	out := filepath.Join(t.TempDir(), "backup.ascolto")
	c.ok("backup", "--out", out)
	close(stop)
	wg.Wait()
	if _, err := os.Stat(out + "-wal"); err == nil {
		t.Fatal("the backup must be one file")
	}
	var o, e bytes.Buffer
	if code := run([]string{"--db", out, "--lang", "en", "verify"}, &o, &e); code != 0 {
		t.Fatalf("backup does not verify: %s %s", o.String(), e.String())
	}
	c.refused("already exists", 1, "backup", "--out", out)
}

func TestDeadlineRulesAndClosures(t *testing.T) {
	c := newCtl(t)
	c.ok("deadline", "--kind", "complaint", "--days", "5")
	c.ok("closure", "add", "2026-11-25", "--note", "inventario")
	// Friday 2026-11-20: Mon 23, Tue 24, (25 closed), Thu 26, Fri 27, Mon 30: five
	// working days for the complaint, three (to Thu 26) for the request.
	k := addJSON(c, "--kind", "complaint", "--channel", "email", "--subject", "Reclamo", "--received", "2026-11-20T10:00:00+01:00")
	r := addJSON(c, "--kind", "request", "--channel", "email", "--subject", "Richiesta", "--received", "2026-11-20T10:00:00+01:00")
	if k.DueDate != "2026-11-30" || r.DueDate != "2026-11-26" {
		t.Fatalf("complaint due %s, request due %s", k.DueDate, r.DueDate)
	}
	c.refused("not a possible deadline", 1, "deadline", "--days", "0")
	c.refused("not a closure day", 1, "closure", "remove", "2026-12-31")
	c.refused("not a valid date", 1, "closure", "add", "2026-13-01")
	c.refused("", 2, "closure", "sometimes")
	c.ok("closure", "remove", "2026-11-25")
	if out := c.ok("closure", "list"); strings.TrimSpace(out) != "" {
		t.Fatalf("closures left: %q", out)
	}
	hist := c.ok("--lang", "it", "history", k.Number)
	if !strings.Contains(hist, "registrata") || !strings.Contains(hist, "Scadenza: ") || !strings.Contains(hist, "Canale: ") {
		t.Fatalf("history in Italian: %s", hist)
	}
	// field names as the register writes them stay out of it
	for _, raw := range []string{"due_date", "channel:", "subject", `"`} {
		if strings.Contains(hist, raw) {
			t.Errorf("history in Italian shows %q: %s", raw, hist)
		}
	}
}

func TestBackupsAndRestore(t *testing.T) {
	c := newCtl(t)
	c.ok("add", "--kind", "request", "--channel", "counter", "--subject", "Prima")
	dir := filepath.Join(t.TempDir(), "copie")
	c.ok("backups", "--dir", dir, "--keep", "2")
	for i := 0; i < 3; i++ {
		c.ok("backup")
		time.Sleep(2 * time.Millisecond) // distinct names
	}
	var got struct {
		Dir     string
		Keep    int
		Backups []string
	}
	json.Unmarshal([]byte(c.ok("backups", "--json")), &got)
	if got.Dir != dir || got.Keep != 2 || len(got.Backups) != 2 {
		t.Fatalf("backups: %+v", got)
	}
	c.ok("add", "--kind", "request", "--channel", "counter", "--subject", "Seconda")
	out := c.ok("restore", "--from", got.Backups[0])
	if !strings.Contains(out, "restored") {
		t.Fatal(out)
	}
	var list []data.Case
	json.Unmarshal([]byte(c.ok("list", "--json")), &list)
	if len(list) != 1 || list[0].Subject != "Prima" {
		t.Fatalf("after restore: %+v", list)
	}
	c.refused("is not an Ascolto register", 1, "restore", "--from", writeFile(t, t.TempDir(), "x.ascolto", "hello"))
	c.refused("", 1, "backups", "--keep", "0")
}
