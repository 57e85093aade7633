package cpe

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

// TestEventRules checks Table 7's cumulative behaviour: a Single code once,
// a Multiple one once per CommandKey.
func TestEventRules(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.session(a)
	for _, x := range []cwmp.EventStruct{
		ev(cwmp.EventConnectionRequest), ev(cwmp.EventConnectionRequest),
		ev(cwmp.EventMDownload, "a"), ev(cwmp.EventMDownload, "b"), ev(cwmp.EventMDownload, "a"),
		ev(cwmp.EventTransferComplete), ev(cwmp.EventTransferComplete),
		ev("X 00D09E Vendor", "1"), ev("X 00D09E Vendor", "2"),
	} {
		a.addEvent(x.EventCode, x.CommandKey)
	}
	want := []cwmp.EventStruct{ev(cwmp.EventConnectionRequest), ev(cwmp.EventMDownload, "a"), ev(cwmp.EventMDownload, "b"),
		ev(cwmp.EventTransferComplete), ev("X 00D09E Vendor", "1"), ev("X 00D09E Vendor", "2")}
	if got := a.Events(); !slices.Equal(got, want) {
		t.Errorf("Events %v, want %v", got, want)
	}
	// No request completes the tied ones: the InformResponse does.
	a.Wake()
	wantEvents(t, e.session(a), want...)
	if got := a.Events(); len(got) != 0 {
		t.Errorf("pending after the session: %v", got)
	}
}

// TestEventsSurviveRestart fails a session, restarts the agent on its state
// directory, and checks which events, requests and schedules survive.
func TestEventsSurviveRestart(t *testing.T) {
	acs := cwmptest.NewUnstartedACS()
	var failing atomic.Bool
	failing.Store(true)
	acs.OnInform = func(*cwmp.Envelope) *cwmp.Fault {
		if failing.Load() {
			return cwmp.NewFault(cwmp.FaultACSRetryRequest, "")
		}
		return nil
	}
	acs.Start()
	e := newAgentEnvACS(t, acs)
	dir := t.TempDir()
	stateDir := func(c *Config) { c.StateDir = dir }
	a := e.agent(stateDir)

	// Events of each kind, a passive change, queued requests and a
	// scheduled inform.
	if err := a.Tree().SetParameterAttributes([]cwmp.SetParameterAttributesStruct{
		{Name: "Device.DeviceInfo.Description", NotificationChange: true, Notification: cwmp.NotificationPassive}}); err != nil {
		t.Fatal(err)
	}
	if err := a.Set("Device.DeviceInfo.Description", "changed"); err != nil {
		t.Fatal(err)
	}
	a.addEvent(cwmp.EventConnectionRequest, "")
	a.addEvent(cwmp.EventDiagnosticsComplete, "")
	tc := &cwmp.TransferComplete{CommandKey: "dl-1", StartTime: agentT0, CompleteTime: agentT0.Add(time.Minute)}
	a.queueRequest(tc)
	a.addEvent(cwmp.EventMDownload, "dl-1")
	if err := a.Send(&cwmp.RequestDownload{FileType: cwmp.FileFirmwareImage, FileTypeArg: []cwmp.ArgStruct{{Name: "Version", Value: "2"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.scheduleInform(&cwmp.ScheduleInform{DelaySeconds: 3600, CommandKey: "later"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Session(context.Background()); err == nil {
		t.Fatal("the session succeeded")
	}
	// A bootstrap Inform lists the changed parameter but carries no
	// 4 VALUE CHANGE: the ACS knew no earlier value.
	wantEvents(t, e.last(), ev(cwmp.EventBootstrap), ev(cwmp.EventBoot), ev(cwmp.EventConnectionRequest),
		ev(cwmp.EventDiagnosticsComplete), ev(cwmp.EventTransferComplete), ev(cwmp.EventMDownload, "dl-1"),
		ev(cwmp.EventRequestDownload))
	if _, ok := e.last().InformMessage().Parameter("Device.DeviceInfo.Description"); !ok {
		t.Error("the bootstrap Inform does not list the changed parameter")
	}

	// The restart is a boot: 1 BOOT again; 6, 8 and the change are gone;
	// the bootstrap, the transfer and the request stay.
	b := e.agent(stateDir)
	want := []cwmp.EventStruct{ev(cwmp.EventBootstrap), ev(cwmp.EventTransferComplete), ev(cwmp.EventMDownload, "dl-1"),
		ev(cwmp.EventRequestDownload), ev(cwmp.EventBoot)}
	if got := b.Events(); !slices.Equal(got, want) {
		t.Errorf("events after the restart %v, want %v", got, want)
	}
	q := b.Queued()
	if len(q) != 2 {
		t.Fatalf("queued after the restart: %v", q)
	}
	if got, ok := q[0].(*cwmp.TransferComplete); !ok || got.CommandKey != "dl-1" || !got.CompleteTime.Equal(tc.CompleteTime) {
		t.Errorf("restored TransferComplete %#v", q[0])
	}
	if got, ok := q[1].(*cwmp.RequestDownload); !ok || len(got.FileTypeArg) != 1 || got.FileTypeArg[0].Value != "2" {
		t.Errorf("restored RequestDownload %#v", q[1])
	}
	if b.RetryCount() != 1 {
		t.Errorf("RetryCount after the restart %d, want 1", b.RetryCount())
	}
	if got := treeGet(t, b, "Device.DeviceInfo.Description"); got != "changed" {
		t.Errorf("Description after the restart %q", got)
	}
	if !b.Tree().Changes().Empty() {
		t.Errorf("changes survived the reboot: %+v", b.Tree().Changes())
	}
	wantDueNow(t, b, e.clock)

	failing.Store(false)
	s := e.session(b)
	wantEvents(t, s, want...)
	if got := s.InformMessage().RetryCount; got != 1 {
		t.Errorf("RetryCount %d, want 1", got)
	}
	if len(s.CPERequests) != 2 {
		t.Errorf("%d CPE requests sent, want 2", len(s.CPERequests))
	}
	if _, ok := s.InformMessage().Parameter("Device.DeviceInfo.Description"); ok {
		t.Error("the boot Inform reports the change made before the reboot")
	}
	if len(b.Events()) != 0 || len(b.Queued()) != 0 {
		t.Errorf("after delivery: events %v, queued %v", b.Events(), b.Queued())
	}
	// The scheduled inform survived too.
	wantDue(t, b, agentT0.Add(time.Hour))

	// And the delivered state is what the next start finds.
	c := e.agent(stateDir)
	if got := c.Events(); !slices.Equal(got, []cwmp.EventStruct{ev(cwmp.EventBoot)}) {
		t.Errorf("events after a second restart %v, want 1 BOOT alone", got)
	}
}

// TestTransferCompleteKept checks that a TransferComplete and its events
// stay until the ACS acknowledges it: across a fault answer, a failed
// session and a session that holds requests.
func TestTransferCompleteKept(t *testing.T) {
	acs := cwmptest.NewUnstartedACS()
	mux := cwmptest.NewACSMux()
	var refuse, failInform atomic.Bool
	mux.HandleFunc("TransferComplete", func(context.Context, cwmp.Message) (cwmp.Message, error) {
		if refuse.Load() {
			return nil, cwmp.NewFault(cwmp.FaultACSInternalError, "try later")
		}
		return &cwmp.TransferCompleteResponse{}, nil
	})
	acs.Handler = mux
	acs.OnInform = func(*cwmp.Envelope) *cwmp.Fault {
		if failInform.Load() {
			return cwmp.NewFault(cwmp.FaultACSRetryRequest, "")
		}
		return nil
	}
	acs.Start()
	e := newAgentEnvACS(t, acs)
	proxy := newACSProxy(t, acs.URL)
	a := e.agent(func(c *Config) { c.ACSURL = proxy.url() })
	e.session(a)

	a.queueRequest(&cwmp.TransferComplete{CommandKey: "k", StartTime: agentT0, CompleteTime: agentT0})
	a.addEvent(cwmp.EventMDownload, "k")
	a.wake()
	tcEvents := []cwmp.EventStruct{ev(cwmp.EventTransferComplete), ev(cwmp.EventMDownload, "k")}

	// 1. The ACS answers with a fault: kept.
	refuse.Store(true)
	s := e.session(a)
	wantEvents(t, s, tcEvents...)
	if len(s.CPERequests) != 1 || s.CPERequests[0].Fault() == nil {
		t.Fatalf("CPE requests %+v", s.CPERequests)
	}
	// 2. The session fails before the request is sent: kept.
	failInform.Store(true)
	if err := a.Session(context.Background()); err == nil {
		t.Fatal("session succeeded")
	}
	wantEvents(t, e.last(), tcEvents...)
	failInform.Store(false)
	// 3. The ACS holds requests: not sent, kept.
	refuse.Store(false)
	proxy.hold.Store(true)
	s = e.session(a)
	wantEvents(t, s, tcEvents...)
	if len(s.CPERequests) != 0 {
		t.Errorf("%d requests sent while the ACS held them", len(s.CPERequests))
	}
	if len(a.Queued()) != 1 || !slices.Equal(a.Events(), tcEvents) {
		t.Errorf("after the held session: queued %v, events %v", a.Queued(), a.Events())
	}
	// 4. Delivered.
	proxy.hold.Store(false)
	a.Wake()
	s = e.session(a)
	wantEvents(t, s, tcEvents...)
	if len(s.CPERequests) != 1 || s.CPERequests[0].Fault() != nil {
		t.Fatalf("CPE requests %+v", s.CPERequests)
	}
	if len(a.Queued()) != 0 || len(a.Events()) != 0 {
		t.Errorf("after the acknowledgement: queued %v, events %v", a.Queued(), a.Events())
	}
	a.Wake()
	wantEvents(t, e.session(a))
}

// TestTiedEventsByCommandKey checks that an M Download leaves with the
// TransferComplete of its own CommandKey, and 7 TRANSFER COMPLETE with the
// last one.
func TestTiedEventsByCommandKey(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	a.mu.Lock()
	a.events = nil
	tc1 := &cwmp.TransferComplete{CommandKey: "one"}
	tc2 := &cwmp.TransferComplete{CommandKey: "two"}
	a.reqs = []cwmp.ACSRequest{tc1, tc2}
	for _, x := range []cwmp.EventStruct{ev(cwmp.EventTransferComplete), ev(cwmp.EventMDownload, "one"), ev(cwmp.EventMUpload, "two"), ev(cwmp.EventPeriodic)} {
		a.addEventLocked(x.EventCode, x.CommandKey)
	}
	a.informEventsLocked(0)
	a.informDeliveredLocked()
	got := slices.Clone(a.events)
	a.requestDeliveredLocked(tc1)
	afterOne := slices.Clone(a.events)
	a.requestDeliveredLocked(tc2)
	afterTwo := a.events
	a.mu.Unlock()
	if len(got) != 3 {
		t.Errorf("after the InformResponse %v, want the three tied events", got)
	}
	if len(afterOne) != 2 || afterOne[0].code != cwmp.EventTransferComplete || afterOne[1].key != "two" {
		t.Errorf("after TransferComplete one: %v", afterOne)
	}
	if len(afterTwo) != 0 {
		t.Errorf("after TransferComplete two: %v", afterTwo)
	}
}

func TestDropOnReboot(t *testing.T) {
	for code, drop := range map[cwmp.EventCode]bool{
		cwmp.EventBootstrap: false, cwmp.EventBoot: true, cwmp.EventPeriodic: false, cwmp.EventScheduled: false,
		cwmp.EventValueChange: true, cwmp.EventKicked: false, cwmp.EventConnectionRequest: true,
		cwmp.EventTransferComplete: false, cwmp.EventDiagnosticsComplete: true, cwmp.EventRequestDownload: false,
		cwmp.EventAutonomousTransferComplete: false, cwmp.EventDUStateChangeComplete: false,
		cwmp.EventAutonomousDUStateChangeComplete: false, cwmp.EventWakeup: true, cwmp.EventHeartbeat: true,
		cwmp.EventMReboot: false, cwmp.EventMScheduleInform: false, cwmp.EventMDownload: false,
		cwmp.EventMScheduleDownload: false, cwmp.EventMUpload: false, cwmp.EventMChangeDUState: false,
		"X 00D09E Vendor": false,
	} {
		if dropOnReboot(code) != drop {
			t.Errorf("dropOnReboot(%q) = %v, want %v", code, !drop, drop)
		}
	}
}

// TestEventDuringSession checks that an event added while a session is in
// progress is not completed by that session's InformResponse.
func TestEventDuringSession(t *testing.T) {
	acs := cwmptest.NewUnstartedACS()
	var a *Agent
	var once atomic.Bool
	inner := cwmptest.NewACSMux()
	acs.Handler = cwmp.HandlerFunc(func(ctx context.Context, req cwmp.Message) (cwmp.Message, error) {
		if req.MethodName() == "Inform" && once.CompareAndSwap(false, true) {
			// A connection request arrives while the Inform is on its way.
			a.addEvent(cwmp.EventConnectionRequest, "")
			a.wake()
		}
		return inner.ServeCWMP(ctx, req)
	})
	acs.Start()
	e := newAgentEnvACS(t, acs)
	a = e.agent()
	a.addEvent(cwmp.EventConnectionRequest, "")
	wantEvents(t, e.session(a), ev(cwmp.EventBootstrap), ev(cwmp.EventBoot), ev(cwmp.EventConnectionRequest))
	wantDueNow(t, a, e.clock)
	wantEvents(t, e.session(a), ev(cwmp.EventConnectionRequest))
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession %v", got)
	}
}
