package cpe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

func testAuthenticator(basic, digest bool) *cwmp.Authenticator {
	return &cwmp.Authenticator{
		Realm:  "cwmpkit test ACS",
		Basic:  basic,
		Digest: digest,
		Password: func(_ context.Context, user string) (string, bool) {
			return "s3cret", user == "cpe-user"
		},
	}
}

// TestDigestToACS authenticates the agent to the ACS with Digest, once per
// session.
func TestDigestToACS(t *testing.T) {
	acs := cwmptest.NewUnstartedACS()
	acs.Auth = testAuthenticator(false, true)
	acs.Start()
	e := newAgentEnvACS(t, acs)
	a := e.agent(func(c *Config) { c.Username, c.Password = "cpe-user", "s3cret" })
	e.acs.Enqueue(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}})
	s := e.session(a)
	if s.Username != "cpe-user" {
		t.Errorf("the ACS authenticated %q", s.Username)
	}
	a.Wake()
	if s := e.session(a); s.Username != "cpe-user" {
		t.Errorf("second session: the ACS authenticated %q", s.Username)
	}
	// One 401 per session, for its first POST.
	var unauthorized int
	for _, p := range e.acs.Posts() {
		if p.Status == http.StatusUnauthorized {
			unauthorized++
		}
	}
	if unauthorized != 2 {
		t.Errorf("%d POSTs got 401, want 2 (one per session)", unauthorized)
	}

	// The ACS changes the password the CPE uses; a wrong one fails.
	if err := a.Set("Device.ManagementServer.Password", "wrong"); err != nil {
		t.Fatal(err)
	}
	err := a.Session(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("session with a wrong password: %v", err)
	}
	if a.RetryCount() != 1 {
		t.Errorf("RetryCount %d after a 401", a.RetryCount())
	}
}

// TestBasicOnlyOverTLS checks that the agent does not send its password in
// the clear to an ACS that offers only Basic over plain HTTP.
func TestBasicOnlyOverTLS(t *testing.T) {
	acs := cwmptest.NewUnstartedACS()
	acs.Auth = testAuthenticator(true, false)
	acs.Start()
	e := newAgentEnvACS(t, acs)
	a := e.agent(func(c *Config) { c.Username, c.Password = "cpe-user", "s3cret" })
	if err := a.Session(context.Background()); err == nil {
		t.Fatal("the agent authenticated with Basic over plain HTTP")
	}
	if n := len(e.acs.Sessions()); n != 0 {
		t.Errorf("%d sessions started", n)
	}
}

// TestTLSWithCustomCA reaches an HTTPS ACS whose certificate a private CA
// signed, with Basic, and refuses it without that CA.
func TestTLSWithCustomCA(t *testing.T) {
	inner := cwmptest.NewUnstartedACS()
	inner.Auth = testAuthenticator(true, false)
	inner.Start()
	t.Cleanup(inner.Close)
	front := httptest.NewUnstartedServer(newACSProxy(t, inner.URL).srv.Config.Handler)
	front.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake below
	front.StartTLS()
	t.Cleanup(front.Close)
	e := &agentEnv{t: t, acs: inner, clock: &testClock{t: agentT0}}
	a := e.agent(func(c *Config) {
		c.ACSURL = front.URL + "/cwmp"
		c.Username, c.Password = "cpe-user", "s3cret"
		c.TLS = front.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	})
	if s := e.session(a); s.Username != "cpe-user" {
		t.Errorf("the ACS authenticated %q", s.Username)
	}
	b := e.agent(func(c *Config) { c.ACSURL = front.URL + "/cwmp" })
	err := b.Session(context.Background())
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("session without the CA: %v, want a certificate error", err)
	}
}

// TestVersionNegotiation checks SupportedCWMPVersions and UseCWMPVersion.
func TestVersionNegotiation(t *testing.T) {
	t.Run("1.4", func(t *testing.T) {
		e := newAgentEnv(t)
		a := e.agent()
		e.acs.Enqueue(&cwmp.GetRPCMethods{})
		s := e.session(a)
		req, resp := s.Inform.Request, s.Inform.Response
		if req.Namespace != cwmp.NS12 || !slices.Equal(req.Header.SupportedCWMPVersions, cwmp.Versions) {
			t.Errorf("Inform namespace %s, SupportedCWMPVersions %v", req.Namespace, req.Header.SupportedCWMPVersions)
		}
		if resp.Header.UseCWMPVersion != cwmp.V1_4 || s.Version != cwmp.V1_4 {
			t.Errorf("UseCWMPVersion %s, session version %s", resp.Header.UseCWMPVersion, s.Version)
		}
	})
	t.Run("ACS speaks 1.0 to 1.1", func(t *testing.T) {
		acs := cwmptest.NewUnstartedACS()
		acs.Versions = []cwmp.Version{cwmp.V1_0, cwmp.V1_1}
		acs.Start()
		e := newAgentEnvACS(t, acs)
		a := e.agent()
		e.acs.Enqueue(&cwmp.GetParameterNames{ParameterPath: "Device.", NextLevel: true})
		s := e.session(a)
		if s.Version != cwmp.V1_1 || s.Namespace != cwmp.NS11 {
			t.Errorf("session version %s in %s, want 1.1 in %s", s.Version, s.Namespace, cwmp.NS11)
		}
		if ns := s.ACSRequests[0].Response.Namespace; ns != cwmp.NS11 {
			t.Errorf("the answer to the ACS is in %s", ns)
		}
	})
	t.Run("CPE speaks 1.0 to 1.1", func(t *testing.T) {
		e := newAgentEnv(t)
		a := e.agent(func(c *Config) { c.SupportedVersions = []cwmp.Version{cwmp.V1_0, cwmp.V1_1} })
		s := e.session(a)
		req := s.Inform.Request
		if req.Namespace != cwmp.NS11 || req.Header.SupportedCWMPVersions != nil {
			t.Errorf("Inform in %s with SupportedCWMPVersions %v, want %s without", req.Namespace, req.Header.SupportedCWMPVersions, cwmp.NS11)
		}
	})
	t.Run("ACS chooses a version not offered", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			env, err := cwmp.ReadEnvelope(r.Body, r.Header.Get("Content-Type"), 1<<20)
			if err != nil {
				w.WriteHeader(http.StatusNoContent)
				return
			}
			data, _ := cwmp.Encode(&cwmp.Envelope{Namespace: cwmp.NS12,
				Header: cwmp.Header{ID: env.Header.ID, UseCWMPVersion: cwmp.V1_4}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
			w.Write(data)
		}))
		defer srv.Close()
		e := newAgentEnv(t)
		a := e.agent(func(c *Config) { c.ACSURL = srv.URL; c.SupportedVersions = []cwmp.Version{cwmp.V1_2, cwmp.V1_3} })
		if err := a.Session(context.Background()); err == nil || !strings.Contains(err.Error(), "1.4") {
			t.Errorf("session: %v", err)
		}
	})
}

// TestRedirect follows a redirect of the Inform for the session only.
func TestRedirect(t *testing.T) {
	e := newAgentEnv(t)
	var hits atomic.Int32
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Redirect(w, r, e.acs.URL, http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	a := e.agent(func(c *Config) { c.ACSURL = redir.URL + "/acs" })
	e.acs.Enqueue(&cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber"}})
	s := e.session(a)
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
	if hits.Load() != 1 || len(s.ACSRequests) != 1 {
		t.Errorf("redirect hit %d times, %d ACS requests", hits.Load(), len(s.ACSRequests))
	}
	a.Wake()
	e.session(a)
	if hits.Load() != 2 {
		t.Errorf("the second session did not start at the configured URL (%d hits)", hits.Load())
	}

	// A redirect loop ends after MaxRedirects.
	var loops atomic.Int32
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loops.Add(1)
		http.Redirect(w, r, fmt.Sprintf("/again/%d", loops.Load()), http.StatusFound)
	}))
	defer loop.Close()
	b := e.agent(func(c *Config) { c.ACSURL = loop.URL; c.MaxRedirects = 3 })
	if err := b.Session(context.Background()); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: %v", err)
	}
	if loops.Load() != 4 {
		t.Errorf("%d requests to the loop, want 4", loops.Load())
	}
}

// TestSessionBounds checks the response wait bound and the body limit.
func TestSessionBounds(t *testing.T) {
	e := newAgentEnv(t)
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer stall.Close()
	a := e.agent(func(c *Config) { c.ACSURL = stall.URL; c.SessionTimeout = 200 * time.Millisecond })
	start := time.Now()
	err := a.Session(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Errorf("stalled ACS: %v after %v", err, time.Since(start))
	}
	wantDue(t, a, agentT0.Add(5*time.Second))

	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write(bytes.Repeat([]byte(" "), 4096))
	}))
	defer big.Close()
	b := e.agent(func(c *Config) { c.ACSURL = big.URL; c.MaxBodySize = 1024 })
	if err := b.Session(context.Background()); !errors.Is(err, cwmp.ErrTooLarge) {
		t.Errorf("oversized answer: %v", err)
	}

	for name, h := range map[string]http.HandlerFunc{
		"500":      func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
		"not SOAP": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html/>")) },
		"empty":    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
		"bad Location": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Location", "ftp://x/")
			w.WriteHeader(302)
		},
	} {
		srv := httptest.NewServer(h)
		c := e.agent(func(c *Config) { c.ACSURL = srv.URL })
		if err := c.Session(context.Background()); err == nil {
			t.Errorf("%s: the session succeeded", name)
		}
		srv.Close()
	}
}

// TestHoldRequests checks that the agent sends no request while the ACS
// says HoldRequests, and still answers the ACS's requests.
func TestHoldRequests(t *testing.T) {
	e := newAgentEnv(t)
	proxy := newACSProxy(t, e.acs.URL)
	proxy.hold.Store(true)
	a := e.agent(func(c *Config) { c.ACSURL = proxy.url() })
	if err := a.Send(&cwmp.RequestDownload{FileType: cwmp.FileFirmwareImage}); err != nil {
		t.Fatal(err)
	}
	e.acs.Enqueue(&cwmp.GetParameterNames{ParameterPath: "Device.DeviceInfo.", NextLevel: true})
	s := e.session(a)
	if len(s.CPERequests) != 0 || len(s.ACSRequests) != 1 {
		t.Errorf("held session: %d CPE requests, %d ACS requests", len(s.CPERequests), len(s.ACSRequests))
	}
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot), ev(cwmp.EventRequestDownload))
	// That ACS ended the session when it had sent its requests; the held
	// request goes in a new session at once.
	proxy.hold.Store(false)
	wantDueNow(t, a, e.clock)
	s = e.session(a)
	wantEvents(t, s, ev(cwmp.EventRequestDownload))
	if len(s.CPERequests) != 1 {
		t.Errorf("%d CPE requests after the hold", len(s.CPERequests))
	}
}

// TestURLChange points the agent at a new ACS, from the ACS and from the
// device: the next session goes there at once, with 0 BOOTSTRAP.
func TestURLChange(t *testing.T) {
	e := newAgentEnv(t)
	acs2 := cwmptest.NewACS()
	defer acs2.Close()
	a := e.agent()
	e.acs.Enqueue(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.URL", Value: acs2.URL}}})
	e.session(a)
	wantDueNow(t, a, e.clock)
	if err := a.Session(context.Background()); err != nil {
		t.Fatal(err)
	}
	ss := acs2.Sessions()
	if len(ss) != 1 {
		t.Fatalf("the new ACS saw %d sessions", len(ss))
	}
	wantEvents(t, ss[0], ev(cwmp.EventBootstrap))
	if n := len(e.acs.Sessions()); n != 1 {
		t.Errorf("the old ACS saw %d sessions", n)
	}

	// Back to the first ACS, from the device side; the first attempt
	// fails, and the bootstrap is owed until delivered.
	e.acs.Close()
	if err := a.Set("Device.ManagementServer.URL", e.acs.URL); err != nil {
		t.Fatal(err)
	}
	wantDueNow(t, a, e.clock)
	if err := a.Session(context.Background()); err == nil {
		t.Fatal("session with a closed ACS succeeded")
	}
	if err := a.Set("Device.ManagementServer.URL", acs2.URL); err != nil {
		t.Fatal(err)
	}
	if err := a.Session(context.Background()); err != nil {
		t.Fatal(err)
	}
	ss = acs2.Sessions()
	wantEvents(t, ss[len(ss)-1], ev(cwmp.EventBootstrap))
}

// TestInformXSD validates the envelopes the agent posts against the CWMP
// schemas with xmllint, and checks the Inform's content as it was on the
// wire.
func TestInformXSD(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found (libxml2-utils)")
	}
	e := newAgentEnv(t)
	proxy := newACSProxy(t, e.acs.URL)
	a := e.agent(func(c *Config) { c.ACSURL = proxy.url() })
	a.queueRequest(&cwmp.TransferComplete{CommandKey: "k", FaultStruct: cwmp.FaultStruct{FaultCode: cwmp.FaultDownloadFailure, FaultString: "no"}, StartTime: agentT0})
	a.addEvent(cwmp.EventMDownload, "k")
	e.acs.Enqueue(
		&cwmp.GetParameterValues{ParameterNames: []string{"Device.ManagementServer."}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.Nope", Value: "1"}}},
		&cwmp.GetRPCMethods{},
	)
	e.session(a)
	bodies := proxy.posted()
	if len(bodies) != 6 { // Inform, TransferComplete, empty, 3 answers
		t.Fatalf("%d POSTs, want 6", len(bodies))
	}
	env, err := cwmp.Decode(bodies[0])
	if err != nil {
		t.Fatal(err)
	}
	inf, ok := env.Body.(*cwmp.Inform)
	if !ok || env.Header.ID == "" || inf.DeviceId != testDeviceID || inf.MaxEnvelopes != 1 || !inf.CurrentTime.Equal(agentT0) ||
		len(inf.Event) != 4 || len(inf.ParameterList) != 7 {
		t.Errorf("Inform on the wire: %+v", env)
	}
	for _, p := range inf.ParameterList {
		if p.Type == "" {
			t.Errorf("parameter %s has no xsi:type", p.Name)
		}
	}
	xsdDir, err := filepath.Abs(filepath.Join("..", "cwmp", "testdata", "xsd"))
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range bodies {
		if len(b) == 0 {
			continue
		}
		cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", "cwmp-1-4.xsd", "-")
		cmd.Dir = xsdDir
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES=catalog.xml")
		cmd.Stdin = bytes.NewReader(b)
		if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "- validates" {
			t.Errorf("POST %d does not validate: %v\n%s\n%s", i+1, err, out, b)
		}
	}
}

// TestHeldRequestsSentInTheSession checks a held request against an ACS that
// lifts the hold with an empty response, as TR-069 3.7.1.4 and A.2.2 have
// it: the request goes in the same session, after the ACS's requests.
func TestHeldRequestsSentInTheSession(t *testing.T) {
	acs := cwmptest.NewUnstartedACS()
	acs.HoldRequests = true
	acs.Start()
	e := newAgentEnvACS(t, acs)
	a := e.agent()
	if err := a.Send(&cwmp.RequestDownload{FileType: cwmp.FileFirmwareImage}); err != nil {
		t.Fatal(err)
	}
	acs.Enqueue(&cwmp.GetParameterNames{ParameterPath: "Device.DeviceInfo.", NextLevel: true})
	s := e.session(a)
	if len(s.ACSRequests) != 1 || len(s.CPERequests) != 1 || s.CPERequests[0].Fault() != nil {
		t.Fatalf("%d ACS requests, %d CPE requests; want the GPN, then the held RequestDownload", len(s.ACSRequests), len(s.CPERequests))
	}
	if len(a.Queued()) != 0 || !a.NextSession().IsZero() && !a.NextSession().After(e.clock.Now()) {
		t.Errorf("after the session: queued %v, next session %v", a.Queued(), a.NextSession())
	}
}
