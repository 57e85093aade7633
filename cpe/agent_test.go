package cpe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

// The agent's tests run real sessions over HTTP against cwmptest.ACS, with
// a clock the test sets and a Rand that returns a fixed value.

// testClock is a Clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// agentT0 is the test clock's start: a Monday, 10:00:00 UTC.
var agentT0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

var testDeviceID = cwmp.DeviceIdStruct{Manufacturer: "cwmpkit", OUI: "00D09E", ProductClass: "TestGW", SerialNumber: "SN0001"}

// agentEnv is one test's fake ACS and clock.
type agentEnv struct {
	t     *testing.T
	acs   *cwmptest.ACS
	clock *testClock
}

// newAgentEnv starts a fake ACS with the default configuration; configure
// one with newAgentEnvACS.
func newAgentEnv(t *testing.T) *agentEnv {
	t.Helper()
	return newAgentEnvACS(t, cwmptest.NewACS())
}

func newAgentEnvACS(t *testing.T, acs *cwmptest.ACS) *agentEnv {
	t.Helper()
	t.Cleanup(acs.Close)
	return &agentEnv{t: t, acs: acs, clock: &testClock{t: agentT0}}
}

// config returns the configuration of a test agent for e's ACS.
func (e *agentEnv) config(mods ...func(*Config)) Config {
	c := Config{
		ACSURL:          e.acs.URL,
		DeviceID:        testDeviceID,
		SoftwareVersion: "1.0.0",
		HardwareVersion: "HW1",
		Clock:           e.clock,
		Logger:          slog.New(slog.DiscardHandler),
		Rand:            func() float64 { return 0 },
	}
	for _, m := range mods {
		m(&c)
	}
	return c
}

// agent returns a new agent of the configuration.
func (e *agentEnv) agent(mods ...func(*Config)) *Agent {
	e.t.Helper()
	a, err := New(e.config(mods...))
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// session runs one session of a that must succeed, and returns the ACS's
// record of it, which must show no protocol violation.
func (e *agentEnv) session(a *Agent) *cwmptest.Session {
	e.t.Helper()
	if err := a.Session(context.Background()); err != nil {
		e.t.Fatalf("session: %v", err)
	}
	s := e.last()
	if !s.NoContent || len(s.Violations) > 0 || s.Err != nil {
		e.t.Fatalf("session %d: NoContent %v, Err %v, violations %q", s.N, s.NoContent, s.Err, s.Violations)
	}
	return s
}

// last returns the ACS's last session.
func (e *agentEnv) last() *cwmptest.Session {
	e.t.Helper()
	ss := e.acs.Sessions()
	if len(ss) == 0 {
		e.t.Fatal("the ACS saw no session")
	}
	return ss[len(ss)-1]
}

// wantEvents checks an Inform's events, in order.
func wantEvents(t *testing.T, s *cwmptest.Session, want ...cwmp.EventStruct) {
	t.Helper()
	got := s.InformMessage().Event
	if !slices.Equal(got, want) {
		t.Errorf("session %d: Inform events %v, want %v", s.N, got, want)
	}
}

func ev(code cwmp.EventCode, key ...string) cwmp.EventStruct {
	e := cwmp.EventStruct{EventCode: code}
	if len(key) > 0 {
		e.CommandKey = key[0]
	}
	return e
}

// treeGet reads a parameter of a's tree.
func treeGet(t *testing.T, a *Agent, path string) string {
	t.Helper()
	v, _, err := a.Tree().Get(path)
	if err != nil {
		t.Fatalf("Get %s: %v", path, err)
	}
	return v
}

// wantDue checks NextSession.
func wantDue(t *testing.T, a *Agent, want time.Time) {
	t.Helper()
	if got := a.NextSession(); !got.Equal(want) {
		t.Errorf("NextSession = %v, want %v", got, want)
	}
}

// wantDueNow checks that a session is due at the test clock's time.
func wantDueNow(t *testing.T, a *Agent, c *testClock) {
	t.Helper()
	if got := a.NextSession(); got.IsZero() || got.After(c.Now()) {
		t.Errorf("NextSession = %v, want a session due at once (now %v)", got, c.Now())
	}
}

func TestBootstrapSession(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	wantDueNow(t, a, e.clock)
	s := e.session(a)

	inf := s.InformMessage()
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
	if inf.DeviceId != testDeviceID {
		t.Errorf("DeviceId %+v, want %+v", inf.DeviceId, testDeviceID)
	}
	if inf.MaxEnvelopes != 1 || inf.RetryCount != 0 || !inf.CurrentTime.Equal(agentT0) {
		t.Errorf("MaxEnvelopes %d, RetryCount %d, CurrentTime %v; want 1, 0, %v", inf.MaxEnvelopes, inf.RetryCount, inf.CurrentTime, agentT0)
	}
	for name, want := range map[string]string{
		"Device.RootDataModelVersion":                  "2.17",
		"Device.DeviceInfo.HardwareVersion":            "HW1",
		"Device.DeviceInfo.SoftwareVersion":            "1.0.0",
		"Device.DeviceInfo.ProvisioningCode":           "",
		"Device.ManagementServer.ParameterKey":         "",
		"Device.ManagementServer.ConnectionRequestURL": "",
		"Device.ManagementServer.AliasBasedAddressing": "false",
	} {
		if got, ok := inf.Parameter(name); !ok || got != want {
			t.Errorf("Inform parameter %s = %q (present %v), want %q", name, got, ok, want)
		}
	}
	if n := len(inf.ParameterList); n != 7 {
		t.Errorf("Inform has %d parameters, want the 7 forced-inform ones: %v", n, inf.ParameterList)
	}
	if s.Version != cwmp.V1_4 {
		t.Errorf("session version %s, want 1.4", s.Version)
	}

	// Delivered: nothing is due, and the next session has no event.
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession after the bootstrap = %v, want none", got)
	}
	a.Wake()
	wantDueNow(t, a, e.clock)
	wantEvents(t, e.session(a))
}

func TestBootstrapIGD(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent(func(c *Config) { c.Model = "InternetGatewayDevice:1.14" })
	s := e.session(a)
	inf := s.InformMessage()
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
	if inf.DeviceId != testDeviceID {
		t.Errorf("DeviceId %+v", inf.DeviceId)
	}
	if v, ok := inf.Parameter("InternetGatewayDevice.DeviceInfo.SoftwareVersion"); !ok || v != "1.0.0" {
		t.Errorf("SoftwareVersion %q %v", v, ok)
	}
	if _, ok := inf.Parameter("InternetGatewayDevice.DeviceSummary"); !ok {
		t.Error("the Inform lacks DeviceSummary, forced-inform in TR-098")
	}
}

func TestNewErrors(t *testing.T) {
	e := newAgentEnv(t)
	for name, c := range map[string]Config{
		"model":    e.config(func(c *Config) { c.Model = "Device:9.99" }),
		"oui":      e.config(func(c *Config) { c.DeviceID.OUI = "not hex" }),
		"versions": e.config(func(c *Config) { c.SupportedVersions = []cwmp.Version{{Major: 2, Minor: 0}} }),
		"url":      e.config(func(c *Config) { c.ACSURL = "ftp://acs.example/" }),
	} {
		if _, err := New(c); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}

	dir := t.TempDir()
	path := filepath.Join(dir, stateFile)
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(e.config(func(c *Config) { c.StateDir = dir }))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("New on a corrupt state file: %v, want an error naming %s", err, path)
	}

	// A state of another model is not this device's.
	dir2 := t.TempDir()
	if _, err := New(e.config(func(c *Config) { c.StateDir = dir2 })); err != nil {
		t.Fatal(err)
	}
	_, err = New(e.config(func(c *Config) { c.StateDir = dir2; c.Model = "InternetGatewayDevice:1.14" }))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir2, stateFile)) {
		t.Errorf("New on another model's state: %v", err)
	}
}

func TestReboot(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.acs.Enqueue(&cwmp.Reboot{CommandKey: "rk-1"})
	s := e.session(a)
	if _, ok := s.ResponseTo("Reboot").(*cwmp.RebootResponse); !ok {
		t.Fatalf("Reboot answered with %v", s.ResponseTo("Reboot"))
	}
	// The reboot happens after the session; the boot session is due.
	wantDueNow(t, a, e.clock)
	s = e.session(a)
	wantEvents(t, s, ev(cwmp.EventBoot), ev(cwmp.EventMReboot, "rk-1"))
	wantEvents(t, e.session(a))
}

// An acknowledged Reboot survives the agent's end before the session's
// (when the reboot happens and is saved): the next start is that reboot,
// with M Reboot and its CommandKey, once.
func TestRebootPendingAtRestart(t *testing.T) {
	e := newAgentEnv(t)
	dir := t.TempDir()
	a := e.agent(func(c *Config) { c.StateDir = dir })
	e.session(a)
	// The Reboot handler runs in a session that never ends: its
	// afterSession callback never runs.
	a.mu.Lock()
	a.inSess = true
	a.mu.Unlock()
	resp, err := a.newMux().ServeCWMP(context.Background(), &cwmp.Reboot{CommandKey: "rk-lost"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resp.(*cwmp.RebootResponse); !ok {
		t.Fatalf("Reboot answered with %v", resp)
	}
	b := e.agent(func(c *Config) { c.StateDir = dir })
	wantEvents(t, e.session(b), ev(cwmp.EventBoot), ev(cwmp.EventMReboot, "rk-lost"))

	// A Reboot whose session ended is done: a restart before the boot
	// session reports it once, not again as pending.
	e.acs.Enqueue(&cwmp.Reboot{CommandKey: "rk-done"})
	b.Wake()
	e.session(b)
	c := e.agent(func(c *Config) { c.StateDir = dir })
	// M Reboot is kept from before the restart, 1 BOOT is the restart's.
	wantEvents(t, e.session(c), ev(cwmp.EventMReboot, "rk-done"), ev(cwmp.EventBoot))
	wantEvents(t, e.session(c))
}

func TestFactoryReset(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.session(a)
	e.acs.Enqueue(
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.ProvisioningCode", Value: "PROV1"}}, ParameterKey: "pk"},
		&cwmp.FactoryReset{},
	)
	a.Wake()
	s := e.session(a)
	if _, ok := s.ResponseTo("FactoryReset").(*cwmp.FactoryResetResponse); !ok {
		t.Fatalf("FactoryReset answered with %v", s.ResponseTo("FactoryReset"))
	}
	if got := treeGet(t, a, "Device.DeviceInfo.ProvisioningCode"); got != "" {
		t.Errorf("ProvisioningCode after the reset = %q, want the default", got)
	}
	if got := treeGet(t, a, "Device.ManagementServer.ParameterKey"); got != "" {
		t.Errorf("ParameterKey after the reset = %q", got)
	}
	wantDueNow(t, a, e.clock)
	s = e.session(a)
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
	if s.DeviceId() != testDeviceID {
		t.Errorf("DeviceId after the reset %+v", s.DeviceId())
	}
	if v, _ := s.InformMessage().Parameter("Device.DeviceInfo.SoftwareVersion"); v != "1.0.0" {
		t.Errorf("SoftwareVersion after the reset %q", v)
	}
}

// testSubsystem records what the agent does to a subsystem.
type testSubsystem struct {
	h host

	mu        sync.Mutex
	registers int
	state     string
	restored  []string
	resets    int
}

func (s *testSubsystem) register(mux *cwmp.ServeMux) {
	s.mu.Lock()
	s.registers++
	s.mu.Unlock()
	mux.HandleFunc("X_00D09E_Test", func(context.Context, cwmp.Message) (cwmp.Message, error) { return nil, errors.New("unused") })
}

func (s *testSubsystem) saveState() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return json.Marshal(s.state)
}

func (s *testSubsystem) restoreState(data json.RawMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.restored = append(s.restored, string(data))
	if data == nil {
		return nil
	}
	return json.Unmarshal(data, &s.state)
}

func (s *testSubsystem) factoryReset() {
	s.mu.Lock()
	s.resets++
	s.state = ""
	s.mu.Unlock()
}

// withTestSubsystem adds a testSubsystem to every agent made until the
// test ends, and returns those made.
func withTestSubsystem(t *testing.T) *[]*testSubsystem {
	var made []*testSubsystem
	saved := subsystemFactories
	subsystemFactories = append(slices.Clip(saved), func(h host) subsystem {
		s := &testSubsystem{h: h}
		made = append(made, s)
		return s
	})
	t.Cleanup(func() { subsystemFactories = saved })
	return &made
}

func TestSubsystems(t *testing.T) {
	made := withTestSubsystem(t)
	e := newAgentEnv(t)
	dir := t.TempDir()
	a := e.agent(func(c *Config) { c.StateDir = dir })
	sub := (*made)[0]
	if !slices.Equal(sub.restored, []string{""}) {
		t.Errorf("restoreState of a fresh agent got %q, want nil", sub.restored)
	}
	e.acs.Enqueue(&cwmp.GetRPCMethods{})
	s := e.session(a)
	methods := s.ResponseTo("GetRPCMethods").(*cwmp.GetRPCMethodsResponse).MethodList
	for _, m := range []string{"GetRPCMethods", "GetParameterValues", "SetParameterValues", "GetParameterNames",
		"GetParameterAttributes", "SetParameterAttributes", "AddObject", "DeleteObject", "Reboot",
		"FactoryReset", "ScheduleInform", "X_00D09E_Test"} {
		if !slices.Contains(methods, m) {
			t.Errorf("GetRPCMethods lacks %s: %v", m, methods)
		}
	}
	if sub.registers != 1 {
		t.Errorf("register called %d times in one session", sub.registers)
	}

	// The subsystem's state is saved with the agent's and restored by New.
	sub.mu.Lock()
	sub.state = "downloading"
	sub.mu.Unlock()
	sub.h.changed()
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}
	e.agent(func(c *Config) { c.StateDir = dir })
	if got := (*made)[1].state; got != "downloading" {
		t.Errorf("restored subsystem state %q", got)
	}

	e.acs.Enqueue(&cwmp.FactoryReset{})
	a.Wake()
	e.session(a)
	if sub.resets != 1 {
		t.Errorf("factoryReset called %d times", sub.resets)
	}
}

// TestHostContract checks the host methods a subsystem relies on.
func TestHostContract(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	var h host = a
	if h.tree() != a.Tree() || !h.now().Equal(agentT0) || h.log() == nil {
		t.Fatal("tree, now or log")
	}
	// afterSession outside a session runs at once.
	ran := false
	h.afterSession(func() { ran = true })
	if !ran {
		t.Error("afterSession outside a session did not run at once")
	}
	// wakeAt makes a session due then.
	e.session(a)
	at := agentT0.Add(time.Hour)
	h.wakeAt(at)
	wantDue(t, a, at)
	e.clock.set(at)
	wantEvents(t, e.session(a))
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession after the wake = %v", got)
	}
	// reboot without a CommandKey: 1 BOOT alone.
	h.reboot(nil)
	wantDueNow(t, a, e.clock)
	wantEvents(t, e.session(a), ev(cwmp.EventBoot))
}

// TestSendRequests checks the CPE-initiated requests of the Go API.
func TestSendRequests(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.session(a)
	if err := a.Send(&cwmp.Inform{}); err == nil {
		t.Error("Send accepted an Inform")
	}
	if err := a.Send(&cwmp.RequestDownload{FileType: cwmp.FileFirmwareImage}); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(&cwmp.Kicked{Command: "reset", Referer: "http://ui/", Next: "http://ui/done"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(&cwmp.GetRPCMethods{}); err != nil {
		t.Fatal(err)
	}
	wantDueNow(t, a, e.clock)
	s := e.session(a)
	wantEvents(t, s, ev(cwmp.EventRequestDownload), ev(cwmp.EventKicked))
	var got []string
	for _, x := range s.CPERequests {
		got = append(got, x.Request.Body.MethodName()+"/"+x.Response.Body.MethodName())
	}
	want := []string{"RequestDownload/RequestDownloadResponse", "Kicked/KickedResponse", "GetRPCMethods/GetRPCMethodsResponse"}
	if !slices.Equal(got, want) {
		t.Errorf("CPE requests %v, want %v", got, want)
	}
	if q := a.Queued(); len(q) != 0 {
		t.Errorf("still queued: %v", q)
	}
	wantEvents(t, e.session(a))
}

// TestRun drives an agent with Run on the real clock.
func TestRun(t *testing.T) {
	acs := cwmptest.NewACS()
	defer acs.Close()
	a, err := New(Config{ACSURL: acs.URL, DeviceID: testDeviceID, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	s, err := acs.WaitSession(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
	a.Wake()
	if _, err := acs.WaitSession(wctx, 2); err != nil {
		t.Fatal(err)
	}
	if err := a.Run(ctx); err == nil {
		t.Error("a second Run started")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// TestIdleAgentMemory measures what an idle agent holds: the heap growth of
// 1,000 agents (with the subsystems registered in the package), fresh and
// after their bootstrap session, over the shared model and client. The ACS
// is a bare one that keeps no record, so that only the agents are counted.
func TestIdleAgentMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const n = 1000
	acs := httptest.NewServer(bareACS{})
	defer acs.Close()
	fresh, afterSession := idleAgentBytes(t, acs.URL, n)
	t.Logf("idle agent: %d bytes fresh, %d bytes after its bootstrap session (over %d agents)", fresh, afterSession, n)
	if afterSession > 10<<10 || fresh > 10<<10 {
		t.Errorf("an idle agent holds more than 10 KiB")
	}
}

// bareACS answers every Inform with an InformResponse and everything else
// with 204: the cheapest session there is, recording nothing.
type bareACS struct{}

func (bareACS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	env, err := cwmp.ReadEnvelope(r.Body, r.Header.Get("Content-Type"), 1<<20)
	if err != nil || env.Body.MethodName() != "Inform" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	data, _ := cwmp.Encode(&cwmp.Envelope{Namespace: env.Namespace, Header: cwmp.Header{ID: env.Header.ID}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
	w.Header().Set("Content-Type", contentType)
	w.Write(data)
}

// idleAgentBytes returns the heap bytes per agent of n agents, fresh and
// after one session each with the ACS at acsURL.
func idleAgentBytes(t testing.TB, acsURL string, n int) (fresh, afterSession uint64) {
	cfg := Config{ACSURL: acsURL, DeviceID: testDeviceID, Logger: slog.New(slog.DiscardHandler)}
	mk := func(i int) *Agent {
		c := cfg
		c.DeviceID.SerialNumber = "SN" + strings.Repeat("0", 6) + string(rune('0'+i%10))
		a, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	mk(0) // load the model and the shared client
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	agents := make([]*Agent, n)
	for i := range agents {
		agents[i] = mk(i)
	}
	fresh = (heap() - before) / uint64(n)
	for _, a := range agents {
		if err := a.Session(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	afterSession = (heap() - before) / uint64(n)
	runtime.KeepAlive(agents)
	return fresh, afterSession
}

func BenchmarkIdleAgentMemory(b *testing.B) {
	acs := httptest.NewServer(bareACS{})
	defer acs.Close()
	for range b.N {
		fresh, after := idleAgentBytes(b, acs.URL, 1000)
		b.ReportMetric(float64(fresh), "B/fresh-agent")
		b.ReportMetric(float64(after), "B/idle-agent")
	}
}

// acsProxy stands between an agent and a fake ACS: it records the bodies
// the agent posts and can set HoldRequests on the InformResponse.
type acsProxy struct {
	srv    *httptest.Server
	target string
	hold   atomic.Bool

	mu     sync.Mutex
	bodies [][]byte
}

func newACSProxy(t *testing.T, target string) *acsProxy {
	p := &acsProxy{target: target}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *acsProxy) url() string { return p.srv.URL + "/cwmp" }

func (p *acsProxy) posted() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.bodies)
}

func (p *acsProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.bodies = append(p.bodies, body)
	p.mu.Unlock()
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if p.hold.Load() && resp.StatusCode == http.StatusOK && len(data) > 0 {
		if env, err := cwmp.Decode(data); err == nil {
			if _, ok := env.Body.(*cwmp.InformResponse); ok {
				env.Header.HoldRequests = true
				data, _ = cwmp.Encode(env)
			}
		}
	}
	for k, v := range resp.Header {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(data)
}

// An agent's first session, against a fake ACS.
func ExampleAgent_Session() {
	acs := cwmptest.NewACS()
	defer acs.Close()
	a, err := New(Config{
		ACSURL:   acs.URL,
		DeviceID: cwmp.DeviceIdStruct{Manufacturer: "Example", OUI: "00D09E", ProductClass: "Gateway", SerialNumber: "EX1"},
		Logger:   slog.New(slog.DiscardHandler),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	acs.Enqueue(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}})
	if err := a.Session(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	s := acs.Sessions()[0]
	fmt.Println(s.InformMessage().Event)
	fmt.Println(s.ResponseTo("GetParameterValues").(*cwmp.GetParameterValuesResponse).ParameterList[0].Value)
	fmt.Println(a.NextSession().IsZero())
	// Output:
	// [{0 BOOTSTRAP } {1 BOOT }]
	// EX1
	// true
}
