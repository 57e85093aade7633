package cpe

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

const (
	connReqTestUser = "acs"
	connReqTestPass = "s3cret"
)

// startConnReq starts a ConnReqServer on 127.0.0.1:0 and closes it at the
// end of the test.
func startConnReq(t *testing.T, cfg ConnReqConfig) *ConnReqServer {
	t.Helper()
	s := NewConnReqServer(cfg)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// addConnReqHost adds a fake host with the test credentials to s and
// returns it with its connection-request URL, read from its tree.
func addConnReqHost(t *testing.T, s *ConnReqServer) (*fakeHost, string) {
	t.Helper()
	h := newFakeHost(t)
	setConnReqCreds(t, h, connReqTestUser, connReqTestPass)
	if _, err := s.add(&connReq{h: h}); err != nil {
		t.Fatal(err)
	}
	return h, connReqURLOf(t, h)
}

func setConnReqCreds(t *testing.T, h *fakeHost, user, pass string) {
	t.Helper()
	if err := h.tr.Set("Device.ManagementServer.ConnectionRequestUsername", user); err != nil {
		t.Fatal(err)
	}
	if err := h.tr.Set("Device.ManagementServer.ConnectionRequestPassword", pass); err != nil {
		t.Fatal(err)
	}
}

func connReqURLOf(t *testing.T, h *fakeHost) string {
	t.Helper()
	u, _, err := h.tr.Get("Device.ManagementServer.ConnectionRequestURL")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// connReqClient is an ACS's connection-request client: Digest (or Basic if
// basic is set) with the given credentials, on its own transport so that
// its connections can be closed.
func connReqClient(t *testing.T, user, pass string, basic bool) *http.Client {
	t.Helper()
	base := &http.Transport{DisableKeepAlives: false}
	t.Cleanup(base.CloseIdleConnections)
	return &http.Client{
		Transport: &cwmp.Transport{Auth: &cwmp.ClientAuth{Username: user, Password: pass, DisableBasic: !basic}, Base: base},
		Timeout:   10 * time.Second,
	}
}

// get does a GET with c and returns the status, the headers and the body.
func get(t *testing.T, c *http.Client, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// wantConnReqEvents checks that h recorded n 6 CONNECTION REQUEST events and
// n wakes, and nothing else. The event follows the response, so it waits a
// little for them.
func wantConnReqEvents(t *testing.T, h *fakeHost, n int) {
	t.Helper()
	var (
		events []cwmp.EventStruct
		reqs   []cwmp.ACSRequest
		wakes  int
	)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		events, reqs = h.snapshot()
		h.mu.Lock()
		wakes = h.wakes
		h.mu.Unlock()
		if len(events) >= n && wakes >= n || time.Now().After(deadline) {
			break
		}
	}
	if len(events) != n || wakes != n || len(reqs) != 0 {
		t.Fatalf("events %v, wakes %d, requests %v; want %d × 6 CONNECTION REQUEST and %d wakes", events, wakes, reqs, n, n)
	}
	for _, e := range events {
		if e.EventCode != cwmp.EventConnectionRequest || e.CommandKey != "" {
			t.Fatalf("event %+v, want 6 CONNECTION REQUEST without CommandKey", e)
		}
	}
}

func TestConnReqDigest(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	h, url := addConnReqHost(t, s)

	// The challenge alone starts nothing.
	status, hdr, _ := get(t, http.DefaultClient, url)
	if status != http.StatusUnauthorized {
		t.Fatalf("GET without credentials: %d, want 401", status)
	}
	chal := hdr.Values("WWW-Authenticate")
	if len(chal) != 1 || !strings.HasPrefix(chal[0], "Digest ") || !strings.Contains(chal[0], `realm="`+DefaultConnReqRealm+`"`) {
		t.Errorf("WWW-Authenticate %q, want one Digest challenge with the default realm", chal)
	}
	wantConnReqEvents(t, h, 0)

	status, hdr, body := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url)
	if status != http.StatusOK || body != "" || hdr.Get("Content-Length") != "0" {
		t.Fatalf("GET with Digest: %d, Content-Length %q, body %q; want 200 with an empty body", status, hdr.Get("Content-Length"), body)
	}
	wantConnReqEvents(t, h, 1)
}

func TestConnReqWrongPassword(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	h, url := addConnReqHost(t, s)
	for _, c := range []struct{ name, user, pass string }{
		{"wrong password", connReqTestUser, "guess"},
		{"unknown user", "admin", connReqTestPass},
		{"empty password", connReqTestUser, ""},
	} {
		status, _, _ := get(t, connReqClient(t, c.user, c.pass, false), url)
		if status != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", c.name, status)
		}
	}
	wantConnReqEvents(t, h, 0)
}

// An empty ConnectionRequestUsername authenticates nobody, not an empty
// username.
func TestConnReqEmptyUsername(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{Basic: true})
	h, url := addConnReqHost(t, s)
	setConnReqCreds(t, h, "", "")
	for _, basic := range []bool{false, true} {
		if status, _, _ := get(t, connReqClient(t, "", "", basic), url); status != http.StatusUnauthorized {
			t.Errorf("basic=%v: %d, want 401", basic, status)
		}
	}
	wantConnReqEvents(t, h, 0)
}

func TestConnReqBasic(t *testing.T) {
	basicGet := func(url string) int {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth(connReqTestUser, connReqTestPass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	t.Run("off", func(t *testing.T) {
		s := startConnReq(t, ConnReqConfig{})
		h, url := addConnReqHost(t, s)
		if status := basicGet(url); status != http.StatusUnauthorized {
			t.Errorf("Basic with Basic off: %d, want 401", status)
		}
		// Basic is not offered.
		status, hdr, _ := get(t, http.DefaultClient, url)
		if status != http.StatusUnauthorized || strings.Contains(strings.Join(hdr.Values("WWW-Authenticate"), " "), "Basic") {
			t.Errorf("challenge %d %q, want 401 without Basic", status, hdr.Values("WWW-Authenticate"))
		}
		wantConnReqEvents(t, h, 0)
	})
	t.Run("on", func(t *testing.T) {
		s := startConnReq(t, ConnReqConfig{Basic: true, Burst: -1})
		h, url := addConnReqHost(t, s)
		status, hdr, _ := get(t, http.DefaultClient, url)
		if status != http.StatusUnauthorized || !strings.Contains(strings.Join(hdr.Values("WWW-Authenticate"), " "), `Basic realm="`+DefaultConnReqRealm+`"`) {
			t.Errorf("challenge %d %q, want 401 offering Basic", status, hdr.Values("WWW-Authenticate"))
		}
		if status := basicGet(url); status != http.StatusOK {
			t.Errorf("Basic with Basic on: %d, want 200", status)
		}
		// Digest still works.
		if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url); status != http.StatusOK {
			t.Errorf("Digest with Basic on: %d, want 200", status)
		}
		wantConnReqEvents(t, h, 2)
	})
}

func TestConnReqMethod(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	h, url := addConnReqHost(t, s)
	c := connReqClient(t, connReqTestUser, connReqTestPass, false)
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodHead, http.MethodDelete} {
		req, err := http.NewRequest(m, url, strings.NewReader(""))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET" {
			t.Errorf("%s: %d, Allow %q; want 405, Allow GET", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	wantConnReqEvents(t, h, 0)
}

func TestConnReqUnknownPath(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	h, url := addConnReqHost(t, s)
	c := connReqClient(t, connReqTestUser, connReqTestPass, false)
	base := url[:strings.LastIndexByte(url, '/')]

	status, _, never := get(t, c, base+"/"+newConnReqPath())
	if status != http.StatusNotFound {
		t.Fatalf("random path: %d, want 404", status)
	}
	for _, u := range []string{base + "/", base, url + "/", url + "x", base + "/" + strings.ToUpper(url[len(base)+1:])} {
		if status, _, _ := get(t, c, u); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", u, status)
		}
	}
	// A removed agent's path looks like one that never existed.
	s.mu.RLock()
	cr := s.agents[url[len(base)+1:]]
	s.mu.RUnlock()
	s.remove(cr)
	status, _, gone := get(t, c, url)
	if status != http.StatusNotFound || gone != never {
		t.Errorf("removed path: %d %q, want 404 %q", status, gone, never)
	}
	wantConnReqEvents(t, h, 0)
}

// The ACS changes the credentials with SetParameterValues; the next
// connection request must use them.
func TestConnReqCredentialsChange(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{Burst: -1})
	h, url := addConnReqHost(t, s)
	if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url); status != http.StatusOK {
		t.Fatalf("old credentials before the change: %d, want 200", status)
	}
	_, err := h.tr.SetParameterValues([]cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.ConnectionRequestUsername", Value: "acs2", Type: "xsd:string"},
		{Name: "Device.ManagementServer.ConnectionRequestPassword", Value: "n3w", Type: "xsd:string"},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url); status != http.StatusUnauthorized {
		t.Errorf("old credentials after the change: %d, want 401", status)
	}
	if status, _, _ := get(t, connReqClient(t, "acs2", "n3w", false), url); status != http.StatusOK {
		t.Errorf("new credentials: %d, want 200", status)
	}
	wantConnReqEvents(t, h, 2)
}

func TestConnReqRateLimit(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{Burst: 2, Every: 10 * time.Second})
	h, url := addConnReqHost(t, s)
	c := connReqClient(t, connReqTestUser, connReqTestPass, false)
	want := func(step string, status int) {
		t.Helper()
		got, hdr, body := get(t, c, url)
		if got != status || body != "" {
			t.Fatalf("%s: %d %q, want %d with an empty body", step, got, body, status)
		}
		if hdr.Get("Retry-After") != "" {
			t.Errorf("%s: Retry-After %q; TR-069 3.2.2 says the CPE SHOULD NOT send it", step, hdr.Get("Retry-After"))
		}
	}
	want("1st", http.StatusOK)
	want("2nd", http.StatusOK)
	want("3rd at once", http.StatusServiceUnavailable)
	wantConnReqEvents(t, h, 2)

	h.advance(9 * time.Second)
	want("after 9 s", http.StatusServiceUnavailable)
	h.advance(time.Second)
	want("after 10 s", http.StatusOK)
	want("again", http.StatusServiceUnavailable)
	wantConnReqEvents(t, h, 3)

	// Failed authentication spends no token.
	h.advance(10 * time.Second)
	for range 5 {
		if status, _, _ := get(t, connReqClient(t, connReqTestUser, "guess", false), url); status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d, want 401", status)
		}
	}
	want("after failures", http.StatusOK)
	wantConnReqEvents(t, h, 4)
}

func TestConnReqAllow(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	type step struct {
		at   time.Duration
		want bool
	}
	for _, tt := range []struct {
		name  string
		burst int
		every time.Duration
		steps []step
	}{
		{"burst then one per interval", 3, time.Second, []step{
			{0, true}, {0, true}, {0, true}, {0, false},
			{999 * time.Millisecond, false}, {time.Second, true}, {time.Second, false},
			{10 * time.Second, true}, {10 * time.Second, true}, {10 * time.Second, true}, {10 * time.Second, false},
		}},
		{"one", 1, time.Minute, []step{{0, true}, {59 * time.Second, false}, {time.Minute, true}}},
		{"off", -1, time.Minute, []step{{0, true}, {0, true}, {0, true}, {0, true}}},
		{"clock going back", 1, time.Minute, []step{{time.Hour, true}, {0, false}, {time.Hour + time.Minute, true}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var a connReq
			for i, s := range tt.steps {
				if got := a.allow(t0.Add(s.at), tt.burst, tt.every); got != s.want {
					t.Errorf("step %d at %v: allow %v, want %v", i, s.at, got, s.want)
				}
			}
		})
	}
}

// One listener serves many agents, each with its own URL, credentials and
// events, concurrently.
func TestConnReqManyAgents(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	const n = 20
	hosts := make([]*fakeHost, n)
	urls := make([]string, n)
	seen := map[string]bool{}
	for i := range n {
		hosts[i] = newFakeHost(t)
		setConnReqCreds(t, hosts[i], fmt.Sprintf("acs%d", i), fmt.Sprintf("pw%d", i))
		if _, err := s.add(&connReq{h: hosts[i]}); err != nil {
			t.Fatal(err)
		}
		urls[i] = connReqURLOf(t, hosts[i])
		if seen[urls[i]] {
			t.Fatalf("URL %s given twice", urls[i])
		}
		seen[urls[i]] = true
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Go(func() {
			// Agent i's credentials open agent i, and not agent i+1.
			c := connReqClient(t, fmt.Sprintf("acs%d", i), fmt.Sprintf("pw%d", i), false)
			for j, want := range map[int]int{i: http.StatusOK, (i + 1) % n: http.StatusUnauthorized} {
				resp, err := c.Get(urls[j])
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					errs <- fmt.Errorf("agent %d's credentials on agent %d: %d, want %d", i, j, resp.StatusCode, want)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, h := range hosts {
		wantConnReqEvents(t, h, 1)
	}
}

func TestConnReqURL(t *testing.T) {
	s := NewConnReqServer(ConnReqConfig{})
	// An agent added before the server listens gets its URL at Start.
	early := newFakeHost(t)
	setConnReqCreds(t, early, connReqTestUser, connReqTestPass)
	cr := &connReq{h: early}
	if u, err := s.add(cr); err != nil || u != "" {
		t.Fatalf("add before Start = %q, %v; want no URL yet", u, err)
	}
	if u := connReqURLOf(t, early); u != "" {
		t.Errorf("URL before Start %q, want none", u)
	}
	early.mu.Lock()
	changes := early.changes
	early.mu.Unlock()
	if changes != 1 || s.Addr() != nil {
		t.Errorf("%d changes (want 1, for the new path), Addr %v before Start", changes, s.Addr())
	}
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	re := regexp.MustCompile(`^http://127\.0\.0\.1:(\d+)/([0-9a-f]{32})$`)
	u := connReqURLOf(t, early)
	m := re.FindStringSubmatch(u)
	if m == nil || m[2] != cr.path || u != cr.url {
		t.Fatalf("URL %q (remembered %q), want http://127.0.0.1:port/%s", u, cr.url, cr.path)
	}
	if _, port, _ := net.SplitHostPort(s.Addr().String()); port != m[1] {
		t.Errorf("URL port %s, listener %s", m[1], s.Addr())
	}
	// The URL in the tree reaches the agent.
	if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), u); status != http.StatusOK {
		t.Errorf("GET %s: %d, want 200", u, status)
	}
	wantConnReqEvents(t, early, 1)

	// An agent is served by one server at a time.
	if _, err := s.add(cr); err == nil {
		t.Error("second add of one agent succeeded")
	}
	// A path restored from saved state is kept; two agents restored from
	// one state cannot both be served.
	late := &connReq{h: newFakeHost(t), path: newConnReqPath()}
	if got, err := s.add(late); err != nil || got != connReqURLOf(t, late.h.(*fakeHost)) || !strings.HasSuffix(got, "/"+late.path) {
		t.Errorf("add of a restored path = %q, %v; want its URL", got, err)
	}
	if _, err := s.add(&connReq{h: newFakeHost(t), path: late.path}); err == nil {
		t.Error("add of a path already served succeeded")
	}

	// InternetGatewayDevice trees get the URL too.
	igd := newFakeHost(t)
	igdModel, err := datamodel.Builtin("InternetGatewayDevice:1.14")
	if err != nil {
		t.Fatal(err)
	}
	igd.tr = datamodel.NewTree(igdModel)
	got, err := s.add(&connReq{h: igd})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := igd.tr.Get("InternetGatewayDevice.ManagementServer.ConnectionRequestURL"); v != got || got == "" {
		t.Errorf("IGD URL %q, want %q", v, got)
	}
}

// The path is saved state; a FactoryReset's new tree gets the URL again.
func TestConnReqSubsystem(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	h := newFakeHost(t)
	c := &connReq{h: h}
	if data, err := c.saveState(); data != nil || err != nil {
		t.Errorf("saveState before a path = %s, %v; want nothing", data, err)
	}
	url, err := s.add(c)
	if err != nil {
		t.Fatal(err)
	}
	data, err := c.saveState()
	if err != nil {
		t.Fatal(err)
	}
	restored := &connReq{h: newFakeHost(t)}
	if err := restored.restoreState(data); err != nil || restored.path != c.path {
		t.Fatalf("restoreState(%s): path %q, %v; want %q", data, restored.path, err, c.path)
	}
	if err := restored.restoreState(nil); err != nil {
		t.Errorf("restoreState(nil): %v", err)
	}
	for _, bad := range []string{`{"path": "../../etc"}`, `{"path": "ABCDEF0123456789ABCDEF0123456789"}`, `{"path": ""}`, `[]`} {
		if err := (&connReq{h: h}).restoreState(json.RawMessage(bad)); err == nil {
			t.Errorf("restoreState(%s) succeeded", bad)
		}
	}

	// FactoryReset: the agent's new tree, then the subsystems' factoryReset.
	h.tr = datamodel.NewTree(h.tr.Model())
	c.factoryReset()
	if got := connReqURLOf(t, h); got != url {
		t.Errorf("URL after factory reset %q, want %q", got, url)
	}
	// The new tree has no credentials: nobody is let in until someone sets
	// them.
	if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url); status != http.StatusUnauthorized {
		t.Errorf("GET after factory reset: %d, want 401", status)
	}
	// A removed agent is forgotten by the server and keeps its tree's URL.
	s.remove(c)
	if c.srv != nil || c.url != "" || connReqURLOf(t, h) != url {
		t.Errorf("after remove: srv %p, url %q, tree URL %q", c.srv, c.url, connReqURLOf(t, h))
	}
}

// A real agent: Add writes the URL, a connection request makes the next
// session carry 6 CONNECTION REQUEST, and the path survives a restart.
func TestConnReqAgent(t *testing.T) {
	e := newAgentEnv(t)
	dir := t.TempDir()
	a := e.agent(func(c *Config) { c.StateDir = dir })
	s := startConnReq(t, ConnReqConfig{})
	url, err := s.Add(a)
	if err != nil {
		t.Fatal(err)
	}
	if got := treeGet(t, a, "Device.ManagementServer.ConnectionRequestURL"); got != url || url == "" {
		t.Fatalf("ConnectionRequestURL %q, Add said %q", got, url)
	}
	e.session(a) // the bootstrap
	for p, v := range map[string]string{
		"Device.ManagementServer.ConnectionRequestUsername": connReqTestUser,
		"Device.ManagementServer.ConnectionRequestPassword": connReqTestPass,
	} {
		if err := a.Set(p, v); err != nil {
			t.Fatal(err)
		}
	}
	e.session(a) // a value change, maybe

	if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url); status != http.StatusOK {
		t.Fatalf("connection request: %d, want 200", status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !slices.ContainsFunc(a.Events(), func(ev cwmp.EventStruct) bool { return ev.EventCode == cwmp.EventConnectionRequest }) {
		if time.Now().After(deadline) {
			t.Fatalf("events %v, want 6 CONNECTION REQUEST", a.Events())
		}
		time.Sleep(time.Millisecond)
	}
	if next := a.NextSession(); next.IsZero() || next.After(e.clock.Now()) {
		t.Errorf("NextSession %v, want now (%v)", next, e.clock.Now())
	}
	sess := e.session(a)
	wantEvents(t, sess, ev(cwmp.EventConnectionRequest))
	if got, _ := sess.InformMessage().Parameter("Device.ManagementServer.ConnectionRequestURL"); got != url {
		t.Errorf("Inform's ConnectionRequestURL %q, want %q", got, url)
	}
	s.Remove(a)
	if err := a.Save(); err != nil {
		t.Fatal(err)
	}

	// A restart on the same state keeps the path.
	b := e.agent(func(c *Config) { c.StateDir = dir })
	s2 := startConnReq(t, ConnReqConfig{})
	url2, err := s2.Add(b)
	if err != nil {
		t.Fatal(err)
	}
	if path := func(u string) string { return u[strings.LastIndexByte(u, '/'):] }; path(url2) != path(url) {
		t.Errorf("URL after restart %q, before %q: want the same path", url2, url)
	}
	if status, _, _ := get(t, connReqClient(t, connReqTestUser, connReqTestPass, false), url2); status != http.StatusOK {
		t.Errorf("connection request after restart: %d, want 200", status)
	}
}

func TestConnReqBaseURL(t *testing.T) {
	tcp := func(s string) net.Addr {
		a, err := net.ResolveTCPAddr("tcp", s)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, tt := range []struct {
		addr, urlHost, want string
	}{
		{"127.0.0.1:7547", "", "http://127.0.0.1:7547"},
		{"[::1]:7547", "", "http://[::1]:7547"},
		{"127.0.0.1:7547", "cpe.example.net", "http://cpe.example.net:7547"},
		{"127.0.0.1:7547", "203.0.113.7:30005", "http://203.0.113.7:30005"},
		{"127.0.0.1:7547", "2001:db8::7", "http://[2001:db8::7]:7547"},
		{"127.0.0.1:7547", "[2001:db8::7]", "http://[2001:db8::7]:7547"},
		{"0.0.0.0:7547", "192.0.2.1", "http://192.0.2.1:7547"},
	} {
		got, err := connReqBaseURL(tcp(tt.addr), tt.urlHost)
		if err != nil || got != tt.want {
			t.Errorf("connReqBaseURL(%s, %q) = %q, %v; want %q", tt.addr, tt.urlHost, got, err, tt.want)
		}
	}
	// A wildcard listener reports some address of the host, never the
	// wildcard itself.
	got, err := connReqBaseURL(tcp("0.0.0.0:7547"), "")
	if err != nil || strings.Contains(got, "0.0.0.0") || strings.Contains(got, "[::]") || !strings.HasSuffix(got, ":7547") {
		t.Errorf("wildcard listener: %q, %v", got, err)
	}
}

// A body on the GET is ignored.
func TestConnReqBodyIgnored(t *testing.T) {
	s := startConnReq(t, ConnReqConfig{})
	h, url := addConnReqHost(t, s)
	c := connReqClient(t, connReqTestUser, connReqTestPass, false)
	req, err := http.NewRequest(http.MethodGet, url, strings.NewReader("<soap:Envelope/>"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with a body: %d, want 200", resp.StatusCode)
	}
	wantConnReqEvents(t, h, 1)
}

// Close stops the listener and leaves no goroutine behind.
func TestConnReqClose(t *testing.T) {
	before := runtime.NumGoroutine()
	s := NewConnReqServer(ConnReqConfig{})
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	h := newFakeHost(t)
	setConnReqCreds(t, h, connReqTestUser, connReqTestPass)
	if _, err := s.add(&connReq{h: h}); err != nil {
		t.Fatal(err)
	}
	url := connReqURLOf(t, h)
	base := &http.Transport{}
	c := &http.Client{Transport: &cwmp.Transport{Auth: &cwmp.ClientAuth{Username: connReqTestUser, Password: connReqTestPass}, Base: base}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Leave a connection idle on the server, to be closed by Close.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	base.CloseIdleConnections()
	if _, err := http.Get(url); err == nil {
		t.Error("GET after Close succeeded")
	}
	if err := s.Listen("127.0.0.1:0"); err == nil {
		t.Error("Listen after Close succeeded")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines after Close, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
