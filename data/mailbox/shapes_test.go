package mailbox_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"ascolto/data"
)

var ctx = context.Background()

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// realClock: the servers stamp real times, and a letter is sent after it is issued.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

var office = data.Office{Code: "BZ", NameIT: "Centro di mediazione lavoro Bolzano", NameDE: "Arbeitsvermittlungszentrum Bozen"}

func register(t testing.TB, actor string) *data.Store {
	t.Helper()
	s, err := data.Create(filepath.Join(t.TempDir(), "register.ascolto"), office, data.Options{Clock: realClock{}, Actor: actor})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// The shapes of mail the offices receive: a plain Italian message, a German message in
// HTML with a text alternative and a scanned attachment, a PEC envelope around a
// citizen's message.

func plainIT(from, to, id string, at time.Time) []byte {
	return []byte("Return-Path: <" + from + ">\r\n" +
		"From: Maria Rossi <" + from + ">\r\n" +
		"To: " + to + "\r\n" +
		"Subject: Richiesta di informazioni sul certificato di disoccupazione\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=UTF-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n\r\n" +
		"Buongiorno,\r\nvorrei sapere quali documenti servono per il certificato di disoccupazione.\r\n" +
		"La ringrazio per la cortese risposta.\r\nCordiali saluti\r\nMaria Rossi\r\n")
}

func htmlDE(from, to, id string, at time.Time) []byte {
	html := "<html><body><p>Sehr geehrte Damen und Herren,</p><p>ich habe &uuml;ber zwei Stunden am Schalter gewartet und bitte um eine Stellungnahme.</p><p>Mit freundlichen Gr&uuml;&szlig;en<br>J&ouml;rg M&uuml;ller</p></body></html>"
	text := "Sehr geehrte Damen und Herren,\r\nich habe über zwei Stunden am Schalter gewartet und bitte um eine Stellungnahme.\r\nMit freundlichen Grüßen\r\nJörg Müller\r\n"
	scan := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\n% scanned receipt\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
	return []byte("From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <" + from + ">\r\n" +
		"To: " + to + "\r\n" +
		"Subject: =?UTF-8?Q?Beschwerde:_Wartezeiten_am_Schalter?=\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <" + id + ">\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=\"mix-1\"\r\n\r\n" +
		"--mix-1\r\nContent-Type: multipart/alternative; boundary=\"alt-1\"\r\n\r\n" +
		"--alt-1\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text +
		"--alt-1\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n" + html + "\r\n--alt-1--\r\n" +
		"--mix-1\r\nContent-Type: application/pdf; name=\"Wartenummer.pdf\"\r\nContent-Disposition: attachment; filename=\"Wartenummer.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		scan + "\r\n--mix-1--\r\n")
}

// pecEnvelope is a provider's transport envelope (busta di trasporto) around inner, as
// the PEC providers write it: signed multipart, notice, daticert.xml, postacert.eml.
func pecEnvelope(sender, to, subject, pecID string, inner []byte, at time.Time) []byte {
	daticert := fmt.Sprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<postacert tipo=\"posta-certificata\" errore=\"nessuno\">\n"+
		"  <intestazione>\n    <mittente>%s</mittente>\n    <destinatari tipo=\"certificato\">%s</destinatari>\n    <risposte>%s</risposte>\n    <oggetto>%s</oggetto>\n  </intestazione>\n"+
		"  <dati>\n    <gestore-emittente>ArubaPEC S.p.A.</gestore-emittente>\n    <data zona=\"%s\">\n      <giorno>%s</giorno>\n      <ora>%s</ora>\n    </data>\n"+
		"    <identificativo>%s</identificativo>\n    <msgid>&lt;inner-%s&gt;</msgid>\n  </dati>\n</postacert>\n",
		sender, to, sender, subject, at.Format("-0700"), at.Format("02/01/2006"), at.Format("15:04:05"), pecID, pecID)
	notice := fmt.Sprintf("Messaggio di posta certificata\r\n\r\nIl giorno %s alle ore %s (%s) il messaggio\r\n\"%s\" è stato inviato da \"%s\"\r\nindirizzato a:\r\n%s\r\nIl messaggio originale è incluso in allegato.\r\nIdentificativo messaggio: %s\r\n",
		at.Format("02/01/2006"), at.Format("15:04:05"), at.Format("-0700"), subject, sender, to, pecID)
	sig := base64.StdEncoding.EncodeToString([]byte("0\x82\x1a\x8e\x06\x09*\x86H\x86\xf7\x0d\x01\x07\x02 not a real signature"))
	var b strings.Builder
	b.WriteString("Return-Path: <posta-certificata@pec.aruba.it>\r\n")
	b.WriteString("Date: " + at.Format(time.RFC1123Z) + "\r\n")
	b.WriteString("From: \"Per conto di: " + sender + "\" <posta-certificata@pec.aruba.it>\r\n")
	b.WriteString("To: " + to + "\r\n")
	b.WriteString("Subject: POSTA CERTIFICATA: " + subject + "\r\n")
	b.WriteString("Message-ID: <" + pecID + ">\r\n")
	b.WriteString("Reply-To: " + sender + "\r\n")
	b.WriteString("X-Riferimento-Message-ID: <inner-" + pecID + ">\r\n")
	b.WriteString("X-Trasporto: posta-certificata\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\"; micalg=\"sha-256\"; boundary=\"sig-1\"\r\n\r\n")
	b.WriteString("--sig-1\r\nContent-Type: multipart/mixed; boundary=\"mix-2\"\r\n\r\n")
	b.WriteString("--mix-2\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Disposition: inline\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + notice)
	b.WriteString("--mix-2\r\nContent-Type: application/xml; name=\"daticert.xml\"\r\nContent-Disposition: inline; filename=\"daticert.xml\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString([]byte(daticert)) + "\r\n")
	b.WriteString("--mix-2\r\nContent-Type: message/rfc822; name=\"postacert.eml\"\r\nContent-Disposition: inline; filename=\"postacert.eml\"\r\n\r\n")
	b.Write(inner)
	b.WriteString("\r\n--mix-2--\r\n")
	b.WriteString("--sig-1\r\nContent-Type: application/x-pkcs7-signature; name=\"smime.p7s\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"smime.p7s\"\r\n\r\n")
	b.WriteString(sig + "\r\n--sig-1--\r\n")
	return []byte(b.String())
}

func pecInner(sender, to, subject, pecID string, at time.Time) []byte {
	return []byte("From: Studio Legale Bianchi <" + sender + ">\r\n" +
		"To: " + to + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Date: " + at.Format(time.RFC1123Z) + "\r\n" +
		"Message-ID: <inner-" + pecID + ">\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n" +
		"Spettabile Ufficio,\r\nper conto del mio assistito chiedo copia degli atti relativi alla pratica.\r\nDistinti saluti\r\nAvv. Paolo Bianchi\r\n")
}
