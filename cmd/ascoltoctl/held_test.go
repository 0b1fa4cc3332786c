package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/exchange"
)

// TestStatusNamesTheOfficeOfAHeldFile: BZ's clock is a year ahead; its file waits in the
// folder at ME. `exchange status` names BZ by its name and writes the time its changes
// carry as the office reads dates, in each language (it said only "dated more than a
// day after this computer's clock", which told the administrator nobody to call).
func TestStatusNamesTheOfficeOfAHeldFile(t *testing.T) {
	folder := t.TempDir()
	bz := newCtl(t)
	me := newOfficeCtl(t, "ME", "Centro di mediazione lavoro Merano", "Arbeitsvermittlungszentrum Meran")
	bz.ok("exchange", "join", "--folder", folder)
	me.ok("exchange", "join", "--folder", folder)
	bz.ok("exchange", "trust", "ME", "--fingerprint", exchangeStatus(me, folder).Fingerprint, "--folder", folder)
	me.ok("exchange", "trust", "BZ", "--fingerprint", exchangeStatus(bz, folder).Fingerprint, "--folder", folder)

	// BZ's next file, written by a workstation whose clock says a year from now.
	key, err := exchange.LoadOrCreateKey(exchange.KeyPath(bz.db))
	if err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().AddDate(1, 0, 0).Truncate(time.Minute).Add(17 * time.Second)
	op := data.Operation{Origin: "BZ", Seq: 1, HLC: data.HLC{Wall: stamp.UnixMilli()}, CaseID: "0190f1d2-7c3a-7b11-9f00-3c5e2a1b4d6e",
		Action: "create", Fields: map[string]string{"subject": "Richiesta informazioni"}, Actor: "giulia", At: stamp.UTC().Format(time.RFC3339)}
	b, err := exchange.Encode(key, exchange.Header{Origin: "BZ", Created: stamp.UTC().Format(time.RFC3339)}, []data.Operation{op})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(folder, "BZ", exchange.FileName("BZ", 1, 1)), b, 0o644); err != nil {
		t.Fatal(err)
	}
	me.ok("sync", "--once")
	st := exchangeStatus(me, folder)
	if len(st.Rejected) != 1 || st.Rejected[0].Reason != exchange.ReasonAhead {
		t.Fatalf("the file is not held for its clock: %+v", st.Rejected)
	}

	local := stamp.In(data.Rome)
	for lang, want := range map[string]string{
		"it": "Le modifiche dell'ufficio Centro di mediazione lavoro Bolzano (BZ) sono datate " + local.Format("02/01/2006 15:04") + ",",
		"de": "Die Änderungen des Amtes Arbeitsvermittlungszentrum Bozen (BZ) sind auf " + local.Format("02.01.2006 15:04") + " datiert",
		"en": "The changes of office Centro di mediazione lavoro Bolzano (BZ) are dated " + local.Format("2006-01-02 15:04") + ",",
	} {
		var out, errs bytes.Buffer
		if code := run([]string{"--db", me.db, "--lang", lang, "exchange", "status", "--folder", folder}, &out, &errs); code != 0 {
			t.Fatalf("%s: exit %d: %s", lang, code, errs.String())
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("%s: the status does not say %q:\n%s", lang, want, out.String())
		}
		if strings.Contains(out.String(), "UTC") {
			t.Errorf("%s: the time is not as the office reads it:\n%s", lang, out.String())
		}
	}
}
