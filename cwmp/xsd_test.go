package cwmp

// XSD validation harness: validates whole SOAP envelopes with
// `xmllint --schema` against the Broadband Forum CWMP schemas in
// testdata/xsd (see testdata/xsd/README.md). The remote schemaLocations in
// the BBF schemas are mapped to the local files by testdata/xsd/catalog.xml;
// xmllint always runs with --nonet.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// xsdDir is the absolute path of testdata/xsd. It is computed when the test
// binary starts, while the working directory is still the package directory,
// so that a later t.Chdir does not break validation.
var xsdDir, xsdDirErr = filepath.Abs(filepath.Join("testdata", "xsd"))

// xsdSchemas maps each CWMP namespace to the schema file (in xsdDir) that
// envelopes in that namespace are validated against. Namespace cwmp-1-2 is
// shared by CWMP 1.2, 1.3 and 1.4; cwmp-1-4.xsd includes cwmp-1-3.xsd, which
// includes cwmp-1-2.xsd, so it covers every element of the namespace.
var xsdSchemas = map[string]string{
	"urn:dslforum-org:cwmp-1-0": "cwmp-1-0.xsd",
	"urn:dslforum-org:cwmp-1-1": "cwmp-1-1.xsd",
	"urn:dslforum-org:cwmp-1-2": "cwmp-1-4.xsd",
}

// errXSDNoXmllint is returned (wrapped) by xmllintValidate when xmllint is not
// on PATH.
var errXSDNoXmllint = errors.New("xmllint not found on PATH (install libxml2-utils)")

// xmllintValidate validates doc, a complete SOAP envelope whose CWMP elements
// are in namespace, with xmllint against the CWMP schema for that namespace.
// It returns nil if the document is valid and xmllint printed nothing but
// its success line, and otherwise an error that includes xmllint's output.
//
// Two checks that xmllint cannot do are made in Go afterwards (see
// xsdCheckEnvelopeExtras): the root element must be soap-env:Envelope, and the
// fixed soap-env:mustUnderstand values of the CWMP header elements are
// enforced.
func xmllintValidate(namespace string, doc []byte) error {
	schema, ok := xsdSchemas[namespace]
	if !ok {
		return fmt.Errorf("no XSD for CWMP namespace %q", namespace)
	}
	if xsdDirErr != nil {
		return fmt.Errorf("locating testdata/xsd: %w", xsdDirErr)
	}
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		return fmt.Errorf("%w: %v", errXSDNoXmllint, err)
	}
	// Everything is relative to xsdDir (cmd.Dir): the catalog's own path
	// must not contain spaces, since XML_CATALOG_FILES is space-separated.
	cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", schema, "-")
	cmd.Dir = xsdDir
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES=catalog.xml")
	cmd.Stdin = bytes.NewReader(doc)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("xmllint --schema %s: %v\n%s", schema, err, out)
	}
	// Exit status 0 with warnings (e.g. a schema that could not be loaded
	// and was skipped) is treated as a failure too.
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "- validates" {
			return fmt.Errorf("xmllint --schema %s: unexpected output\n%s", schema, out)
		}
	}
	return xsdCheckEnvelopeExtras(doc)
}

const xsdSoapEnvNS = "http://schemas.xmlsoap.org/soap/envelope/"

// xsdFixedMustUnderstand is the soap-env:mustUnderstand value each CWMP header
// element must carry when the attribute is present. ID, HoldRequests
// (cwmp-1-0.xsd to cwmp-1-2.xsd) and SessionTimeout (cwmp-1-3.xsd) declare
// it with fixed="..."; SupportedCWMPVersions and UseCWMPVersion
// (cwmp-1-4.xsd) state it as a MUST in their annotations. Whether the
// attribute is required is left to the XSD.
var xsdFixedMustUnderstand = map[string]string{
	"ID":                    "1",
	"HoldRequests":          "1",
	"SessionTimeout":        "0",
	"SupportedCWMPVersions": "0",
	"UseCWMPVersion":        "1",
}

// xsdCheckEnvelopeExtras makes the checks that XSD validation with xmllint
// misses:
//   - the root element must be soap-env:Envelope (XSD accepts any globally
//     declared element as the root, e.g. a bare cwmp:Inform);
//   - libxml2 ignores fixed="..." on an attribute use that references a
//     global attribute (<xs:attribute ref="soapenv:mustUnderstand"
//     fixed="1"/>), so the values of xsdFixedMustUnderstand are checked here.
func xsdCheckEnvelopeExtras(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var path []xml.Name // open elements, root first
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parsing envelope: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			path = append(path, tok.Name)
			depth := len(path)
			if depth == 1 && tok.Name != (xml.Name{Space: xsdSoapEnvNS, Local: "Envelope"}) {
				return fmt.Errorf("not a SOAP envelope: root element is {%s}%s", tok.Name.Space, tok.Name.Local)
			}
			if depth != 3 || path[1] != (xml.Name{Space: xsdSoapEnvNS, Local: "Header"}) ||
				!strings.HasPrefix(tok.Name.Space, "urn:dslforum-org:cwmp-") {
				continue
			}
			want, ok := xsdFixedMustUnderstand[tok.Name.Local]
			if !ok {
				continue
			}
			for _, a := range tok.Attr {
				if a.Name == (xml.Name{Space: xsdSoapEnvNS, Local: "mustUnderstand"}) && a.Value != want {
					return fmt.Errorf("header element {%s}%s: soap-env:mustUnderstand is %q, must be %q",
						tok.Name.Space, tok.Name.Local, a.Value, want)
				}
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		}
	}
}

// xsdRequireXmllint skips the test if xmllint is not installed, or fails it
// if the environment variable CI is true: CI must never skip validation.
func xsdRequireXmllint(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("xmllint"); err != nil {
		if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
			t.Fatalf("xmllint not found on PATH and CI=true: install libxml2-utils (%v)", err)
		}
		t.Skipf("xmllint not found on PATH, skipping XSD validation: install libxml2-utils (apt-get install libxml2-utils) to run it (%v)", err)
	}
}

// validateXSD validates doc, a complete SOAP envelope whose CWMP elements are
// in namespace ("urn:dslforum-org:cwmp-1-0", "urn:dslforum-org:cwmp-1-1" or
// "urn:dslforum-org:cwmp-1-2"), against the BBF CWMP XSD for that namespace,
// and reports a test error with xmllint's output and the document if it is
// not valid. It skips the test if xmllint is missing (fails it if CI=true).
func validateXSD(t testing.TB, namespace string, doc []byte) {
	t.Helper()
	xsdRequireXmllint(t)
	if err := xmllintValidate(namespace, doc); err != nil {
		t.Errorf("XSD validation against %s failed: %v\ndocument:\n%s", namespace, err, doc)
	}
}

const (
	xsdNS10 = "urn:dslforum-org:cwmp-1-0"
	xsdNS11 = "urn:dslforum-org:cwmp-1-1"
	xsdNS12 = "urn:dslforum-org:cwmp-1-2"
)

// xsdTestEnvelope wraps header entries and a body entry in a SOAP envelope
// that binds the prefix cwmp to ns.
func xsdTestEnvelope(ns, header, body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"` +
		` xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/"` +
		` xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
		` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"` +
		` xmlns:cwmp="` + ns + `">
<soap-env:Header>` + header + `</soap-env:Header>
<soap-env:Body>` + body + `</soap-env:Body>
</soap-env:Envelope>
`)
}

const xsdTestID = `<cwmp:ID soap-env:mustUnderstand="1">1234</cwmp:ID>`

// xsdTestInform returns a cwmp:Inform body entry. A non-empty omit drops
// that child element; noArrayType drops soap-enc:arrayType from
// ParameterList.
func xsdTestInform(omit string, noArrayType bool) string {
	children := []struct{ name, xml string }{
		{"DeviceId", `<DeviceId><Manufacturer>Acme</Manufacturer><OUI>00A0C9</OUI>` +
			`<ProductClass>Router</ProductClass><SerialNumber>SN0001</SerialNumber></DeviceId>`},
		{"Event", `<Event soap-enc:arrayType="cwmp:EventStruct[2]">` +
			`<EventStruct><EventCode>0 BOOTSTRAP</EventCode><CommandKey></CommandKey></EventStruct>` +
			`<EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct></Event>`},
		{"MaxEnvelopes", `<MaxEnvelopes>1</MaxEnvelopes>`},
		{"CurrentTime", `<CurrentTime>2024-05-06T07:08:09Z</CurrentTime>`},
		{"RetryCount", `<RetryCount>0</RetryCount>`},
		{"ParameterList", `<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[2]">` +
			`<ParameterValueStruct><Name>Device.DeviceInfo.SoftwareVersion</Name>` +
			`<Value xsi:type="xsd:string">1.2.3</Value></ParameterValueStruct>` +
			`<ParameterValueStruct><Name>Device.ManagementServer.PeriodicInformInterval</Name>` +
			`<Value xsi:type="xsd:unsignedInt">3600</Value></ParameterValueStruct></ParameterList>`},
	}
	var b strings.Builder
	b.WriteString("<cwmp:Inform>")
	for _, c := range children {
		if c.name == omit {
			continue
		}
		x := c.xml
		if noArrayType && c.name == "ParameterList" {
			x = strings.Replace(x, ` soap-enc:arrayType="cwmp:ParameterValueStruct[2]"`, "", 1)
		}
		b.WriteString(x)
	}
	b.WriteString("</cwmp:Inform>")
	return b.String()
}

const xsdTestSPVFault = `<soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring>` +
	`<detail><cwmp:Fault><FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString>` +
	`<SetParameterValuesFault><ParameterName>Device.Foo.Bar</ParameterName>` +
	`<FaultCode>9007</FaultCode><FaultString>Invalid parameter value</FaultString></SetParameterValuesFault>` +
	`</cwmp:Fault></detail></soap-env:Fault>`

// xsdTestChangeDUState is a ChangeDUState as the cwmp-1-2 XSD models it: one
// Operations element per operation, typed with xsi:type (not a SOAP array).
const xsdTestChangeDUState = `<cwmp:ChangeDUState><Operations xsi:type="cwmp:InstallOpStruct">` +
	`<URL>http://example.com/du.tar</URL><UUID>0f4e8a9c-1b2d-4c3e-8f5a-6b7c8d9e0f12</UUID>` +
	`<ExecutionEnvRef>Device.SoftwareModules.ExecEnv.1</ExecutionEnvRef>` +
	`</Operations><CommandKey>ck</CommandKey></cwmp:ChangeDUState>`

// TestXSDHarness checks that the validation harness accepts valid CWMP
// envelopes and rejects broken ones (for the expected reason), so that a
// passing validateXSD call means something.
func TestXSDHarness(t *testing.T) {
	xsdRequireXmllint(t)

	tests := []struct {
		name string
		ns   string
		doc  []byte
		// wantErr is empty if doc must validate, and otherwise a string
		// that xmllint's error output must contain.
		wantErr string
	}{
		// Valid envelopes.
		{"Inform/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID, xsdTestInform("", false)), ""},
		{"Inform/1-1", xsdNS11, xsdTestEnvelope(xsdNS11, xsdTestID, xsdTestInform("", false)), ""},
		{"Inform/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID, xsdTestInform("", false)), ""},
		{"SPVFault/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID, xsdTestSPVFault), ""},
		{"SPVFault/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID, xsdTestSPVFault), ""},
		{"Headers1-3and1-4/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID+
			`<cwmp:SessionTimeout>60</cwmp:SessionTimeout>`+
			`<cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">1.0,1.1,1.2,1.3,1.4</cwmp:SupportedCWMPVersions>`,
			xsdTestInform("", false)), ""},
		{"UseCWMPVersion/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID+
			`<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">1.4</cwmp:UseCWMPVersion>`,
			`<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>`), ""},
		{"HoldRequests/1-0", xsdNS10, xsdTestEnvelope(xsdNS10,
			xsdTestID+`<cwmp:HoldRequests soap-env:mustUnderstand="1">0</cwmp:HoldRequests>`,
			`<cwmp:GetRPCMethods/>`), ""},
		{"NoHeader/1-1", xsdNS11, []byte(`<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"` +
			` xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
			` xmlns:cwmp="urn:dslforum-org:cwmp-1-1"><soap-env:Body><cwmp:GetRPCMethodsResponse>` +
			`<MethodList soap-enc:arrayType="xsd:string[2]"><string>Inform</string><string>GetRPCMethods</string></MethodList>` +
			`</cwmp:GetRPCMethodsResponse></soap-env:Body></soap-env:Envelope>`), ""},
		{"ChangeDUState/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID, xsdTestChangeDUState), ""},

		// Broken envelopes.
		{"MisspelledBody/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID,
			strings.ReplaceAll(xsdTestInform("", false), "cwmp:Inform>", "cwmp:Infrom>")), "Infrom"},
		{"MissingRetryCount/1-1", xsdNS11, xsdTestEnvelope(xsdNS11, xsdTestID, xsdTestInform("RetryCount", false)), "RetryCount"},
		{"MissingDeviceId/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID, xsdTestInform("DeviceId", false)), "DeviceId"},
		{"MissingArrayType/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID, xsdTestInform("", true)), "arrayType"},
		{"MissingArrayType/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID, xsdTestInform("", true)), "arrayType"},
		{"IDWithoutMustUnderstand/1-0", xsdNS10, xsdTestEnvelope(xsdNS10,
			`<cwmp:ID>1234</cwmp:ID>`, xsdTestInform("", false)), "mustUnderstand"},
		{"IDMustUnderstandZero/1-2", xsdNS12, xsdTestEnvelope(xsdNS12,
			`<cwmp:ID soap-env:mustUnderstand="0">1234</cwmp:ID>`, xsdTestInform("", false)), "mustUnderstand"},
		{"ChangeDUStateIn1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID, xsdTestChangeDUState), "ChangeDUState"},
		{"SessionTimeoutIn1-1", xsdNS11, xsdTestEnvelope(xsdNS11,
			xsdTestID+`<cwmp:SessionTimeout>60</cwmp:SessionTimeout>`, xsdTestInform("", false)), "SessionTimeout"},
		{"HoldRequestsMustUnderstandZero/1-1", xsdNS11, xsdTestEnvelope(xsdNS11,
			xsdTestID+`<cwmp:HoldRequests soap-env:mustUnderstand="0">1</cwmp:HoldRequests>`, `<cwmp:GetRPCMethods/>`), "mustUnderstand"},
		{"SessionTimeoutMustUnderstandOne/1-2", xsdNS12, xsdTestEnvelope(xsdNS12,
			xsdTestID+`<cwmp:SessionTimeout soap-env:mustUnderstand="1">60</cwmp:SessionTimeout>`, xsdTestInform("", false)), "mustUnderstand"},
		{"UseCWMPVersionWithoutMustUnderstand/1-2", xsdNS12, xsdTestEnvelope(xsdNS12,
			xsdTestID+`<cwmp:UseCWMPVersion>1.4</cwmp:UseCWMPVersion>`, `<cwmp:GetRPCMethods/>`), "mustUnderstand"},
		{"MustUnderstandTrue/1-0", xsdNS10, xsdTestEnvelope(xsdNS10,
			`<cwmp:ID soap-env:mustUnderstand="true">1234</cwmp:ID>`, `<cwmp:GetRPCMethods/>`), "mustUnderstand"},
		{"UnknownHeader/1-2", xsdNS12, xsdTestEnvelope(xsdNS12,
			xsdTestID+`<cwmp:NoSuchHeader>1</cwmp:NoSuchHeader>`, xsdTestInform("", false)), "NoSuchHeader"},
		{"UnqualifiedBody/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID,
			`<GetRPCMethods/>`), "GetRPCMethods"},
		{"TwoBodyEntries/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID,
			`<cwmp:GetRPCMethods/><cwmp:GetRPCMethods/>`), "GetRPCMethods"},
		{"MisspelledFaultDetail/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID,
			strings.ReplaceAll(xsdTestSPVFault, "cwmp:Fault>", "cwmp:Fualt>")), "Fualt"},
		{"FaultWithoutFaultstring/1-0", xsdNS10, xsdTestEnvelope(xsdNS10, xsdTestID,
			strings.Replace(xsdTestSPVFault, `<faultstring>CWMP fault</faultstring>`, "", 1)), "faultstring"},
		{"BadFaultCode/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID,
			strings.Replace(xsdTestSPVFault, `<FaultCode>9003</FaultCode>`, `<FaultCode>1234</FaultCode>`, 1)), "FaultCode"},
		{"BadOUI/1-2", xsdNS12, xsdTestEnvelope(xsdNS12, xsdTestID,
			strings.Replace(xsdTestInform("", false), "00A0C9", "00a0c9", 1)), "OUI"},
		{"WrongNamespace", xsdNS10, xsdTestEnvelope(xsdNS12, xsdTestID, xsdTestInform("", false)), "cwmp-1-2"},
		{"NotAnEnvelope/1-0", xsdNS10, []byte(`<cwmp:GetRPCMethods xmlns:cwmp="urn:dslforum-org:cwmp-1-0"/>`), "not a SOAP envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.wantErr == "" {
				validateXSD(t, tt.ns, tt.doc)
				return
			}
			err := xmllintValidate(tt.ns, tt.doc)
			if err == nil {
				t.Fatalf("invalid envelope passed XSD validation against %s:\n%s", tt.ns, tt.doc)
			}
			// Reject failures for an unrelated reason (e.g. a schema
			// that did not compile, or xmllint missing).
			if msg := err.Error(); !strings.Contains(msg, tt.wantErr) ||
				strings.Contains(msg, "failed to compile") || errors.Is(err, errXSDNoXmllint) {
				t.Errorf("validation failed, but not for the expected reason (want %q in the error): %v\ndocument:\n%s",
					tt.wantErr, err, tt.doc)
			}
		})
	}

	t.Run("UnknownNamespace", func(t *testing.T) {
		if err := xmllintValidate("urn:dslforum-org:cwmp-9-9", xsdTestEnvelope(xsdNS10, xsdTestID, `<cwmp:GetRPCMethods/>`)); err == nil {
			t.Error("xmllintValidate accepted an unknown namespace")
		}
	})
}
