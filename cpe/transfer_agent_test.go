package cpe

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

// xferClock is a fixed clock for the agents of these tests.
type xferClock struct{ t time.Time }

func (c xferClock) Now() time.Time { return c.t }

// xferAgent is an agent of the fake ACS with its transfer subsystem.
type xferAgent struct {
	t   *testing.T
	acs *cwmptest.ACS
	a   *Agent
	x   *transfers
}

func newXferAgent(t *testing.T, acs *cwmptest.ACS, stateDir string) *xferAgent {
	t.Helper()
	a, err := New(Config{
		ACSURL:          acs.URL,
		DeviceID:        cwmp.DeviceIdStruct{Manufacturer: "cwmpkit", OUI: "00D09E", ProductClass: "TestGW", SerialNumber: "SN-FW"},
		SoftwareVersion: "1.0.0",
		StateDir:        stateDir,
		Clock:           xferClock{time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)},
		Logger:          slog.New(slog.DiscardHandler),
		Rand:            func() float64 { return 0 },
	})
	if err != nil {
		t.Fatal(err)
	}
	xa := &xferAgent{t: t, acs: acs, a: a}
	for _, s := range a.subsystems {
		if s, ok := s.(*transfers); ok {
			xa.x = s
		}
	}
	if xa.x == nil {
		t.Fatal("the agent has no transfer subsystem")
	}
	t.Cleanup(xa.x.close)
	return xa
}

// session runs a session that must succeed and returns the ACS's record.
func (xa *xferAgent) session() *cwmptest.Session {
	xa.t.Helper()
	if err := xa.a.Session(context.Background()); err != nil {
		xa.t.Fatal(err)
	}
	ss := xa.acs.Sessions()
	s := ss[len(ss)-1]
	if len(s.Violations) > 0 || s.Err != nil {
		xa.t.Fatalf("session %d: %v %q", s.N, s.Err, s.Violations)
	}
	return s
}

// queuedOf lists x's queue as GetAllQueuedTransfers does.
func queuedOf(x *transfers) []cwmp.AllQueuedTransferStruct {
	r, _ := x.handleGetAllQueuedTransfers(context.Background(), &cwmp.GetAllQueuedTransfers{})
	return r.(*cwmp.GetAllQueuedTransfersResponse).TransferList
}

// transferCompleteOf returns the session's one TransferComplete.
func transferCompleteOf(t *testing.T, s *cwmptest.Session) *cwmp.TransferComplete {
	t.Helper()
	if len(s.CPERequests) != 1 {
		t.Fatalf("session %d: %d CPE requests, want the TransferComplete", s.N, len(s.CPERequests))
	}
	tc, ok := s.CPERequests[0].Request.Body.(*cwmp.TransferComplete)
	if !ok {
		t.Fatalf("session %d: CPE sent %s", s.N, s.CPERequests[0].Request.Body.MethodName())
	}
	return tc
}

// TestTransferFirmwareCampaign runs a firmware upgrade through a real
// Agent and the fake ACS, as an ACS's campaign does: Download in one
// session, the reboot, and the TransferComplete in the boot session, whose
// Inform reports the new SoftwareVersion.
func TestTransferFirmwareCampaign(t *testing.T) {
	fs := newFileServer(t, false)
	acs := cwmptest.NewACS()
	t.Cleanup(acs.Close)
	xa := newXferAgent(t, acs, "")
	version := func(s *cwmptest.Session) string {
		for _, p := range s.InformMessage().ParameterList {
			if p.Name == "Device.DeviceInfo.SoftwareVersion" {
				return p.Value
			}
		}
		t.Fatal("the Inform has no SoftwareVersion")
		return ""
	}

	acs.Enqueue(&cwmp.Download{CommandKey: "fw-2.0.0", FileType: cwmp.FileFirmwareImage, URL: fs.URL + "/fw", FileSize: uint32(len(fs.image))})
	s := xa.session()
	if r, ok := s.ResponseTo("Download").(*cwmp.DownloadResponse); !ok || r.Status != 1 {
		t.Fatalf("answer to Download: %#v", s.ResponseTo("Download"))
	}
	xa.x.wg.Wait() // the download, started when the session ended

	s = xa.session()
	want := []cwmp.EventStruct{{EventCode: cwmp.EventBoot}, {EventCode: cwmp.EventTransferComplete}, {EventCode: cwmp.EventMDownload, CommandKey: "fw-2.0.0"}}
	got := s.InformMessage().Event
	for _, e := range want {
		if !slices.Contains(got, e) {
			t.Fatalf("boot Inform events %v, want %v among them", got, want)
		}
	}
	if v := version(s); v != "2.0.0" {
		t.Fatalf("boot Inform reports SoftwareVersion %q, want 2.0.0", v)
	}
	if tc := transferCompleteOf(t, s); tc.CommandKey != "fw-2.0.0" || tc.FaultStruct.FaultCode != 0 || tc.StartTime.IsZero() || tc.CompleteTime.IsZero() {
		t.Fatalf("TransferComplete %+v", tc)
	}

	// Acknowledged: the next session carries neither.
	xa.a.Wake()
	s = xa.session()
	if len(s.CPERequests) != 0 || slices.ContainsFunc(s.InformMessage().Event, func(e cwmp.EventStruct) bool { return e.EventCode == cwmp.EventTransferComplete }) {
		t.Fatalf("session after the acknowledgement: events %v, %d requests", s.InformMessage().Event, len(s.CPERequests))
	}
}

// TestTransferResumedAfterRestart stops an agent in the middle of a
// download and starts it again from its state directory: the download is
// retried after the boot session and reported.
func TestTransferResumedAfterRestart(t *testing.T) {
	fs := newFileServer(t, false)
	acs := cwmptest.NewACS()
	t.Cleanup(acs.Close)
	dir := t.TempDir()
	xa := newXferAgent(t, acs, dir)
	acs.Enqueue(&cwmp.Download{CommandKey: "slow", FileType: cwmp.FileWebContent, URL: fs.URL + "/block"})
	xa.session()
	if q := queuedOf(xa.x); len(q) != 1 || q[0].State != cwmp.TransferInProgress {
		t.Fatalf("queue %+v, want the download in progress", q)
	}
	// Shutdown: the download stops and is saved as in progress.
	xa.x.close()
	if err := xa.a.Save(); err != nil {
		t.Fatal(err)
	}

	xa = newXferAgent(t, acs, dir)
	if q := queuedOf(xa.x); len(q) != 1 || q[0].State != cwmp.TransferNotStarted {
		t.Fatalf("restored queue %+v", q)
	}
	close(fs.gate)
	xa.session() // the boot session; the download resumes at its end
	xa.x.wg.Wait()
	xa.a.Wake()
	tc := transferCompleteOf(t, xa.session())
	if tc.CommandKey != "slow" || tc.FaultStruct.FaultCode != 0 {
		t.Fatalf("TransferComplete %+v, want the resumed download's success", tc)
	}
}
