package signedfile

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"ascolto/data"
)

// Limits on a trust list: the Italian list is about 1 MB with some two hundred
// certificates and the largest national lists are a few MB, so these leave ample room
// while a crafted file cannot fill the memory.
const (
	maxTrustFile  = 32 << 20
	maxTrustCerts = 20000
	maxTrustFiles = 5000 // files read from a folder of CA certificates
)

// TrustList is the set of certification authorities whose certificates the office
// trusts: either a folder of CA certificates or the national trusted list (ETSI TS 119
// 612), of which only the qualified certificate services are kept, each for the time
// its supervision status allowed (a service withdrawn in 2021 still vouches for a
// signature made in 2019).
type TrustList struct {
	Source  string // the path it was read from
	anchors []anchor
}

type anchor struct {
	cert    *x509.Certificate
	periods []period // when the certificate was trusted; none: always
}

type period struct{ from, until time.Time } // until zero: still trusted

// Len is the number of certificates kept.
func (t *TrustList) Len() int {
	if t == nil {
		return 0
	}
	return len(t.anchors)
}

// trustedAt says whether a is to be trusted for a signature made at when.
func (a anchor) trustedAt(when time.Time) bool {
	if len(a.periods) == 0 {
		return true
	}
	for _, p := range a.periods {
		if !when.Before(p.from) && (p.until.IsZero() || when.Before(p.until)) {
			return true
		}
	}
	return false
}

// pool gives the certificates trusted at when.
func (t *TrustList) pool(when time.Time) *x509.CertPool {
	p := x509.NewCertPool()
	if t == nil {
		return p
	}
	for _, a := range t.anchors {
		if a.trustedAt(when) {
			p.AddCert(a.cert)
		}
	}
	return p
}

func (t *TrustList) add(c *x509.Certificate, periods []period) error {
	if len(t.anchors) >= maxTrustCerts {
		return errors.New("too many certificates")
	}
	for i, a := range t.anchors {
		if bytes.Equal(a.cert.Raw, c.Raw) { // one CA under two services: the union of their times
			if len(a.periods) != 0 && len(periods) != 0 {
				t.anchors[i].periods = append(t.anchors[i].periods, periods...)
			} else {
				t.anchors[i].periods = nil
			}
			return nil
		}
	}
	t.anchors = append(t.anchors, anchor{cert: c, periods: periods})
	return nil
}

// LoadTrust reads the trust list at path: a folder of CA certificates (PEM or DER, any
// number per PEM file), a trusted list in XML, or a single certificate file.
func LoadTrust(path string) (*TrustList, error) {
	bad := func(err error) error {
		return &data.Problem{Key: "case.signed_trust_unreadable", Args: map[string]string{"path": path}, Err: err}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, bad(err)
	}
	if !fi.IsDir() {
		b, err := readLimited(path)
		if err != nil {
			return nil, bad(err)
		}
		var t *TrustList
		if looksXML(b) {
			t, err = ParseTrustList(b)
		} else {
			t = &TrustList{}
			err = t.AddCertificates(b)
		}
		if err != nil {
			return nil, bad(err)
		}
		t.Source = path
		return t, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, bad(err)
	}
	t := &TrustList{Source: path}
	read := 0
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if read++; read > maxTrustFiles {
			return nil, bad(errors.New("too many files"))
		}
		b, err := readLimited(filepath.Join(path, e.Name()))
		if err != nil {
			return nil, bad(err)
		}
		// A folder may hold a README or a list of hashes beside the certificates: a
		// file that is no certificate is passed over.
		_ = t.AddCertificates(b)
	}
	if t.Len() == 0 {
		return nil, bad(errors.New("no certificate in the folder"))
	}
	return t, nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTrustFile+1))
	if err == nil && len(b) > maxTrustFile {
		err = errors.New("file too large")
	}
	return b, err
}

func looksXML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.HasPrefix(bytes.TrimSpace(b), []byte("<"))
}

// AddCertificates adds the certificates of a PEM file (every CERTIFICATE block) or of
// one DER certificate; it fails when there is none.
func (t *TrustList) AddCertificates(b []byte) error {
	found := 0
	if bytes.Contains(b, []byte("-----BEGIN")) {
		for rest := b; ; {
			var blk *pem.Block
			blk, rest = pem.Decode(rest)
			if blk == nil {
				break
			}
			if blk.Type != "CERTIFICATE" && blk.Type != "TRUSTED CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				continue
			}
			if err := t.add(c, nil); err != nil {
				return err
			}
			found++
		}
	} else if c, err := x509.ParseCertificate(b); err == nil {
		if err := t.add(c, nil); err != nil {
			return err
		}
		found++
	}
	if found == 0 {
		return errors.New("no certificate")
	}
	return nil
}

// The parts of ETSI TS 119 612 read here; names without a namespace match the list's
// elements whatever prefix it uses (the Italian list writes tsl:, the EU lists none).
type tslList struct {
	XMLName   xml.Name     `xml:"TrustServiceStatusList"`
	Providers []tslService `xml:"TrustServiceProviderList>TrustServiceProvider>TSPServices>TSPService"`
}

type tslService struct {
	Info    tslInfo   `xml:"ServiceInformation"`
	History []tslInfo `xml:"ServiceHistory>ServiceHistoryInstance"`
}

type tslInfo struct {
	Type   string   `xml:"ServiceTypeIdentifier"`
	Status string   `xml:"ServiceStatus"`
	Start  string   `xml:"StatusStartingTime"`
	Certs  []string `xml:"ServiceDigitalIdentity>DigitalId>X509Certificate"`
	// Usage is what the certificates are issued for (ForeSignatures, ForeSeals,
	// ForWebSiteAuthentication); none written: any.
	Usage []string `xml:"ServiceInformationExtensions>Extension>AdditionalServiceInformation>URI"`
}

// Service type and statuses (ETSI TS 119 612 v2, and v1's statuses still found in the
// history of older services).
const (
	typeQC       = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	statusPrefix = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
)

// forSignatures: a qualified CA for website certificates alone vouches for no signature.
func forSignatures(usage []string) bool {
	if len(usage) == 0 {
		return true
	}
	for _, u := range usage {
		u = strings.TrimSpace(u)
		if strings.HasSuffix(u, "/ForeSignatures") || strings.HasSuffix(u, "/ForeSeals") {
			return true
		}
	}
	return false
}

// goodStatus is a status under which a qualified service's certificates are trusted.
func goodStatus(s string) bool {
	switch strings.TrimPrefix(strings.TrimSpace(s), statusPrefix) {
	case "granted", "recognisedatnationallevel", "undersupervision", "supervisionincessation", "accredited":
		return true
	}
	return false
}

// ParseTrustList reads a trusted list (TrustServiceStatusList) and keeps the
// certificates of the qualified certificate services (CA/QC) for the periods their
// status was granted (or, in the older wording, under supervision or accredited). The
// list's own XML signature is not checked: the office takes the file from AgID's site.
func ParseTrustList(b []byte) (t *TrustList, err error) {
	if len(b) > maxTrustFile {
		return nil, &data.Problem{Key: "case.signed_trust_unreadable", Err: errors.New("file too large")}
	}
	var l tslList
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.Entity = map[string]string{} // no entity is expanded
	if err := d.Decode(&l); err != nil {
		return nil, &data.Problem{Key: "case.signed_trust_unreadable", Err: err}
	}
	t = &TrustList{}
	for _, s := range l.Providers {
		if strings.TrimSpace(s.Info.Type) != typeQC || !forSignatures(s.Info.Usage) {
			continue
		}
		periods := servicePeriods(s)
		if len(periods) == 0 {
			continue // never granted, or granted at a time that cannot be read
		}
		for _, enc := range s.Info.Certs {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(enc), ""))
			if err != nil {
				continue
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				continue
			}
			if err := t.add(c, periods); err != nil {
				return nil, &data.Problem{Key: "case.signed_trust_unreadable", Err: err}
			}
		}
	}
	if t.Len() == 0 {
		return nil, &data.Problem{Key: "case.signed_trust_empty"}
	}
	return t, nil
}

// servicePeriods turns a service's current status and its history into the periods
// its status was good: each status holds from its starting time to the next one's.
func servicePeriods(s tslService) []period {
	type change struct {
		at   time.Time
		good bool
	}
	var changes []change
	for _, in := range append([]tslInfo{s.Info}, s.History...) {
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(in.Start))
		if err != nil {
			return nil // a list whose times cannot be read vouches for nothing
		}
		changes = append(changes, change{at, goodStatus(in.Status)})
	}
	sort.SliceStable(changes, func(i, j int) bool { return changes[i].at.Before(changes[j].at) })
	var out []period
	for i, c := range changes {
		if !c.good {
			continue
		}
		p := period{from: c.at}
		if i+1 < len(changes) {
			p.until = changes[i+1].at
		}
		out = append(out, p)
	}
	return out
}

// String names the list for messages.
func (t *TrustList) String() string {
	if t == nil {
		return "no trust list"
	}
	return fmt.Sprintf("%s (%d certificates)", t.Source, t.Len())
}
