package mailbox_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/data/mailbox"
	"ascolto/printing/letter"
)

// pecReceipt is a provider's receipt (ricevuta) about the office's message msgID.
func pecReceipt(to, kind, msgID, recipient, errore string, at time.Time) []byte {
	subject := map[string]string{"accettazione": "ACCETTAZIONE", "avvenuta-consegna": "CONSEGNA", "errore-consegna": "AVVISO DI MANCATA CONSEGNA"}[kind]
	esteso := ""
	if errore != "" {
		esteso = "    <errore-esteso>" + errore + "</errore-esteso>\n"
	}
	daticert := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<postacert tipo=\"" + kind + "\" errore=\"nessuno\">\n" +
		"  <intestazione>\n    <mittente>" + to + "</mittente>\n    <destinatari tipo=\"certificato\">" + recipient + "</destinatari>\n" +
		"    <risposte>" + to + "</risposte>\n    <oggetto>Risposta</oggetto>\n  </intestazione>\n" +
		"  <dati>\n    <gestore-emittente>ArubaPEC S.p.A.</gestore-emittente>\n    <data zona=\"" + at.Format("-0700") + "\">\n      <giorno>" + at.Format("02/01/2006") + "</giorno>\n      <ora>" + at.Format("15:04:05") + "</ora>\n    </data>\n" +
		"    <identificativo>opec-" + kind + "-" + msgID + "</identificativo>\n    <msgid>&lt;" + msgID + "&gt;</msgid>\n" +
		"    <consegna>" + recipient + "</consegna>\n" + esteso + "  </dati>\n</postacert>\n"
	return []byte("From: posta-certificata@pec.aruba.it\r\nTo: " + to + "\r\nSubject: " + subject + ": Risposta\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\nMessage-ID: <rcpt-" + kind + "-" + msgID + ">\r\n" +
		"X-Ricevuta: " + kind + "\r\nX-Riferimento-Message-ID: <" + msgID + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"r1\"\r\n\r\n" +
		"--r1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nRicevuta di " + strings.ReplaceAll(kind, "-", " ") + "\r\n" +
		"--r1\r\nContent-Type: application/xml; name=\"daticert.xml\"\r\nContent-Disposition: inline; filename=\"daticert.xml\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(daticert)) + "\r\n--r1--\r\n")
}

// TestPECReceiptsAreKeptWithTheCase: the provider's receipts of a letter sent from a PEC
// box are recognised at the fetch and kept with the letter's case, a non-delivery is
// said as such, a receipt of another register's letter stays, nothing is taken twice.
func TestPECReceiptsAreKeptWithTheCase(t *testing.T) {
	srv := realServers(t)
	f := folder(t)
	office := plus(srv.Office, f)
	s := register(t, "anna")
	b := srv.box(t, s, f)
	b.Settings.PEC = true
	cs, err := s.Create(ctx, data.NewCase{Kind: data.KindRequest, Channel: data.ChannelPEC, ReceivedAt: time.Now().Add(-time.Hour),
		Subject: "Accesso agli atti", Citizen: data.Citizen{Name: "Studio Bianchi", Email: plus(srv.Citizen, f), Language: data.Italian}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := letter.Issue(ctx, s, cs.Number, letter.Options{Text: "Si trasmette copia degli atti."}); err != nil {
		t.Fatal(err)
	}
	sent, err := b.Send(ctx, cs.Number, false)
	if err != nil || sent.Letter.SentVia != "pec" {
		t.Fatalf("send from a PEC box: %+v, %v", sent, err)
	}
	now := time.Now().Truncate(time.Second)
	srv.deliver(t, "posta-certificata@pec.aruba.it", office, pecReceipt(office, "accettazione", sent.MessageID, sent.To, "", now))
	srv.deliver(t, "posta-certificata@pec.aruba.it", office, pecReceipt(office, "errore-consegna", sent.MessageID, sent.To, "5.1.1 - casella inesistente", now))
	srv.deliver(t, "posta-certificata@pec.aruba.it", office, pecReceipt(office, "avvenuta-consegna", "ascolto-0190c8a1-other@"+f+".example", "x@pec.it", "", now))
	var got []mailbox.Receipt
	var alerts []data.DeliveryAlert
	for start := time.Now(); len(got) < 2; time.Sleep(50 * time.Millisecond) {
		res, err := b.Fetch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, res.Receipts...)
		alerts = append(alerts, res.Alerts...)
		if time.Since(start) > 30*time.Second {
			t.Fatalf("receipts taken after 30 s: %+v", got)
		}
	}
	kinds := map[string]mailbox.Receipt{}
	for _, r := range got {
		kinds[r.Kind] = r
		if r.Letter != sent.Letter.Number || r.Case != cs.Number || !r.At.Equal(now) {
			t.Fatalf("receipt: %+v", r)
		}
	}
	if kinds["accettazione"].Failed || !kinds["errore-consegna"].Failed || !strings.Contains(kinds["errore-consegna"].Problem, "casella inesistente") {
		t.Fatalf("receipts: %+v", kinds)
	}
	// The non-delivery raises one alert on the case, and puts it in the overdue list.
	if len(alerts) != 1 || alerts[0].Kind != data.AlertPEC || alerts[0].Case != cs.Number || alerts[0].Letter != sent.Letter.Number ||
		!strings.Contains(alerts[0].Reason, "casella inesistente") || !alerts[0].At.Equal(now) {
		t.Fatalf("alerts: %+v", alerts)
	}
	if overdue, err := s.List(ctx, data.Filter{Overdue: true}); err != nil || len(overdue) != 1 || overdue[0].ID != cs.ID {
		t.Fatalf("overdue list: %+v %v", overdue, err)
	}
	atts, _ := s.Attachments(ctx, cs.ID)
	var names []string
	for _, a := range atts {
		names = append(names, a.Name)
	}
	all := strings.Join(names, " ")
	if !strings.Contains(all, "pec-accettazione-") || !strings.Contains(all, "pec-errore-consegna-") {
		t.Fatalf("case files: %v", names)
	}
	// The other register's receipt stays in the inbox; a second fetch takes nothing.
	res, err := b.Fetch(ctx)
	if err != nil || len(res.Receipts) != 0 || len(res.Inbox) != 1 || res.Inbox[0].Problem == nil {
		t.Fatalf("second fetch: %+v, %v", res, err)
	}
	oc := srv.imapAs(t, srv.Office, srv.OfficePassword)
	if moved := messages(t, oc, f+"R"); len(moved) != 2 {
		t.Fatalf("%d receipts moved, want 2", len(moved))
	}
}
