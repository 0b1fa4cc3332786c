package signedfile

import (
	"bytes"
	"encoding/base64"
	"os"
	"testing"
	"time"

	"ascolto/data"
	"ascolto/printing/signedfile/signedtest"
)

// fuzzNow is the fuzz targets' clock: the checked-in seeds were signed in 2026 with
// certificates valid from 2020 to 2039.
var fuzzNow = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

// fuzzTrust is the CA of the checked-in seeds (testdata/fuzz-ca.pem), so that the
// chain to a trusted authority is walked too.
func fuzzTrust(f *testing.F) *TrustList {
	tl, err := LoadTrust("testdata/fuzz-ca.pem")
	if err != nil {
		f.Fatal(err)
	}
	return tl
}

// opensslSeeds are the envelopes openssl makes now: DER, PEM, base64, BER, nested,
// detached with its content, without signed attributes, RSASSA-PSS and ECDSA, expired
// and unknown signers, a changed byte, cut short.
func opensslSeeds(f *testing.F) {
	if _, skip, err := signedtest.Find(); err != nil {
		f.Fatal(err)
	} else if skip != "" {
		return // the checked-in seeds remain
	}
	k := kit(f)
	doc, err := signedtest.PDF("Seme")
	if err != nil {
		f.Fatal(err)
	}
	must := func(b []byte, err error) []byte {
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	der := must(k.Sign(signedtest.Rossi, doc, signedtest.Options{}))
	f.Add("a.pdf.p7m", der, []byte(nil))
	f.Add("a.pdf.p7m", must(k.Sign(signedtest.Rossi, []byte("testo"), signedtest.Options{PEM: true})), []byte(nil))
	f.Add("a.p7m", []byte(base64.StdEncoding.EncodeToString(der[:min(len(der), 600)])), []byte(nil))
	f.Add("a.pdf.p7m.p7m", must(k.Nest([]byte("testo"), signedtest.Rossi, signedtest.Bianchi)), []byte(nil))
	f.Add("a.pdf.p7s", must(k.Sign(signedtest.Rossi, []byte("testo"), signedtest.Options{Detached: true})), []byte("testo"))
	f.Add("a.p7m", must(k.Sign(signedtest.Expired, []byte("testo"), signedtest.Options{})), []byte(nil))
	f.Add("a.p7m", must(k.Sign(signedtest.Unknown, []byte("testo"), signedtest.Options{})), []byte(nil))
	f.Add("a.p7m", must(k.Sign(signedtest.Rossi, []byte("testo"), signedtest.Options{NoCerts: true})), []byte(nil))
	f.Add("a.p7m", must(k.Sign(signedtest.Rossi, []byte("testo"), signedtest.Options{Stream: true})), []byte(nil))
	f.Add("a.p7m", must(k.Sign(signedtest.Rossi, []byte("testo"), signedtest.Options{NoAttr: true})), []byte(nil))
	f.Add("a.p7m", must(k.Sign(signedtest.Rossi, []byte("testo"), signedtest.Options{PSS: true})), []byte(nil))
	f.Add("a.p7m", must(k.Sign(signedtest.ECDSA, []byte("testo"), signedtest.Options{})), []byte(nil))
	changed := append([]byte(nil), der...)
	changed[len(changed)/2] ^= 1
	f.Add("a.p7m", changed, []byte(nil))
	f.Add("a.p7m", der[:len(der)-100], []byte(nil))
	f.Add("a.pdf", must(k.SignedPDF(signedtest.Rossi, doc)), []byte(nil))
}

// FuzzInspect feeds signed files (and garbage) to Inspect and InspectDetached: they
// must never panic, must refuse with a *data.Problem, and what they accept must be
// consistent.
func FuzzInspect(f *testing.F) {
	trust := fuzzTrust(f)
	opensslSeeds(f)
	f.Add("x.p7m", []byte{}, []byte(nil))
	f.Add("x.p7m", []byte("\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x80\x00\x00\x00\x00"), []byte(nil))
	f.Add("x.p7m", []byte("-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n"), []byte(nil))
	f.Add("x.pdf", []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"), []byte(nil))
	f.Fuzz(func(t *testing.T, name string, file, content []byte) {
		check := func(res *Result, err error) {
			if err != nil {
				if _, ok := data.AsProblem(err); !ok || res != nil {
					t.Fatalf("%v (%T) with a result", err, err)
				}
				return
			}
			if res == nil || len(res.Signers) == 0 {
				t.Fatal("no error and no signer")
			}
			if res.Kind == KindPDF {
				if !bytes.Equal(res.Content, file) {
					t.Fatal("a PDF's content is not the PDF")
				}
			} else if res.Envelopes < 1 || res.Envelopes > MaxDepth {
				t.Fatalf("%d envelopes", res.Envelopes)
			}
			for _, s := range res.Signers {
				if s.Intact && s.Certificate == nil {
					t.Fatal("an intact signature without a certificate")
				}
			}
			if p := res.Problem(); (p == nil) != res.Trusted() {
				t.Fatalf("problem %v, trusted %v", p, res.Trusted())
			}
			if res.ContentName == "" {
				t.Fatal("no content name")
			}
		}
		check(Inspect(name, file, trust, fuzzNow))
		if len(content) > 0 {
			check(InspectDetached(name, file, content, trust, fuzzNow))
		}
	})
}

// FuzzTrustList feeds trusted lists (and garbage) to ParseTrustList: it must never
// panic, and a list it accepts holds certificates.
func FuzzTrustList(f *testing.F) {
	ca, err := os.ReadFile("testdata/fuzz-ca.pem")
	if err != nil {
		f.Fatal(err)
	}
	var tl TrustList
	if err := tl.AddCertificates(ca); err != nil {
		f.Fatal(err)
	}
	der := tl.anchors[0].cert.Raw
	f.Add(tslXML(tslServiceXML(svcQC, "granted", "2016-06-30T22:00:00Z", der, "undersupervision", "2010-01-01T00:00:00Z")))
	f.Add(tslXML(tslServiceXML(svcQC, "withdrawn", "2021-03-01T00:00:00Z", der, "granted", "2016-06-30T22:00:00Z"),
		tslServiceXML(svcTSA, "granted", "2016-06-30T22:00:00Z", der)))
	f.Add([]byte(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><TrustServiceProviderList><TrustServiceProvider><TSPServices><TSPService><ServiceInformation><ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</ServiceTypeIdentifier><ServiceDigitalIdentity><DigitalId><X509Certificate>MIIB</X509Certificate></DigitalId></ServiceDigitalIdentity><ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</ServiceStatus><StatusStartingTime>2016-06-30T22:00:00Z</StatusStartingTime></ServiceInformation></TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`))
	f.Add([]byte("\xef\xbb\xbf<"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tl, err := ParseTrustList(b)
		if err != nil {
			if _, ok := data.AsProblem(err); !ok || tl != nil {
				t.Fatalf("%v (%T)", err, err)
			}
			return
		}
		if tl.Len() == 0 {
			t.Fatal("an empty list accepted")
		}
		for _, a := range tl.anchors {
			if a.cert == nil || len(a.periods) == 0 {
				t.Fatal("a certificate without its periods")
			}
			for _, p := range a.periods {
				if !p.until.IsZero() && p.until.Before(p.from) {
					t.Fatalf("period %v", p)
				}
			}
		}
		_ = tl.pool(fuzzNow)
	})
}
