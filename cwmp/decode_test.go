package cwmp

// Decode tests: what Decode and ReadEnvelope accept from sloppy but
// harmless peers (TestLenient*), what they must refuse and how the error
// names the problem (TestReject*), that no input makes them panic or take
// quadratic time (TestDecodeNeverPanics, TestDecodeLinearTime), and the
// device-style envelopes of testdata/devices (TestDeviceEnvelopes).
//
// Helpers are prefixed "dt" so they cannot collide with those of the other
// test files of the package.

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf8"
)

// ---- helpers ----

// dtSOAPDecls declares the usual SOAP prefixes of an envelope.
const dtSOAPDecls = `xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"` +
	` xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/"` +
	` xmlns:xsd="http://www.w3.org/2001/XMLSchema"` +
	` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`

// CWMP namespace declarations for dtEnvelope.
const (
	dtCWMP10 = ` xmlns:cwmp="urn:dslforum-org:cwmp-1-0"`
	dtCWMP12 = ` xmlns:cwmp="urn:dslforum-org:cwmp-1-2"`
)

// dtEnvelope returns a soap-env envelope declaring cwmpDecl (which may be
// ""), with header elements (no Header element when "") and body.
func dtEnvelope(cwmpDecl, header, body string) string {
	var b strings.Builder
	b.WriteString(`<soap-env:Envelope ` + dtSOAPDecls + cwmpDecl + `>`)
	if header != "" {
		b.WriteString(`<soap-env:Header>` + header + `</soap-env:Header>`)
	}
	b.WriteString(`<soap-env:Body>` + body + `</soap-env:Body></soap-env:Envelope>`)
	return b.String()
}

// dtEnv is dtEnvelope in the cwmp-1-0 namespace.
func dtEnv(header, body string) string { return dtEnvelope(dtCWMP10, header, body) }

// dtPrefixed returns an envelope whose SOAP elements use prefix ("" for a
// default namespace), with an ID header of "42" and body.
func dtPrefixed(prefix, body string) string {
	q, decl := prefix+":", "xmlns:"+prefix
	if prefix == "" {
		q, decl = "", "xmlns"
	}
	return `<` + q + `Envelope ` + decl + `="` + NSEnvelope + `" xmlns:soap-enc="` + NSEncoding +
		`" xmlns:xsd="` + NSXSD + `" xmlns:xsi="` + NSXSI + `" xmlns:cwmp="` + NS10 + `">` +
		`<` + q + `Header><cwmp:ID ` + q + `mustUnderstand="1">42</cwmp:ID></` + q + `Header>` +
		`<` + q + `Body>` + body + `</` + q + `Body></` + q + `Envelope>`
}

// dtShort abbreviates an input for a failure message.
func dtShort(s string) string {
	if len(s) > 600 {
		return strconv.Quote(s[:300]) + " ... " + strconv.Quote(s[len(s)-300:])
	}
	return strconv.Quote(s)
}

// dtDecode decodes in and fails the test on error.
func dtDecode(t *testing.T, in string) *Envelope {
	t.Helper()
	env, err := Decode([]byte(in))
	if err != nil {
		t.Fatalf("Decode: %v\ninput: %s", err, dtShort(in))
	}
	if env == nil || env.Body == nil {
		t.Fatalf("Decode returned neither a message nor an error\ninput: %s", dtShort(in))
	}
	return env
}

// dtMsg returns the body of env as a T, failing the test if it is not one.
func dtMsg[T Message](t *testing.T, env *Envelope) T {
	t.Helper()
	m, ok := env.Body.(T)
	if !ok {
		var zero T
		t.Fatalf("Body is %T, want %T", env.Body, zero)
	}
	return m
}

// dtLenient is one input Decode must accept, with the checks of its values.
type dtLenient struct {
	name  string
	in    string
	check func(t *testing.T, env *Envelope)
}

func dtRunLenient(t *testing.T, cases []dtLenient) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.check(t, dtDecode(t, c.in))
		})
	}
}

// dtInformBody is a minimal well-formed Inform checked by dtCheckInform.
const dtInformBody = `<cwmp:Inform><DeviceId><Manufacturer>Acme Networks</Manufacturer><OUI>0011AA</OUI>` +
	`<ProductClass>HomeBox</ProductClass><SerialNumber>SN0001</SerialNumber></DeviceId>` +
	`<Event soap-enc:arrayType="cwmp:EventStruct[1]"><EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct></Event>` +
	`<MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2024-01-02T03:04:05Z</CurrentTime><RetryCount>0</RetryCount>` +
	`<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[1]"><ParameterValueStruct>` +
	`<Name>Device.DeviceInfo.SoftwareVersion</Name><Value xsi:type="xsd:string">1.2.3</Value>` +
	`</ParameterValueStruct></ParameterList></cwmp:Inform>`

var dtInformTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// dtCheckInform checks every value of dtInformBody.
func dtCheckInform(t *testing.T, env *Envelope) {
	t.Helper()
	m := dtMsg[*Inform](t, env)
	want := DeviceIdStruct{Manufacturer: "Acme Networks", OUI: "0011AA", ProductClass: "HomeBox", SerialNumber: "SN0001"}
	if m.DeviceId != want {
		t.Errorf("DeviceId = %+v, want %+v", m.DeviceId, want)
	}
	if len(m.Event) != 1 || m.Event[0] != (EventStruct{EventCode: EventBoot}) {
		t.Errorf("Event = %+v, want [{1 BOOT }]", m.Event)
	}
	if m.MaxEnvelopes != 1 || m.RetryCount != 0 {
		t.Errorf("MaxEnvelopes, RetryCount = %d, %d, want 1, 0", m.MaxEnvelopes, m.RetryCount)
	}
	if !m.CurrentTime.Equal(dtInformTime) {
		t.Errorf("CurrentTime = %v, want %v", m.CurrentTime, dtInformTime)
	}
	wantP := ParameterValueStruct{Name: "Device.DeviceInfo.SoftwareVersion", Value: "1.2.3", Type: "string"}
	if len(m.ParameterList) != 1 || m.ParameterList[0] != wantP {
		t.Errorf("ParameterList = %+v, want [%+v]", m.ParameterList, wantP)
	}
}

// dtUnprefixedTag matches the start and end tags without a prefix.
var dtUnprefixedTag = regexp.MustCompile(`<(/?)([A-Z][A-Za-z]*)`)

// dtQualify gives every unprefixed element of body the prefix p.
func dtQualify(body, p string) string {
	return dtUnprefixedTag.ReplaceAllString(body, "<${1}"+p+":${2}")
}

// dtEvents returns the event codes of an Inform.
func dtEvents(m *Inform) []EventCode {
	var out []EventCode
	for _, e := range m.Event {
		out = append(out, e.EventCode)
	}
	return out
}

// ---- lenient cases ----

func TestLenientSOAPPrefixes(t *testing.T) {
	var cases []dtLenient
	for _, p := range []string{"soap-env", "SOAP-ENV", "soapenv", "soap", "env", "s", "soap_env", ""} {
		name := "prefix " + p
		if p == "" {
			name = "default namespace"
		}
		cases = append(cases, dtLenient{name, dtPrefixed(p, dtInformBody), func(t *testing.T, env *Envelope) {
			dtCheckInform(t, env)
			if env.Header.ID != "42" {
				t.Errorf("Header.ID = %q, want 42", env.Header.ID)
			}
			if env.Namespace != NS10 {
				t.Errorf("Namespace = %q, want %q", env.Namespace, NS10)
			}
		}})
	}
	cases = append(cases, dtLenient{"default SOAP namespace and default cwmp namespace on the message",
		`<Envelope xmlns="` + NSEnvelope + `"><Body><Reboot xmlns="` + NS11 + `"><CommandKey>rb-1</CommandKey></Reboot></Body></Envelope>`,
		func(t *testing.T, env *Envelope) {
			if m := dtMsg[*Reboot](t, env); m.CommandKey != "rb-1" {
				t.Errorf("CommandKey = %q, want rb-1", m.CommandKey)
			}
			if env.Namespace != NS11 {
				t.Errorf("Namespace = %q, want %q", env.Namespace, NS11)
			}
		}})
	dtRunLenient(t, cases)
}

func TestLenientCWMPNamespaces(t *testing.T) {
	ns := func(want string) func(*testing.T, *Envelope) {
		return func(t *testing.T, env *Envelope) {
			t.Helper()
			dtCheckInform(t, env)
			if env.Namespace != want {
				t.Errorf("Namespace = %q, want %q", env.Namespace, want)
			}
		}
	}
	qualified := dtQualify(dtInformBody, "cwmp")
	ns1 := strings.Replace(strings.ReplaceAll(dtInformBody, "cwmp:", "ns1:"), "<ns1:Inform>", `<ns1:Inform xmlns:ns1="`+NS11+`">`, 1)
	dtRunLenient(t, []dtLenient{
		{"unqualified children", dtEnv("", dtInformBody), ns(NS10)},
		{"qualified children", dtEnv("", qualified), ns(NS10)},
		{"some children qualified, some not",
			dtEnv("", strings.Replace(strings.Replace(dtInformBody, "<Manufacturer>Acme Networks</Manufacturer>", "<cwmp:Manufacturer>Acme Networks</cwmp:Manufacturer>", 1),
				"<MaxEnvelopes>1</MaxEnvelopes>", "<cwmp:MaxEnvelopes>1</cwmp:MaxEnvelopes>", 1)), ns(NS10)},
		{"prefix ns1 declared on the message element", dtEnvelope("", "", ns1), ns(NS11)},
		{"prefix ns1 with qualified children", dtEnvelope("", "", dtQualify(ns1, "ns1")), ns(NS11)},
		{"cwmp declared on the message element, not the Envelope",
			dtEnvelope("", "", strings.Replace(dtInformBody, "<cwmp:Inform>", `<cwmp:Inform xmlns:cwmp="`+NS12+`">`, 1)), ns(NS12)},
		{"cwmp on the message overrides the Envelope's",
			dtEnv("", strings.Replace(dtInformBody, "<cwmp:Inform>", `<cwmp:Inform xmlns:cwmp="`+NS11+`">`, 1)), ns(NS11)},
		{"cwmp-1-2 on the Envelope", dtEnvelope(dtCWMP12, "", dtInformBody), ns(NS12)},
		{"default namespace on the message element",
			dtEnvelope("", "", strings.NewReplacer("<cwmp:Inform>", `<Inform xmlns="`+NS10+`">`, "</cwmp:Inform>", "</Inform>").Replace(dtInformBody)), ns(NS10)},
		// Unbound prefixes are documented as tolerated; the namespace is
		// then unknown.
		{"cwmp prefix never declared", dtEnvelope("", "", dtInformBody), ns("")},
		{"message in a foreign namespace decodes by name", dtEnvelope(` xmlns:cwmp="urn:example:not-cwmp"`, "", dtInformBody), ns("")},
	})
}

func TestLenientArrays(t *testing.T) {
	event := func(arrayAttr, item string) string {
		return strings.Replace(dtInformBody,
			`<Event soap-enc:arrayType="cwmp:EventStruct[1]"><EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct></Event>`,
			`<Event`+arrayAttr+`><`+item+`><EventCode>1 BOOT</EventCode><CommandKey/></`+item+`><`+item+`><EventCode>M Reboot</EventCode><CommandKey>rb-7</CommandKey></`+item+`></Event>`, 1)
	}
	twoEvents := func(t *testing.T, env *Envelope) {
		m := dtMsg[*Inform](t, env)
		want := []EventStruct{{EventBoot, ""}, {EventMReboot, "rb-7"}}
		if !slices.Equal(m.Event, want) {
			t.Errorf("Event = %+v, want %+v", m.Event, want)
		}
	}
	params := func(arrayAttr, item string) string {
		var b strings.Builder
		b.WriteString(`<cwmp:GetParameterValuesResponse><ParameterList` + arrayAttr + `>`)
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(&b, `<%s><Name>A.B.%d</Name><Value xsi:type="xsd:unsignedInt">%d</Value></%s>`, item, i, i*10, item)
		}
		b.WriteString(`</ParameterList></cwmp:GetParameterValuesResponse>`)
		return dtEnv("", b.String())
	}
	threeParams := func(t *testing.T, env *Envelope) {
		m := dtMsg[*GetParameterValuesResponse](t, env)
		if len(m.ParameterList) != 3 {
			t.Fatalf("got %d parameters, want 3: %+v", len(m.ParameterList), m.ParameterList)
		}
		for i, p := range m.ParameterList {
			want := ParameterValueStruct{Name: fmt.Sprintf("A.B.%d", i+1), Value: strconv.Itoa((i + 1) * 10), Type: "unsignedInt"}
			if p != want {
				t.Errorf("ParameterList[%d] = %+v, want %+v", i, p, want)
			}
		}
	}
	names := func(arrayAttr, item string) string {
		return dtEnv("", `<cwmp:GetParameterValues><ParameterNames`+arrayAttr+`><`+item+`>Device.DeviceInfo.</`+item+`><`+item+`>Device.ManagementServer.URL</`+item+`></ParameterNames></cwmp:GetParameterValues>`)
	}
	twoNames := func(t *testing.T, env *Envelope) {
		m := dtMsg[*GetParameterValues](t, env)
		want := []string{"Device.DeviceInfo.", "Device.ManagementServer.URL"}
		if !slices.Equal(m.ParameterNames, want) {
			t.Errorf("ParameterNames = %q, want %q", m.ParameterNames, want)
		}
	}
	dtRunLenient(t, []dtLenient{
		{"Event arrayType count larger than the items", dtEnv("", event(` soap-enc:arrayType="cwmp:EventStruct[5]"`, "EventStruct")), twoEvents},
		{"Event arrayType count smaller than the items", dtEnv("", event(` soap-enc:arrayType="cwmp:EventStruct[1]"`, "EventStruct")), twoEvents},
		{"Event without arrayType", dtEnv("", event("", "EventStruct")), twoEvents},
		{"Event items named item", dtEnv("", event(` soap-enc:arrayType="cwmp:EventStruct[2]"`, "item")), twoEvents},
		{"Event arrayType with SOAP-ENC prefix and no brackets", dtEnv("", event(` SOAP-ENC:arrayType="EventStruct"`, "EventStruct")), twoEvents},
		{"ParameterList arrayType count larger", params(` soap-enc:arrayType="cwmp:ParameterValueStruct[10]"`, "ParameterValueStruct"), threeParams},
		{"ParameterList arrayType count smaller", params(` soap-enc:arrayType="cwmp:ParameterValueStruct[1]"`, "ParameterValueStruct"), threeParams},
		{"ParameterList without arrayType", params("", "ParameterValueStruct"), threeParams},
		{"ParameterList items named item", params(` soap-enc:arrayType="cwmp:ParameterValueStruct[3]"`, "item"), threeParams},
		{"ParameterList items named cwmp:ParameterValueStruct", params(` soap-enc:arrayType="cwmp:ParameterValueStruct[3]"`, "cwmp:ParameterValueStruct"), threeParams},
		{"xsd:string[0] with two items", names(` soap-enc:arrayType="xsd:string[0]"`, "string"), twoNames},
		{"string array without arrayType", names("", "string"), twoNames},
		{"string array items named item", names(` soap-enc:arrayType="xsd:string[2]"`, "item"), twoNames},
		{"string array items named xsd:string", names(` soap-enc:arrayType="xsd:string[2]"`, "xsd:string"), twoNames},
		{"ParameterList with xsi:type SOAP-ENC:Array", params(` xsi:type="soap-enc:Array" soap-enc:arrayType="cwmp:ParameterValueStruct[3]"`, "ParameterValueStruct"), threeParams},
		{"string array with xsi:type SOAP-ENC:Array", names(` xsi:type="soap-enc:Array" soap-enc:arrayType="xsd:string[2]"`, "string"), twoNames},
		{"empty ParameterList", dtEnv("", `<cwmp:GetParameterValuesResponse><ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[0]"/></cwmp:GetParameterValuesResponse>`),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*GetParameterValuesResponse](t, env); len(m.ParameterList) != 0 {
					t.Errorf("ParameterList = %+v, want empty", m.ParameterList)
				}
			}},
		{"ParameterList holding only white space and a comment", dtEnv("", "<cwmp:GetParameterValuesResponse><ParameterList>\n  <!-- none -->\n</ParameterList></cwmp:GetParameterValuesResponse>"),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*GetParameterValuesResponse](t, env); len(m.ParameterList) != 0 {
					t.Errorf("ParameterList = %+v, want empty", m.ParameterList)
				}
			}},
	})
}

// dtPrettyInform is dtInformBody pretty-printed with tabs, blank lines and
// white space around every value that is not a parameter value.
const dtPrettyInform = `<?xml version="1.0" encoding="UTF-8"?>

<soap-env:Envelope
	xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"
	xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/"
	xmlns:xsd="http://www.w3.org/2001/XMLSchema"
	xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
	xmlns:cwmp="urn:dslforum-org:cwmp-1-0" >
	<soap-env:Header >
		<cwmp:ID soap-env:mustUnderstand = "1" >
			42
		</cwmp:ID>
	</soap-env:Header>

	<soap-env:Body>
		<cwmp:Inform>
			<DeviceId>
				<Manufacturer>
					Acme Networks
				</Manufacturer>
				<OUI> 0011AA </OUI>
				<ProductClass>HomeBox	</ProductClass>
				<SerialNumber>	SN0001</SerialNumber>
			</DeviceId>
			<Event soap-enc:arrayType="cwmp:EventStruct[1]">
				<EventStruct>
					<EventCode>
						1 BOOT
					</EventCode>
					<CommandKey>
					</CommandKey>
				</EventStruct>
			</Event>
			<MaxEnvelopes>
				1
			</MaxEnvelopes>
			<CurrentTime> 2024-01-02T03:04:05Z </CurrentTime>
			<RetryCount> 0 </RetryCount>
			<ParameterList soap-enc:arrayType="cwmp:ParameterValueStruct[1]">
				<ParameterValueStruct>
					<Name>
						Device.DeviceInfo.SoftwareVersion
					</Name>
					<Value xsi:type="xsd:string">1.2.3</Value>
				</ParameterValueStruct>
			</ParameterList>
		</cwmp:Inform>
	</soap-env:Body>
</soap-env:Envelope>
`

func TestLenientWhiteSpace(t *testing.T) {
	pretty := func(t *testing.T, env *Envelope) {
		dtCheckInform(t, env)
		if env.Header.ID != "42" {
			t.Errorf("Header.ID = %q, want 42", env.Header.ID)
		}
	}
	dtRunLenient(t, []dtLenient{
		{"pretty-printed with tabs and LF", dtPrettyInform, pretty},
		{"pretty-printed with CRLF", strings.ReplaceAll(dtPrettyInform, "\n", "\r\n"), pretty},
		{"pretty-printed with CR only", strings.ReplaceAll(dtPrettyInform, "\n", "\r"), pretty},
		{"BOM and XML declaration", "\xEF\xBB\xBF" + dtPrettyInform, pretty},
		{"BOM without XML declaration", "\xEF\xBB\xBF" + dtEnv(`<cwmp:ID soap-env:mustUnderstand="1">42</cwmp:ID>`, dtInformBody), pretty},
		{"trailing white space after the envelope", dtEnv("", dtInformBody) + "\r\n\r\n\t ", dtCheckInform},
		{"comment and processing instruction after the envelope", dtEnv("", dtInformBody) + "\n<!-- end -->\n<?trace done?>\n", dtCheckInform},
		{"comment before the envelope", "<?xml version=\"1.0\"?>\n<!-- captured by tcpdump -->\n" + dtEnv("", dtInformBody), dtCheckInform},
		{"numbers with surrounding spaces",
			dtEnv("", "<cwmp:AddObjectResponse><InstanceNumber>\n\t 7 \n</InstanceNumber><Status> 1 </Status></cwmp:AddObjectResponse>"),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*AddObjectResponse](t, env); m.InstanceNumber != 7 || m.Status != 1 {
					t.Errorf("InstanceNumber, Status = %d, %d, want 7, 1", m.InstanceNumber, m.Status)
				}
			}},
		{"negative int with spaces",
			dtEnv("", "<cwmp:ScheduleDownload><CommandKey>k</CommandKey><TimeWindowList><TimeWindowStruct><WindowStart> 0 </WindowStart><WindowEnd> 3600 </WindowEnd><WindowMode> 1 At Any Time </WindowMode><UserMessage/><MaxRetries> -1 </MaxRetries></TimeWindowStruct></TimeWindowList></cwmp:ScheduleDownload>"),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*ScheduleDownload](t, env)
				want := []TimeWindowStruct{{WindowStart: 0, WindowEnd: 3600, WindowMode: "1 At Any Time", MaxRetries: -1}}
				if !slices.Equal(m.TimeWindowList, want) {
					t.Errorf("TimeWindowList = %+v, want %+v", m.TimeWindowList, want)
				}
			}},
		{"int with a plus sign",
			dtEnv("", "<cwmp:SetParameterValuesResponse><Status>+1</Status></cwmp:SetParameterValuesResponse>"),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*SetParameterValuesResponse](t, env); m.Status != 1 {
					t.Errorf("Status = %d, want 1", m.Status)
				}
			}},
		// xsd:unsignedInt allows a leading "+" (XML Schema Part 2, 3.3.20), as xsd:int does.
		{"unsignedInt with a plus sign",
			dtEnv("", "<cwmp:AddObjectResponse><InstanceNumber>+7</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>"),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*AddObjectResponse](t, env); m.InstanceNumber != 7 {
					t.Errorf("InstanceNumber = %d, want 7", m.InstanceNumber)
				}
			}},
		{"empty numeric elements are zero",
			dtEnv("", "<cwmp:AddObjectResponse><InstanceNumber></InstanceNumber><Status/></cwmp:AddObjectResponse>"),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*AddObjectResponse](t, env); m.InstanceNumber != 0 || m.Status != 0 {
					t.Errorf("InstanceNumber, Status = %d, %d, want 0, 0", m.InstanceNumber, m.Status)
				}
			}},
		{"white space inside tags and around attributes",
			"<soap-env:Envelope\n " + dtSOAPDecls + dtCWMP10 + "\n>\n<soap-env:Body\t>\n<cwmp:Reboot\r\n><CommandKey >rb</CommandKey\n></cwmp:Reboot >\n</soap-env:Body\n></soap-env:Envelope >",
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*Reboot](t, env); m.CommandKey != "rb" {
					t.Errorf("CommandKey = %q, want rb", m.CommandKey)
				}
			}},
		{"single-quoted attributes",
			`<soap-env:Envelope xmlns:soap-env='` + NSEnvelope + `' xmlns:cwmp='` + NS10 + `'><soap-env:Header><cwmp:ID soap-env:mustUnderstand='1'>q</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:FactoryReset/></soap-env:Body></soap-env:Envelope>`,
			func(t *testing.T, env *Envelope) {
				dtMsg[*FactoryReset](t, env)
				if env.Header.ID != "q" {
					t.Errorf("Header.ID = %q, want q", env.Header.ID)
				}
			}},
	})
}

// White space before the XML declaration is not XML, but devices send a line
// break first; it is skipped, and the declared encoding still counts.
func TestLenientLeadingWhiteSpaceBeforeDeclaration(t *testing.T) {
	for _, lead := range []string{"\n", "\r\n", "  \t"} {
		t.Run(fmt.Sprintf("lead %q ISO-8859-1", lead), func(t *testing.T) {
			in := lead + `<?xml version="1.0" encoding="ISO-8859-1"?>` + dtEnv("", "<cwmp:Reboot><CommandKey>caf\xE9</CommandKey></cwmp:Reboot>")
			env, err := Decode([]byte(in))
			if err != nil {
				var se *SyntaxError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), "declaration") {
					t.Fatalf("Decode: %v; want either CommandKey \"café\" or a syntax error naming the misplaced XML declaration", err)
				}
				return
			}
			if m := dtMsg[*Reboot](t, env); m.CommandKey != "café" {
				t.Errorf("CommandKey = %q, want %q", m.CommandKey, "café")
			}
		})
	}
}

func TestLenientOptionalFields(t *testing.T) {
	noParams := strings.Replace(dtInformBody, dtInformBody[strings.Index(dtInformBody, "<ParameterList"):strings.Index(dtInformBody, "</cwmp:Inform>")], "", 1)
	dtRunLenient(t, []dtLenient{
		{"Inform without ParameterList", dtEnv("", noParams), func(t *testing.T, env *Envelope) {
			m := dtMsg[*Inform](t, env)
			if len(m.ParameterList) != 0 {
				t.Errorf("ParameterList = %+v, want none", m.ParameterList)
			}
			if m.DeviceId.SerialNumber != "SN0001" || !m.HasEvent(EventBoot) {
				t.Errorf("Inform = %+v", m)
			}
		}},
		{"Inform without RetryCount and CurrentTime",
			dtEnv("", strings.NewReplacer("<CurrentTime>2024-01-02T03:04:05Z</CurrentTime>", "", "<RetryCount>0</RetryCount>", "").Replace(dtInformBody)),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*Inform](t, env)
				if !m.CurrentTime.IsZero() || m.RetryCount != 0 || m.MaxEnvelopes != 1 {
					t.Errorf("CurrentTime, RetryCount, MaxEnvelopes = %v, %d, %d", m.CurrentTime, m.RetryCount, m.MaxEnvelopes)
				}
			}},
		{"EventStruct without CommandKey",
			dtEnv("", strings.Replace(dtInformBody, "<CommandKey></CommandKey>", "", 1)),
			dtCheckInform},
		{"Download without SuccessURL, FailureURL and credentials",
			dtEnv("", `<cwmp:Download><CommandKey>dl-1</CommandKey><FileType>1 Firmware Upgrade Image</FileType><URL>http://fw.example/img.bin</URL><FileSize>1048576</FileSize><TargetFileName></TargetFileName><DelaySeconds>5</DelaySeconds></cwmp:Download>`),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*Download](t, env)
				want := Download{CommandKey: "dl-1", FileType: FileFirmwareImage, URL: "http://fw.example/img.bin", FileSize: 1 << 20, DelaySeconds: 5}
				if *m != want {
					t.Errorf("Download = %+v, want %+v", *m, want)
				}
			}},
		{"ChangeDUState without CommandKey",
			dtEnvelope(dtCWMP12, "", `<cwmp:ChangeDUState><Operations xsi:type="cwmp:UninstallOpStruct"><UUID>u-1</UUID></Operations></cwmp:ChangeDUState>`),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*ChangeDUState](t, env)
				if m.CommandKey != "" || len(m.Operations) != 1 {
					t.Fatalf("ChangeDUState = %+v", m)
				}
				if op, ok := m.Operations[0].(*UninstallOpStruct); !ok || *op != (UninstallOpStruct{UUID: "u-1"}) {
					t.Errorf("Operations[0] = %#v", m.Operations[0])
				}
			}},
		{"CWMP fault without FaultString",
			dtEnv("", `<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>9002</FaultCode></cwmp:Fault></detail></soap-env:Fault>`),
			func(t *testing.T, env *Envelope) {
				f := dtMsg[*Fault](t, env)
				if f.Code != FaultInternalError || f.String != "" || f.SOAPCode != "Server" {
					t.Errorf("Fault = %+v", f)
				}
			}},
		{"SOAP fault without faultstring",
			dtEnv("", `<soap-env:Fault><faultcode>Client</faultcode><detail><cwmp:Fault><FaultCode>9005</FaultCode><FaultString>no such parameter</FaultString></cwmp:Fault></detail></soap-env:Fault>`),
			func(t *testing.T, env *Envelope) {
				f := dtMsg[*Fault](t, env)
				if f.Code != FaultInvalidParameterName || f.String != "no such parameter" || f.SOAPString != "" || f.SOAPCode != "Client" {
					t.Errorf("Fault = %+v", f)
				}
			}},
		{"TransferComplete without times",
			dtEnv("", `<cwmp:TransferComplete><CommandKey>k</CommandKey><FaultStruct><FaultCode>0</FaultCode></FaultStruct></cwmp:TransferComplete>`),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*TransferComplete](t, env)
				if m.CommandKey != "k" || m.FaultStruct != (FaultStruct{}) || !m.StartTime.IsZero() || !m.CompleteTime.IsZero() {
					t.Errorf("TransferComplete = %+v", m)
				}
			}},
		{"self-closed message without fields", dtEnv("", `<cwmp:GetRPCMethods/>`), func(t *testing.T, env *Envelope) { dtMsg[*GetRPCMethods](t, env) }},
		{"unknown child elements are ignored",
			dtEnv("", `<cwmp:Reboot><X_ACME_Delay>5</X_ACME_Delay><CommandKey>rb</CommandKey><Extra><Deep>1</Deep></Extra></cwmp:Reboot>`),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*Reboot](t, env); m.CommandKey != "rb" {
					t.Errorf("CommandKey = %q, want rb", m.CommandKey)
				}
			}},
	})
}

func TestLenientFaults(t *testing.T) {
	fault := func(code string) string {
		return `<soap-env:Fault><faultcode>` + code + `</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>9001</FaultCode><FaultString>Request denied</FaultString></cwmp:Fault></detail></soap-env:Fault>`
	}
	soapCode := func(want string) func(*testing.T, *Envelope) {
		return func(t *testing.T, env *Envelope) {
			t.Helper()
			f := dtMsg[*Fault](t, env)
			if f.SOAPCode != want || f.SOAPString != "CWMP fault" || f.Code != FaultRequestDenied || f.String != "Request denied" {
				t.Errorf("Fault = %+v, want SOAPCode %q and code 9001", f, want)
			}
		}
	}
	spv := `<soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault>` +
		`<FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString>` +
		`<SetParameterValuesFault><ParameterName>Device.WiFi.Radio.1.Channel</ParameterName><FaultCode>9007</FaultCode><FaultString>Invalid parameter value</FaultString></SetParameterValuesFault>` +
		`<SetParameterValuesFault><ParameterName> Device.DeviceInfo.SerialNumber </ParameterName><FaultCode> 9008 </FaultCode><FaultString>Attempt to set a non-writable parameter</FaultString></SetParameterValuesFault>` +
		`<SetParameterValuesFault><ParameterName>Device.Foo</ParameterName><FaultCode>9005</FaultCode></SetParameterValuesFault>` +
		`</cwmp:Fault></detail></soap-env:Fault>`
	dtRunLenient(t, []dtLenient{
		{"faultcode Client", dtEnv("", fault("Client")), soapCode("Client")},
		{"faultcode soap:Client", dtPrefixed("soap", strings.ReplaceAll(fault("soap:Client"), "soap-env:", "soap:")), soapCode("Client")},
		{"faultcode SOAP-ENV:Server", dtPrefixed("SOAP-ENV", strings.ReplaceAll(fault("SOAP-ENV:Server"), "soap-env:", "SOAP-ENV:")), soapCode("Server")},
		{"faultcode with white space", dtEnv("", fault("\n  soap-env:Server  \n")), soapCode("Server")},
		{"qualified detail children", dtEnv("", strings.NewReplacer("<FaultCode>", "<cwmp:FaultCode>", "</FaultCode>", "</cwmp:FaultCode>", "<FaultString>", "<cwmp:FaultString>", "</FaultString>", "</cwmp:FaultString>").Replace(fault("Server"))), soapCode("Server")},
		{"SetParameterValuesFault entries", dtEnv("", spv), func(t *testing.T, env *Envelope) {
			f := dtMsg[*Fault](t, env)
			if f.Code != FaultInvalidArguments || f.String != "Invalid arguments" || f.SOAPCode != "Client" {
				t.Errorf("Fault = %+v", f)
			}
			want := []ParameterFault{
				{"Device.WiFi.Radio.1.Channel", FaultInvalidParameterValue, "Invalid parameter value"},
				{"Device.DeviceInfo.SerialNumber", FaultNotWritable, "Attempt to set a non-writable parameter"},
				{"Device.Foo", FaultInvalidParameterName, ""},
			}
			if len(f.SetParameterValuesFault) != len(want) {
				t.Fatalf("SetParameterValuesFault = %+v, want %+v", f.SetParameterValuesFault, want)
			}
			for i, w := range want {
				g := f.SetParameterValuesFault[i]
				if g.ParameterName != w.ParameterName {
					t.Errorf("[%d].ParameterName = %q, want %q", i, g.ParameterName, w.ParameterName)
				}
				if g.FaultCode != w.FaultCode {
					t.Errorf("[%d].FaultCode = %d, want %d", i, g.FaultCode, w.FaultCode)
				}
				if g.FaultString != w.FaultString {
					t.Errorf("[%d].FaultString = %q, want %q", i, g.FaultString, w.FaultString)
				}
			}
			if !strings.Contains(f.Error(), "Device.WiFi.Radio.1.Channel: 9007") {
				t.Errorf("Error() = %q, want it to list the parameter faults", f.Error())
			}
		}},
		{"SOAP-level fault without detail",
			dtEnv("", `<soap-env:Fault><faultcode>soap-env:MustUnderstand</faultcode><faultstring>header element not understood: Foo</faultstring></soap-env:Fault>`),
			func(t *testing.T, env *Envelope) {
				f := dtMsg[*Fault](t, env)
				if f.Code != 0 || f.SOAPCode != "MustUnderstand" || f.SOAPString != "header element not understood: Foo" || f.SetParameterValuesFault != nil {
					t.Errorf("Fault = %+v", f)
				}
			}},
		{"SOAP-level fault with an empty detail",
			dtEnv("", `<soap-env:Fault><faultcode>VersionMismatch</faultcode><faultstring>bad envelope</faultstring><detail/></soap-env:Fault>`),
			func(t *testing.T, env *Envelope) {
				if f := dtMsg[*Fault](t, env); f.Code != 0 || f.SOAPCode != "VersionMismatch" {
					t.Errorf("Fault = %+v", f)
				}
			}},
		{"cwmp:Fault straight in the Body",
			dtEnv("", `<cwmp:Fault><FaultCode>9000</FaultCode><FaultString>Method not supported</FaultString></cwmp:Fault>`),
			func(t *testing.T, env *Envelope) {
				if f := dtMsg[*Fault](t, env); f.Code != FaultMethodNotSupported || f.String != "Method not supported" {
					t.Errorf("Fault = %+v", f)
				}
				if env.Namespace != NS10 {
					t.Errorf("Namespace = %q, want %q", env.Namespace, NS10)
				}
			}},
		{"ACS fault 8005 with the namespace from the ID header",
			dtEnvelope(` xmlns:cwmp="`+NS11+`"`, `<cwmp:ID soap-env:mustUnderstand="1">7</cwmp:ID>`,
				`<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>8005</FaultCode><FaultString>Retry request</FaultString></cwmp:Fault></detail></soap-env:Fault>`),
			func(t *testing.T, env *Envelope) {
				if f := dtMsg[*Fault](t, env); f.Code != FaultACSRetryRequest {
					t.Errorf("Fault = %+v", f)
				}
				if env.Namespace != NS11 || env.Header.ID != "7" {
					t.Errorf("Namespace, ID = %q, %q, want %q, 7", env.Namespace, env.Header.ID, NS11)
				}
			}},
	})
}

func TestLenientCharset(t *testing.T) {
	reboot := func(key string) string {
		return dtEnv("", "<cwmp:Reboot><CommandKey>"+key+"</CommandKey></cwmp:Reboot>")
	}
	key := func(want string) func(*testing.T, *Envelope) {
		return func(t *testing.T, env *Envelope) {
			t.Helper()
			if m := dtMsg[*Reboot](t, env); m.CommandKey != want {
				t.Errorf("CommandKey = %q, want %q", m.CommandKey, want)
			}
		}
	}
	dtRunLenient(t, []dtLenient{
		{"UTF-8 with BOM", "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + reboot("café ☕"), key("café ☕")},
		{"ISO-8859-1 declared, Latin-1 byte 0xE9", `<?xml version="1.0" encoding="ISO-8859-1"?>` + reboot("caf\xE9"), key("café")},
		{"iso-8859-1 declared in single quotes", `<?xml version='1.0' encoding='iso-8859-1'?>` + reboot("\xC0 \xFF"), key("À ÿ")},
		{"latin1 alias with spaces around =", `<?xml version="1.0" encoding = "latin1" ?>` + reboot("na\xEFve"), key("naïve")},
		{"US-ASCII declared", `<?xml version="1.0" encoding="US-ASCII"?>` + reboot("plain"), key("plain")},
		{"utf8 alias declared", `<?xml version="1.0" encoding="utf8"?>` + reboot("\xC3\xA9"), key("é")},
		{"ISO-8859-1 element and attribute names", `<?xml version="1.0" encoding="ISO-8859-1"?>` +
			dtEnv("", "<cwmp:Reboot r\xE9f=\"\xE9\"><CommandKey>x</CommandKey><D\xE9j\xE0>1</D\xE9j\xE0></cwmp:Reboot>"), key("x")},
	})
	read := []struct {
		name, contentType string
		body              string
		want              string
	}{
		{"Content-Type charset=ISO-8859-1 without declaration", "text/xml; charset=ISO-8859-1", reboot("caf\xE9"), "café"},
		{`Content-Type charset="utf-8" quoted`, `text/xml; charset="utf-8"`, reboot("café"), "café"},
		{"Content-Type Charset=iso-8859-1 with trailing semicolon", "text/xml;Charset=iso-8859-1;", reboot("caf\xE9"), "café"},
		{"Content-Type charset overrides the declaration", "text/xml; charset=utf-8", `<?xml version="1.0" encoding="ISO-8859-1"?>` + reboot("café"), "café"},
		{"Content-Type without charset uses the declaration", "text/xml", `<?xml version="1.0" encoding="ISO-8859-1"?>` + reboot("caf\xE9"), "café"},
		{"empty Content-Type uses the declaration", "", `<?xml version="1.0" encoding="ISO-8859-1"?>` + reboot("caf\xE9"), "café"},
		{"unparsable Content-Type is ignored", "text/xml,charset=koi8-r", reboot("café"), "café"},
		{"SOAP 1.1 Content-Type with action", `text/xml; charset=utf-8; action="urn:dslforum-org:cwmp-1-0#Reboot"`, reboot("café"), "café"},
	}
	for _, c := range read {
		t.Run("ReadEnvelope "+c.name, func(t *testing.T) {
			env, err := ReadEnvelope(strings.NewReader(c.body), c.contentType, 1<<20)
			if err != nil {
				t.Fatalf("ReadEnvelope: %v", err)
			}
			key(c.want)(t, env)
		})
	}
}

func TestLenientBooleans(t *testing.T) {
	spellings := []struct {
		in   string
		want bool
	}{{"0", false}, {"1", true}, {"true", true}, {"false", false}, {"True", true}, {"FALSE", false}, {" 1 ", true}, {"\n\ttrue\n", true}, {"", false}}
	var b strings.Builder
	b.WriteString("<cwmp:GetParameterNamesResponse><ParameterList>")
	for i, s := range spellings {
		fmt.Fprintf(&b, "<ParameterInfoStruct><Name>P.%d</Name><Writable>%s</Writable></ParameterInfoStruct>", i, s.in)
	}
	b.WriteString("</ParameterList></cwmp:GetParameterNamesResponse>")
	dtRunLenient(t, []dtLenient{
		{"Writable spellings", dtEnv("", b.String()), func(t *testing.T, env *Envelope) {
			m := dtMsg[*GetParameterNamesResponse](t, env)
			if len(m.ParameterList) != len(spellings) {
				t.Fatalf("got %d entries, want %d", len(m.ParameterList), len(spellings))
			}
			for i, s := range spellings {
				if g := m.ParameterList[i]; g.Writable != s.want || g.Name != fmt.Sprintf("P.%d", i) {
					t.Errorf("Writable %q: got %+v, want %v", s.in, g, s.want)
				}
			}
		}},
		{"IsDownload True", dtEnv("", `<cwmp:AutonomousTransferComplete><IsDownload>True</IsDownload><FaultStruct><FaultCode>0</FaultCode></FaultStruct></cwmp:AutonomousTransferComplete>`),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*AutonomousTransferComplete](t, env); !m.IsDownload {
					t.Errorf("IsDownload = false, want true")
				}
			}},
		{"GetParameterNames NextLevel 0", dtEnv("", `<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>0</NextLevel></cwmp:GetParameterNames>`),
			func(t *testing.T, env *Envelope) {
				if m := dtMsg[*GetParameterNames](t, env); m.NextLevel || m.ParameterPath != "Device." {
					t.Errorf("GetParameterNames = %+v", m)
				}
			}},
		{"HoldRequests header true", dtEnv(`<cwmp:HoldRequests soap-env:mustUnderstand="1">true</cwmp:HoldRequests>`, `<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>`),
			func(t *testing.T, env *Envelope) {
				if !env.Header.HoldRequests {
					t.Errorf("HoldRequests = false, want true")
				}
			}},
	})
}

func TestLenientDateTime(t *testing.T) {
	cases := []struct {
		name, in string
		want     time.Time
		utc      bool // the result must be in UTC (no zone given)
	}{
		{"UTC with Z", "2024-05-27T15:21:41Z", time.Date(2024, 5, 27, 15, 21, 41, 0, time.UTC), false},
		{"with +02:00", "2024-05-27T17:21:41+02:00", time.Date(2024, 5, 27, 15, 21, 41, 0, time.UTC), false},
		{"with -05:30", "2024-05-27T09:51:41-05:30", time.Date(2024, 5, 27, 15, 21, 41, 0, time.UTC), false},
		{"without time zone is UTC", "2024-05-27T15:21:41", time.Date(2024, 5, 27, 15, 21, 41, 0, time.UTC), true},
		{"fractional seconds with Z", "2024-05-27T15:21:41.123456Z", time.Date(2024, 5, 27, 15, 21, 41, 123456000, time.UTC), false},
		{"fractional seconds with offset", "2024-05-27T16:21:41.5+01:00", time.Date(2024, 5, 27, 15, 21, 41, 500000000, time.UTC), false},
		{"fractional seconds without zone", "2024-05-27T15:21:41.007", time.Date(2024, 5, 27, 15, 21, 41, 7000000, time.UTC), true},
		{"space instead of T", "2024-05-27 15:21:41Z", time.Date(2024, 5, 27, 15, 21, 41, 0, time.UTC), false},
		{"surrounding white space", "\n  2024-05-27T15:21:41Z  \n", time.Date(2024, 5, 27, 15, 21, 41, 0, time.UTC), false},
		{"unknown time 0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", time.Time{}, false},
		{"unknown time without zone", "0001-01-01T00:00:00", time.Time{}, false},
		{"all-zero date", "0000-00-00T00:00:00", time.Time{}, false},
		{"empty element", "", time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := dtDecode(t, dtEnv("", `<cwmp:TransferComplete><CommandKey>k</CommandKey><FaultStruct><FaultCode>0</FaultCode><FaultString/></FaultStruct><StartTime>`+c.in+`</StartTime><CompleteTime/></cwmp:TransferComplete>`))
			m := dtMsg[*TransferComplete](t, env)
			if c.want.IsZero() {
				if !m.StartTime.IsZero() {
					t.Errorf("StartTime = %v, want the zero time", m.StartTime)
				}
			} else if !m.StartTime.Equal(c.want) {
				t.Errorf("StartTime = %v, want %v", m.StartTime, c.want)
			}
			if c.utc && m.StartTime.Location() != time.UTC {
				t.Errorf("StartTime location = %v, want UTC", m.StartTime.Location())
			}
			if !m.CompleteTime.IsZero() {
				t.Errorf("CompleteTime (self-closed) = %v, want the zero time", m.CompleteTime)
			}
		})
	}
}

func TestLenientValues(t *testing.T) {
	gpv := func(items string) string {
		return dtEnv("", `<cwmp:GetParameterValuesResponse><ParameterList>`+items+`</ParameterList></cwmp:GetParameterValuesResponse>`)
	}
	one := func(want ParameterValueStruct) func(*testing.T, *Envelope) {
		return func(t *testing.T, env *Envelope) {
			t.Helper()
			m := dtMsg[*GetParameterValuesResponse](t, env)
			if len(m.ParameterList) != 1 || m.ParameterList[0] != want {
				t.Errorf("ParameterList = %#v, want [%#v]", m.ParameterList, want)
			}
		}
	}
	pv := func(name, value string) string {
		return `<ParameterValueStruct><Name>` + name + `</Name>` + value + `</ParameterValueStruct>`
	}
	dtRunLenient(t, []dtLenient{
		{"predefined and character entities", gpv(pv("A.B", `<Value xsi:type="xsd:string">a&amp;b&lt;c&gt;d&quot;e&apos;f&#233;&#xE9;&#x1F600;</Value>`)),
			one(ParameterValueStruct{"A.B", "a&b<c>d\"e'féé😀", "string"})},
		{"entities in the Name", gpv(pv("A.X_R&amp;D", `<Value xsi:type="xsd:string">v</Value>`)), one(ParameterValueStruct{"A.X_R&D", "v", "string"})},
		{"CDATA section", gpv(pv("A.B", `<Value xsi:type="xsd:string"><![CDATA[<b>bold</b> & co]]></Value>`)), one(ParameterValueStruct{"A.B", "<b>bold</b> & co", "string"})},
		{"text, CDATA and entity mixed", gpv(pv("A.B", `<Value xsi:type="xsd:string">x&lt;<![CDATA[&amp;]]>y</Value>`)), one(ParameterValueStruct{"A.B", "x<&amp;y", "string"})},
		{"comment inside a value", gpv(pv("A.B", `<Value xsi:type="xsd:string">ab<!-- cut -->cd</Value>`)), one(ParameterValueStruct{"A.B", "abcd", "string"})},
		{"comments between elements", gpv(`<!-- first --><ParameterValueStruct><!-- name --><Name>A.B</Name><!-- value --><Value xsi:type="xsd:int">-3</Value><!-- end --></ParameterValueStruct><!-- last -->`),
			one(ParameterValueStruct{"A.B", "-3", "int"})},
		{"processing instruction between elements", gpv(`<?pi x?><ParameterValueStruct><Name>A.B</Name><?pi y?><Value xsi:type="xsd:int">4</Value></ParameterValueStruct>`),
			one(ParameterValueStruct{"A.B", "4", "int"})},
		{"Value white space preserved, Name trimmed", gpv(pv("\n\t  A.B.C  \n", "<Value xsi:type=\"xsd:string\">  two spaces\tand a tab  </Value>")),
			one(ParameterValueStruct{"A.B.C", "  two spaces\tand a tab  ", "string"})},
		{"Value of white space only", gpv(pv("A.B", `<Value xsi:type="xsd:string">   </Value>`)), one(ParameterValueStruct{"A.B", "   ", "string"})},
		{"multi-line Value with CRLF normalised", gpv(pv("A.B", "<Value xsi:type=\"xsd:string\">line1\r\nline2\rline3\n</Value>")), one(ParameterValueStruct{"A.B", "line1\nline2\nline3\n", "string"})},
		{"carriage return by reference kept", gpv(pv("A.B", `<Value xsi:type="xsd:string">a&#13;&#10;b</Value>`)), one(ParameterValueStruct{"A.B", "a\r\nb", "string"})},
		{"xsi:type missing", gpv(pv("A.B", `<Value>7</Value>`)), one(ParameterValueStruct{"A.B", "7", ""})},
		{"xsi:type with prefix xs", gpv(pv("A.B", `<Value xsi:type="xs:unsignedInt">7</Value>`)), one(ParameterValueStruct{"A.B", "7", "unsignedInt"})},
		{"xsi:type without prefix", gpv(pv("A.B", `<Value xsi:type="boolean">1</Value>`)), one(ParameterValueStruct{"A.B", "1", "boolean"})},
		{"xsi bound to another prefix", gpv(pv("A.B", `<Value xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="xsd:dateTime">2024-01-01T00:00:00Z</Value>`)),
			one(ParameterValueStruct{"A.B", "2024-01-01T00:00:00Z", "dateTime"})},
		{"self-closed Value", gpv(pv("A.B", `<Value xsi:type="xsd:string"/>`)), one(ParameterValueStruct{"A.B", "", "string"})},
		{"Value missing", gpv(pv("A.B", ``)), one(ParameterValueStruct{"A.B", "", ""})},
		{"UTF-8 in names and values", gpv(pv("A.Ü", `<Value xsi:type="xsd:string">Grüße 日本 🙂</Value>`)), one(ParameterValueStruct{"A.Ü", "Grüße 日本 🙂", "string"})},
		{"entities in attribute values", dtEnv(`<cwmp:ID soap-env:mustUnderstand="&#49;">a&amp;b</cwmp:ID><x:Trace xmlns:x="urn:x" soap-env:mustUnderstand="&#x31;"/>`, `<cwmp:FactoryReset/>`),
			func(t *testing.T, env *Envelope) {
				if env.Header.ID != "a&b" {
					t.Errorf("Header.ID = %q, want a&b", env.Header.ID)
				}
				if n := env.Header.NotUnderstood(); len(n) != 1 || n[0].Name != "Trace" {
					t.Errorf("NotUnderstood = %+v, want [Trace]", n)
				}
			}},
		{"string fields trimmed", dtEnv("", "<cwmp:Download><CommandKey> k 1 </CommandKey><FileType>\n3 Vendor Configuration File\n</FileType><URL>\thttp://cfg.example/x.cfg </URL></cwmp:Download>"),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*Download](t, env)
				if m.CommandKey != "k 1" || m.FileType != FileVendorConfiguration || m.URL != "http://cfg.example/x.cfg" {
					t.Errorf("Download = %+v", m)
				}
			}},
		{"base64 vouchers with line breaks", dtEnv("", "<cwmp:SetVouchers><VoucherList soap-enc:arrayType=\"soap-enc:base64[2]\"><base64>SGVs\r\n  bG8=</base64><base64> d29y bGQ= </base64></VoucherList></cwmp:SetVouchers>"),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*SetVouchers](t, env)
				if len(m.VoucherList) != 2 || string(m.VoucherList[0]) != "Hello" || string(m.VoucherList[1]) != "world" {
					t.Errorf("VoucherList = %q, want [Hello world]", m.VoucherList)
				}
			}},
		{"Notification attributes", dtEnv("", `<cwmp:GetParameterAttributesResponse><ParameterList><ParameterAttributeStruct><Name>A.B</Name><Notification>2</Notification><AccessList soap-enc:arrayType="xsd:string[1]"><string>Subscriber</string></AccessList></ParameterAttributeStruct></ParameterList></cwmp:GetParameterAttributesResponse>`),
			func(t *testing.T, env *Envelope) {
				m := dtMsg[*GetParameterAttributesResponse](t, env)
				if len(m.ParameterList) != 1 || m.ParameterList[0].Notification != NotificationActive || !slices.Equal(m.ParameterList[0].AccessList, []string{"Subscriber"}) {
					t.Errorf("ParameterList = %+v", m.ParameterList)
				}
			}},
	})
}

func TestLenientChangeDUState(t *testing.T) {
	install := InstallOpStruct{URL: "http://apps.example/app-1.0.ipk", UUID: "", Username: "u", Password: "p&q", ExecutionEnvRef: "Device.SoftwareModules.ExecEnv.1"}
	update := UpdateOpStruct{UUID: "5a8c1f2e-0b1d-5c3e-8f4a-112233445566", Version: "2.0"}
	uninstall := UninstallOpStruct{UUID: "5a8c1f2e-0b1d-5c3e-8f4a-112233445566", Version: "1.0"}
	installXML := `<URL>http://apps.example/app-1.0.ipk</URL><UUID></UUID><Username>u</Username><Password>p&amp;q</Password><ExecutionEnvRef>Device.SoftwareModules.ExecEnv.1</ExecutionEnvRef>`
	updateXML := `<UUID>5a8c1f2e-0b1d-5c3e-8f4a-112233445566</UUID><Version>2.0</Version><URL/>`
	uninstallXML := `<UUID>5a8c1f2e-0b1d-5c3e-8f4a-112233445566</UUID><Version>1.0</Version><ExecutionEnvRef></ExecutionEnvRef>`
	cdu := func(ops string) string {
		return dtEnvelope(dtCWMP12, "", `<cwmp:ChangeDUState>`+ops+`<CommandKey>cdu-1</CommandKey></cwmp:ChangeDUState>`)
	}
	ops := func(want ...Operation) func(*testing.T, *Envelope) {
		return func(t *testing.T, env *Envelope) {
			t.Helper()
			m := dtMsg[*ChangeDUState](t, env)
			if m.CommandKey != "cdu-1" {
				t.Errorf("CommandKey = %q, want cdu-1", m.CommandKey)
			}
			if len(m.Operations) != len(want) {
				t.Fatalf("got %d operations %#v, want %d", len(m.Operations), m.Operations, len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(m.Operations[i], want[i]) {
					t.Errorf("Operations[%d] = %#v, want %#v", i, m.Operations[i], want[i])
				}
			}
		}
	}
	dtRunLenient(t, []dtLenient{
		{"repeated Operations with xsi:type",
			cdu(`<Operations xsi:type="cwmp:InstallOpStruct">` + installXML + `</Operations><Operations xsi:type="cwmp:UpdateOpStruct">` + updateXML + `</Operations><Operations xsi:type="cwmp:UninstallOpStruct">` + uninstallXML + `</Operations>`),
			ops(&install, &update, &uninstall)},
		{"single Operations with xsi:type", cdu(`<Operations xsi:type="cwmp:UpdateOpStruct">` + updateXML + `</Operations>`), ops(&update)},
		{"xsi:type with other prefixes",
			cdu(`<Operations xsi:type="ns2:InstallOpStruct">` + installXML + `</Operations><Operations xsi:type="UninstallOpStruct">` + uninstallXML + `</Operations>`),
			ops(&install, &uninstall)},
		{"white space between repeated Operations",
			cdu("\n  <Operations xsi:type=\"cwmp:UninstallOpStruct\">\n    " + uninstallXML + "\n  </Operations>\n  <Operations xsi:type=\"cwmp:UninstallOpStruct\">" + uninstallXML + "</Operations>\n"),
			ops(&uninstall, &uninstall)},
		{"array-wrapped InstallOpStruct and UninstallOpStruct",
			cdu(`<Operations soap-enc:arrayType="cwmp:OperationStruct[2]"><InstallOpStruct>` + installXML + `</InstallOpStruct><UninstallOpStruct>` + uninstallXML + `</UninstallOpStruct></Operations>`),
			ops(&install, &uninstall)},
		{"array-wrapped without arrayType and with a wrong count",
			cdu(`<Operations soap-enc:arrayType="cwmp:OperationStruct[7]"><UpdateOpStruct>` + updateXML + `</UpdateOpStruct></Operations>`),
			ops(&update)},
		// A wrapper whose items are named after the abstract type and typed by
		// xsi:type, as other SOAP arrays name their items, is an array too.
		{"array-wrapped items named OperationStruct with xsi:type",
			cdu(`<Operations soap-enc:arrayType="cwmp:OperationStruct[2]"><OperationStruct xsi:type="cwmp:InstallOpStruct">` + installXML + `</OperationStruct><OperationStruct xsi:type="cwmp:UninstallOpStruct">` + uninstallXML + `</OperationStruct></Operations>`),
			ops(&install, &uninstall)},
		// A wrapper written the SOAP-encoding way, xsi:type="SOAP-ENC:Array".
		{"array-wrapped with xsi:type SOAP-ENC:Array",
			cdu(`<Operations xsi:type="soap-enc:Array" soap-enc:arrayType="cwmp:OperationStruct[2]"><InstallOpStruct>` + installXML + `</InstallOpStruct><UninstallOpStruct>` + uninstallXML + `</UninstallOpStruct></Operations>`),
			ops(&install, &uninstall)},
	})
}

func TestLenientHeader(t *testing.T) {
	body := `<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>`
	dtRunLenient(t, []dtLenient{
		{"ID with mustUnderstand 1", dtEnv(`<cwmp:ID soap-env:mustUnderstand="1"> 1234 abc </cwmp:ID>`, body), func(t *testing.T, env *Envelope) {
			if env.Header.ID != "1234 abc" {
				t.Errorf("ID = %q, want %q", env.Header.ID, "1234 abc")
			}
			if len(env.Header.Unknown) != 0 || len(env.Header.NotUnderstood()) != 0 {
				t.Errorf("Unknown = %+v, want none", env.Header.Unknown)
			}
			if m := dtMsg[*InformResponse](t, env); m.MaxEnvelopes != 1 {
				t.Errorf("MaxEnvelopes = %d", m.MaxEnvelopes)
			}
		}},
		{"HoldRequests and NoMoreRequests",
			dtEnv(`<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID><cwmp:HoldRequests soap-env:mustUnderstand="1">1</cwmp:HoldRequests><cwmp:NoMoreRequests>1</cwmp:NoMoreRequests>`, body),
			func(t *testing.T, env *Envelope) {
				if !env.Header.HoldRequests || !env.Header.NoMoreRequests {
					t.Errorf("Header = %+v, want HoldRequests and NoMoreRequests", env.Header)
				}
			}},
		{"HoldRequests 0", dtEnv(`<cwmp:HoldRequests soap-env:mustUnderstand="1">0</cwmp:HoldRequests>`, body), func(t *testing.T, env *Envelope) {
			if env.Header.HoldRequests {
				t.Errorf("HoldRequests = true, want false")
			}
		}},
		{"SessionTimeout, SupportedCWMPVersions with spaces",
			dtEnvelope(dtCWMP12, `<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID><cwmp:SessionTimeout soap-env:mustUnderstand="0"> 60 </cwmp:SessionTimeout><cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">1.0, 1.1,1.2,1.3,1.4</cwmp:SupportedCWMPVersions>`, dtInformBody),
			func(t *testing.T, env *Envelope) {
				dtCheckInform(t, env)
				if env.Header.SessionTimeout != 60 {
					t.Errorf("SessionTimeout = %d, want 60", env.Header.SessionTimeout)
				}
				if !slices.Equal(env.Header.SupportedCWMPVersions, Versions) {
					t.Errorf("SupportedCWMPVersions = %v, want %v", env.Header.SupportedCWMPVersions, Versions)
				}
				if env.Namespace != NS12 {
					t.Errorf("Namespace = %q", env.Namespace)
				}
			}},
		{"empty SupportedCWMPVersions, HoldRequests and NoMoreRequests",
			dtEnv(`<cwmp:SupportedCWMPVersions/><cwmp:HoldRequests></cwmp:HoldRequests><cwmp:NoMoreRequests/>`, body),
			func(t *testing.T, env *Envelope) {
				if !reflect.DeepEqual(env.Header, Header{}) {
					t.Errorf("Header = %+v, want zero", env.Header)
				}
			}},
		// An empty SessionTimeout (a hint with mustUnderstand="0") reads as absent,
		// as empty numbers in the body read as 0.
		{"empty SessionTimeout",
			dtEnv(`<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID><cwmp:SessionTimeout soap-env:mustUnderstand="0"></cwmp:SessionTimeout>`, dtInformBody),
			func(t *testing.T, env *Envelope) {
				dtCheckInform(t, env)
				if env.Header.SessionTimeout != 0 || env.Header.ID != "1" {
					t.Errorf("Header = %+v", env.Header)
				}
			}},
		{"UseCWMPVersion", dtEnvelope(dtCWMP12, `<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID><cwmp:UseCWMPVersion soap-env:mustUnderstand="1">1.4</cwmp:UseCWMPVersion>`, body),
			func(t *testing.T, env *Envelope) {
				if env.Header.UseCWMPVersion != V1_4 {
					t.Errorf("UseCWMPVersion = %v, want 1.4", env.Header.UseCWMPVersion)
				}
			}},
		{"unqualified header elements", dtEnv(`<ID mustUnderstand="1">9</ID><HoldRequests>true</HoldRequests>`, body), func(t *testing.T, env *Envelope) {
			if env.Header.ID != "9" || !env.Header.HoldRequests {
				t.Errorf("Header = %+v", env.Header)
			}
		}},
		{"unknown header with mustUnderstand 1",
			dtEnv(`<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID><acme:Session xmlns:acme="urn:acme:cwmp-ext" soap-env:mustUnderstand="1">abc</acme:Session>`, body),
			func(t *testing.T, env *Envelope) {
				nu := env.Header.NotUnderstood()
				want := []HeaderElement{{Namespace: "urn:acme:cwmp-ext", Name: "Session", MustUnderstand: true}}
				if !slices.Equal(nu, want) {
					t.Fatalf("NotUnderstood = %+v, want %+v", nu, want)
				}
				f := MustUnderstandFault(nu)
				if f.SOAPCode != "MustUnderstand" || !strings.Contains(f.SOAPString, "Session") || f.Code != 0 {
					t.Errorf("MustUnderstandFault = %+v, want SOAPCode MustUnderstand naming Session", f)
				}
			}},
		{"unknown header with mustUnderstand true and no prefix",
			dtEnv(`<Trace xmlns="urn:trace" mustUnderstand="true"/>`, body),
			func(t *testing.T, env *Envelope) {
				if nu := env.Header.NotUnderstood(); len(nu) != 1 || nu[0].Name != "Trace" || nu[0].Namespace != "urn:trace" {
					t.Errorf("NotUnderstood = %+v, want [Trace]", nu)
				}
			}},
		{"unknown header with mustUnderstand 0",
			dtEnv(`<acme:Trace xmlns:acme="urn:acme" soap-env:mustUnderstand="0">t</acme:Trace><acme:Hint xmlns:acme="urn:acme">h</acme:Hint>`, body),
			func(t *testing.T, env *Envelope) {
				if nu := env.Header.NotUnderstood(); len(nu) != 0 {
					t.Errorf("NotUnderstood = %+v, want none", nu)
				}
				want := []HeaderElement{{Namespace: "urn:acme", Name: "Trace"}, {Namespace: "urn:acme", Name: "Hint"}}
				if !slices.Equal(env.Header.Unknown, want) {
					t.Errorf("Unknown = %+v, want %+v", env.Header.Unknown, want)
				}
			}},
		{"empty Header element", dtEnv("", body), func(t *testing.T, env *Envelope) {
			if !reflect.DeepEqual(env.Header, Header{}) {
				t.Errorf("Header = %+v, want zero", env.Header)
			}
		}},
		{"self-closed Header", `<soap-env:Envelope ` + dtSOAPDecls + dtCWMP10 + `><soap-env:Header/><soap-env:Body>` + body + `</soap-env:Body></soap-env:Envelope>`,
			func(t *testing.T, env *Envelope) {
				if !reflect.DeepEqual(env.Header, Header{}) {
					t.Errorf("Header = %+v, want zero", env.Header)
				}
			}},
		{"Header after Body", `<soap-env:Envelope ` + dtSOAPDecls + dtCWMP10 + `><soap-env:Body>` + body + `</soap-env:Body><soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">late</cwmp:ID></soap-env:Header></soap-env:Envelope>`,
			func(t *testing.T, env *Envelope) {
				if env.Header.ID != "late" {
					t.Errorf("ID = %q, want late", env.Header.ID)
				}
			}},
	})
}

func TestDecodeUnknownMethod(t *testing.T) {
	dtRunLenient(t, []dtLenient{
		{"vendor method in the cwmp namespace", dtEnv("", `<cwmp:X_ACME_Frobnicate><Level>3</Level></cwmp:X_ACME_Frobnicate>`), func(t *testing.T, env *Envelope) {
			m := dtMsg[*UnknownMessage](t, env)
			if m.Name != "X_ACME_Frobnicate" || m.Namespace != NS10 || m.MethodName() != "X_ACME_Frobnicate" {
				t.Errorf("UnknownMessage = %+v", m)
			}
			if env.Namespace != NS10 {
				t.Errorf("Namespace = %q, want %q", env.Namespace, NS10)
			}
		}},
		{"method in a foreign namespace", dtEnv("", `<acme:Hello xmlns:acme="urn:acme:rpc"/>`), func(t *testing.T, env *Envelope) {
			m := dtMsg[*UnknownMessage](t, env)
			if m.Name != "Hello" || m.Namespace != "urn:acme:rpc" {
				t.Errorf("UnknownMessage = %+v", m)
			}
			if env.Namespace != "" {
				t.Errorf("Namespace = %q, want \"\"", env.Namespace)
			}
		}},
		{"method of a newer CWMP with bad content", dtEnvelope(dtCWMP12, "", `<cwmp:GetSomethingNew><Count>not a number</Count></cwmp:GetSomethingNew>`), func(t *testing.T, env *Envelope) {
			if m := dtMsg[*UnknownMessage](t, env); m.Name != "GetSomethingNew" || m.Namespace != NS12 {
				t.Errorf("UnknownMessage = %+v", m)
			}
		}},
	})
}

func TestDecodeEmpty(t *testing.T) {
	for _, c := range []struct{ name, in string }{
		{"empty", ""},
		{"white space", " \r\n\t \n"},
		{"BOM only", "\xEF\xBB\xBF"},
		{"BOM and white space", "\xEF\xBB\xBF\r\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, err := Decode([]byte(c.in))
			if !errors.Is(err, ErrEmpty) || env != nil {
				t.Errorf("Decode(%q) = %v, %v; want nil, ErrEmpty", c.in, env, err)
			}
			env, err = ReadEnvelope(strings.NewReader(c.in), "text/xml; charset=utf-8", 100)
			if !errors.Is(err, ErrEmpty) || env != nil {
				t.Errorf("ReadEnvelope(%q) = %v, %v; want nil, ErrEmpty", c.in, env, err)
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		if _, err := Decode(nil); !errors.Is(err, ErrEmpty) {
			t.Errorf("Decode(nil) error = %v, want ErrEmpty", err)
		}
	})
}

// ---- rejections ----

// dtReject is one input Decode must refuse.
type dtReject struct {
	name   string
	in     string
	is     error    // errors.Is must match it
	syntax bool     // the error must be a *SyntaxError
	path   string   // the error must be a *DecodeError with this Path
	want   []string // substrings of the error text
}

// dtEnvelopeWithError reports whether env may accompany err: only a
// *DecodeError comes with an envelope, which then has no Body (so a receiver
// can answer the request's ID with a fault).
func dtEnvelopeWithError(env *Envelope, err error) bool {
	var de *DecodeError
	return errors.As(err, &de) && env.Body == nil
}

func dtCheckErrorEnvelope(t *testing.T, env *Envelope, err error) {
	t.Helper()
	if env != nil && !dtEnvelopeWithError(env, err) {
		t.Errorf("returned an envelope with a Body, or with an error other than a DecodeError: %v", err)
	}
}

func dtCheckReject(t *testing.T, c dtReject, env *Envelope, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, Body %#v; want an error\ninput: %s", env.Body, dtShort(c.in))
	}
	dtCheckErrorEnvelope(t, env, err)
	if c.is == nil && !c.syntax && c.path == "" {
		t.Fatalf("bad test case: nothing to check the error %v against", err)
	}
	if c.is != nil && !errors.Is(err, c.is) {
		t.Errorf("error %q does not match %q", err, c.is)
	}
	if c.syntax {
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("error %q (%T) is not a *SyntaxError", err, err)
		} else if !strings.HasPrefix(se.Pos, "line ") {
			t.Errorf("SyntaxError.Pos = %q, want a line and column", se.Pos)
		}
	}
	if c.path != "" {
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("error %q (%T) is not a *DecodeError", err, err)
		} else if de.Path != c.path {
			t.Errorf("DecodeError.Path = %q, want %q (error %q)", de.Path, c.path, err)
		}
	}
	for _, w := range c.want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
}

// dtInform returns dtInformBody with old replaced by new.
func dtInform(old, new string) string {
	if !strings.Contains(dtInformBody, old) {
		panic("dtInform: " + old + " not in the Inform")
	}
	return dtEnv("", strings.Replace(dtInformBody, old, new, 1))
}

func TestReject(t *testing.T) {
	multiLine := "<soap-env:Envelope " + dtSOAPDecls + dtCWMP10 + ">\n<soap-env:Body>\n<cwmp:Reboot>\n  <CommandKey>x</Command>\n</cwmp:Reboot>\n</soap-env:Body>\n</soap-env:Envelope>"
	billionLaughs := `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
` + dtEnv("", `<cwmp:Reboot><CommandKey>&lol9;</CommandKey></cwmp:Reboot>`)
	xxe := "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" + dtEnv("", `<cwmp:Reboot><CommandKey>&xxe;</CommandKey></cwmp:Reboot>`)
	truncated := dtEnv("", dtInformBody)
	truncated = truncated[:strings.Index(truncated, "<EventStruct>")+len("<EventStruct><EventCode>1 BO")]
	deep := dtEnv("", "<cwmp:Reboot>"+strings.Repeat("<a>", 100)+"x"+strings.Repeat("</a>", 100)+"</cwmp:Reboot>")
	vouchers := dtEnv("", `<cwmp:SetVouchers><VoucherList soap-enc:arrayType="soap-enc:base64[2]"><base64>SGVsbG8=</base64><base64>not*base64!</base64></VoucherList></cwmp:SetVouchers>`)
	cases := []dtReject{
		// Not XML at all.
		{name: "plain text", in: "Hello, ACS", is: ErrNotXML, syntax: true, want: []string{"line 1, column 1", "text before the root element"}},
		{name: "JSON", in: `{"DeviceId": {"SerialNumber": "SN1"}}`, is: ErrNotXML, syntax: true, want: []string{"line 1", "text before the root element"}},
		{name: "HTML with DOCTYPE", in: "<!DOCTYPE html>\n<html><body><h1>Login</h1></body></html>", is: ErrNotXML, syntax: true, want: []string{"line 1", "document type declarations"}},
		{name: "HTML error page of a proxy", in: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
			is: ErrNotXML, syntax: true, want: []string{"line 6", "</body>", "does not match <hr>"}},
		{name: "well-formed XHTML", in: `<html xmlns="http://www.w3.org/1999/xhtml"><body><p>ok</p></body></html>`, is: ErrNotEnvelope, want: []string{"<html>"}},
		{name: "text after the envelope", in: dtEnv("", dtInformBody) + "HTTP/1.1 200 OK", is: ErrNotXML, syntax: true, want: []string{"line 1", "text after the root element"}},
		// Broken XML.
		{name: "truncated in content", in: truncated, is: ErrNotXML, syntax: true, want: []string{"unexpected end of input", "element <EventCode> is not closed"}},
		{name: "truncated in an end tag", in: dtEnv("", dtInformBody)[:len(dtEnv("", dtInformBody))-8], is: ErrNotXML, syntax: true, want: []string{"malformed end tag </soap-env:E>"}},
		{name: "truncated in a start tag", in: `<soap-env:Envelope xmlns:soap-env="` + NSEnvelope, is: ErrNotXML, syntax: true, want: []string{"unterminated value of attribute xmlns:soap-env"}},
		{name: "truncated after <", in: "<", is: ErrNotXML, syntax: true, want: []string{"unexpected end of input"}},
		{name: "mismatched tags", in: multiLine, is: ErrNotXML, syntax: true, want: []string{"line 4", "</Command>", "<CommandKey>"}},
		{name: "mismatched SOAP prefix", in: `<soap-env:Envelope ` + dtSOAPDecls + `><soap-env:Body><x/></SOAP-ENV:Body></soap-env:Envelope>`, is: ErrNotXML, syntax: true, want: []string{"</SOAP-ENV:Body>", "<soap-env:Body>"}},
		{name: "end tag without start tag", in: "</soap-env:Envelope>", is: ErrNotXML, syntax: true, want: []string{"without a start tag"}},
		{name: "unquoted attribute", in: `<soap-env:Envelope xmlns:soap-env=` + NSEnvelope + `><soap-env:Body/></soap-env:Envelope>`, is: ErrNotXML, syntax: true, want: []string{"not quoted"}},
		{name: "duplicate attribute", in: `<soap-env:Envelope ` + dtSOAPDecls + ` a="1" a="2"><soap-env:Body><x/></soap-env:Body></soap-env:Envelope>`, is: ErrNotXML, syntax: true, want: []string{"appears twice"}},
		{name: "unterminated comment", in: `<soap-env:Envelope ` + dtSOAPDecls + `><soap-env:Body><!-- never closed`, is: ErrNotXML, syntax: true, want: []string{"unterminated comment"}},
		{name: "]]> in character data", in: dtEnv("", "<cwmp:Reboot><CommandKey>a]]>b</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"]]>"}},
		// SOAP structure.
		{name: "root element not Envelope", in: `<cwmp:Inform xmlns:cwmp="` + NS10 + `"><DeviceId/></cwmp:Inform>`, is: ErrNotEnvelope, want: []string{"<cwmp:Inform>"}},
		{name: "envelope without Body", in: `<soap-env:Envelope ` + dtSOAPDecls + dtCWMP10 + `><soap-env:Header><cwmp:ID>1</cwmp:ID></soap-env:Header></soap-env:Envelope>`, is: ErrNoBody, want: []string{"no Body"}},
		{name: "self-closed envelope", in: `<soap-env:Envelope ` + dtSOAPDecls + `/>`, is: ErrNoBody, want: []string{"no Body"}},
		{name: "Body with zero messages", in: dtEnv("", "\n  <!-- nothing to say -->\n"), is: ErrNoMessage, want: []string{"no message"}},
		{name: "self-closed Body", in: `<soap-env:Envelope ` + dtSOAPDecls + `><soap-env:Body/></soap-env:Envelope>`, is: ErrNoMessage, want: []string{"no message"}},
		{name: "Body with text only", in: dtEnv("", "Inform"), is: ErrNoMessage, want: []string{"no message"}},
		{name: "Body with two messages", in: dtEnv("", `<cwmp:Reboot><CommandKey>a</CommandKey></cwmp:Reboot><cwmp:FactoryReset/>`), is: ErrSeveralMessages, want: []string{"Reboot, FactoryReset"}},
		{name: "two Body elements", in: `<soap-env:Envelope ` + dtSOAPDecls + dtCWMP10 + `><soap-env:Body><cwmp:Reboot/></soap-env:Body><soap-env:Body><cwmp:FactoryReset/></soap-env:Body></soap-env:Envelope>`, is: ErrSeveralMessages, want: []string{"two Body"}},
		{name: "two envelopes concatenated", in: dtEnv("", "<cwmp:Reboot/>") + "\n" + dtEnv("", "<cwmp:FactoryReset/>"), is: ErrNotXML, syntax: true, want: []string{"line 2", "second root element"}},
		// Entities and DTDs.
		{name: "DOCTYPE billion laughs", in: billionLaughs, is: ErrNotXML, syntax: true, want: []string{"line 2", "document type declarations are not allowed"}},
		{name: "DOCTYPE external entity", in: xxe, is: ErrNotXML, syntax: true, want: []string{"line 2", "document type declarations are not allowed"}},
		{name: "undefined entity &foo;", in: dtEnv("", "<cwmp:Reboot>\n<CommandKey>&foo;</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"line 2", "&foo;"}},
		{name: "undefined entity in an attribute", in: dtEnv(`<cwmp:ID soap-env:mustUnderstand="&one;">1</cwmp:ID>`, "<cwmp:Reboot/>"), is: ErrNotXML, syntax: true, want: []string{"&one;"}},
		{name: "bare ampersand", in: dtEnv("", "<cwmp:Reboot><CommandKey>AT&T</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"'&'"}},
		{name: "character reference to a control character", in: dtEnv("", "<cwmp:Reboot><CommandKey>&#1;</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"&#1;"}},
		{name: "character reference out of range", in: dtEnv("", "<cwmp:Reboot><CommandKey>&#x110000;</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"&#x110000;"}},
		{name: "character reference with capital X", in: dtEnv("", "<cwmp:Reboot><CommandKey>&#XE9;</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"&#XE9;"}},
		// Characters and encodings.
		{name: "invalid UTF-8 without declared encoding", in: dtEnv("", "<cwmp:Reboot>\n\n<CommandKey>caf\xE9</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"line 3", "invalid UTF-8 byte 0xe9"}},
		{name: "invalid UTF-8 with UTF-8 declared", in: `<?xml version="1.0" encoding="UTF-8"?>` + dtEnv("", "<cwmp:Reboot><CommandKey>\xFF\xFE</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"invalid UTF-8 byte 0xff"}},
		{name: "control character 0x01", in: dtEnv("", "<cwmp:Reboot>\n<CommandKey>a\x01b</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"line 2", "control character 0x01"}},
		{name: "NUL byte", in: dtEnv("", "<cwmp:Reboot><CommandKey>a\x00</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"control character 0x00"}},
		{name: "U+FFFE", in: dtEnv("", "<cwmp:Reboot><CommandKey>\uFFFE</CommandKey></cwmp:Reboot>"), is: ErrNotXML, syntax: true, want: []string{"U+FFFE"}},
		{name: "unsupported charset Shift_JIS", in: `<?xml version="1.0" encoding="Shift_JIS"?>` + dtEnv("", "<cwmp:Reboot/>"), is: ErrCharset, want: []string{"Shift_JIS"}},
		{name: "unsupported charset windows-1252", in: `<?xml version="1.0" encoding='windows-1252'?>` + dtEnv("", "<cwmp:Reboot/>"), is: ErrCharset, want: []string{"windows-1252"}},
		{name: "UTF-16 declared", in: `<?xml version="1.0" encoding="UTF-16"?>` + dtEnv("", "<cwmp:Reboot/>"), is: ErrCharset, want: []string{"UTF-16"}},
		// A UTF-16 body is refused as an unsupported charset naming UTF-16, not as
		// invalid UTF-8 (declaring its encoding could not help).
		{name: "UTF-16LE body with BOM", in: dtUTF16LE("\uFEFF" + `<?xml version="1.0" encoding="UTF-16"?>` + dtEnv("", "<cwmp:Reboot/>")), is: ErrCharset, want: []string{"UTF-16"}},
		// A document with no element says so.
		{name: "XML declaration only", in: `<?xml version="1.0" encoding="UTF-8"?>` + "\n", is: ErrNotXML, want: []string{"root element"}},
		{name: "comment only", in: "<!-- keep-alive -->", is: ErrNotXML, want: []string{"root element"}},
		// Values that do not fit their type.
		{name: "non-numeric MaxEnvelopes", in: dtInform("<MaxEnvelopes>1</MaxEnvelopes>", "<MaxEnvelopes>abc</MaxEnvelopes>"), path: "Inform/MaxEnvelopes", want: []string{"Inform/MaxEnvelopes", `"abc"`}},
		{name: "negative unsignedInt", in: dtInform("<RetryCount>0</RetryCount>", "<RetryCount>-1</RetryCount>"), path: "Inform/RetryCount", want: []string{`"-1"`}},
		{name: "unsignedInt 2^32", in: dtInform("<MaxEnvelopes>1</MaxEnvelopes>", "<MaxEnvelopes>4294967296</MaxEnvelopes>"), path: "Inform/MaxEnvelopes", want: []string{"4294967296"}},
		{name: "unsignedInt with a minus sign", in: dtEnv("", "<cwmp:AddObjectResponse><InstanceNumber>-3</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>"), path: "AddObjectResponse/InstanceNumber", want: []string{`"-3"`}},
		{name: "unsignedInt with digits and letters", in: dtEnv("", "<cwmp:AddObjectResponse><InstanceNumber>3a</InstanceNumber><Status>0</Status></cwmp:AddObjectResponse>"), path: "AddObjectResponse/InstanceNumber", want: []string{`"3a"`}},
		{name: "int with a fraction", in: dtEnv("", "<cwmp:SetParameterValuesResponse><Status>0.5</Status></cwmp:SetParameterValuesResponse>"), path: "SetParameterValuesResponse/Status", want: []string{`"0.5"`}},
		{name: "int32 out of range", in: dtEnv("", "<cwmp:ScheduleDownload><TimeWindowList><TimeWindowStruct><MaxRetries>2147483648</MaxRetries></TimeWindowStruct></TimeWindowList></cwmp:ScheduleDownload>"), path: "ScheduleDownload/TimeWindowList[0]/MaxRetries", want: []string{"2147483648"}},
		{name: "bad int in an array item", in: dtEnv("", "<cwmp:GetQueuedTransfersResponse><TransferList><QueuedTransferStruct><CommandKey>a</CommandKey><State>1</State></QueuedTransferStruct><QueuedTransferStruct><CommandKey>b</CommandKey><State>two</State></QueuedTransferStruct></TransferList></cwmp:GetQueuedTransfersResponse>"), path: "GetQueuedTransfersResponse/TransferList[1]/State", want: []string{`"two"`}},
		{name: "bad boolean yes", in: dtEnv("", "<cwmp:GetParameterNamesResponse><ParameterList><ParameterInfoStruct><Name>A.</Name><Writable>0</Writable></ParameterInfoStruct><ParameterInfoStruct><Name>A.B</Name><Writable>yes</Writable></ParameterInfoStruct></ParameterList></cwmp:GetParameterNamesResponse>"),
			path: "GetParameterNamesResponse/ParameterList[1]/Writable", want: []string{`"yes"`, "boolean"}},
		{name: "bad boolean in the header", in: dtEnv(`<cwmp:HoldRequests soap-env:mustUnderstand="1">yes</cwmp:HoldRequests>`, "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>"), path: "Header/HoldRequests", want: []string{`"yes"`}},
		{name: "bad SessionTimeout", in: dtEnv(`<cwmp:SessionTimeout>abc</cwmp:SessionTimeout>`, dtInformBody), path: "Header/SessionTimeout", want: []string{`"abc"`}},
		{name: "bad SupportedCWMPVersions", in: dtEnv(`<cwmp:SupportedCWMPVersions>1.0,1.x</cwmp:SupportedCWMPVersions>`, dtInformBody), path: "Header/SupportedCWMPVersions", want: []string{`"1.x"`}},
		{name: "bad UseCWMPVersion", in: dtEnv(`<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">latest</cwmp:UseCWMPVersion>`, "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>"), path: "Header/UseCWMPVersion", want: []string{`"latest"`}},
		{name: "bad dateTime", in: dtInform("<CurrentTime>2024-01-02T03:04:05Z</CurrentTime>", "<CurrentTime>2024-13-45T25:61:00Z</CurrentTime>"), path: "Inform/CurrentTime", want: []string{"2024-13-45T25:61:00Z", "dateTime"}},
		{name: "dateTime in words", in: dtEnv("", "<cwmp:TransferComplete><CommandKey>k</CommandKey><FaultStruct><FaultCode>0</FaultCode></FaultStruct><StartTime>yesterday</StartTime></cwmp:TransferComplete>"), path: "TransferComplete/StartTime", want: []string{`"yesterday"`}},
		{name: "dateTime as a Unix time", in: dtEnv("", "<cwmp:TransferComplete><CompleteTime>1716823301</CompleteTime></cwmp:TransferComplete>"), path: "TransferComplete/CompleteTime", want: []string{"1716823301"}},
		{name: "bad base64 in SetVouchers", in: vouchers, path: "SetVouchers/VoucherList[1]", want: []string{"base64"}},
		{name: "bad FaultCode in a fault", in: dtEnv("", "<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>abc</FaultCode></cwmp:Fault></detail></soap-env:Fault>"), path: "Fault/detail/Fault/FaultCode", want: []string{`"abc"`}},
		{name: "bad FaultCode in SetParameterValuesFault", in: dtEnv("", "<soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>9003</FaultCode><SetParameterValuesFault><ParameterName>A.B</ParameterName><FaultCode>x9007</FaultCode></SetParameterValuesFault></cwmp:Fault></detail></soap-env:Fault>"),
			path: "Fault/detail/Fault/SetParameterValuesFault[0]/FaultCode", want: []string{`"x9007"`}},
		{name: "bad FaultCode in TransferComplete", in: dtEnv("", "<cwmp:TransferComplete><FaultStruct><FaultCode>-9010</FaultCode></FaultStruct></cwmp:TransferComplete>"), path: "TransferComplete/FaultStruct/FaultCode", want: []string{`"-9010"`}},
		{name: "unknown xsi:type in ChangeDUState", in: dtEnvelope(dtCWMP12, "", `<cwmp:ChangeDUState><Operations xsi:type="cwmp:InstallOpStruct"><URL>u</URL></Operations><Operations xsi:type="cwmp:RestartOpStruct"><UUID>x</UUID></Operations></cwmp:ChangeDUState>`),
			path: "ChangeDUState/Operations[1]", want: []string{"RestartOpStruct"}},
		{name: "ChangeDUState operation without xsi:type", in: dtEnvelope(dtCWMP12, "", `<cwmp:ChangeDUState><Operations><URL>u</URL></Operations></cwmp:ChangeDUState>`),
			path: "ChangeDUState/Operations[0]", want: []string{"xsi:type"}},
		{name: "bad value inside a ChangeDUState result", in: dtEnvelope(dtCWMP12, "", `<cwmp:DUStateChangeComplete><Results><UUID>u</UUID><Resolved>1</Resolved></Results><Results><UUID>v</UUID><Resolved>maybe</Resolved></Results></cwmp:DUStateChangeComplete>`),
			path: "DUStateChangeComplete/Results[1]/Resolved", want: []string{`"maybe"`}},
		// Limits.
		{name: "100 nested elements", in: deep, is: ErrNotXML, syntax: true, want: []string{"nested deeper than 64"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, err := Decode([]byte(c.in))
			dtCheckReject(t, c, env, err)
		})
	}
	t.Run("64 nested elements are accepted", func(t *testing.T) {
		// Envelope, Body and Reboot are 3 levels; 61 more make 64.
		in := dtEnv("", "<cwmp:Reboot>"+strings.Repeat("<a>", 61)+strings.Repeat("</a>", 61)+"<CommandKey>k</CommandKey></cwmp:Reboot>")
		if m := dtMsg[*Reboot](t, dtDecode(t, in)); m.CommandKey != "k" {
			t.Errorf("CommandKey = %q", m.CommandKey)
		}
		in = dtEnv("", "<cwmp:Reboot>"+strings.Repeat("<a>", 62)+strings.Repeat("</a>", 62)+"</cwmp:Reboot>")
		if _, err := Decode([]byte(in)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
			t.Errorf("65 levels: error %v, want nesting error", err)
		}
	})
}

// dtUTF16LE encodes s as UTF-16LE (BMP only, enough for the tests).
func dtUTF16LE(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func TestRejectReadEnvelope(t *testing.T) {
	doc := dtEnv("", dtInformBody)
	n := int64(len(doc))
	t.Run("over the limit by one byte", func(t *testing.T) {
		env, err := ReadEnvelope(strings.NewReader(doc), "text/xml", n-1)
		dtCheckReject(t, dtReject{in: doc, is: ErrTooLarge, want: []string{strconv.FormatInt(n-1, 10) + " bytes"}}, env, err)
	})
	t.Run("far over the limit", func(t *testing.T) {
		big := strings.NewReader(doc + strings.Repeat(" ", 10<<20))
		env, err := ReadEnvelope(big, "text/xml", 4096)
		dtCheckReject(t, dtReject{in: doc, is: ErrTooLarge, want: []string{"4096"}}, env, err)
		if read := int64(len(doc)+10<<20) - int64(big.Len()); read > 4097 {
			t.Errorf("read %d bytes past a limit of 4096", read)
		}
	})
	t.Run("exactly at the limit", func(t *testing.T) {
		env, err := ReadEnvelope(strings.NewReader(doc), "text/xml", n)
		if err != nil {
			t.Fatalf("ReadEnvelope at the limit: %v", err)
		}
		dtCheckInform(t, env)
	})
	// math.MaxInt64 is the natural way to say "no limit"; limit+1 must not
	// overflow into reading nothing (which would look like an empty POST).
	t.Run("limit math.MaxInt64", func(t *testing.T) {
		env, err := ReadEnvelope(strings.NewReader(doc), "text/xml", math.MaxInt64)
		if err != nil {
			t.Fatalf("ReadEnvelope: %v", err)
		}
		dtCheckInform(t, env)
	})
	t.Run("negative limit", func(t *testing.T) {
		env, err := ReadEnvelope(strings.NewReader(doc), "text/xml", -1)
		dtCheckReject(t, dtReject{in: doc, is: ErrTooLarge}, env, err)
	})
	t.Run("white space over the limit", func(t *testing.T) {
		_, err := ReadEnvelope(strings.NewReader(strings.Repeat(" ", 101)), "", 100)
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("error %v, want ErrTooLarge", err)
		}
	})
	t.Run("read error", func(t *testing.T) {
		boom := errors.New("connection reset")
		env, err := ReadEnvelope(iotest.ErrReader(boom), "text/xml", 1<<20)
		if !errors.Is(err, boom) || env != nil {
			t.Errorf("ReadEnvelope = %v, %v; want the read error wrapped", env, err)
		}
	})
	t.Run("read error after some data", func(t *testing.T) {
		r := iotest.TimeoutReader(iotest.OneByteReader(strings.NewReader(doc)))
		if _, err := ReadEnvelope(r, "text/xml", 1<<20); err == nil || !errors.Is(err, iotest.ErrTimeout) {
			t.Errorf("error %v, want iotest.ErrTimeout wrapped", err)
		}
	})
	for _, c := range []struct{ name, ct, want string }{
		{"unsupported charset in Content-Type", "text/xml; charset=Shift_JIS", "Shift_JIS"},
		{"quoted unsupported charset in Content-Type", `text/xml; charset="koi8-r"`, "koi8-r"},
		{"Content-Type charset overrides an ISO-8859-1 declaration", "text/xml; charset=utf-16", "utf-16"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env, err := ReadEnvelope(strings.NewReader(`<?xml version="1.0" encoding="ISO-8859-1"?>`+doc), c.ct, 1<<20)
			dtCheckReject(t, dtReject{in: doc, is: ErrCharset, want: []string{c.want}}, env, err)
		})
	}
	t.Run("Content-Type UTF-8 over a Latin-1 body", func(t *testing.T) {
		env, err := ReadEnvelope(strings.NewReader(dtEnv("", "<cwmp:Reboot><CommandKey>caf\xE9</CommandKey></cwmp:Reboot>")), "text/xml; charset=UTF-8", 1<<20)
		dtCheckReject(t, dtReject{is: ErrNotXML, syntax: true, want: []string{"invalid UTF-8"}}, env, err)
	})
}

// ---- robustness ----

// dtAllocated returns the bytes allocated while decoding in, and the result.
func dtAllocated(t *testing.T, in []byte) (uint64, *Envelope) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	env, err := Decode(in)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	return after.TotalAlloc - before.TotalAlloc, env
}

// TestDecodeLinearTime guards against inputs on which the parser does
// quadratic work, so that a body of a few hundred kilobytes (well under any
// sensible ReadEnvelope limit) cannot cost seconds of CPU or gigabytes of
// allocation:
//   - character data split by comments, CDATA sections or processing
//     instructions (each piece once appended to the element's text with
//     "+=", copying the whole text every time);
//   - an element with thousands of attributes (each new attribute checked
//     against all earlier ones for duplicates);
//   - thousands of namespace declarations in scope (resolve scans the whole
//     binding stack for every element and prefixed attribute).
//
// All three were quadratic in the parser this test was written against
// (320 KB of "x<!---->" allocated 6.4 GB; 40,000 attributes took 10 s;
// 40,000 declarations with 40,000 elements took 11 s); xmlscan.go now
// gathers text pieces in one buffer and caps attributes per element and
// namespace declarations in scope. Rejecting such a document quickly, with
// a *SyntaxError, is as good as parsing it in linear time.
//
// The text cases measure bytes allocated (deterministic, unlike time); the
// others check the caps.
func TestDecodeLinearTime(t *testing.T) {
	reboot := func(key string) []byte {
		return []byte(dtEnv("", "<cwmp:Reboot><CommandKey>"+key+"</CommandKey></cwmp:Reboot>"))
	}
	for _, c := range []struct {
		name string
		in   []byte
		keys int
	}{
		{"text split by 20000 comments", reboot(strings.Repeat("x<!---->", 20000)), 20000},
		{"text split by 12000 CDATA sections", reboot(strings.Repeat("<![CDATA[x]]>", 12000)), 12000},
		{"text split by 12000 processing instructions", reboot(strings.Repeat("x<?p?>", 12000)), 12000},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, env := dtAllocated(t, c.in)
			if m := dtMsg[*Reboot](t, env); len(m.CommandKey) != c.keys {
				t.Errorf("CommandKey has %d bytes, want %d", len(m.CommandKey), c.keys)
			}
			if limit := 40*uint64(len(c.in)) + 1<<20; n > limit {
				t.Errorf("decoding %d bytes allocated %d bytes (%d times the input, limit %d): quadratic text concatenation",
					len(c.in), n, n/uint64(len(c.in)), limit)
			}
		})
	}

	// The scanner's per-element attribute check and its namespace lookup
	// are linear scans; the caps keep them bounded. A document within the
	// caps parses, one beyond is refused with a *SyntaxError naming the cap,
	// and a flood of tiny elements is refused before it costs 30 times its
	// size in memory.
	attrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, ` a%d=""`, i)
		}
		return b.String()
	}
	decls := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, ` xmlns:p%d="urn:x"`, i)
		}
		return b.String()
	}
	for _, c := range []struct {
		name string
		in   string
		want string // "" means the document must decode
	}{
		{"64 attributes on one element", "<cwmp:Reboot" + attrs(maxAttrs) + "><CommandKey>k</CommandKey></cwmp:Reboot>", ""},
		{"8000 attributes on one element", "<cwmp:Reboot" + attrs(8000) + "><CommandKey>k</CommandKey></cwmp:Reboot>", "more than 64 attributes"},
		{"50 namespace declarations", "<cwmp:Reboot" + decls(50) + "><CommandKey>k</CommandKey></cwmp:Reboot>", ""},
		{"150 namespace declarations in scope", strings.Repeat("<n"+decls(50)+">", 3) + "<cwmp:Reboot/>" + strings.Repeat("</n>", 3), "namespace declarations in scope"},
		{"100000 empty elements", "<cwmp:Reboot><CommandKey>k" + strings.Repeat("<a/>", 100000) + "</CommandKey></cwmp:Reboot>", "elements in a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode([]byte(dtEnv("", c.in)))
			if c.want == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Decode: %v, want a *SyntaxError containing %q", err, c.want)
			}
		})
	}
}

// dtTokens are fragments mutations insert, chosen to reach every branch of
// the scanner and the codec.
var dtTokens = []string{
	"<", ">", "</", "/>", "<!--", "-->", "<![CDATA[", "]]>", "<?", "?>", "<!DOCTYPE x>", "<!ENTITY",
	`<?xml version="1.0" encoding="ISO-8859-1"?>`, `<?xml version="1.0" encoding="Shift_JIS"?>`,
	"&amp;", "&lt;", "&#", "&#x", "&#233;", "&#xFFFF;", "&foo;", ";", "&", `"`, "'", "=", ":", " ", "\n", "\r", "\t",
	"xmlns", `xmlns:cwmp="urn:dslforum-org:cwmp-1-2"`, `xmlns=""`, `xmlns:x=""`, `xsi:type="cwmp:InstallOpStruct"`,
	`xsi:type="xsd:int"`, `soap-enc:arrayType="cwmp:ParameterValueStruct[99999999999]"`, `mustUnderstand="1"`,
	"soap-env:", "cwmp:", "Envelope", "Header", "Body", "Fault", "faultcode", "detail", "FaultCode",
	"SetParameterValuesFault", "Inform", "Event", "EventStruct", "ParameterList", "ParameterValueStruct",
	"Name", "Value", "Operations", "InstallOpStruct", "Results", "VoucherList", "CurrentTime", "MaxEnvelopes",
	"ID", "HoldRequests", "SessionTimeout", "SupportedCWMPVersions", "UseCWMPVersion",
	"\xEF\xBB\xBF", "\xFF", "\x00", "\xE9", "\xC3", "\uFFFE", "-1", "99999999999999999999", "1.5", "yes", "0001-01-01T00:00:00Z", "2024-02-30T25:00:00",
}

// dtMutate applies one to four random edits to a copy of src.
func dtMutate(r *rand.Rand, src []byte) []byte {
	b := bytes.Clone(src)
	for n := 1 + r.IntN(4); n > 0; n-- {
		if len(b) == 0 {
			b = append(b, '<')
		}
		i := r.IntN(len(b))
		span := 1 + r.IntN(min(64, len(b)-i))
		switch r.IntN(8) {
		case 0: // replace a byte
			b[i] = byte(r.IntN(256))
		case 1: // flip a bit
			b[i] ^= 1 << r.IntN(8)
		case 2: // delete a span
			b = append(b[:i], b[i+span:]...)
		case 3, 4: // insert a token
			tok := dtTokens[r.IntN(len(dtTokens))]
			b = append(b[:i], append([]byte(tok), b[i:]...)...)
		case 5: // duplicate a span
			b = append(b[:i+span], append(bytes.Clone(b[i:i+span]), b[i+span:]...)...)
		case 6: // truncate
			b = b[:i]
		case 7: // move a span elsewhere
			piece := bytes.Clone(b[i : i+span])
			b = append(b[:i], b[i+span:]...)
			j := r.IntN(len(b) + 1)
			b = append(b[:j], append(piece, b[j:]...)...)
		}
	}
	return b
}

// dtNoPanic decodes in (through ReadEnvelope with a Latin-1 Content-Type
// when latin1 is set) and fails on a panic or an inconsistent result.
func dtNoPanic(t *testing.T, in []byte, latin1 bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("Decode panicked: %v\ninput (%d bytes): %q", r, len(in), in)
		}
	}()
	var env *Envelope
	var err error
	if latin1 {
		env, err = ReadEnvelope(bytes.NewReader(in), "text/xml; charset=iso-8859-1", 1<<20)
	} else {
		env, err = Decode(in)
	}
	switch {
	case err == nil && (env == nil || env.Body == nil):
		t.Fatalf("no error and no message\ninput: %q", in)
	case err != nil && env != nil && !dtEnvelopeWithError(env, err):
		t.Fatalf("both an envelope and the error %v\ninput: %q", err, in)
	case err != nil && err.Error() == "":
		t.Fatalf("empty error text\ninput: %q", in)
	}
}

func TestDecodeNeverPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(0x5eed, 2024))
	t.Run("10000 random bytes", func(t *testing.T) {
		for range 20 {
			b := make([]byte, 10000)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			dtNoPanic(t, b, false)
			b[0] = '<'
			dtNoPanic(t, b, false)
		}
	})
	t.Run("random token soup", func(t *testing.T) {
		for range 200 {
			var b []byte
			for n := r.IntN(400); n >= 0; n-- {
				b = append(b, dtTokens[r.IntN(len(dtTokens))]...)
			}
			dtNoPanic(t, b, r.IntN(4) == 0)
		}
	})
	seeds := map[string]string{
		"Inform": "\xEF\xBB\xBF" + `<?xml version="1.0"?>` + dtEnvelope(dtCWMP12,
			`<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID><cwmp:SessionTimeout>30</cwmp:SessionTimeout><cwmp:SupportedCWMPVersions>1.0,1.4</cwmp:SupportedCWMPVersions><x:Y xmlns:x="urn:x" soap-env:mustUnderstand="1"/>`,
			strings.Replace(dtInformBody, "1.2.3", "a&amp;b<![CDATA[c]]>&#233;<!-- c -->", 1)),
		"ChangeDUState":         dtEnvelope(dtCWMP12, "", `<cwmp:ChangeDUState><Operations xsi:type="cwmp:InstallOpStruct"><URL>u</URL></Operations><Operations soap-enc:arrayType="x[1]"><UninstallOpStruct><UUID>x</UUID></UninstallOpStruct></Operations><CommandKey>k</CommandKey></cwmp:ChangeDUState>`),
		"Fault":                 dtEnv("", `<soap-env:Fault><faultcode>Client</faultcode><faultstring>f</faultstring><detail><cwmp:Fault><FaultCode>9003</FaultCode><SetParameterValuesFault><ParameterName>A</ParameterName><FaultCode>9007</FaultCode></SetParameterValuesFault></cwmp:Fault></detail></soap-env:Fault>`),
		"SetVouchers":           dtEnv("", `<cwmp:SetVouchers><VoucherList><base64>SGVsbG8=</base64></VoucherList></cwmp:SetVouchers>`),
		"DUStateChangeComplete": dtEnvelope(dtCWMP12, "", `<cwmp:DUStateChangeComplete><Results><UUID>u</UUID><Resolved>1</Resolved><StartTime>2024-01-01T00:00:00Z</StartTime><Fault><FaultCode>0</FaultCode></Fault></Results></cwmp:DUStateChangeComplete>`),
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "devices", "*.xml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds["device "+filepath.Base(f)] = string(b)
	}
	for i, name := range slices.Sorted(maps.Keys(seeds)) {
		n := 150
		if name == "Inform" {
			n = 1500
		}
		t.Run("mutations of "+name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(0x5eed, uint64(i)))
			seed := []byte(seeds[name])
			for range n {
				dtNoPanic(t, dtMutate(r, seed), r.IntN(8) == 0)
			}
		})
	}
}

// TestDecodeConcurrent decodes the device envelopes and a few others from
// several goroutines at once (run with -race) and checks that every result
// equals the one decoded alone, and that envelopes decoded earlier are not
// changed by later decodes: the decoded strings and slices must not share
// memory with the parser's reused buffers.
func TestDecodeConcurrent(t *testing.T) {
	inputs := [][]byte{
		[]byte(dtEnv("", strings.Replace(dtInformBody, "1.2.3", "a&amp;b<![CDATA[c]]>d<!-- x -->e", 1))),
		[]byte(dtEnv("", `<soap-env:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>9003</FaultCode><FaultString>x&lt;y</FaultString><SetParameterValuesFault><ParameterName>A&amp;B</ParameterName><FaultCode>9007</FaultCode></SetParameterValuesFault></cwmp:Fault></detail></soap-env:Fault>`)),
		[]byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` + dtEnv("", "<cwmp:Reboot><CommandKey>caf\xE9 &amp; cr\xE8me</CommandKey></cwmp:Reboot>")),
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "devices", "*.xml"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	want := make([]*Envelope, len(inputs))
	kept := make([]*Envelope, len(inputs)) // decoded once, checked at the end
	for i, in := range inputs {
		var err error
		if want[i], err = Decode(in); err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		if kept[i], err = Decode(bytes.Clone(in)); err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
	}
	const workers, rounds = 4, 25
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			for r := range rounds {
				i := (w + r) % len(inputs)
				env, err := Decode(inputs[i])
				if err == nil && !reflect.DeepEqual(env, want[i]) {
					err = fmt.Errorf("input %d decoded concurrently differs:\n got %+v\nwant %+v", i, env.Body, want[i].Body)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	for i := range inputs {
		if !reflect.DeepEqual(kept[i], want[i]) {
			t.Errorf("input %d: an envelope decoded earlier changed after later decodes:\n now %+v\nwant %+v", i, kept[i].Body, want[i].Body)
		}
	}
}

// ---- device-style envelopes ----

// dtParams returns the parameter list of an Inform or
// GetParameterValuesResponse as a map, failing on duplicate names.
func dtParams(t *testing.T, list []ParameterValueStruct) map[string]ParameterValueStruct {
	t.Helper()
	m := make(map[string]ParameterValueStruct, len(list))
	for _, p := range list {
		if _, dup := m[p.Name]; dup {
			t.Errorf("parameter %q listed twice", p.Name)
		}
		m[p.Name] = p
	}
	return m
}

// dtWantParam checks one parameter's value and type.
func dtWantParam(t *testing.T, params map[string]ParameterValueStruct, name, value, typ string) {
	t.Helper()
	p, ok := params[name]
	if !ok {
		t.Errorf("parameter %s missing", name)
		return
	}
	if p.Value != value || p.Type != typ {
		t.Errorf("%s = %q (type %q), want %q (type %q)", name, p.Value, p.Type, value, typ)
	}
}

// dtWantInform checks the identity and events of an Inform.
func dtWantInform(t *testing.T, env *Envelope, ns, id string, dev DeviceIdStruct, events []EventCode, nParams int) *Inform {
	t.Helper()
	m := dtMsg[*Inform](t, env)
	if env.Namespace != ns {
		t.Errorf("Namespace = %q, want %q", env.Namespace, ns)
	}
	if env.Header.ID != id {
		t.Errorf("Header.ID = %q, want %q", env.Header.ID, id)
	}
	if m.DeviceId != dev {
		t.Errorf("DeviceId = %+v, want %+v", m.DeviceId, dev)
	}
	if got := dtEvents(m); !slices.Equal(got, events) {
		t.Errorf("events = %q, want %q", got, events)
	}
	if m.MaxEnvelopes != 1 {
		t.Errorf("MaxEnvelopes = %d, want 1", m.MaxEnvelopes)
	}
	if len(m.ParameterList) != nParams {
		t.Errorf("got %d parameters, want %d", len(m.ParameterList), nParams)
	}
	for _, p := range m.ParameterList {
		if p.Name == "" || strings.TrimSpace(p.Name) != p.Name || strings.ContainsAny(p.Value, "\r") {
			t.Errorf("badly decoded parameter %+v", p)
		}
	}
	return m
}

var dtDeviceChecks = map[string]func(t *testing.T, env *Envelope){
	"huawei_ont_inform.xml": func(t *testing.T, env *Envelope) {
		m := dtWantInform(t, env, NS10, "1804289383",
			DeviceIdStruct{"Huawei Technologies Co., Ltd", "00E0FC", "HG8245H", "48575443A1B2C3D4"},
			[]EventCode{EventBoot, EventValueChange}, 12)
		if want := time.Date(2024, 3, 18, 1, 41, 7, 0, time.UTC); !m.CurrentTime.Equal(want) {
			t.Errorf("CurrentTime = %v, want %v", m.CurrentTime, want)
		}
		p := dtParams(t, m.ParameterList)
		dtWantParam(t, p, "InternetGatewayDevice.ManagementServer.ConnectionRequestURL", "http://100.64.12.34:7547/", "string")
		dtWantParam(t, p, "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.1.Enable", "1", "boolean")
		dtWantParam(t, p, "InternetGatewayDevice.DeviceInfo.UpTime", "53", "unsignedInt")
		dtWantParam(t, p, "InternetGatewayDevice.DeviceInfo.ProvisioningCode", "", "string")
		dtWantParam(t, p, "InternetGatewayDevice.X_HW_DeviceInfo.OntStatus", "O5", "string")
	},
	"tplink_gateway_inform.xml": func(t *testing.T, env *Envelope) {
		m := dtWantInform(t, env, NS10, "5f3a9c",
			DeviceIdStruct{"TP-Link", "50C7BF", "Archer VR600", "2219A0B0C0D0E"},
			[]EventCode{EventPeriodic, EventConnectionRequest}, 10)
		if want := time.Date(2024, 5, 12, 8, 13, 44, 0, time.UTC); !m.CurrentTime.Equal(want) || m.CurrentTime.Location() != time.UTC {
			t.Errorf("CurrentTime = %v, want %v", m.CurrentTime, want)
		}
		if m.RetryCount != 2 {
			t.Errorf("RetryCount = %d, want 2", m.RetryCount)
		}
		p := dtParams(t, m.ParameterList)
		dtWantParam(t, p, "InternetGatewayDevice.DeviceInfo.UpTime", "864213", "unsignedInt")
		dtWantParam(t, p, "InternetGatewayDevice.ManagementServer.ParameterKey", "cfg-0042", "string")
		dtWantParam(t, p, "InternetGatewayDevice.WANDevice.1.WANDSLInterfaceConfig.Status", "Up", "string")
	},
	"openwrt_device2_inform.xml": func(t *testing.T, env *Envelope) {
		m := dtWantInform(t, env, NS12, "1",
			DeviceIdStruct{"OpenWrt", "001122", "BCM963138_GW", "OWRT-7C2F80A1B2C3"},
			[]EventCode{EventBootstrap, EventBoot}, 9)
		if env.Header.SessionTimeout != 60 || !slices.Equal(env.Header.SupportedCWMPVersions, Versions) {
			t.Errorf("Header = %+v, want SessionTimeout 60 and versions 1.0 to 1.4", env.Header)
		}
		if v, f := Negotiate(env.Namespace, env.Header.SupportedCWMPVersions, Versions); f != nil || v != V1_4 {
			t.Errorf("Negotiate = %v, %v; want 1.4", v, f)
		}
		if want := time.Date(2024, 6, 2, 12, 5, 33, 418e6, time.UTC); !m.CurrentTime.Equal(want) {
			t.Errorf("CurrentTime = %v, want %v", m.CurrentTime, want)
		}
		p := dtParams(t, m.ParameterList)
		dtWantParam(t, p, "Device.RootDataModelVersion", "2.12", "string")
		dtWantParam(t, p, "Device.DeviceInfo.ProvisioningCode", "", "string")
		dtWantParam(t, p, "Device.ManagementServer.AliasBasedAddressing", "false", "boolean")
		dtWantParam(t, p, "Device.IP.Interface.1.IPv4Address.1.IPAddress", "192.0.2.17", "string")
	},
	"avm_inform.xml": func(t *testing.T, env *Envelope) {
		m := dtWantInform(t, env, NS11, "4711",
			DeviceIdStruct{"AVM", "00040E", "FRITZ!Box", "989BCB0A1B2C"},
			[]EventCode{EventValueChange, EventMDownload, "X 00040E DSL SYNC"}, 7)
		if m.Event[1].CommandKey != "fw-7.57" || !m.Event[2].EventCode.IsVendor() || !m.Event[2].EventCode.Valid() {
			t.Errorf("Event = %+v", m.Event)
		}
		if m.RetryCount != 1 {
			t.Errorf("RetryCount = %d, want 1", m.RetryCount)
		}
		p := dtParams(t, m.ParameterList)
		dtWantParam(t, p, "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", "Müller & Söhne WLAN", "string")
		dtWantParam(t, p, "InternetGatewayDevice.ManagementServer.ParameterKey", "key&2024-04", "string")
		dtWantParam(t, p, "InternetGatewayDevice.DeviceInfo.HardwareVersion", "FRITZ!Box 7590", "string")
	},
	"latin1_inform.xml": func(t *testing.T, env *Envelope) {
		m := dtWantInform(t, env, NS10, "26",
			DeviceIdStruct{"Télécom Équipements SA", "0019C7", "Boîte-2", "TEQ0123456789"},
			[]EventCode{EventPeriodic}, 4)
		if want := time.Date(2024, 2, 29, 22, 59, 59, 0, time.UTC); !m.CurrentTime.Equal(want) {
			t.Errorf("CurrentTime = %v, want %v", m.CurrentTime, want)
		}
		p := dtParams(t, m.ParameterList)
		dtWantParam(t, p, "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID", "Salle à manger", "string")
		if !utf8.ValidString(m.DeviceId.Manufacturer) {
			t.Errorf("Manufacturer %q is not UTF-8", m.DeviceId.Manufacturer)
		}
	},
	"gpv_response_mixed.xml": func(t *testing.T, env *Envelope) {
		m := dtMsg[*GetParameterValuesResponse](t, env)
		if env.Namespace != NS10 || env.Header.ID != "gpv-000137" {
			t.Errorf("Namespace, ID = %q, %q", env.Namespace, env.Header.ID)
		}
		if len(m.ParameterList) != 20 {
			t.Errorf("got %d parameters, want 20", len(m.ParameterList))
		}
		p := dtParams(t, m.ParameterList)
		const igd = "InternetGatewayDevice."
		dtWantParam(t, p, igd+"DeviceInfo.ModelName", "F@ST 5366", "string")
		dtWantParam(t, p, igd+"DeviceInfo.FirstUseDate", UnknownTime, "dateTime")
		dtWantParam(t, p, igd+"Time.CurrentLocalTime", "2024-07-30T17:22:09", "dateTime")
		dtWantParam(t, p, igd+"Time.Enable", "true", "boolean")
		dtWantParam(t, p, igd+"ManagementServer.PeriodicInformEnable", "1", "boolean")
		dtWantParam(t, p, igd+"WANDevice.1.WANDSLInterfaceConfig.DownstreamNoiseMargin", "-12", "int")
		dtWantParam(t, p, igd+"WANDevice.1.WANDSLInterfaceConfig.DownstreamCurrRate", "  51392  ", "unsignedInt")
		dtWantParam(t, p, igd+"WANDevice.1.WANCommonInterfaceConfig.TotalBytesReceived", "18446744073709551615", "unsignedLong")
		dtWantParam(t, p, igd+"WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Password", "", "string")
		dtWantParam(t, p, igd+"LANDevice.1.WLANConfiguration.1.SSID", "Home <5G> & more", "string")
		dtWantParam(t, p, igd+"LANDevice.1.WLANConfiguration.1.Channel", "11", "")
		dtWantParam(t, p, igd+"LANDevice.1.Hosts.HostNumberOfEntries", "4", "unsignedInt")
		dtWantParam(t, p, igd+"X_SAGEM_Config.HexId", "0A1B2C3D", "hexBinary")
		dtWantParam(t, p, igd+"DeviceInfo.X_SAGEM_Banner", "Welcome <admin>", "string")
		blob := p[igd+"X_SAGEM_Config.Blob"]
		if b, err := base64.StdEncoding.DecodeString(blob.Value); err != nil || string(b) != "Hello, CPE!" || blob.Type != "base64" {
			t.Errorf("Blob = %+v (%q, %v)", blob, b, err)
		}
	},
	"gpn_response.xml": func(t *testing.T, env *Envelope) {
		m := dtMsg[*GetParameterNamesResponse](t, env)
		if env.Namespace != NS12 || env.Header.ID != "gpn-42" {
			t.Errorf("Namespace, ID = %q, %q", env.Namespace, env.Header.ID)
		}
		want := []bool{false, false, false, false, false, true, true, false, true, true, true, false}
		if len(m.ParameterList) != len(want) {
			t.Fatalf("got %d names, want %d", len(m.ParameterList), len(want))
		}
		objects := 0
		for i, p := range m.ParameterList {
			if p.Writable != want[i] {
				t.Errorf("%s Writable = %v, want %v", p.Name, p.Writable, want[i])
			}
			if strings.HasSuffix(p.Name, ".") {
				objects++
			}
		}
		if objects != 5 || m.ParameterList[0].Name != "Device.WiFi." || m.ParameterList[11].Name != "Device.WiFi.SSID.1.Status" {
			t.Errorf("objects = %d, first %q, last %q", objects, m.ParameterList[0].Name, m.ParameterList[11].Name)
		}
	},
	"spv_fault.xml": func(t *testing.T, env *Envelope) {
		f := dtMsg[*Fault](t, env)
		if env.Namespace != NS10 || env.Header.ID != "spv-0019" {
			t.Errorf("Namespace, ID = %q, %q", env.Namespace, env.Header.ID)
		}
		if f.SOAPCode != "Client" || f.SOAPString != "CWMP fault" || f.Code != FaultInvalidArguments || f.String != "Invalid arguments" {
			t.Errorf("Fault = %+v", f)
		}
		want := []ParameterFault{
			{"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.Channel", FaultInvalidParameterValue, "Invalid parameter value"},
			{"InternetGatewayDevice.DeviceInfo.SerialNumber", FaultNotWritable, "Attempt to set a non-writable parameter"},
			{"InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.X_FOO_Bar", FaultInvalidParameterName, ""},
		}
		if !slices.Equal(f.SetParameterValuesFault, want) {
			t.Errorf("SetParameterValuesFault = %+v, want %+v", f.SetParameterValuesFault, want)
		}
		if g, ok := AsFault(fmt.Errorf("spv: %w", f)); !ok || g != f {
			t.Errorf("AsFault did not find the fault")
		}
	},
	"transfer_complete_9010.xml": func(t *testing.T, env *Envelope) {
		m := dtMsg[*TransferComplete](t, env)
		if env.Namespace != NS10 || env.Header.ID != "TC_1716823301" {
			t.Errorf("Namespace, ID = %q, %q", env.Namespace, env.Header.ID)
		}
		if m.CommandKey != "fw-upgrade-2024-05" || m.FaultStruct.FaultCode != FaultDownloadFailure || m.FaultStruct.FaultString != "Download failed: HTTP 404 Not Found" {
			t.Errorf("TransferComplete = %+v", m)
		}
		start := time.Date(2024, 5, 27, 15, 21, 41, 250e6, time.UTC)
		if !m.StartTime.Equal(start) || m.CompleteTime.Sub(m.StartTime) != 1757*time.Millisecond {
			t.Errorf("StartTime, CompleteTime = %v, %v", m.StartTime, m.CompleteTime)
		}
	},
	"autonomous_transfer_complete.xml": func(t *testing.T, env *Envelope) {
		m := dtMsg[*AutonomousTransferComplete](t, env)
		if env.Namespace != NS11 || env.Header.ID != "ATC-0001" {
			t.Errorf("Namespace, ID = %q, %q", env.Namespace, env.Header.ID)
		}
		want := AutonomousTransferComplete{
			TransferURL: "http://fw.vendor.example/images/zx-v2.3.1.bin", IsDownload: true, FileType: FileFirmwareImage,
			FileSize: 18874368, TargetFileName: "zx-v2.3.1.bin",
			StartTime: time.Date(2024, 8, 1, 2, 0, 12, 0, time.UTC), CompleteTime: time.Date(2024, 8, 1, 2, 3, 55, 0, time.UTC),
		}
		if !m.StartTime.Equal(want.StartTime) || !m.CompleteTime.Equal(want.CompleteTime) {
			t.Errorf("times = %v, %v", m.StartTime, m.CompleteTime)
		}
		got := *m
		got.StartTime, got.CompleteTime = want.StartTime, want.CompleteTime
		if got != want {
			t.Errorf("AutonomousTransferComplete = %+v, want %+v", got, want)
		}
	},
	"du_state_change_complete.xml": func(t *testing.T, env *Envelope) {
		m := dtMsg[*DUStateChangeComplete](t, env)
		if env.Namespace != NS12 || env.Header.ID != "du-77" || m.CommandKey != "du-batch-9" {
			t.Errorf("Namespace, ID, CommandKey = %q, %q, %q", env.Namespace, env.Header.ID, m.CommandKey)
		}
		if len(m.Results) != 2 {
			t.Fatalf("got %d results, want 2", len(m.Results))
		}
		ok, bad := m.Results[0], m.Results[1]
		if ok.UUID != "6c8a3b8e-1f2d-5a4b-9c3d-0e1f2a3b4c5d" || ok.DeploymentUnitRef != "Device.SoftwareModules.DeploymentUnit.3" ||
			ok.Version != "1.4.2" || ok.CurrentState != DUInstalled || !ok.Resolved || ok.Fault.FaultCode != 0 ||
			ok.ExecutionUnitRefList != "Device.SoftwareModules.ExecutionUnit.3" || ok.CompleteTime.Sub(ok.StartTime) != 18*time.Second {
			t.Errorf("Results[0] = %+v", ok)
		}
		if bad.CurrentState != DUFailed || bad.Resolved || !bad.StartTime.IsZero() || !bad.CompleteTime.IsZero() ||
			bad.Fault != (DeploymentUnitFaultStruct{FaultUnknownDU, "Unknown Deployment Unit"}) {
			t.Errorf("Results[1] = %+v", bad)
		}
	},
	"getrpcmethods_response.xml": func(t *testing.T, env *Envelope) {
		m := dtMsg[*GetRPCMethodsResponse](t, env)
		if env.Namespace != NS10 || env.Header.ID != "rpc-1" {
			t.Errorf("Namespace, ID = %q, %q", env.Namespace, env.Header.ID)
		}
		if len(m.MethodList) != 14 || m.MethodList[0] != "GetRPCMethods" || m.MethodList[13] != "X_00D09E_ReadLog" || !slices.Contains(m.MethodList, "Download") {
			t.Errorf("MethodList = %q", m.MethodList)
		}
	},
}

func TestDeviceEnvelopes(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "devices", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		t.Run(strings.TrimSuffix(name, ".xml"), func(t *testing.T) {
			check, ok := dtDeviceChecks[name]
			if !ok {
				t.Fatalf("no checks for %s: add them to dtDeviceChecks", name)
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			env, err := Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			check(t, env)
			// ReadEnvelope with an HTTP Content-Type without charset must
			// give the same envelope.
			env2, err := ReadEnvelope(bytes.NewReader(data), "text/xml", int64(len(data)))
			if err != nil {
				t.Fatalf("ReadEnvelope: %v", err)
			}
			if !reflect.DeepEqual(env, env2) {
				t.Errorf("ReadEnvelope and Decode differ:\n%+v\n%+v", env2, env)
			}
		})
	}
	for name := range dtDeviceChecks {
		if !seen[name] {
			t.Errorf("dtDeviceChecks has %s but testdata/devices has no such file", name)
		}
	}
	if len(files) < 8 {
		t.Errorf("only %d device envelopes in testdata/devices", len(files))
	}
}
