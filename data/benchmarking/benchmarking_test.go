package benchmarking

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"ascolto/data"
	"ascolto/data/stats"
)

func fl(v float64) *float64 { return &v }

// indicators are those of a small office, as data/stats gives them.
func indicators() *stats.Indicators {
	return &stats.Indicators{Total: 40, Answered: 36, AnsweredOnTime: 30, OnTimeRate: fl(30.0 / 36), MedianReply: fl(2),
		P90Reply: fl(4), MeanReply: fl(2.25), Open: 4, Overdue: 1,
		ByOutcome: map[string]int{"granted": 3, stats.NoValue: 37},
		Phases: stats.Phases{FirstAction: stats.Times{Cases: 38, Median: fl(1)}, Closure: stats.Times{Cases: 20, Median: fl(3)},
			Waiting: stats.Waiting{Times: stats.Times{Cases: 2}, Days: 5}},
		Satisfaction: stats.Satisfaction{Rated: 10, Mean: fl(4.1), Satisfied: fl(0.8)},
		Months: []stats.Group{{Key: "2026-01", Total: 38, Answered: 34, AnsweredOnTime: 28, OnTimeRate: fl(28.0 / 34)},
			{Key: "2026-02", Total: 2, Answered: 2, AnsweredOnTime: 2, OnTimeRate: fl(1)}},
		Groups: map[string][]stats.Group{
			stats.DimKind:     {{Key: "request", Total: 30, Answered: 27, AnsweredOnTime: 25, OnTimeRate: fl(25.0 / 27)}, {Key: "complaint", Total: 10, Answered: 9, AnsweredOnTime: 5, OnTimeRate: fl(5.0 / 9)}},
			stats.DimChannel:  {{Key: "counter", Total: 37}, {Key: "pec", Total: 3}},
			stats.DimLanguage: {{Key: "it", Total: 20}, {Key: "de", Total: 20}},
			// Names of categories never leave the register.
			stats.DimCategory: {{Key: "Reclamo del sig. Rossi", Total: 1}},
		}}
}

var egna = data.Office{Code: "EGNA", NameIT: "Centro di mediazione lavoro Egna", NameDE: "Arbeitsvermittlungszentrum Neumarkt"}

func TestWriteAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "egna-2026-q1.json")
	f := New(indicators(), egna, "Comune di Egna", Period{"2026-01-01", "2026-03-31"}, "2026-04-02")
	if err := f.Write(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, secret := range []string{"Rossi", "Reclamo", "subject", "email", "name\":"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the file contains %q", secret)
		}
	}
	if !strings.Contains(string(raw), `"format": "ascolto-benchmark"`) || !strings.Contains(string(raw), `"version": 1`) {
		t.Errorf("format and version missing:\n%s", raw)
	}
	// February has 2 cases: suppressed; January's figures are there.
	if feb := f.ByMonth["2026-02"]; !feb.Suppressed || feb.Total != nil || feb.OnTimeRate != nil {
		t.Errorf("a cell of 2 cases shows %+v", feb)
	}
	if pec := f.ByChannel["pec"]; !pec.Suppressed {
		t.Errorf("3 PEC cases shown: %+v", pec)
	}
	if jan := f.ByMonth["2026-01"]; jan.Suppressed || *jan.Total != 38 || *jan.AnsweredOnTime != 28 {
		t.Errorf("January %+v", jan)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got.path, f.path = "", ""
	if !reflect.DeepEqual(got, f) {
		t.Errorf("loaded file differs:\n%+v\n%+v", got, f)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	good := New(indicators(), egna, "", Period{"2026-01-01", "2026-03-31"}, "2026-04-02")
	b, _ := json.Marshal(good)
	mutate := func(fn func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(b, &m)
		fn(m)
		out, _ := json.Marshal(m)
		return out
	}
	ind := func(m map[string]any) map[string]any { return m["indicators"].(map[string]any) }
	for _, tc := range []struct {
		name, key string
		content   []byte
	}{
		{"not JSON", "stats.benchmark_not", []byte("number;total\n1;2")},
		{"another format", "stats.benchmark_not", mutate(func(m map[string]any) { m["format"] = "other" })},
		{"newer version", "stats.benchmark_version", mutate(func(m map[string]any) { m["version"] = 2 })},
		{"bad period", "stats.benchmark_invalid", mutate(func(m map[string]any) { m["period"] = map[string]any{"from": "2026-04-01", "to": "2026-03-01"} })},
		{"more on time than answered", "stats.benchmark_invalid", mutate(func(m map[string]any) { ind(m)["answered_on_time"] = 37 })},
		{"rate above 1", "stats.benchmark_invalid", mutate(func(m map[string]any) { ind(m)["on_time_rate"] = 1.5 })},
		{"negative count", "stats.benchmark_invalid", mutate(func(m map[string]any) { ind(m)["open"] = -1 })},
	} {
		path := filepath.Join(dir, tc.name+".json")
		os.WriteFile(path, tc.content, 0o644)
		_, err := Load(path)
		p, ok := data.AsProblem(err)
		if !ok || p.Key != tc.key || p.Args["path"] != path {
			t.Errorf("%s: %v, want %s naming the file", tc.name, err, tc.key)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file loaded")
	}
	// A newer file of the same version with fields this program does not know is read.
	extra := mutate(func(m map[string]any) { m["by_weekday"] = map[string]any{"monday": 3} })
	if _, err := Parse(extra); err != nil {
		t.Errorf("unknown field refused: %v", err)
	}
}

func TestCompareSideBySide(t *testing.T) {
	a := New(indicators(), egna, "", Period{"2026-01-01", "2026-03-31"}, "2026-04-02")
	other := indicators()
	other.OnTimeRate, other.Groups[stats.DimKind] = fl(0.5), []stats.Group{{Key: "praise", Total: 8, Answered: 8, AnsweredOnTime: 8, OnTimeRate: fl(1)}}
	b := New(other, data.Office{Code: "BZ", NameIT: "Bolzano", NameDE: "Bozen"}, "", Period{"2026-01-01", "2026-03-31"}, "2026-04-02")
	c := Compare([]*File{a, b})
	find := func(label, of string) []*float64 {
		for _, r := range c.Rows {
			if r.Label == label && r.Of == of {
				return r.Values
			}
		}
		t.Fatalf("no row %s %s", label, of)
		return nil
	}
	if v := find("stats.on_time_rate", ""); *v[0] != 30.0/36 || *v[1] != 0.5 {
		t.Errorf("on-time rates %v %v", *v[0], *v[1])
	}
	// Kinds in their usual order; a kind one office lacks is empty for it.
	var kinds []string
	for _, r := range c.Rows {
		if r.Label == "stats.on_time_rate" && r.Of != "" {
			kinds = append(kinds, r.Of)
		}
	}
	if strings.Join(kinds, ",") != "kind.request,kind.complaint,kind.praise" {
		t.Errorf("kinds %v", kinds)
	}
	if v := find("stats.on_time_rate", "kind.praise"); v[0] != nil || *v[1] != 1 {
		t.Errorf("praise %v", v)
	}
}

// FuzzParse: whatever a file holds, Parse returns a file that passed its checks or a
// problem, never a panic.
func FuzzParse(f *testing.F) {
	good, _ := json.Marshal(New(indicators(), egna, "", Period{"2026-01-01", "2026-03-31"}, "2026-04-02"))
	f.Add(good)
	f.Add([]byte(`{"format":"ascolto-benchmark","version":1}`))
	f.Add([]byte(`{"format":"ascolto-benchmark","version":1,"by_kind":{"request":{"total":-1}}}`))
	for _, s := range adversarial(string(good)) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err == nil && file.check() != nil {
			t.Fatal("a file that fails its checks was accepted")
		}
		if err == nil {
			for _, s := range []string{file.Generator, file.CreatedOn, file.Office.Code, file.Office.NameIT, file.Office.NameDE, file.Office.Municipality} {
				if data.CleanLine(s) != s {
					t.Fatalf("a name from the file is not in its clean form: %q", s)
				}
			}
		}
		if err != nil {
			if _, ok := data.AsProblem(err); !ok {
				t.Fatalf("not a problem: %v", err)
			}
		}
	})
}

// adversarial are files made to break a reader, built from a good one: other encodings
// and byte-order marks, numbers at and past the limits of float64 and int, wrong types,
// duplicate keys, nesting, huge and hostile names, figures that contradict each other.
func adversarial(good string) []string {
	// old is written as a person reads it ("key": value); good is compact JSON.
	swap := func(old, new string) string {
		return strings.Replace(good, strings.ReplaceAll(old, `": `, `":`), new, 1)
	}
	utf16 := func(s string) string {
		b := []byte{0xff, 0xfe}
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return string(b)
	}
	return []string{
		"", "null", "[]", "{}", `"ascolto-benchmark"`, "\xef\xbb\xbf" + good, utf16(good), good + "\x00", good + "{}",
		strings.ReplaceAll(good, ",", ",\r\n"), // a file saved by a Windows editor
		swap(`"version": 1`, `"version": "1"`), swap(`"version": 1`, `"version": 1.5`), swap(`"version": 1`, `"version": 99999999999999999999`),
		swap(`"version": 1`, `"version": 1, "version": 2`), swap(`"format": "ascolto-benchmark"`, `"format": "ascolto-benchmark", "format": "x"`),
		swap(`"total": 40`, `"total": 1e309`), swap(`"total": 40`, `"total": -0`), swap(`"total": 40`, `"total": 9223372036854775808`),
		swap(`"total": 40`, `"total": "40"`), swap(`"total": 40`, `"total": null`), swap(`"total": 40`, `"total": 40.5`),
		swap(`"on_time_rate": `, `"on_time_rate": 1.0000001, "x": `), swap(`"on_time_rate": `, `"on_time_rate": NaN, "x": `),
		swap(`"median_reply_working_days": 2`, `"median_reply_working_days": -1e-320`),
		swap(`"satisfaction_mean": 4.1`, `"satisfaction_mean": 0.999`),
		swap(`"open": 4`, `"open": 400`), swap(`"overdue": 1`, `"overdue": 5`),
		swap(`"from": "2026-01-01"`, `"from": "2026-02-30"`), swap(`"from": "2026-01-01"`, `"from": "2027-01-01"`),
		swap(`"from": "2026-01-01"`, `"from": "2026-01-01T00:00:00Z"`),
		swap(`"code": "EGNA"`, `"code": ""`), swap(`"code": "EGNA"`, `"code": "EGNA\u001b[2J\u202e"`),
		swap(`"name_it": "Centro di mediazione lavoro Egna"`, `"name_it": "\u001b]8;;http://example.com\u0007Egna\u001b]8;;\u0007\u0000\u009b"`),
		swap(`"name_de": "Arbeitsvermittlungszentrum Neumarkt"`, "\"name_de\": \"Neumarkt\xff\xfe\""),
		swap(`"name_de": "Arbeitsvermittlungszentrum Neumarkt"`, `"name_de": "`+strings.Repeat("Ä", 100000)+`"`),
		swap(`"by_kind": {`, `"by_kind": {"request": {"suppressed": true, "total": 1}, `),
		swap(`"by_kind": {`, `"by_kind": {"x": {"total": 3, "answered": 4, "answered_on_time": 1}, `),
		swap(`"by_kind": {`, `"by_kind": {"x": {}, `), swap(`"by_kind": {`, `"by_kind": {"x": null, `),
		swap(`"by_kind": {`, `"by_kind": [], "by_channel": {`),
		swap(`"indicators": {`, `"indicators": `+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+`, "x": {`),
		swap(`"by_month": {`, `"by_month": {`+strings.Repeat(`"2026-01": {"suppressed": true}, `, 1000)),
	}
}

// TestAdversarialSeedsAreWhatTheySay: each seed changes the good file (a swap that
// found nothing to change would only repeat it), and none panics or is let through
// unchecked.
func TestAdversarialSeedsAreWhatTheySay(t *testing.T) {
	good, _ := json.Marshal(New(indicators(), egna, "", Period{"2026-01-01", "2026-03-31"}, "2026-04-02"))
	for i, s := range adversarial(string(good)) {
		if s == string(good) {
			t.Errorf("seed %d is the good file", i)
		}
		if f, err := Parse([]byte(s)); err == nil && f.check() != nil {
			t.Errorf("seed %d accepted unchecked", i)
		}
	}
	named := strings.Replace(string(good), `"name_it":"Centro di mediazione lavoro Egna"`, `"name_it":"Egna\u001b[2J\u202e\u0000"`, 1)
	f, err := Parse([]byte(named))
	if err != nil || f.Office.NameIT != "Egna" {
		t.Fatalf("name %q, %v", f.Office.NameIT, err)
	}
}
