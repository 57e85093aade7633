package cpe

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/cwmp/cwmptest"
)

// TestRetryInterval checks the bounds of TR-069 3.2.1.1 Table 3 with the
// factory values (m=5, k=2000) and with others, for Rand at 0 and at 1.
func TestRetryInterval(t *testing.T) {
	for n := uint32(1); n <= 12; n++ {
		e := min(n, 10)
		lo := time.Duration(5<<(e-1)) * time.Second
		if got := retryInterval(n, 5, 2000, 0); got != lo {
			t.Errorf("retry %d, Rand 0: %v, want %v", n, got, lo)
		}
		if got := retryInterval(n, 5, 2000, 1); got != 2*lo {
			t.Errorf("retry %d, Rand 1: %v, want %v", n, got, 2*lo)
		}
		if got := retryInterval(n, 5, 2000, 0.5); got != lo+lo/2 {
			t.Errorf("retry %d, Rand 0.5: %v, want %v", n, got, lo+lo/2)
		}
	}
	// m=10, k=1500: [10·1.5^(n-1), 10·1.5^n].
	for _, c := range []struct {
		n      uint32
		lo, hi time.Duration
	}{
		{1, 10 * time.Second, 15 * time.Second},
		{2, 15 * time.Second, 22500 * time.Millisecond},
		{3, 22500 * time.Millisecond, 33750 * time.Millisecond},
	} {
		if got := retryInterval(c.n, 10, 1500, 0); got != c.lo {
			t.Errorf("m=10 k=1500 retry %d min %v, want %v", c.n, got, c.lo)
		}
		if got := retryInterval(c.n, 10, 1500, 1); got != c.hi {
			t.Errorf("m=10 k=1500 retry %d max %v, want %v", c.n, got, c.hi)
		}
	}
	// k=1000 does not grow; the largest values do not overflow.
	if got := retryInterval(7, 30, 1000, 1); got != 30*time.Second {
		t.Errorf("k=1000: %v", got)
	}
	if got := retryInterval(10, 65535, 65535, 1); got <= 0 {
		t.Errorf("m=k=65535: %v", got)
	}
}

// TestRetrySchedule fails sessions with an 8005 fault to the Inform and
// checks the retry times, the RetryCount and that the events stay.
func TestRetrySchedule(t *testing.T) {
	for _, r := range []float64{0, 1} {
		acs := cwmptest.NewUnstartedACS()
		var fail atomic.Int32
		fail.Store(11)
		acs.OnInform = func(*cwmp.Envelope) *cwmp.Fault {
			if fail.Add(-1) >= 0 {
				return cwmp.NewFault(cwmp.FaultACSRetryRequest, "")
			}
			return nil
		}
		acs.Start()
		e := newAgentEnvACS(t, acs)
		a := e.agent(func(c *Config) { c.Rand = func() float64 { return r } })
		for n := uint32(1); n <= 11; n++ {
			if err := a.Session(context.Background()); err == nil {
				t.Fatalf("Rand %v: session %d succeeded", r, n)
			}
			s := e.last()
			if got := s.InformMessage().RetryCount; got != n-1 {
				t.Errorf("Rand %v: Inform %d has RetryCount %d, want %d", r, n, got, n-1)
			}
			wantEvents(t, s, ev(cwmp.EventBootstrap), ev(cwmp.EventBoot))
			if a.RetryCount() != n {
				t.Errorf("RetryCount() %d, want %d", a.RetryCount(), n)
			}
			lo := time.Duration(5<<(min(n, 10)-1)) * time.Second
			want := e.clock.Now().Add(lo + time.Duration(r*float64(lo)))
			wantDue(t, a, want)
			e.clock.set(want)
		}
		// The ACS stops failing: RetryCount 11 once, then 0.
		s := e.session(a)
		if got := s.InformMessage().RetryCount; got != 11 {
			t.Errorf("RetryCount of the successful Inform %d, want 11", got)
		}
		if a.RetryCount() != 0 || !a.NextSession().IsZero() {
			t.Errorf("after success: RetryCount %d, NextSession %v", a.RetryCount(), a.NextSession())
		}
		a.Wake()
		s = e.session(a)
		if got := s.InformMessage().RetryCount; got != 0 {
			t.Errorf("RetryCount after a success %d", got)
		}
		wantEvents(t, s)
	}
}

// TestRetryUsesTreeParameters checks that the ACS's
// CWMPRetryMinimumWaitInterval and CWMPRetryIntervalMultiplier apply, and
// that a wake does not wait for the back-off.
func TestRetryUsesTreeParameters(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.acs.Enqueue(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.CWMPRetryMinimumWaitInterval", Value: "60"},
		{Name: "Device.ManagementServer.CWMPRetryIntervalMultiplier", Value: "3000"},
	}})
	e.session(a)
	e.acs.Close()
	for n, want := range []time.Duration{60 * time.Second, 180 * time.Second, 540 * time.Second} {
		if err := a.Session(context.Background()); err == nil {
			t.Fatal("a session with a closed ACS succeeded")
		}
		wantDue(t, a, e.clock.Now().Add(want))
		if n == 1 {
			a.Wake()
			wantDueNow(t, a, e.clock)
		}
	}
}

// TestScheduleInform checks ScheduleInform: each request its own Inform at
// its own time, with 3 SCHEDULED and M ScheduleInform.
func TestScheduleInform(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	e.acs.Enqueue(
		&cwmp.ScheduleInform{DelaySeconds: 120, CommandKey: "s2"},
		&cwmp.ScheduleInform{DelaySeconds: 60, CommandKey: "s1"},
	)
	e.session(a)
	wantDue(t, a, agentT0.Add(60*time.Second))

	// A session before the time does not carry it.
	e.clock.advance(30 * time.Second)
	a.Wake()
	wantEvents(t, e.session(a))
	wantDue(t, a, agentT0.Add(60*time.Second))

	e.clock.set(agentT0.Add(60 * time.Second))
	wantEvents(t, e.session(a), ev(cwmp.EventScheduled), ev(cwmp.EventMScheduleInform, "s1"))
	wantDue(t, a, agentT0.Add(120*time.Second))

	// Both due at once: one Inform, one M ScheduleInform each.
	e.acs.Enqueue(&cwmp.ScheduleInform{DelaySeconds: 30, CommandKey: "s3"})
	a.Wake()
	e.session(a)
	e.clock.set(agentT0.Add(200 * time.Second))
	wantEvents(t, e.session(a), ev(cwmp.EventScheduled), ev(cwmp.EventMScheduleInform, "s2"), ev(cwmp.EventMScheduleInform, "s3"))
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession %v, want none", got)
	}
}

// TestPeriodicInform checks periodic informs without and with a phase.
func TestPeriodicInform(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent(func(c *Config) { c.PeriodicInformInterval = time.Hour })
	if got := treeGet(t, a, "Device.ManagementServer.PeriodicInformEnable"); got != "true" {
		t.Fatalf("PeriodicInformEnable %q", got)
	}
	e.session(a)
	// No phase (Unknown Time): one interval after the agent computed it.
	wantDue(t, a, agentT0.Add(time.Hour))
	e.clock.set(agentT0.Add(time.Hour))
	wantEvents(t, e.session(a), ev(cwmp.EventPeriodic))
	wantDue(t, a, agentT0.Add(2*time.Hour))
	// A late session keeps the phase.
	e.clock.set(agentT0.Add(2*time.Hour + 10*time.Minute))
	wantEvents(t, e.session(a), ev(cwmp.EventPeriodic))
	wantDue(t, a, agentT0.Add(3*time.Hour))

	// A phase in the past: PeriodicInformTime + k·interval.
	e.clock.set(agentT0)
	if err := a.Set("Device.ManagementServer.PeriodicInformTime", "2020-01-01T00:15:00Z"); err != nil {
		t.Fatal(err)
	}
	wantDue(t, a, agentT0.Add(15*time.Minute))
	e.clock.set(agentT0.Add(15 * time.Minute))
	wantEvents(t, e.session(a), ev(cwmp.EventPeriodic))
	wantDue(t, a, agentT0.Add(75*time.Minute))

	// A phase in the future works the same way.
	e.acs.Enqueue(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.PeriodicInformTime", Value: "2031-07-01T00:00:40Z"},
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600"},
	}})
	a.Wake()
	e.session(a)
	wantDue(t, a, agentT0.Add(20*time.Minute+40*time.Second))

	// Disabled: nothing scheduled.
	if err := a.Set("Device.ManagementServer.PeriodicInformEnable", "false"); err != nil {
		t.Fatal(err)
	}
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession with periodic informs off: %v", got)
	}
}

func TestNextPhase(t *testing.T) {
	phase := time.Date(2000, 1, 1, 0, 0, 30, 0, time.UTC)
	for _, c := range []struct {
		t, want time.Time
	}{
		{time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC)},
		{time.Date(2026, 1, 1, 10, 0, 30, 0, time.UTC), time.Date(2026, 1, 1, 10, 1, 30, 0, time.UTC)},
		{time.Date(2026, 1, 1, 10, 0, 30, 1, time.UTC), time.Date(2026, 1, 1, 10, 1, 30, 0, time.UTC)},
		{time.Date(1990, 1, 1, 10, 0, 0, 0, time.UTC), time.Date(1990, 1, 1, 10, 0, 30, 0, time.UTC)},
		{time.Date(1990, 1, 1, 10, 0, 30, 0, time.UTC), time.Date(1990, 1, 1, 10, 1, 30, 0, time.UTC)},
	} {
		if got := nextPhase(phase, 60, c.t); !got.Equal(c.want) {
			t.Errorf("nextPhase(%v) = %v, want %v", c.t, got, c.want)
		}
	}
	// A phase centuries away does not overflow.
	far := time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	if got := nextPhase(far, 86400, now); !got.Equal(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("far phase: %v", got)
	}
}

// TestOnWake checks that a scheduler without Run hears of what makes a
// session due, and may ask NextSession from the callback.
func TestOnWake(t *testing.T) {
	e := newAgentEnv(t)
	var calls atomic.Int32
	var due atomic.Value
	a := e.agent(func(c *Config) {
		c.OnWake = func(a *Agent) {
			calls.Add(1)
			due.Store(a.NextSession())
		}
	})
	e.session(a)
	a.Wake()
	if calls.Load() != 1 || !due.Load().(time.Time).Equal(agentT0) {
		t.Errorf("after Wake: %d calls, due %v", calls.Load(), due.Load())
	}
	e.session(a)
	var h host = a
	h.wakeAt(agentT0.Add(time.Minute))
	if calls.Load() != 2 || !due.Load().(time.Time).Equal(agentT0.Add(time.Minute)) {
		t.Errorf("after wakeAt: %d calls, due %v", calls.Load(), due.Load())
	}
	notifyOn(e, a, cwmp.NotificationActive, "0")
	n := calls.Load()
	if err := a.Set(description, "x"); err != nil {
		t.Fatal(err)
	}
	if calls.Load() <= n {
		t.Error("an active change did not call OnWake")
	}
}
