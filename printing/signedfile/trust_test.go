package signedfile

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"ascolto/printing/signedfile/signedtest"
)

// tslService is one TSPService of a trusted list in the shape AgID publishes (the tsl:
// prefix, a ServiceHistory of earlier statuses).
func tslServiceXML(svcType, status, start string, cert []byte, history ...string) string {
	var h string
	if len(history) > 0 {
		h = "<tsl:ServiceHistory>"
		for i := 0; i+1 < len(history); i += 2 {
			h += fmt.Sprintf(`<tsl:ServiceHistoryInstance><tsl:ServiceTypeIdentifier>%s</tsl:ServiceTypeIdentifier>
<tsl:ServiceName><tsl:Name xml:lang="en">Old</tsl:Name></tsl:ServiceName>
<tsl:ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/%s</tsl:ServiceStatus>
<tsl:StatusStartingTime>%s</tsl:StatusStartingTime></tsl:ServiceHistoryInstance>`, svcType, history[i], history[i+1])
		}
		h += "</tsl:ServiceHistory>"
	}
	enc := base64.StdEncoding.EncodeToString(cert)
	return fmt.Sprintf(`<tsl:TSPService><tsl:ServiceInformation>
<tsl:ServiceTypeIdentifier>%s</tsl:ServiceTypeIdentifier>
<tsl:ServiceName><tsl:Name xml:lang="it">Servizio di certificazione qualificata</tsl:Name></tsl:ServiceName>
<tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>%s</tsl:X509Certificate></tsl:DigitalId>
<tsl:DigitalId><tsl:X509SubjectName>CN=Prova</tsl:X509SubjectName></tsl:DigitalId></tsl:ServiceDigitalIdentity>
<tsl:ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/%s</tsl:ServiceStatus>
<tsl:StatusStartingTime>%s</tsl:StatusStartingTime>
</tsl:ServiceInformation>%s</tsl:TSPService>`, svcType, enc, status, start, h)
}

func tslXML(services ...string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="TrustServiceStatusList" TSLTag="http://uri.etsi.org/19612/TSLTag">
<tsl:SchemeInformation><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier><tsl:TSLSequenceNumber>120</tsl:TSLSequenceNumber>
<tsl:SchemeOperatorName><tsl:Name xml:lang="it">AgID - Agenzia per l'Italia Digitale</tsl:Name></tsl:SchemeOperatorName>
<tsl:SchemeTerritory>IT</tsl:SchemeTerritory></tsl:SchemeInformation>
<tsl:TrustServiceProviderList><tsl:TrustServiceProvider>
<tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="it">Prova Certificatore Qualificato S.p.A.</tsl:Name></tsl:TSPName></tsl:TSPInformation>
<tsl:TSPServices>` + strings.Join(services, "\n") + `</tsl:TSPServices></tsl:TrustServiceProvider></tsl:TrustServiceProviderList>
<ds:Signature Id="sig"><ds:SignedInfo/></ds:Signature>
</tsl:TrustServiceStatusList>`)
}

// usageXML is a service's AdditionalServiceInformation as the lists write it.
func usageXML(kind string) string {
	return `<tsl:ServiceInformationExtensions><tsl:Extension Critical="false"><tsl:AdditionalServiceInformation>` +
		`<tsl:URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/` + kind + `</tsl:URI>` +
		`</tsl:AdditionalServiceInformation></tsl:Extension></tsl:ServiceInformationExtensions>`
}

func certDER(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatal("no PEM in " + path)
	}
	return blk.Bytes
}

const (
	svcQC  = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	svcTSA = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
)

func TestTrustListXML(t *testing.T) {
	k := kit(t)
	ca, other := certDER(t, k.CA), certDER(t, k.OtherCA)
	xml := tslXML(
		strings.Replace(tslServiceXML(svcQC, "granted", "2016-06-30T22:00:00Z", ca, "undersupervision", "2010-01-01T00:00:00Z"),
			"</tsl:StatusStartingTime>", "</tsl:StatusStartingTime>"+usageXML("ForeSignatures")+usageXML("ForWebSiteAuthentication"), 1),
		// the other CA: a time-stamping service only, and a CA/QC withdrawn in 2021
		tslServiceXML(svcTSA, "granted", "2016-06-30T22:00:00Z", other),
		tslServiceXML(svcQC, "withdrawn", "2021-03-01T00:00:00Z", other, "granted", "2016-06-30T22:00:00Z"),
	)
	tl, err := ParseTrustList(xml)
	if err != nil {
		t.Fatal(err)
	}
	if tl.Len() != 2 {
		t.Fatalf("%d certificates kept", tl.Len())
	}
	rossi := sign(t, k, signedtest.Rossi, []byte("testo"), signedtest.Options{})
	if res, err := Inspect("x.p7m", rossi, tl, time.Now()); err != nil || !res.Trusted() {
		t.Errorf("granted CA: %v, %v", res, err)
	}
	// The withdrawn CA vouches for signatures made before 2021-03-01 only.
	unknown := sign(t, k, signedtest.Unknown, []byte("testo"), signedtest.Options{})
	if res, err := Inspect("x.p7m", unknown, tl, time.Now()); err != nil || res.Trusted() || problemKey(res.Problem()) != "case.signed_unknown" {
		t.Errorf("withdrawn CA now: %v, %v", res, err)
	}
	for _, a := range tl.anchors {
		if a.cert.Subject.CommonName != "Other CA" {
			continue
		}
		if !a.trustedAt(time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC)) || a.trustedAt(time.Date(2021, 5, 1, 0, 0, 0, 0, time.UTC)) || a.trustedAt(time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("periods %+v", a.periods)
		}
	}
	// The same list loaded from a file.
	path := t.TempDir() + "/IT_TSL.xml"
	if err := os.WriteFile(path, xml, 0o600); err != nil {
		t.Fatal(err)
	}
	if tl, err := LoadTrust(path); err != nil || tl.Len() != 2 || tl.Source != path {
		t.Errorf("%v, %v", tl, err)
	}
}

func TestTrustListRefused(t *testing.T) {
	k := kit(t)
	ca := certDER(t, k.CA)
	for name, b := range map[string][]byte{
		"no qualified CA": tslXML(tslServiceXML(svcTSA, "granted", "2016-06-30T22:00:00Z", ca)),
		"only withdrawn":  tslXML(tslServiceXML(svcQC, "withdrawn", "2016-06-30T22:00:00Z", ca)),
		"bad time":        tslXML(tslServiceXML(svcQC, "granted", "30/06/2016", ca)),
		"bad certificate": tslXML(tslServiceXML(svcQC, "granted", "2016-06-30T22:00:00Z", []byte("not a certificate"))),
		"not a list":      []byte(`<?xml version="1.0"?><rss><channel/></rss>`),
		"truncated":       tslXML(tslServiceXML(svcQC, "granted", "2016-06-30T22:00:00Z", ca))[:400],
		"websites only": tslXML(strings.Replace(tslServiceXML(svcQC, "granted", "2016-06-30T22:00:00Z", ca), "</tsl:StatusStartingTime>",
			"</tsl:StatusStartingTime>"+usageXML("ForWebSiteAuthentication"), 1)),
		"entity": []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><TrustServiceStatusList>&a;</TrustServiceStatusList>`),
	} {
		if _, err := ParseTrustList(b); err == nil {
			t.Errorf("%s: accepted", name)
		} else if k := problemKey(err); k != "case.signed_trust_empty" && k != "case.signed_trust_unreadable" {
			t.Errorf("%s: %v", name, err)
		}
	}
}
