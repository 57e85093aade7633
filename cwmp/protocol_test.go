package cwmp

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestNegotiate(t *testing.T) {
	all := Versions
	cases := []struct {
		name     string
		ns       string
		cpe, acs []Version
		want     Version
		fault    bool
	}{
		{"1.4 CPE and ACS pick 1.4", NS12, all, all, V1_4, false},
		{"highest common version", NS12, []Version{V1_0, V1_2, V1_3}, []Version{V1_0, V1_1, V1_2}, V1_2, false},
		{"CPE list order does not matter", NS12, []Version{V1_4, V1_0, V1_2}, []Version{V1_2, V1_0}, V1_2, false},
		{"no header: namespace 1-0", NS10, nil, all, V1_0, false},
		{"no header: namespace 1-1", NS11, nil, all, V1_1, false},
		{"no header: namespace 1-2 means 1.2", NS12, nil, all, V1_2, false},
		{"nothing in common", NS12, []Version{V1_3, V1_4}, []Version{V1_0, V1_1}, Version{}, true},
		{"ACS without the CPE's namespace version", NS10, nil, []Version{V1_2, V1_4}, Version{}, true},
		{"unknown namespace", "urn:example:cwmp", nil, all, Version{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Negotiate(c.ns, c.cpe, c.acs)
			if c.fault {
				if f, ok := AsFault(err); !ok || f.Code != FaultACSVersionIncompatible {
					t.Fatalf("got %v, %v; want fault 8006", got, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
			if got.Namespace() == "" {
				t.Errorf("version %v has no namespace", got)
			}
		})
	}
}

func TestVersionParsing(t *testing.T) {
	vs, err := ParseVersions(" 1.0, 1.1,1.2,,1.4 ")
	if err != nil || !slices.Equal(vs, []Version{V1_0, V1_1, V1_2, V1_4}) {
		t.Fatalf("ParseVersions: %v, %v", vs, err)
	}
	if FormatVersions(vs) != "1.0,1.1,1.2,1.4" {
		t.Errorf("FormatVersions: %q", FormatVersions(vs))
	}
	for _, bad := range []string{"1", "x.y", "1.4.1", "256.0", "1.-1"} {
		if _, err := ParseVersion(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("ParseVersion(%q) = %v, want an error naming the input", bad, err)
		}
	}
	for v, ns := range map[Version]string{V1_0: NS10, V1_1: NS11, V1_2: NS12, V1_3: NS12, V1_4: NS12, {2, 0}: ""} {
		if v.Namespace() != ns {
			t.Errorf("%v.Namespace() = %q, want %q", v, v.Namespace(), ns)
		}
	}
}

func TestFaultCodes(t *testing.T) {
	for code := FaultCode(9000); code <= 9032; code++ {
		if _, ok := faults[code]; !ok {
			t.Errorf("CPE fault %d has no meaning", code)
		}
		if !code.IsCPE() || code.IsACS() || code.IsVendor() {
			t.Errorf("%d classified wrongly", code)
		}
	}
	for code := FaultCode(8000); code <= 8006; code++ {
		if _, ok := faults[code]; !ok {
			t.Errorf("ACS fault %d has no meaning", code)
		}
		if !code.IsACS() || code.IsCPE() {
			t.Errorf("%d classified wrongly", code)
		}
	}
	checks := []struct {
		code FaultCode
		soap string
		text string
	}{
		{FaultMethodNotSupported, "Server", "Method not supported"},
		{FaultInvalidArguments, "Client", "Invalid arguments"},
		{FaultNotWritable, "Client", "Attempt to set a non-writable parameter"},
		{FaultDownloadFailure, "Server", "File transfer failure"},
		{FaultTimeWindowsExpired, "Client", "File transfer failure: unable to complete download within specified time windows"},
		{FaultDUVersionExists, "Server", "Invalid Deployment Unit update: version already exists"},
		{FaultACSVersionIncompatible, "Server", "ACS version incompatible with CPE"},
		{9850, "Server", "Vendor-defined fault 9850"},
		{9500, "Server", "Reserved fault 9500"},
	}
	for _, c := range checks {
		if c.code.SOAPCode() != c.soap || c.code.String() != c.text {
			t.Errorf("%d: got %s %q, want %s %q", c.code, c.code.SOAPCode(), c.code.String(), c.soap, c.text)
		}
	}
	f := &Fault{Code: FaultInvalidArguments, String: "two parameters failed", SetParameterValuesFault: []ParameterFault{{"A.B", FaultNotWritable, "read-only"}}}
	var err error = f
	if got, ok := AsFault(errors.Join(errors.New("x"), err)); !ok || got != f {
		t.Error("AsFault does not find a wrapped fault")
	}
	msg := f.Error()
	for _, want := range []string{"9003", "Invalid arguments", "two parameters failed", "A.B", "9008"} {
		if !strings.Contains(msg, want) {
			t.Errorf("fault text %q lacks %q", msg, want)
		}
	}
}

func TestEventCodes(t *testing.T) {
	single := []EventCode{EventBootstrap, EventBoot, EventPeriodic, EventValueChange, EventKicked, EventConnectionRequest,
		EventTransferComplete, EventDiagnosticsComplete, EventRequestDownload, EventAutonomousTransferComplete,
		EventDUStateChangeComplete, EventAutonomousDUStateChangeComplete, EventWakeup, EventHeartbeat, EventMReboot}
	multiple := []EventCode{EventScheduled, EventMScheduleInform, EventMDownload, EventMScheduleDownload, EventMUpload, EventMChangeDUState}
	for _, c := range single {
		if c.Multiple() || !c.Standard() || !c.Valid() || c.Meaning() == "" {
			t.Errorf("%q: multiple=%v standard=%v valid=%v", c, c.Multiple(), c.Standard(), c.Valid())
		}
	}
	for _, c := range multiple {
		if !c.Multiple() || !c.Standard() || !c.Valid() {
			t.Errorf("%q should be a valid multiple event", c)
		}
	}
	if len(single)+len(multiple) != len(events) {
		t.Errorf("%d event codes tested, %d defined", len(single)+len(multiple), len(events))
	}
	vendor := EventCode("X 00D09E MyEvent")
	if !vendor.Valid() || !vendor.IsVendor() || vendor.Standard() || !vendor.Multiple() {
		t.Errorf("vendor event %q misclassified", vendor)
	}
	if m := EventCode("M X_00D09E_Foo"); !m.IsMethod() || !m.IsVendor() || !m.Valid() {
		t.Errorf("vendor method event %q misclassified", m)
	}
	for _, bad := range []EventCode{"", "BOOT", "1BOOT", "X 00d09e", EventCode(strings.Repeat("9", 65) + " X")} {
		if bad.Valid() {
			t.Errorf("%q accepted as an event code", bad)
		}
	}
}

func TestServeMux(t *testing.T) {
	ctx := context.Background()
	cpe := NewServeMux(RoleCPE)
	cpe.HandleFunc("Reboot", func(ctx context.Context, req Message) (Message, error) {
		return &RebootResponse{}, nil
	})
	cpe.HandleFunc("SetParameterValues", func(ctx context.Context, req Message) (Message, error) {
		return nil, NewFault(FaultInvalidParameterName, "no such parameter")
	})
	cpe.HandleFunc("AddObject", func(ctx context.Context, req Message) (Message, error) {
		return nil, errors.New("disk full")
	})
	resp, _ := cpe.ServeCWMP(ctx, &Reboot{})
	if _, ok := resp.(*RebootResponse); !ok {
		t.Errorf("Reboot answered with %T", resp)
	}
	resp, _ = cpe.ServeCWMP(ctx, &SetParameterValues{})
	if f, ok := resp.(*Fault); !ok || f.Code != FaultInvalidParameterName {
		t.Errorf("handler fault not passed through: %#v", resp)
	}
	resp, _ = cpe.ServeCWMP(ctx, &AddObject{})
	if f, ok := resp.(*Fault); !ok || f.Code != FaultInternalError || !strings.Contains(f.String, "disk full") {
		t.Errorf("plain error not turned into 9002: %#v", resp)
	}
	resp, _ = cpe.ServeCWMP(ctx, &UnknownMessage{Name: "X_Vendor"})
	if f, ok := resp.(*Fault); !ok || f.Code != FaultMethodNotSupported || !strings.Contains(f.String, "X_Vendor") {
		t.Errorf("unknown method: %#v", resp)
	}
	resp, _ = cpe.ServeCWMP(ctx, &GetRPCMethods{})
	got, ok := resp.(*GetRPCMethodsResponse)
	if !ok || !slices.Equal(got.MethodList, []string{"AddObject", "GetRPCMethods", "Reboot", "SetParameterValues"}) {
		t.Errorf("GetRPCMethods is not the truthful list: %#v", resp)
	}

	if !Answers(&Reboot{}, &RebootResponse{}) || !Answers(&Reboot{}, &Fault{}) || Answers(&Reboot{}, &FactoryResetResponse{}) {
		t.Error("Answers matches responses wrongly")
	}
	if got := Serve(ctx, HandlerFunc(func(context.Context, Message) (Message, error) { return nil, nil }), RoleCPE, &Reboot{}); got.(*Fault).Code != FaultInternalError {
		t.Errorf("a handler returning nothing gave %#v, want 9002", got)
	}

	acs := NewServeMux(RoleACS)
	resp, _ = acs.ServeCWMP(ctx, &Kicked{})
	if f, ok := resp.(*Fault); !ok || f.Code != FaultACSMethodNotSupported {
		t.Errorf("ACS mux answered an unhandled method with %#v, want 8000", resp)
	}
	acs.HandleFunc("Inform", func(ctx context.Context, req Message) (Message, error) { return nil, errors.New("db down") })
	if resp, _ = acs.ServeCWMP(ctx, &Inform{}); resp.(*Fault).Code != FaultACSInternalError {
		t.Errorf("ACS internal error: %#v", resp)
	}
}

func TestMustUnderstand(t *testing.T) {
	doc := `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0" xmlns:v="urn:vendor">
<soap:Header><cwmp:ID soap:mustUnderstand="1">7</cwmp:ID><v:Trace soap:mustUnderstand="1">x</v:Trace><v:Hint soap:mustUnderstand="0">y</v:Hint></soap:Header>
<soap:Body><cwmp:Reboot><CommandKey>k</CommandKey></cwmp:Reboot></soap:Body></soap:Envelope>`
	env, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	nu := env.Header.NotUnderstood()
	if len(nu) != 1 || nu[0].Name != "Trace" || nu[0].Namespace != "urn:vendor" {
		t.Fatalf("NotUnderstood = %+v, want the Trace element only", nu)
	}
	f := MustUnderstandFault(nu)
	b, err := Encode(&Envelope{Namespace: env.Namespace, Header: Header{ID: env.Header.ID}, Body: f})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "<faultcode>MustUnderstand</faultcode>") || !strings.Contains(string(b), "Trace") || strings.Contains(string(b), "<detail>") {
		t.Errorf("MustUnderstand fault encoded as:\n%s", b)
	}
	validateXSD(t, NS10, b)
}

func TestFaultWithoutIDKeepsNamespace(t *testing.T) {
	b, err := Encode(&Envelope{Namespace: NS11, Body: NewFault(FaultRequestDenied, "")})
	if err != nil {
		t.Fatal(err)
	}
	env, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if env.Namespace != NS11 {
		t.Errorf("fault without ID decoded with namespace %q, want %q", env.Namespace, NS11)
	}
}

func TestDecodeErrorKeepsHeader(t *testing.T) {
	doc := `<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">
<soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">req-9</cwmp:ID></soap-env:Header>
<soap-env:Body><cwmp:ScheduleInform><DelaySeconds>soon</DelaySeconds><CommandKey>k</CommandKey></cwmp:ScheduleInform></soap-env:Body></soap-env:Envelope>`
	env, err := Decode([]byte(doc))
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != "ScheduleInform/DelaySeconds" {
		t.Fatalf("error %v, want a DecodeError at ScheduleInform/DelaySeconds", err)
	}
	if env == nil || env.Header.ID != "req-9" || env.Namespace != NS12 || env.Body != nil {
		t.Fatalf("envelope %+v, want the header and namespace without a body", env)
	}
	if _, err := Decode([]byte("<x/>")); err == nil {
		t.Fatal("not an envelope accepted")
	} else if env, _ := Decode([]byte("<x/>")); env != nil {
		t.Error("a malformed envelope returned an envelope")
	}
}
