package pdfa

import (
	"bytes"
	"testing"
	"time"

	"ascolto/printing/signature"
	"ascolto/printing/signature/certtest"
)

// FuzzCheck: no file makes Check panic or run away; a file it passes has each property
// it claims (a metadata stream declaring part 2 is in the file).
func FuzzCheck(f *testing.F) {
	good := archived(f)
	plain := letterLike(f)
	f.Add(good)
	f.Add(plain)
	f.Add(good[:len(good)/2])
	f.Add(bytes.Replace(good, []byte("/Root"), []byte("/Rooo"), 1))
	f.Add(bytes.Replace(good, []byte("/Length"), []byte("/Lengtx"), 1))
	f.Add([]byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))
	if p12, err := certtest.P12(certtest.Spec{Password: "pw"}); err == nil {
		if s, err := signature.Load(p12, "pw", time.Now()); err == nil {
			if signed, err := s.Sign(good, signature.Options{Date: created}); err == nil {
				f.Add(signed)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ps := Check(b)
		if len(ps) == 0 && !bytes.Contains(b, []byte("pdfaid")) {
			t.Fatal("a file without PDF/A identification passes")
		}
	})
}

// FuzzParseXMP: no packet makes ParseXMP panic; the packet XMP writes reads back.
func FuzzParseXMP(f *testing.F) {
	f.Add(XMP(info))
	f.Add([]byte(`<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="2" pdfaid:conformance="B"/></rdf:RDF></x:xmpmeta>`))
	f.Add([]byte(`<rdf:Description xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/"><rdf:Alt><rdf:li>a</rdf:li><rdf:li>b</rdf:li></rdf:Alt></dc:title></rdf:Description>`))
	f.Add([]byte("<?xpacket begin=\"\ufeff\"?><a><b></a>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseXMP(b)
	})
}

// TestXMPReadsBack: what XMP writes, ParseXMP reads, with escaped and non-Latin text.
func TestXMPReadsBack(t *testing.T) {
	in := info
	in.Subject = `Lärm & <Baustelle> "Mühlbach" – ĉ`
	x, err := ParseXMP(XMP(in))
	if err != nil {
		t.Fatal(err)
	}
	if x.Part != "2" || x.Conformance != "B" || x.Title != in.Title || x.Description != in.Subject || x.Creator != in.Author ||
		x.CreateDate != "2026-12-07T10:30:00+01:00" || x.Keywords != in.Keywords || x.Producer != "Ascolto" {
		t.Fatalf("%+v", x)
	}
}
