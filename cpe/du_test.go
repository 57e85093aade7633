package cpe

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// duServer serves deployment-unit packages on 127.0.0.1: path → handler.
func duServer(t *testing.T, routes map[string]http.Handler) string {
	t.Helper()
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// duServe answers every GET with b.
func duServe(b []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(b) })
}

// duServeAuth answers with b once a passes the request.
func duServeAuth(a *cwmp.Authenticator, b []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := a.Authenticate(r); err != nil {
			a.Challenge(w, err)
			return
		}
		_, _ = w.Write(b)
	})
}

func duPassword(user, pass string) func(context.Context, string) (string, bool) {
	return func(_ context.Context, u string) (string, bool) { return pass, u == user }
}

func newTestSoftwareModules(t *testing.T) (*softwareModules, *fakeHost) {
	t.Helper()
	h := newFakeHost(t)
	s := newSoftwareModules(h)
	t.Cleanup(s.close)
	return s, h
}

// changeDUState sends a ChangeDUState and checks it was accepted.
func changeDUState(t *testing.T, s *softwareModules, key string, ops ...cwmp.Operation) {
	t.Helper()
	resp, err := s.handleChangeDUState(context.Background(), &cwmp.ChangeDUState{Operations: ops, CommandKey: key})
	if err != nil {
		t.Fatalf("ChangeDUState: %v", err)
	}
	if _, ok := resp.(*cwmp.ChangeDUStateResponse); !ok {
		t.Fatalf("ChangeDUState answered %T", resp)
	}
}

// endDUSession plays the end of the session and waits for the worker.
func endDUSession(h *fakeHost, s *softwareModules) {
	h.runAfterSession()
	s.waitIdle()
}

// duCompletes returns the DUStateChangeCompletes queued so far.
func duCompletes(h *fakeHost) []*cwmp.DUStateChangeComplete {
	_, reqs := h.snapshot()
	var out []*cwmp.DUStateChangeComplete
	for _, r := range reqs {
		if c, ok := r.(*cwmp.DUStateChangeComplete); ok {
			out = append(out, c)
		}
	}
	return out
}

// duApply runs one ChangeDUState to its end and returns its results.
func duApply(t *testing.T, s *softwareModules, h *fakeHost, ops ...cwmp.Operation) []cwmp.OpResultStruct {
	t.Helper()
	n := len(duCompletes(h))
	changeDUState(t, s, "key", ops...)
	endDUSession(h, s)
	cs := duCompletes(h)
	if len(cs) != n+1 {
		t.Fatalf("%d DUStateChangeComplete queued, want %d", len(cs), n+1)
	}
	return cs[n].Results
}

func duTreeValue(t *testing.T, h *fakeHost, path string) string {
	t.Helper()
	v, _, err := h.tr.Get(path)
	if err != nil {
		t.Fatalf("Get %s: %v", path, err)
	}
	return v
}

func duInstances(t *testing.T, h *fakeHost, table string) []uint32 {
	t.Helper()
	ids, err := h.tr.Instances(table)
	if err != nil {
		t.Fatalf("Instances %s: %v", table, err)
	}
	return ids
}

func duWantValues(t *testing.T, h *fakeHost, prefix string, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got := duTreeValue(t, h, prefix+name); got != v {
			t.Errorf("%s%s = %q, want %q", prefix, name, got, v)
		}
	}
}

func duWantFaultCode(t *testing.T, r cwmp.OpResultStruct, code cwmp.FaultCode) {
	t.Helper()
	if r.Fault.FaultCode != code {
		t.Errorf("fault %d (%s), want %d", r.Fault.FaultCode, r.Fault.FaultString, code)
	}
}

const (
	duSM     = "Device.SoftwareModules."
	duEE1    = duSM + "ExecEnv.1"
	duSample = "fe2d23bd-dd02-51b8-af04-f5c18b2b0aa6" // TR-181 Annex C UUID of "sample1" by broadband-forum.org
)

func TestSoftwareModulesExecEnvCreated(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	s.ensureExecEnv()
	if ids := duInstances(t, h, duSM+"ExecEnv."); !slices.Equal(ids, []uint32{1}) {
		t.Fatalf("ExecEnv duInstances %v, want [1]", ids)
	}
	duWantValues(t, h, duEE1+".", map[string]string{
		"Enable": "true", "Status": "Up", "Name": "Linux", "Type": "Linux", "Vendor": "cwmpkit",
		"CreatedAt": "2026-11-25T10:00:00Z",
	})
	duWantValues(t, h, "Device.ManagementServer.DUStateChangeComplPolicy.", map[string]string{
		"Enable": "true", "OperationTypeFilter": "Install,Update,Uninstall", "ResultTypeFilter": "Both",
	})
	mux := cwmp.NewServeMux(cwmp.RoleCPE)
	s.register(mux)
	if !slices.Contains(mux.Methods(), "ChangeDUState") {
		t.Errorf("GetRPCMethods %v lacks ChangeDUState", mux.Methods())
	}
}

func TestSoftwareModulesInstall(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{"/sample1": duServe(BuildDeploymentUnit("sample1", "1.0", "broadband-forum.org", []string{"daemon", "cli"}))})

	changeDUState(t, s, "ck-install", &cwmp.InstallOpStruct{URL: url + "/sample1"})
	if n := len(duInstances(t, h, duSM+"DeploymentUnit.")); n != 0 {
		t.Fatalf("%d DUs before the session ended; TR-069 applies ChangeDUState after it", n)
	}
	if cs := duCompletes(h); len(cs) != 0 {
		t.Fatalf("DUStateChangeComplete queued before the session ended")
	}
	endDUSession(h, s)

	du := duSM + "DeploymentUnit.1"
	duWantValues(t, h, du+".", map[string]string{
		"UUID": duSample, "DUID": "Linux-DU-1", "Name": "sample1", "Status": "Installed", "Resolved": "true",
		"URL": url + "/sample1", "Vendor": "broadband-forum.org", "Version": "1.0",
		"ExecutionUnitList": duSM + "ExecutionUnit.1," + duSM + "ExecutionUnit.2",
		"ExecutionEnvRef":   duEE1, "Installed": "2026-11-25T10:00:00Z",
	})
	for i, name := range []string{"daemon", "cli"} {
		eu := fmt.Sprintf("%sExecutionUnit.%d.", duSM, i+1)
		duWantValues(t, h, eu, map[string]string{
			"EUID": fmt.Sprintf("Linux-EU-%d", i+1), "Name": name, "ExecEnvLabel": "Linux-DU-1/" + name,
			"Status": "Idle", "ExecutionFaultCode": "NoFault", "Vendor": "broadband-forum.org", "Version": "1.0",
			"ExecutionEnvRef": duEE1,
		})
	}

	cs := duCompletes(h)
	if len(cs) != 1 {
		t.Fatalf("%d DUStateChangeComplete queued, want 1", len(cs))
	}
	clock := h.now()
	want := cwmp.OpResultStruct{
		UUID: duSample, DeploymentUnitRef: du, Version: "1.0", CurrentState: cwmp.DUInstalled, Resolved: true,
		ExecutionUnitRefList: duSM + "ExecutionUnit.1," + duSM + "ExecutionUnit.2",
		StartTime:            clock, CompleteTime: clock,
	}
	if cs[0].CommandKey != "ck-install" || len(cs[0].Results) != 1 || cs[0].Results[0] != want {
		t.Errorf("DUStateChangeComplete = %+v\nwant one result %+v with CommandKey ck-install", cs[0], want)
	}
	events, _ := h.snapshot()
	wantEvents := []cwmp.EventStruct{{EventCode: cwmp.EventDUStateChangeComplete}, {EventCode: cwmp.EventMChangeDUState, CommandKey: "ck-install"}}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("events %v, want %v", events, wantEvents)
	}
	if h.wakes == 0 {
		t.Error("no wake after the DUStateChangeComplete was queued")
	}
}

func TestSoftwareModulesInstallUUIDs(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	pkg := BuildDeploymentUnit("sample.1", "2", "broadband-forum.org", nil)
	withUUID := strings.Replace(string(BuildDeploymentUnit("x", "1", "example.com", nil)), "Vendor: example.com\n", "Vendor: example.com\nUUID: 11111111-2222-5333-8444-555555555555\n", 1)
	url := duServer(t, map[string]http.Handler{"/p": duServe(pkg), "/u": duServe([]byte(withUUID))})
	rs := duApply(t, s, h,
		&cwmp.InstallOpStruct{URL: url + "/p"},
		&cwmp.InstallOpStruct{URL: url + "/p", UUID: "AAAAAAAA-BBBB-5CCC-8DDD-EEEEEEEEEEEE"},
		&cwmp.InstallOpStruct{URL: url + "/u"},
	)
	for i, want := range []string{
		"0fbf4583-efd7-51b6-8483-7b347f4b521d", // Annex C: "sample%2e1.broadband-forum.org."
		"AAAAAAAA-BBBB-5CCC-8DDD-EEEEEEEEEEEE", // the ACS's
		"11111111-2222-5333-8444-555555555555", // the package's
	} {
		if rs[i].UUID != want || rs[i].Fault.FaultCode != 0 {
			t.Errorf("result %d: UUID %s fault %d, want %s", i, rs[i].UUID, rs[i].Fault.FaultCode, want)
		}
		if got := duTreeValue(t, h, fmt.Sprintf("%sDeploymentUnit.%d.UUID", duSM, i+1)); got != want {
			t.Errorf("DU %d UUID %s, want %s", i+1, got, want)
		}
	}
}

func TestSoftwareModulesUpdate(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{
		"/v1":   duServe(BuildDeploymentUnit("sample1", "1.0", "broadband-forum.org", []string{"a", "b"})),
		"/v2":   duServe(BuildDeploymentUnit("sample1", "2.0", "broadband-forum.org", []string{"b", "c"})),
		"/v1.5": duServe(BuildDeploymentUnit("sample1", "1.5", "broadband-forum.org", []string{"b", "c"})),
		"/v3":   duServe(BuildDeploymentUnit("sample1", "3.0", "broadband-forum.org", []string{"c"})),
	})
	duApply(t, s, h, &cwmp.InstallOpStruct{URL: url + "/v1"})
	h.advance(time.Hour)

	rs := duApply(t, s, h, &cwmp.UpdateOpStruct{UUID: duSample, URL: url + "/v2"})
	du := duSM + "DeploymentUnit.1"
	eu := func(i int) string { return fmt.Sprintf("%sExecutionUnit.%d", duSM, i) }
	want := cwmp.OpResultStruct{UUID: duSample, DeploymentUnitRef: du, Version: "2.0", CurrentState: cwmp.DUInstalled, Resolved: true,
		ExecutionUnitRefList: eu(2) + "," + eu(3), StartTime: h.now(), CompleteTime: h.now()}
	if len(rs) != 1 || rs[0] != want {
		t.Fatalf("update results %+v, want %+v", rs, want)
	}
	duWantValues(t, h, du+".", map[string]string{
		"UUID": duSample, "Version": "2.0", "URL": url + "/v2", "Status": "Installed", "Installed": "2026-11-25T10:00:00Z",
		"LastUpdate": "2026-11-25T11:00:00Z", "ExecutionUnitList": eu(2) + "," + eu(3),
	})
	if ids := duInstances(t, h, duSM+"ExecutionUnit."); !slices.Equal(ids, []uint32{2, 3}) {
		t.Errorf("ExecutionUnit duInstances %v, want [2 3] (a removed, b kept, c added)", ids)
	}
	duWantValues(t, h, eu(2)+".", map[string]string{"Name": "b", "Version": "2.0", "EUID": "Linux-EU-2"})

	for _, tc := range []struct {
		name string
		op   *cwmp.UpdateOpStruct
		code cwmp.FaultCode
	}{
		{"downgrade", &cwmp.UpdateOpStruct{UUID: duSample, URL: url + "/v1.5"}, cwmp.FaultDUDowngradeNotPermitted},
		{"same version", &cwmp.UpdateOpStruct{UUID: duSample, URL: url + "/v2"}, cwmp.FaultDUVersionExists},
		{"same version from its own URL", &cwmp.UpdateOpStruct{UUID: duSample}, cwmp.FaultDUVersionExists},
		{"unknown UUID", &cwmp.UpdateOpStruct{UUID: "00000000-1111-5222-8333-444444444444", URL: url + "/v3"}, cwmp.FaultUnknownDU},
		{"unknown version", &cwmp.UpdateOpStruct{UUID: duSample, Version: "9", URL: url + "/v3"}, cwmp.FaultUnknownDU},
		{"unknown URL", &cwmp.UpdateOpStruct{URL: url + "/nowhere"}, cwmp.FaultUnknownDU},
		{"bad UUID", &cwmp.UpdateOpStruct{UUID: "not-a-uuid"}, cwmp.FaultInvalidUUID},
	} {
		rs := duApply(t, s, h, tc.op)
		if len(rs) != 1 {
			t.Fatalf("%s: %d results", tc.name, len(rs))
		}
		duWantFaultCode(t, rs[0], tc.code)
		if got := duTreeValue(t, h, du+".Version"); got != "2.0" {
			t.Fatalf("%s: a failed update changed the version to %s", tc.name, got)
		}
		if rs[0].CurrentState != cwmp.DUInstalled && tc.code != cwmp.FaultUnknownDU && tc.code != cwmp.FaultInvalidUUID {
			t.Errorf("%s: CurrentState %s, want Installed (the DU stays)", tc.name, rs[0].CurrentState)
		}
	}

	// By URL: the DU installed (here: last updated) from it.
	rs = duApply(t, s, h, &cwmp.UpdateOpStruct{URL: url + "/v2"})
	duWantFaultCode(t, rs[0], cwmp.FaultDUVersionExists)
	// Neither UUID nor URL: every DU, from its own URL; the server now has
	// 3.0 there.
	url2 := duServer(t, map[string]http.Handler{"/v2": duServe(BuildDeploymentUnit("sample1", "3.0", "broadband-forum.org", []string{"c"}))})
	rs = duApply(t, s, h, &cwmp.UpdateOpStruct{UUID: duSample, URL: url2 + "/v2"})
	duWantFaultCode(t, rs[0], 0)
	rs = duApply(t, s, h, &cwmp.UpdateOpStruct{})
	if len(rs) != 1 || rs[0].Fault.FaultCode != cwmp.FaultDUVersionExists || rs[0].DeploymentUnitRef != du {
		t.Errorf("update all: %+v", rs)
	}
	if got := duTreeValue(t, h, du+".ExecutionUnitList"); got != eu(3) {
		t.Errorf("ExecutionUnitList %q after 3.0, want %s", got, eu(3))
	}
}

func TestSoftwareModulesUpdateVersionNotSpecified(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{
		"/v1": duServe(BuildDeploymentUnit("sample1", "1", "broadband-forum.org", nil)),
		"/v2": duServe(BuildDeploymentUnit("sample1", "2", "broadband-forum.org", nil)),
		"/v3": duServe(BuildDeploymentUnit("sample1", "3", "broadband-forum.org", nil)),
	})
	// Two versions of one DU side by side (TR-181 Annex C.1).
	rs := duApply(t, s, h, &cwmp.InstallOpStruct{URL: url + "/v1"}, &cwmp.InstallOpStruct{URL: url + "/v2"})
	duWantFaultCode(t, rs[0], 0)
	duWantFaultCode(t, rs[1], 0)

	rs = duApply(t, s, h, &cwmp.UpdateOpStruct{UUID: duSample, URL: url + "/v3"})
	duWantFaultCode(t, rs[0], cwmp.FaultDUVersionNotSpecified)
	if rs[0].CurrentState != cwmp.DUInstalled {
		t.Errorf("CurrentState %s, want Installed", rs[0].CurrentState)
	}
	// 1 → 2 would make two rows of version 2: 9032.
	rs = duApply(t, s, h, &cwmp.UpdateOpStruct{UUID: duSample, Version: "1", URL: url + "/v2"})
	duWantFaultCode(t, rs[0], cwmp.FaultDUVersionExists)
	rs = duApply(t, s, h, &cwmp.UpdateOpStruct{UUID: duSample, Version: "1", URL: url + "/v3"})
	duWantFaultCode(t, rs[0], 0)
	if rs[0].DeploymentUnitRef != duSM+"DeploymentUnit.1" || rs[0].Version != "3" {
		t.Errorf("updated %s to %s, want DeploymentUnit.1 to 3", rs[0].DeploymentUnitRef, rs[0].Version)
	}
}

func TestSoftwareModulesUninstall(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{
		"/v1": duServe(BuildDeploymentUnit("sample1", "1", "broadband-forum.org", []string{"a"})),
		"/v2": duServe(BuildDeploymentUnit("sample1", "2", "broadband-forum.org", []string{"a", "b"})),
		"/o":  duServe(BuildDeploymentUnit("other", "1", "example.com", []string{"x"})),
	})
	duApply(t, s, h, &cwmp.InstallOpStruct{URL: url + "/v1"}, &cwmp.InstallOpStruct{URL: url + "/v2"}, &cwmp.InstallOpStruct{URL: url + "/o"})

	// Version given: that one only.
	rs := duApply(t, s, h, &cwmp.UninstallOpStruct{UUID: duSample, Version: "1", ExecutionEnvRef: ".SoftwareModules.ExecEnv.1."})
	want := cwmp.OpResultStruct{UUID: duSample, DeploymentUnitRef: duSM + "DeploymentUnit.1", Version: "1", CurrentState: cwmp.DUUninstalled,
		ExecutionUnitRefList: duSM + "ExecutionUnit.1", StartTime: h.now(), CompleteTime: h.now()}
	if len(rs) != 1 || rs[0] != want {
		t.Fatalf("uninstall results %+v, want %+v", rs, want)
	}
	if ids := duInstances(t, h, duSM+"DeploymentUnit."); !slices.Equal(ids, []uint32{2, 3}) {
		t.Errorf("DU duInstances %v, want [2 3]", ids)
	}
	if ids := duInstances(t, h, duSM+"ExecutionUnit."); !slices.Equal(ids, []uint32{2, 3, 4}) {
		t.Errorf("EU duInstances %v, want [2 3 4]", ids)
	}

	// Unknown: 9028, nothing removed.
	for _, op := range []*cwmp.UninstallOpStruct{
		{UUID: "00000000-1111-5222-8333-444444444444"},
		{UUID: duSample, Version: "1"},
	} {
		rs = duApply(t, s, h, op)
		duWantFaultCode(t, rs[0], cwmp.FaultUnknownDU)
		if rs[0].CurrentState != cwmp.DUUninstalled {
			t.Errorf("unknown DU: CurrentState %s, want Uninstalled", rs[0].CurrentState)
		}
	}
	rs = duApply(t, s, h, &cwmp.UninstallOpStruct{UUID: duSample, ExecutionEnvRef: duSM + "ExecEnv.7"})
	duWantFaultCode(t, rs[0], cwmp.FaultUnknownExecutionEnv)
	rs = duApply(t, s, h, &cwmp.UninstallOpStruct{})
	duWantFaultCode(t, rs[0], cwmp.FaultInvalidArguments)

	// No version: every version, one result each.
	duApply(t, s, h, &cwmp.InstallOpStruct{URL: url + "/v1"})
	rs = duApply(t, s, h, &cwmp.UninstallOpStruct{UUID: strings.ToUpper(duSample)})
	if len(rs) != 2 || rs[0].Version != "2" || rs[1].Version != "1" {
		t.Fatalf("uninstall all versions: %+v", rs)
	}
	if rs[0].ExecutionUnitRefList != duSM+"ExecutionUnit.2,"+duSM+"ExecutionUnit.3" {
		t.Errorf("ExecutionUnitRefList %q: want the units removed", rs[0].ExecutionUnitRefList)
	}
	if ids := duInstances(t, h, duSM+"DeploymentUnit."); !slices.Equal(ids, []uint32{3}) {
		t.Errorf("DU duInstances %v, want [3]", ids)
	}
	if got := duTreeValue(t, h, duSM+"ExecutionUnitNumberOfEntries"); got != "1" {
		t.Errorf("ExecutionUnitNumberOfEntries %s, want 1", got)
	}
}

func TestSoftwareModulesInstallFaults(t *testing.T) {
	good := BuildDeploymentUnit("sample1", "1.0", "broadband-forum.org", []string{"a"})
	corrupt := append([]byte(nil), good...)
	corrupt[len(corrupt)-2] ^= 1
	wrongEE := strings.Replace(string(good), "Vendor: broadband-forum.org\n", "Vendor: broadband-forum.org\nExecEnvType: OSGi\n", 1)
	digest := &cwmp.Authenticator{Realm: "du", Digest: true, Password: duPassword("u", "p")}
	basic := &cwmp.Authenticator{Realm: "du", Basic: true, Password: duPassword("u", "p")}
	url := duServer(t, map[string]http.Handler{
		"/good":    duServe(good),
		"/corrupt": duServe(corrupt),
		"/garbage": duServe([]byte("<html>not a package</html>")),
		"/wrongee": duServe([]byte(wrongEE)),
		"/digest":  duServeAuth(digest, good),
		"/basic":   duServeAuth(basic, good),
		"/short": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100000")
			_, _ = w.Write(good)
		}),
		"/big": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(maxPackageSize+1))
		}),
		"/broken": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) }),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/x"
	ln.Close()

	for _, tc := range []struct {
		name  string
		op    cwmp.InstallOpStruct
		setup func(h *fakeHost)
		code  cwmp.FaultCode
	}{
		{"digest", cwmp.InstallOpStruct{URL: url + "/digest", Username: "u", Password: "p"}, nil, 0},
		{"basic", cwmp.InstallOpStruct{URL: url + "/basic", Username: "u", Password: "p"}, nil, 0},
		{"EE by alias", cwmp.InstallOpStruct{URL: url + "/good", ExecutionEnvRef: duSM + "ExecEnv.[cpe-1]"}, nil, 0},
		{"duplicate", cwmp.InstallOpStruct{URL: url + "/good"}, nil, cwmp.FaultDuplicateDU},
		{"bad UUID", cwmp.InstallOpStruct{URL: url + "/good", UUID: "1234"}, nil, cwmp.FaultInvalidUUID},
		{"unknown EE", cwmp.InstallOpStruct{URL: url + "/good", ExecutionEnvRef: duSM + "ExecEnv.2"}, nil, cwmp.FaultUnknownExecutionEnv},
		{"EE elsewhere", cwmp.InstallOpStruct{URL: url + "/good", ExecutionEnvRef: "Device.IP.Interface.1"}, nil, cwmp.FaultUnknownExecutionEnv},
		{"disabled EE", cwmp.InstallOpStruct{URL: url + "/good"}, func(h *fakeHost) { _ = h.tr.Set(duEE1+".Enable", "false") }, cwmp.FaultDisabledExecutionEnv},
		{"EE mismatch", cwmp.InstallOpStruct{URL: url + "/wrongee"}, nil, cwmp.FaultDUExecutionEnvMismatch},
		{"no URL", cwmp.InstallOpStruct{}, nil, cwmp.FaultInvalidArguments},
		{"URL too long", cwmp.InstallOpStruct{URL: url + "/" + strings.Repeat("x", 1024)}, nil, cwmp.FaultInvalidArguments},
		{"ftp", cwmp.InstallOpStruct{URL: "ftp://127.0.0.1/du"}, nil, cwmp.FaultUnsupportedProtocol},
		{"unreachable", cwmp.InstallOpStruct{URL: closed}, nil, cwmp.FaultFileServerUnreachable},
		{"404", cwmp.InstallOpStruct{URL: url + "/missing"}, nil, cwmp.FaultFileAccess},
		{"500", cwmp.InstallOpStruct{URL: url + "/broken"}, nil, cwmp.FaultFileAccess},
		{"401 without credentials", cwmp.InstallOpStruct{URL: url + "/digest"}, nil, cwmp.FaultTransferAuthentication},
		{"401 wrong duPassword", cwmp.InstallOpStruct{URL: url + "/digest", Username: "u", Password: "x"}, nil, cwmp.FaultTransferAuthentication},
		{"truncated", cwmp.InstallOpStruct{URL: url + "/short"}, nil, cwmp.FaultDownloadIncomplete},
		{"too big", cwmp.InstallOpStruct{URL: url + "/big"}, nil, cwmp.FaultSystemResourcesExceeded},
		{"not a package", cwmp.InstallOpStruct{URL: url + "/garbage"}, nil, cwmp.FaultFileCorrupted},
		{"checksum", cwmp.InstallOpStruct{URL: url + "/corrupt"}, nil, cwmp.FaultFileCorrupted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, h := newTestSoftwareModules(t)
			if tc.code == cwmp.FaultDuplicateDU {
				duApply(t, s, h, &cwmp.InstallOpStruct{URL: url + "/good"})
			}
			if tc.setup != nil {
				tc.setup(h)
			}
			before := duInstances(t, h, duSM+"DeploymentUnit.")
			op := tc.op
			rs := duApply(t, s, h, &op)
			if len(rs) != 1 {
				t.Fatalf("%d results", len(rs))
			}
			r := rs[0]
			duWantFaultCode(t, r, tc.code)
			if tc.code == 0 {
				if r.CurrentState != cwmp.DUInstalled || r.UUID != duSample || r.DeploymentUnitRef == "" {
					t.Errorf("result %+v", r)
				}
				return
			}
			if r.CurrentState != cwmp.DUFailed || r.DeploymentUnitRef != "" || r.ExecutionUnitRefList != "" || r.Resolved {
				t.Errorf("failed install: %+v", r)
			}
			if !validUUID(r.UUID) {
				t.Errorf("UUID %q does not match the XSD's pattern", r.UUID)
			}
			if after := duInstances(t, h, duSM+"DeploymentUnit."); !slices.Equal(after, before) {
				t.Errorf("DU duInstances %v after a failed install, were %v", after, before)
			}
			if r.Fault.FaultString == "" || r.Fault.FaultString == r.Fault.FaultCode.String() {
				t.Errorf("fault string %q says nothing about the cause", r.Fault.FaultString)
			}
		})
	}
}

func TestSoftwareModulesMixedOperations(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{
		"/a": duServe(BuildDeploymentUnit("alpha", "1", "example.com", []string{"a"})),
		"/b": duServe(BuildDeploymentUnit("beta", "1", "example.com", nil)),
	})
	alpha, beta := duUUID("alpha", "example.com"), duUUID("beta", "example.com")
	rs := duApply(t, s, h,
		&cwmp.InstallOpStruct{URL: url + "/a"},
		&cwmp.InstallOpStruct{URL: url + "/missing"},
		&cwmp.UninstallOpStruct{UUID: beta},
		&cwmp.InstallOpStruct{URL: url + "/b"},
		&cwmp.UninstallOpStruct{UUID: alpha},
		&cwmp.InstallOpStruct{URL: url + "/a"},
	)
	want := []struct {
		uuid  string
		state string
		code  cwmp.FaultCode
		ref   string
	}{
		{alpha, cwmp.DUInstalled, 0, duSM + "DeploymentUnit.1"},
		{nilUUID, cwmp.DUFailed, cwmp.FaultFileAccess, ""},
		{beta, cwmp.DUUninstalled, cwmp.FaultUnknownDU, ""},
		{beta, cwmp.DUInstalled, 0, duSM + "DeploymentUnit.2"},
		{alpha, cwmp.DUUninstalled, 0, duSM + "DeploymentUnit.1"},
		{alpha, cwmp.DUInstalled, 0, duSM + "DeploymentUnit.3"},
	}
	if len(rs) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(rs), len(want), rs)
	}
	for i, w := range want {
		r := rs[i]
		if r.UUID != w.uuid || r.CurrentState != w.state || r.Fault.FaultCode != w.code || r.DeploymentUnitRef != w.ref {
			t.Errorf("result %d: %s %s fault %d %q, want %s %s fault %d %q", i, r.UUID, r.CurrentState, r.Fault.FaultCode, r.DeploymentUnitRef, w.uuid, w.state, w.code, w.ref)
		}
	}
}

func TestSoftwareModulesChangeDUStateFaults(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	op := &cwmp.InstallOpStruct{URL: "http://127.0.0.1:1/x"}
	many := make([]cwmp.Operation, maxDUOperations+1)
	for i := range many {
		many[i] = op
	}
	for _, tc := range []struct {
		name string
		req  *cwmp.ChangeDUState
		code cwmp.FaultCode
	}{
		{"no operation", &cwmp.ChangeDUState{}, cwmp.FaultInvalidArguments},
		{"too many operations", &cwmp.ChangeDUState{Operations: many}, cwmp.FaultResourcesExceeded},
		{"nil operation", &cwmp.ChangeDUState{Operations: []cwmp.Operation{op, nil}}, cwmp.FaultInvalidArguments},
		{"typed nil operation", &cwmp.ChangeDUState{Operations: []cwmp.Operation{(*cwmp.UninstallOpStruct)(nil)}}, cwmp.FaultInvalidArguments},
		{"CommandKey too long", &cwmp.ChangeDUState{Operations: []cwmp.Operation{op}, CommandKey: strings.Repeat("k", 33)}, cwmp.FaultInvalidArguments},
	} {
		_, err := s.handleChangeDUState(context.Background(), tc.req)
		if f, ok := cwmp.AsFault(err); !ok || f.Code != tc.code {
			t.Errorf("%s: error %v, want fault %d", tc.name, err, tc.code)
		}
	}
	for range maxDUJobs {
		changeDUState(t, s, "", op)
	}
	_, err := s.handleChangeDUState(context.Background(), &cwmp.ChangeDUState{Operations: []cwmp.Operation{op}})
	if f, ok := cwmp.AsFault(err); !ok || f.Code != cwmp.FaultResourcesExceeded {
		t.Errorf("job %d: error %v, want fault 9004", maxDUJobs+1, err)
	}
	endDUSession(h, s)
	if n := len(duCompletes(h)); n != maxDUJobs {
		t.Errorf("%d DUStateChangeComplete for %d accepted requests", n, maxDUJobs)
	}

	// Through a mux, as a session calls it.
	mux := cwmp.NewServeMux(cwmp.RoleCPE)
	s.register(mux)
	resp, _ := mux.ServeCWMP(context.Background(), &cwmp.ChangeDUState{})
	if f, ok := resp.(*cwmp.Fault); !ok || f.Code != cwmp.FaultInvalidArguments {
		t.Errorf("mux answered %#v, want fault 9003", resp)
	}
}

func TestSoftwareModulesAutonomous(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{"/a": duServe(BuildDeploymentUnit("alpha", "1", "example.com", []string{"a"}))})
	ctx := context.Background()
	rs, err := s.autonomousChange(ctx, &cwmp.InstallOpStruct{URL: url + "/a"})
	if err != nil || len(rs) != 1 || rs[0].OperationPerformed != "Install" || rs[0].Fault.FaultCode != 0 {
		t.Fatalf("autonomous install: %+v, %v", rs, err)
	}
	events, reqs := h.snapshot()
	if len(reqs) != 1 {
		t.Fatalf("%d requests queued, want 1", len(reqs))
	}
	a, ok := reqs[0].(*cwmp.AutonomousDUStateChangeComplete)
	if !ok || len(a.Results) != 1 || a.Results[0] != rs[0] || a.Results[0].DeploymentUnitRef != duSM+"DeploymentUnit.1" {
		t.Errorf("queued %#v, want an AutonomousDUStateChangeComplete with %+v", reqs[0], rs[0])
	}
	if !slices.Equal(events, []cwmp.EventStruct{{EventCode: cwmp.EventAutonomousDUStateChangeComplete}}) {
		t.Errorf("events %v, want 12 AUTONOMOUS DU STATE CHANGE COMPLETE", events)
	}

	// The policy filters what is reported, not what is done.
	policy := "Device.ManagementServer.DUStateChangeComplPolicy."
	mustSet := func(p, v string) {
		if err := h.tr.Set(policy+p, v); err != nil {
			t.Fatal(err)
		}
	}
	mustSet("ResultTypeFilter", "Failure")
	mustSet("FaultCodeFilter", "9028")
	uuid := duUUID("alpha", "example.com")
	for _, tc := range []struct {
		op     cwmp.Operation
		code   cwmp.FaultCode
		report bool
	}{
		{&cwmp.UninstallOpStruct{UUID: "00000000-1111-5222-8333-444444444444"}, cwmp.FaultUnknownDU, true},
		{&cwmp.InstallOpStruct{URL: url + "/a"}, cwmp.FaultDuplicateDU, false}, // not in FaultCodeFilter
		{&cwmp.UninstallOpStruct{UUID: uuid}, 0, false},                        // a success
	} {
		_, before := h.snapshot()
		rs, err := s.autonomousChange(ctx, tc.op)
		if err != nil || len(rs) != 1 || rs[0].Fault.FaultCode != tc.code {
			t.Fatalf("%s: %+v, %v", tc.op.OperationType(), rs, err)
		}
		_, after := h.snapshot()
		if reported := len(after) > len(before); reported != tc.report {
			t.Errorf("%s with fault %d: reported %v, want %v", tc.op.OperationType(), tc.code, reported, tc.report)
		}
	}
	if n := len(duInstances(t, h, duSM+"DeploymentUnit.")); n != 0 {
		t.Errorf("%d DUs left; the unreported uninstall must still happen", n)
	}
	mustSet("Enable", "false")
	_, before := h.snapshot()
	if _, err := s.autonomousChange(ctx, &cwmp.UninstallOpStruct{UUID: uuid}); err != nil {
		t.Fatal(err)
	}
	if _, after := h.snapshot(); len(after) != len(before) {
		t.Error("reported although DUStateChangeComplPolicy.Enable is false")
	}
	if _, err := s.autonomousChange(ctx, nil); err == nil {
		t.Error("autonomousChange(nil) succeeded")
	}
}

func TestSoftwareModulesSaveRestore(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{
		"/a": duServe(BuildDeploymentUnit("alpha", "1", "example.com", nil)),
		"/b": duServe(BuildDeploymentUnit("beta", "1", "example.com", nil)),
	})
	if data, err := s.saveState(); err != nil || data != nil {
		t.Fatalf("saveState with nothing pending: %s, %v", data, err)
	}
	changeDUState(t, s, "ck", &cwmp.InstallOpStruct{URL: url + "/a", Username: "u", Password: "p"}, &cwmp.InstallOpStruct{URL: url + "/b"})
	data, err := s.saveState()
	if err != nil {
		t.Fatal(err)
	}
	// The agent restarts before the session ends; the old subsystem is
	// gone (its afterSession callback with it).
	s2 := newSoftwareModules(h)
	t.Cleanup(s2.close)
	if err := s2.restoreState(data); err != nil {
		t.Fatal(err)
	}
	if again, _ := s2.saveState(); string(again) != string(data) {
		t.Errorf("state changed across restore:\n%s\n%s", data, again)
	}
	s2.resume()
	s2.waitIdle()
	cs := duCompletes(h)
	if len(cs) != 1 || cs[0].CommandKey != "ck" || len(cs[0].Results) != 2 || cs[0].Results[1].UUID != duUUID("beta", "example.com") {
		t.Fatalf("after restore: %+v", cs)
	}
	if data, _ := s2.saveState(); data != nil {
		t.Errorf("state after the job was reported: %s", data)
	}

	// A job stopped half way goes on with its next operation.
	half := duState{Jobs: []*duJob{{CommandKey: "half", Next: 1,
		Ops:     []duOp{{Uninstall: &cwmp.UninstallOpStruct{UUID: nilUUID}}, {Uninstall: &cwmp.UninstallOpStruct{UUID: duUUID("alpha", "example.com")}}},
		Results: []cwmp.OpResultStruct{{UUID: nilUUID, CurrentState: cwmp.DUUninstalled, Fault: cwmp.DeploymentUnitFaultStruct{FaultCode: 9028}}}}}}
	b, _ := json.Marshal(half)
	s3 := newSoftwareModules(h)
	t.Cleanup(s3.close)
	if err := s3.restoreState(b); err != nil {
		t.Fatal(err)
	}
	s3.resume()
	s3.waitIdle()
	cs = duCompletes(h)
	if len(cs) != 2 || len(cs[1].Results) != 2 || cs[1].Results[0].UUID != nilUUID || cs[1].Results[1].CurrentState != cwmp.DUUninstalled || cs[1].Results[1].Fault.FaultCode != 0 {
		t.Fatalf("resumed job: %+v", cs[len(cs)-1])
	}

	for _, bad := range []string{`{"jobs":[null]}`, `{"jobs":[{"ops":[{}]}]}`, `{"jobs":[{"ops":[],"next":1}]}`, `[`} {
		if err := newSoftwareModules(h).restoreState(json.RawMessage(bad)); err == nil {
			t.Errorf("restoreState(%s) succeeded", bad)
		}
	}
	if err := newSoftwareModules(h).restoreState(nil); err != nil {
		t.Errorf("restoreState(nil): %v", err)
	}
}

func TestSoftwareModulesCloseKeepsOperation(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	started := make(chan struct{})
	url := duServer(t, map[string]http.Handler{"/slow": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	})})
	changeDUState(t, s, "ck", &cwmp.InstallOpStruct{URL: url + "/slow"})
	h.runAfterSession()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the package was never requested")
	}
	s.close()
	if cs := duCompletes(h); len(cs) != 0 {
		t.Fatalf("close reported %+v", cs[0])
	}
	data, _ := s.saveState()
	var st duState
	if err := json.Unmarshal(data, &st); err != nil || len(st.Jobs) != 1 || st.Jobs[0].Next != 0 {
		t.Errorf("state after close: %s (%v); want the job with its operation still to duApply", data, err)
	}
}

func TestSoftwareModulesFactoryReset(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	changeDUState(t, s, "ck", &cwmp.UninstallOpStruct{UUID: nilUUID})
	// The agent replaces the tree, then resets the subsystems.
	h.tr = newFakeHost(t).tr
	s.factoryReset()
	if ids := duInstances(t, h, duSM+"ExecEnv."); len(ids) != 1 {
		t.Errorf("ExecEnv duInstances %v in the new tree, want one", ids)
	}
	endDUSession(h, s)
	if cs := duCompletes(h); len(cs) != 0 {
		t.Errorf("a job forgotten by the factory reset was reported: %+v", cs)
	}
	if data, _ := s.saveState(); data != nil {
		t.Errorf("state after factory reset: %s", data)
	}
}

// A FactoryReset while an operation is in flight: halt stops it before the
// agent replaces the tree, so neither it nor the job's next operation
// reaches the factory tree, and nothing is reported.
func TestSoftwareModulesFactoryResetInFlight(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	started := make(chan struct{})
	url := duServer(t, map[string]http.Handler{
		"/slow": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(started)
			<-r.Context().Done()
		}),
		"/a": duServe(BuildDeploymentUnit("alpha", "1", "example.com", nil)),
	})
	changeDUState(t, s, "ck", &cwmp.InstallOpStruct{URL: url + "/slow"}, &cwmp.InstallOpStruct{URL: url + "/a"})
	h.runAfterSession()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the package was never requested")
	}
	// What Agent.factoryReset does: halt, a new tree, factoryReset.
	s.halt()
	h.tr = newFakeHost(t).tr
	s.factoryReset()
	s.waitIdle()
	if ids := duInstances(t, h, duSM+"DeploymentUnit."); len(ids) != 0 {
		t.Errorf("DeploymentUnit instances %v in the factory tree", ids)
	}
	if cs := duCompletes(h); len(cs) != 0 {
		t.Errorf("a job of the old device was reported: %+v", cs)
	}
	// The reset device installs again: halt left a live context.
	if rs := duApply(t, s, h, &cwmp.InstallOpStruct{URL: url + "/a"}); len(rs) != 1 || rs[0].Fault.FaultCode != 0 {
		t.Fatalf("install after the reset: %+v", rs)
	}
}

// The same through an agent: a ChangeDUState and a FactoryReset in one
// session.
func TestAgentFactoryResetStopsSoftwareJob(t *testing.T) {
	url := duServer(t, map[string]http.Handler{
		"/slow": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }),
		"/a":    duServe(BuildDeploymentUnit("alpha", "1", "example.com", nil)),
	})
	e := newAgentEnv(t)
	a := e.agent()
	t.Cleanup(func() { a.Close() })
	e.session(a)
	e.acs.Enqueue(
		&cwmp.ChangeDUState{CommandKey: "ck", Operations: []cwmp.Operation{&cwmp.InstallOpStruct{URL: url + "/slow"}, &cwmp.InstallOpStruct{URL: url + "/a"}}},
		&cwmp.FactoryReset{},
	)
	a.Wake()
	e.session(a)
	s, _ := subsystemOf[*softwareModules](a)
	s.waitIdle()
	if ids, err := a.Tree().Instances(duSM + "DeploymentUnit."); err != nil || len(ids) != 0 {
		t.Errorf("DeploymentUnit instances %v (%v) after the factory reset", ids, err)
	}
	for _, r := range a.Queued() {
		if _, ok := r.(*cwmp.DUStateChangeComplete); ok {
			t.Errorf("DUStateChangeComplete of the old device queued: %+v", r)
		}
	}
}

func TestSoftwareModulesXSD(t *testing.T) {
	s, h := newTestSoftwareModules(t)
	url := duServer(t, map[string]http.Handler{"/a": duServe(BuildDeploymentUnit("alpha", "1", "example.com", []string{"a", "b"}))})
	changeDUState(t, s, "ck", &cwmp.InstallOpStruct{URL: url + "/a"}, &cwmp.InstallOpStruct{URL: url + "/none"}, &cwmp.UpdateOpStruct{UUID: "bad"},
		&cwmp.UpdateOpStruct{UUID: duUUID("alpha", "example.com"), Version: strings.Repeat("9", 40)})
	endDUSession(h, s)
	if _, err := s.autonomousChange(context.Background(), &cwmp.UninstallOpStruct{UUID: duUUID("alpha", "example.com")}); err != nil {
		t.Fatal(err)
	}
	_, reqs := h.snapshot()
	for _, r := range reqs {
		duValidateXSD(t, r)
	}
}

// duValidateXSD encodes m in an envelope and validates it with xmllint
// against the CWMP schemas the cwmp package tests with.
func duValidateXSD(t *testing.T, m cwmp.Message) {
	t.Helper()
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not on PATH (libxml2-utils)")
	}
	doc, err := cwmp.Encode(&cwmp.Envelope{Namespace: cwmp.NS12, Header: cwmp.Header{ID: "1"}, Body: m})
	if err != nil {
		t.Fatalf("encode %s: %v", m.MethodName(), err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "cwmp", "testdata", "xsd"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", "cwmp-1-4.xsd", "-")
	cmd.Dir = dir
	cmd.Env = append(cmd.Environ(), "XML_CATALOG_FILES=catalog.xml")
	cmd.Stdin = strings.NewReader(string(doc))
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "- validates" {
		t.Errorf("%s does not validate: %v\n%s\n%s", m.MethodName(), err, out, doc)
	}
}
