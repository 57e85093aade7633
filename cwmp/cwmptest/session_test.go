package cwmptest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

var boot = cwmp.EventStruct{EventCode: cwmp.EventBoot}

func testID(n int) cwmp.DeviceIdStruct {
	return cwmp.DeviceIdStruct{Manufacturer: "cwmpkit", OUI: "00D09E", ProductClass: "FakeGW", SerialNumber: fmt.Sprintf("SN%04d", n)}
}

// startACS starts an ACS configured by configure (which may be nil) and
// closes it when the test ends.
func startACS(t *testing.T, configure func(*ACS)) *ACS {
	t.Helper()
	a := NewUnstartedACS()
	if configure != nil {
		configure(a)
	}
	a.Start()
	t.Cleanup(a.Close)
	return a
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// run runs one session of cpe and returns both ends' records, failing the
// test on any error.
func run(t *testing.T, a *ACS, cpe *CPE, n int, events ...cwmp.EventStruct) (atACS, atCPE *Session) {
	t.Helper()
	ctx := testContext(t)
	atCPE, err := cpe.Session(ctx, events...)
	if err != nil {
		t.Fatalf("CPE session: %v", err)
	}
	atACS, err = a.WaitSession(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	return atACS, atCPE
}

// checkClean fails the test for violations and abnormal ends at either end.
func checkClean(t *testing.T, sessions ...*Session) {
	t.Helper()
	for _, s := range sessions {
		for _, v := range s.Violations {
			t.Errorf("violation (session %d at %s): %s", s.N, s.RemoteAddr, v)
		}
		if !s.Ended || !s.NoContent || s.Err != nil {
			t.Errorf("session %d at %s: Ended %v, NoContent %v, Err %v; want a normal end", s.N, s.RemoteAddr, s.Ended, s.NoContent, s.Err)
		}
	}
}

// checkIDs fails the test unless every answer of the session echoes its
// request's non-empty ID.
func checkIDs(t *testing.T, s *Session) {
	t.Helper()
	xs := append(append([]Exchange{s.Inform}, s.CPERequests...), s.ACSRequests...)
	for _, x := range xs {
		if x.Response == nil {
			t.Errorf("%s has no answer", x.Request.Body.MethodName())
			continue
		}
		if id := x.Request.Header.ID; id == "" || x.Response.Header.ID != id {
			t.Errorf("%s with ID %q answered by %s with ID %q", x.Request.Body.MethodName(), id, x.Response.Body.MethodName(), x.Response.Header.ID)
		}
	}
}

func methods(xs []Exchange) []string {
	var out []string
	for _, x := range xs {
		out = append(out, x.Request.Body.MethodName())
	}
	return out
}

func TestFullSession(t *testing.T) {
	a := startACS(t, nil)
	a.Enqueue(
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber", "Device.ManagementServer.PeriodicInformInterval"}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600", Type: "unsignedInt"}}, ParameterKey: "key-1"},
		&cwmp.Reboot{CommandKey: "reboot-1"},
	)
	cpe := NewCPE(a.URL, testID(1))
	s, cs := run(t, a, cpe, 1, boot)
	checkClean(t, s, cs)
	checkIDs(t, s)
	checkIDs(t, cs)

	if got := s.DeviceId(); got != testID(1) {
		t.Errorf("ACS recorded DeviceId %+v, want %+v", got, testID(1))
	}
	if inf := s.InformMessage(); !slices.Equal(inf.Event, []cwmp.EventStruct{boot}) {
		t.Errorf("ACS recorded events %v, want [1 BOOT]", inf.Event)
	} else if v, _ := inf.Parameter("Device.DeviceInfo.SoftwareVersion"); v != "1.0.0" {
		t.Errorf("Inform reports SoftwareVersion %q, want 1.0.0", v)
	}
	if s.Version != cwmp.V1_2 || s.Namespace != cwmp.NS12 {
		t.Errorf("session version %s in %s, want 1.2 in %s", s.Version, s.Namespace, cwmp.NS12)
	}
	if got, want := methods(s.ACSRequests), []string{"GetParameterValues", "SetParameterValues", "Reboot"}; !slices.Equal(got, want) {
		t.Fatalf("ACS requests %v, want %v", got, want)
	}

	gpv, ok := s.ResponseTo("GetParameterValues").(*cwmp.GetParameterValuesResponse)
	if !ok {
		t.Fatalf("GetParameterValues answered with %v", s.ResponseTo("GetParameterValues"))
	}
	want := []cwmp.ParameterValueStruct{
		{Name: "Device.DeviceInfo.SerialNumber", Value: "SN0001", Type: "string"},
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "3600", Type: "unsignedInt"},
	}
	if !slices.Equal(gpv.ParameterList, want) {
		t.Errorf("GetParameterValuesResponse %+v, want %+v", gpv.ParameterList, want)
	}

	if spv, ok := s.ResponseTo("SetParameterValues").(*cwmp.SetParameterValuesResponse); !ok || spv.Status != 0 {
		t.Errorf("SetParameterValues answered with %#v", s.ResponseTo("SetParameterValues"))
	}
	if v := cpe.Params.Value("Device.ManagementServer.PeriodicInformInterval"); v != "600" {
		t.Errorf("PeriodicInformInterval is %q after SetParameterValues, want 600", v)
	}
	if v := cpe.Params.Value("Device.ManagementServer.ParameterKey"); v != "key-1" {
		t.Errorf("ParameterKey is %q after SetParameterValues, want key-1", v)
	}

	if _, ok := s.ResponseTo("Reboot").(*cwmp.RebootResponse); !ok {
		t.Errorf("Reboot answered with %#v", s.ResponseTo("Reboot"))
	}
	recv := cpe.Received()
	if len(recv) != 3 {
		t.Fatalf("CPE received %d requests, want 3", len(recv))
	}
	if r, ok := recv[2].(*cwmp.Reboot); !ok || r.CommandKey != "reboot-1" {
		t.Errorf("third request received %#v, want Reboot reboot-1", recv[2])
	}

	posts := a.Posts()
	var methods []string
	withoutCookie := 0
	for _, p := range posts {
		methods = append(methods, p.Method)
		if p.Cookie == "" {
			withoutCookie++
		}
		if p.Session != 1 {
			t.Errorf("POST of %q recorded in session %d, want 1", p.Method, p.Session)
		}
		if p.Method == "" {
			if p.HasSOAPAction || p.ContentType != "" || p.ContentLength != 0 {
				t.Errorf("empty POST: SOAPAction %v, Content-Type %q, Content-Length %d; want none, none, 0", p.HasSOAPAction, p.ContentType, p.ContentLength)
			}
		} else if !p.HasSOAPAction || p.SOAPAction != "" || !strings.HasPrefix(p.ContentType, "text/xml") {
			t.Errorf("POST of %s: SOAPAction %v %q, Content-Type %q; want an empty SOAPAction and text/xml", p.Method, p.HasSOAPAction, p.SOAPAction, p.ContentType)
		}
	}
	if want := []string{"Inform", "", "GetParameterValuesResponse", "SetParameterValuesResponse", "RebootResponse"}; !slices.Equal(methods, want) {
		t.Errorf("POSTs carried %q, want %q", methods, want)
	}
	if withoutCookie != 1 {
		t.Errorf("%d POSTs came without the session cookie, want 1 (the Inform)", withoutCookie)
	}
	if last := posts[len(posts)-1]; last.Status != http.StatusNoContent {
		t.Errorf("the last POST was answered with %d, want 204", last.Status)
	}
}

func TestCPERequest(t *testing.T) {
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tc := &cwmp.TransferComplete{CommandKey: "dl-1", StartTime: start, CompleteTime: start.Add(time.Minute)}
	events := []cwmp.EventStruct{{EventCode: cwmp.EventTransferComplete}, {EventCode: cwmp.EventMDownload, CommandKey: "dl-1"}}

	t.Run("answered", func(t *testing.T) {
		a := startACS(t, nil)
		a.Enqueue(&cwmp.GetRPCMethods{})
		cpe := NewCPE(a.URL, testID(1))
		cpe.Send(tc)
		s, cs := run(t, a, cpe, 1, events...)
		checkClean(t, s, cs)
		checkIDs(t, s)
		if len(s.CPERequests) != 1 {
			t.Fatalf("ACS recorded %d CPE requests, want 1", len(s.CPERequests))
		}
		x := s.CPERequests[0]
		if got, ok := x.Request.Body.(*cwmp.TransferComplete); !ok || got.CommandKey != "dl-1" || !got.CompleteTime.Equal(tc.CompleteTime) {
			t.Errorf("ACS received %#v", x.Request.Body)
		}
		if _, ok := x.Response.Body.(*cwmp.TransferCompleteResponse); !ok {
			t.Errorf("TransferComplete answered with %#v", x.Response.Body)
		}
		var order []string
		for _, p := range a.Posts() {
			order = append(order, p.Method)
		}
		if want := []string{"Inform", "TransferComplete", "", "GetRPCMethodsResponse"}; !slices.Equal(order, want) {
			t.Errorf("POSTs carried %q, want %q", order, want)
		}
		if q := cpe.Queued(); len(q) != 0 {
			t.Errorf("%d requests still queued after a successful answer", len(q))
		}
		if m, ok := s.ResponseTo("GetRPCMethods").(*cwmp.GetRPCMethodsResponse); !ok || !slices.Contains(m.MethodList, "Reboot") {
			t.Errorf("GetRPCMethods answered with %#v", s.ResponseTo("GetRPCMethods"))
		}
	})

	t.Run("fault keeps it queued", func(t *testing.T) {
		a := startACS(t, func(a *ACS) {
			m := NewACSMux()
			m.HandleFunc("TransferComplete", func(context.Context, cwmp.Message) (cwmp.Message, error) {
				return nil, cwmp.NewFault(cwmp.FaultACSRetryRequest, "")
			})
			a.Handler = m
		})
		cpe := NewCPE(a.URL, testID(1))
		cpe.Send(tc)
		s, cs := run(t, a, cpe, 1, events...)
		checkClean(t, s, cs)
		if fs := cs.Faults(); len(fs) != 1 || fs[0].Code != cwmp.FaultACSRetryRequest {
			t.Errorf("CPE saw faults %v, want one 8005", fs)
		}
		if q := cpe.Queued(); len(q) != 1 || q[0] != tc {
			t.Errorf("queued after a fault: %v, want the TransferComplete", q)
		}
	})
}

func TestSetParameterValuesFault(t *testing.T) {
	a := startACS(t, nil)
	a.Enqueue(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.DeviceInfo.ProvisioningCode", Value: "changed"},
		{Name: "Device.DeviceInfo.SoftwareVersion", Value: "9.9.9"},
		{Name: "Device.No.Such.Parameter", Value: "x"},
	}})
	cpe := NewCPE(a.URL, testID(1))
	before, err := cpe.Params.GetParameterValues([]string{""})
	if err != nil {
		t.Fatal(err)
	}
	s, cs := run(t, a, cpe, 1, boot)
	checkClean(t, s, cs)
	checkIDs(t, s)

	f, ok := s.ResponseTo("SetParameterValues").(*cwmp.Fault)
	if !ok {
		t.Fatalf("SetParameterValues answered with %#v, want a fault", s.ResponseTo("SetParameterValues"))
	}
	if f.Code != cwmp.FaultInvalidArguments {
		t.Errorf("fault code %d, want 9003", f.Code)
	}
	type pf struct {
		name string
		code cwmp.FaultCode
	}
	var got []pf
	for _, p := range f.SetParameterValuesFault {
		got = append(got, pf{p.ParameterName, p.FaultCode})
	}
	want := []pf{{"Device.DeviceInfo.SoftwareVersion", cwmp.FaultNotWritable}, {"Device.No.Such.Parameter", cwmp.FaultInvalidParameterName}}
	if !slices.Equal(got, want) {
		t.Errorf("SetParameterValuesFault %v, want %v", got, want)
	}
	after, err := cpe.Params.GetParameterValues([]string{""})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(before, after) {
		t.Errorf("a failed SetParameterValues changed the store:\nbefore %v\nafter  %v", before, after)
	}
}

func TestUnknownMethod(t *testing.T) {
	a := startACS(t, nil)
	a.Enqueue(&cwmp.GetOptions{}, &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}})
	s, cs := run(t, a, NewCPE(a.URL, testID(1)), 1, boot)
	checkClean(t, s, cs)
	checkIDs(t, s)
	fs := s.Faults()
	if len(fs) != 1 || fs[0].Code != cwmp.FaultMethodNotSupported || !strings.Contains(fs[0].String, "GetOptions") {
		t.Fatalf("faults %v, want one 9000 naming GetOptions", fs)
	}
	if _, ok := s.ResponseTo("GetParameterValues").(*cwmp.GetParameterValuesResponse); !ok {
		t.Errorf("the session did not go on after the fault: GetParameterValues answered with %#v", s.ResponseTo("GetParameterValues"))
	}
}

func TestAuth(t *testing.T) {
	users := func(_ context.Context, user string) (string, bool) {
		if user == "cpe-1" {
			return "s3cret", true
		}
		return "", false
	}
	for _, tc := range []struct {
		name           string
		basic          bool
		user, password string
		ok             bool
	}{
		{name: "digest", user: "cpe-1", password: "s3cret", ok: true},
		{name: "digest wrong password", user: "cpe-1", password: "wrong"},
		{name: "digest unknown user", user: "cpe-2", password: "s3cret"},
		{name: "no credentials"},
		{name: "basic", basic: true, user: "cpe-1", password: "s3cret", ok: true},
		{name: "basic wrong password", basic: true, user: "cpe-1", password: "wrong"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startACS(t, func(a *ACS) {
				a.Auth = &cwmp.Authenticator{Realm: "cwmptest", Basic: tc.basic, Digest: !tc.basic, Password: users}
			})
			a.Enqueue(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}})
			cpe := NewCPE(a.URL, testID(1))
			cpe.Username, cpe.Password = tc.user, tc.password
			ctx := testContext(t)
			cs, err := cpe.Session(ctx, boot)
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "401") {
					t.Errorf("Session error %v, want one mentioning 401", err)
				}
				if ss := a.Sessions(); len(ss) != 0 {
					t.Errorf("the ACS started %d sessions, the first with %v", len(ss), ss[0].InformMessage())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s, err := a.WaitSession(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			checkClean(t, s, cs)
			if s.Username != "cpe-1" {
				t.Errorf("session user %q, want cpe-1", s.Username)
			}
			if len(s.ACSRequests) != 1 || s.ACSRequests[0].Response == nil {
				t.Errorf("ACS requests after authentication: %v", methods(s.ACSRequests))
			}
			var statuses []int
			for _, p := range a.Posts() {
				statuses = append(statuses, p.Status)
			}
			if want := []int{401, 200, 200, 204}; !slices.Equal(statuses, want) {
				t.Errorf("statuses %v, want %v (one challenge, then the session on the cookie)", statuses, want)
			}
		})
	}
}

func TestVersionNegotiation(t *testing.T) {
	gpv := &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}}
	for _, tc := range []struct {
		name        string
		acsVersions []cwmp.Version
		informNS    string
		supported   []cwmp.Version
		use         cwmp.Version // want UseCWMPVersion; zero means absent
		version     cwmp.Version
		ns          string // of every message after the Inform
	}{
		{name: "1.4 from the header", informNS: cwmp.NS12, supported: cwmp.Versions, use: cwmp.V1_4, version: cwmp.V1_4, ns: cwmp.NS12},
		{name: "ACS caps at 1.1", acsVersions: []cwmp.Version{cwmp.V1_0, cwmp.V1_1}, informNS: cwmp.NS12, supported: cwmp.Versions, use: cwmp.V1_1, version: cwmp.V1_1, ns: cwmp.NS11},
		{name: "1.0 namespace without header", informNS: cwmp.NS10, version: cwmp.V1_0, ns: cwmp.NS10},
		{name: "1.1 namespace without header", informNS: cwmp.NS11, version: cwmp.V1_1, ns: cwmp.NS11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startACS(t, func(a *ACS) { a.Versions = tc.acsVersions })
			a.Enqueue(gpv)
			cpe := NewCPE(a.URL, testID(1))
			cpe.Namespace, cpe.SupportedCWMPVersions = tc.informNS, tc.supported
			s, cs := run(t, a, cpe, 1, boot)
			checkClean(t, s, cs)
			checkIDs(t, s)
			ir := s.Inform.Response
			if ir.Header.UseCWMPVersion != tc.use {
				t.Errorf("UseCWMPVersion %v, want %v", ir.Header.UseCWMPVersion, tc.use)
			}
			if s.Version != tc.version || cs.Version != tc.version {
				t.Errorf("version %s at the ACS, %s at the CPE; want %s", s.Version, cs.Version, tc.version)
			}
			if s.Inform.Request.Namespace != tc.informNS {
				t.Errorf("Inform in %s, want %s", s.Inform.Request.Namespace, tc.informNS)
			}
			got := []string{ir.Namespace}
			for _, x := range s.ACSRequests {
				got = append(got, x.Request.Namespace, x.Response.Namespace)
			}
			if want := []string{tc.ns, tc.ns, tc.ns}; !slices.Equal(got, want) {
				t.Errorf("namespaces of InformResponse, GetParameterValues, its response: %v, want %v", got, want)
			}
		})
	}

	t.Run("nothing in common", func(t *testing.T) {
		a := startACS(t, func(a *ACS) { a.Versions = []cwmp.Version{cwmp.V1_4} })
		cpe := NewCPE(a.URL, testID(1))
		cpe.SupportedCWMPVersions = []cwmp.Version{cwmp.V1_0, cwmp.V1_1}
		ctx := testContext(t)
		_, err := cpe.Session(ctx, boot)
		if f, ok := cwmp.AsFault(err); !ok || f.Code != cwmp.FaultACSVersionIncompatible {
			t.Errorf("Session error %v, want fault 8006", err)
		}
		s, err := a.WaitSession(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if s.NoContent || s.Err == nil || len(a.Posts()) != 1 {
			t.Errorf("after 8006: NoContent %v, Err %v, %d POSTs; want an abnormal end after the Inform", s.NoContent, s.Err, len(a.Posts()))
		}
	})

	t.Run("OnInform refuses", func(t *testing.T) {
		a := startACS(t, func(a *ACS) {
			a.OnInform = func(env *cwmp.Envelope) *cwmp.Fault {
				if env.Body.(*cwmp.Inform).DeviceId.SerialNumber == "SN0002" {
					return cwmp.NewFault(cwmp.FaultACSRequestDenied, "not this one")
				}
				return nil
			}
		})
		_, err := NewCPE(a.URL, testID(2)).Session(testContext(t), boot)
		if f, ok := cwmp.AsFault(err); !ok || f.Code != cwmp.FaultACSRequestDenied || f.String != "not this one" {
			t.Errorf("Session error %v, want fault 8001 not this one", err)
		}
		s, cs := run(t, a, NewCPE(a.URL, testID(1)), 2, boot)
		checkClean(t, s, cs)
	})
}

func TestConcurrentSessions(t *testing.T) {
	const n = 20
	a := startACS(t, nil)
	for i := range n {
		a.EnqueueFor(testID(i).SerialNumber, &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}})
	}
	ctx := testContext(t)
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = NewCPE(a.URL, testID(i)).Session(ctx, boot)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	ss := a.Sessions()
	if len(ss) != n {
		t.Fatalf("%d sessions recorded, want %d", len(ss), n)
	}
	seen := map[string]bool{}
	for i, s := range ss {
		checkClean(t, s)
		checkIDs(t, s)
		if s.N != i+1 {
			t.Errorf("session %d has N %d", i+1, s.N)
		}
		serial := s.DeviceId().SerialNumber
		seen[serial] = true
		gpv, ok := s.ResponseTo("GetParameterValues").(*cwmp.GetParameterValuesResponse)
		if !ok || len(gpv.ParameterList) != 1 || gpv.ParameterList[0].Value != serial {
			t.Errorf("session of %s: GetParameterValues answered with %#v, want its own serial number", serial, s.ResponseTo("GetParameterValues"))
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct devices informed, want %d", len(seen), n)
	}
	cookies := map[string]int{}
	for _, p := range a.Posts() {
		if p.Cookie != "" {
			cookies[p.Cookie]++
		}
	}
	if len(cookies) != n {
		t.Errorf("%d distinct session cookies, want %d", len(cookies), n)
	}
}

// rawClient posts raw bodies to the ACS, keeping cookies.
type rawClient struct {
	t      *testing.T
	url    string
	client *http.Client
}

func newRawClient(t *testing.T, url string) *rawClient {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &rawClient{t: t, url: url, client: &http.Client{Transport: tr, Jar: jar}}
}

// post sends body (nothing when "") and returns the status and body.
func (c *rawClient) post(body string, header map[string]string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(testContext(c.t), http.MethodPost, c.url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = []string{v}
	}
	resp, err := c.client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func encode(t *testing.T, env *cwmp.Envelope) string {
	t.Helper()
	b, err := cwmp.Encode(env)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var soapHeaders = map[string]string{"Content-Type": contentType, "SOAPAction": ""}

func TestMalformedPOST(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"not XML", "not xml", "malformed XML"},
		{"not an envelope", "<a/>", "not a SOAP envelope"},
		{"no Body", `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"/>`, "no Body"},
		{"too large", "<a>" + strings.Repeat("x", 1000) + "</a>", "size limit of 1000 bytes"},
		{"no session", encode(t, &cwmp.Envelope{Namespace: cwmp.NS12, Header: cwmp.Header{ID: "1"}, Body: &cwmp.RebootResponse{}}), "no session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startACS(t, func(a *ACS) { a.BodyLimit = 1000 })
			status, body := newRawClient(t, a.URL).post(tc.body, soapHeaders)
			if status != http.StatusBadRequest || !strings.Contains(body, tc.want) {
				t.Errorf("answered %d %q, want 400 naming %q", status, body, tc.want)
			}
			if n := len(a.Sessions()); n != 0 {
				t.Errorf("%d sessions started", n)
			}
		})
	}

	t.Run("inside a session", func(t *testing.T) {
		a := startACS(t, nil)
		c := newRawClient(t, a.URL)
		inform := encode(t, &cwmp.Envelope{Namespace: cwmp.NS12, Header: cwmp.Header{ID: "i1"}, Body: &cwmp.Inform{DeviceId: testID(1), MaxEnvelopes: 1}})
		if status, body := c.post(inform, soapHeaders); status != http.StatusOK {
			t.Fatalf("Inform answered %d %s", status, body)
		}
		if status, body := c.post("<broken", soapHeaders); status != http.StatusBadRequest || !strings.Contains(body, "unterminated start tag") {
			t.Errorf("answered %d %q, want 400 naming the problem", status, body)
		}
		s, err := a.WaitSession(testContext(t), 1)
		if err != nil {
			t.Fatal(err)
		}
		if s.NoContent || s.Err == nil || !strings.Contains(s.Err.Error(), "unterminated start tag") {
			t.Errorf("session ended with NoContent %v, Err %v; want an error naming the problem", s.NoContent, s.Err)
		}
	})
}

// TestACSRecordsViolations shows that the checks TestFullSession relies on
// can fail: a CPE that breaks the rules is caught.
func TestACSRecordsViolations(t *testing.T) {
	a := startACS(t, nil)
	a.Enqueue(&cwmp.Reboot{})
	c := newRawClient(t, a.URL)
	inform := encode(t, &cwmp.Envelope{Namespace: cwmp.NS12, Header: cwmp.Header{ID: "i1"}, Body: &cwmp.Inform{DeviceId: testID(1), MaxEnvelopes: 1}})
	c.post(inform, map[string]string{"Content-Type": "application/soap+xml"}) // no SOAPAction, wrong type
	status, body := c.post("", map[string]string{"SOAPAction": ""})
	env, err := cwmp.Decode([]byte(body))
	if status != http.StatusOK || err != nil {
		t.Fatalf("empty POST answered %d %q (%v), want the Reboot", status, body, err)
	}
	resp := encode(t, &cwmp.Envelope{Namespace: cwmp.NS11, Header: cwmp.Header{ID: env.Header.ID + "x"}, Body: &cwmp.FactoryResetResponse{}})
	if status, _ := c.post(resp, soapHeaders); status != http.StatusNoContent {
		t.Errorf("the answer to the Reboot got %d, want 204", status)
	}
	s, err := a.WaitSession(testContext(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"the POST of Inform has no SOAPAction header",
		`the POST of Inform has Content-Type "application/soap+xml", want text/xml`,
		"an empty POST has a SOAPAction header",
		"FactoryResetResponse is in namespace " + cwmp.NS11 + ", want " + cwmp.NS12 + " (CWMP 1.2)",
		"FactoryResetResponse answers Reboot",
		`FactoryResetResponse has ID "acs-1x", want "acs-1", the ID of Reboot`,
	}
	if !slices.Equal(s.Violations, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(s.Violations, "\n"), strings.Join(want, "\n"))
	}
}

// TestCPERecordsViolations shows that the fake CPE catches a deviating ACS.
func TestCPERecordsViolations(t *testing.T) {
	a := startACS(t, func(a *ACS) {
		m := NewACSMux()
		m.HandleFunc("Inform", func(context.Context, cwmp.Message) (cwmp.Message, error) {
			return &cwmp.InformResponse{MaxEnvelopes: 2}, nil
		})
		a.Handler = m
	})
	cs, err := NewCPE(a.URL, testID(1)).Session(testContext(t), boot)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"InformResponse has MaxEnvelopes 2, want 1"}; !slices.Equal(cs.Violations, want) {
		t.Errorf("violations %q, want %q", cs.Violations, want)
	}
}

func TestSessionBound(t *testing.T) {
	a := startACS(t, nil)
	for range 5 {
		a.Enqueue(&cwmp.GetRPCMethods{})
	}
	cpe := NewCPE(a.URL, testID(1))
	cpe.MaxExchanges = 4
	cs, err := cpe.Session(testContext(t), boot)
	if err == nil || !strings.Contains(err.Error(), "more than 4 POSTs") || cs.Err != err {
		t.Errorf("Session error %v (recorded %v), want the bound of 4 POSTs", err, cs.Err)
	}
	if len(cs.ACSRequests) != 3 {
		t.Errorf("%d ACS requests answered, want 3", len(cs.ACSRequests))
	}
}

func TestWaitSessionTimeout(t *testing.T) {
	a := startACS(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if _, err := a.WaitSession(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitSession error %v, want the context's deadline", err)
	}
}

// leaked returns the stacks of the goroutines of the fakes and of HTTP
// servers and client connections.
func leaked() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "cwmptest.(*") || strings.Contains(g, "net/http.(*Server).Serve") ||
			strings.Contains(g, "net/http.(*conn).serve") || strings.Contains(g, "net/http.(*persistConn)") {
			out = append(out, g)
		}
	}
	return out
}

func TestCloseStopsEverything(t *testing.T) {
	a := NewACS()
	a.Enqueue(&cwmp.GetParameterValues{ParameterNames: []string{"Device."}})
	if _, err := NewCPE(a.URL, testID(1)).Session(testContext(t), boot); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() {
		_, err := a.WaitSession(context.Background(), 2)
		waited <- err
	}()
	a.Close()
	select {
	case err := <-waited:
		if err == nil || !strings.Contains(err.Error(), "closed") {
			t.Errorf("WaitSession after Close: %v, want an error saying the ACS closed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WaitSession still waiting 5s after Close")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		gs := leaked()
		if len(gs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after Close:\n%s", len(gs), strings.Join(gs, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHoldRequests checks the ACS's HoldRequests option: the header is on
// every message until the ACS has sent its requests, an empty 200 response
// lifts it, the CPE's held request follows, and the session ends with 204.
func TestHoldRequests(t *testing.T) {
	acs := NewUnstartedACS()
	acs.HoldRequests = true
	acs.Start()
	defer acs.Close()
	acs.Enqueue(&cwmp.Reboot{CommandKey: "r"})
	cpe := NewCPE(acs.URL, cwmp.DeviceIdStruct{Manufacturer: "M", OUI: "00D09E", ProductClass: "P", SerialNumber: "HOLD1"})
	cpe.Send(&cwmp.RequestDownload{FileType: cwmp.FileFirmwareImage})
	s, err := cpe.Session(context.Background(), cwmp.EventStruct{EventCode: cwmp.EventBoot})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Inform.Response.Header.HoldRequests || !s.ACSRequests[0].Request.Header.HoldRequests {
		t.Error("HoldRequests not set on the ACS's messages")
	}
	rec, err := acs.WaitSession(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.NoContent || len(rec.CPERequests) != 1 || len(rec.ACSRequests) != 1 {
		t.Errorf("NoContent %v, %d CPE requests, %d ACS requests; want true, 1, 1", rec.NoContent, len(rec.CPERequests), len(rec.ACSRequests))
	}
}
