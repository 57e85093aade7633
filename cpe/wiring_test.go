package cpe

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// TestUndecodableRequestAnswered9003 checks that an ACS request the agent
// cannot read into its type (a ChangeDUState operation of an unknown
// xsi:type) is answered with 9003 and the request's ID, and that the
// session goes on to its end rather than failing.
func TestUndecodableRequestAnswered9003(t *testing.T) {
	var mu sync.Mutex
	var answer []byte
	step := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		step++
		switch step {
		case 1: // the Inform
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
			b, _ := cwmp.Encode(&cwmp.Envelope{Namespace: cwmp.NS12, Header: cwmp.Header{ID: "i"}, Body: &cwmp.InformResponse{MaxEnvelopes: 1}})
			w.Write(b)
		case 2: // the empty POST: a ChangeDUState with an unknown operation type
			w.Write([]byte(`<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-2">` +
				`<soap-env:Header><cwmp:ID soap-env:mustUnderstand="1">bad-1</cwmp:ID></soap-env:Header><soap-env:Body><cwmp:ChangeDUState>` +
				`<Operations xsi:type="cwmp:RestartOpStruct"><UUID>x</UUID></Operations><CommandKey>k</CommandKey></cwmp:ChangeDUState></soap-env:Body></soap-env:Envelope>`))
		default: // the answer; the session ends
			answer = body
			w.WriteHeader(http.StatusNoContent)
		}
	}))
	defer srv.Close()
	e := newAgentEnv(t)
	a := e.agent(func(c *Config) { c.ACSURL = srv.URL })
	if err := a.Session(context.Background()); err != nil {
		t.Fatalf("session failed: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	env, err := cwmp.Decode(answer)
	if err != nil {
		t.Fatalf("answer %q: %v", answer, err)
	}
	f, ok := env.Body.(*cwmp.Fault)
	if !ok || f.Code != cwmp.FaultInvalidArguments || env.Header.ID != "bad-1" || !strings.Contains(f.String, "RestartOpStruct") {
		t.Errorf("answer: ID %q, body %#v; want fault 9003 naming RestartOpStruct with ID bad-1", env.Header.ID, env.Body)
	}
}

// TestAutonomousAPIs checks the Go API for what the device does on its own:
// an autonomous transfer and a software change are reported in the next
// session with their events.
func TestAutonomousAPIs(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.session(a) // bootstrap
	err := a.AutonomousTransferComplete(cwmp.AutonomousTransferComplete{
		TransferURL: "http://files.example.net/fw.bin", IsDownload: true, FileType: cwmp.FileFirmwareImage,
		FileSize: 10, TargetFileName: "fw.bin", StartTime: agentT0, CompleteTime: agentT0,
	})
	if err != nil {
		t.Fatal(err)
	}
	// An Uninstall of a unit that is not there is still a change to report.
	if _, err := a.ChangeSoftware(context.Background(), &cwmp.UninstallOpStruct{UUID: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}); err != nil {
		t.Fatal(err)
	}
	s := e.session(a)
	inf := s.InformMessage()
	if !inf.HasEvent(cwmp.EventAutonomousTransferComplete) || !inf.HasEvent(cwmp.EventAutonomousDUStateChangeComplete) {
		t.Errorf("events %v, want 10 and 12", inf.Event)
	}
	var got []string
	for _, x := range s.CPERequests {
		got = append(got, x.Request.Body.MethodName())
	}
	if strings.Join(got, ",") != "AutonomousTransferComplete,AutonomousDUStateChangeComplete" {
		t.Errorf("CPE requests %v", got)
	}
	if err := a.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestWildcardsAnswered checks that the agent's Device:2 tree says it
// supports instance wildcards, and answers a GetParameterValues with one.
func TestWildcardsAnswered(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.acs.Enqueue(&cwmp.GetParameterValues{ParameterNames: []string{"Device.ManagementServer.InstanceWildcardsSupported", "Device.DeviceInfo.ProcessStatus.Process.*.PID"}})
	s := e.session(a)
	resp, ok := s.ResponseTo("GetParameterValues").(*cwmp.GetParameterValuesResponse)
	if !ok || len(resp.ParameterList) == 0 || resp.ParameterList[0].Value != "true" {
		t.Fatalf("answer %#v", s.ResponseTo("GetParameterValues"))
	}
}

// TestBootstrapWithoutValueChange checks that values the device set before
// its first Inform (the connection-request URL, written once its listener
// is up) do not make the bootstrap Inform a 4 VALUE CHANGE, while a later
// change does.
func TestBootstrapWithoutValueChange(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	url := "Device.ManagementServer.ConnectionRequestURL"
	if err := a.Set(url, "http://192.0.2.1:7547/a"); err != nil {
		t.Fatal(err)
	}
	s := e.session(a)
	wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
	if v, _ := s.InformMessage().Parameter(url); v != "http://192.0.2.1:7547/a" {
		t.Errorf("bootstrap Inform lists %s = %q", url, v)
	}
	if err := a.Set(url, "http://192.0.2.2:7547/a"); err != nil {
		t.Fatal(err)
	}
	a.Wake()
	s = e.session(a)
	wantEvents(t, s, ev(cwmp.EventValueChange))
}

// BenchmarkAgentInformSession measures one agent's Inform-only session
// (Inform, InformResponse, empty POST, 204) over loopback HTTP against an
// ACS that does nothing else: the CPE side's cost per session, the
// reference the fleet simulator's figures build on.
func BenchmarkAgentInformSession(b *testing.B) {
	acs := httptest.NewServer(bareACS{})
	defer acs.Close()
	a, err := New(Config{ACSURL: acs.URL, DeviceID: testDeviceID, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a.Wake()
		if err := a.Session(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
