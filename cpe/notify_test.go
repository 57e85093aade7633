package cpe

import (
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

const description = "Device.DeviceInfo.Description"

// notifyOn asks, through the ACS, for notification n of description and
// sets the active-notification throttle.
func notifyOn(e *agentEnv, a *Agent, n cwmp.Notification, throttle string) {
	e.t.Helper()
	e.acs.Enqueue(
		&cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{{Name: description, NotificationChange: true, Notification: n}}},
		&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.DefaultActiveNotificationThrottle", Value: throttle}}},
	)
	e.session(a)
}

func hasParam(inf *cwmp.Inform, name, value string) bool {
	v, ok := inf.Parameter(name)
	return ok && v == value
}

// TestPassiveNotification: a device change of a passive parameter waits
// for the next Inform, which reports it with 4 VALUE CHANGE, once.
func TestPassiveNotification(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	notifyOn(e, a, cwmp.NotificationPassive, "0")
	if err := a.Set(description, "first"); err != nil {
		t.Fatal(err)
	}
	if err := a.Set(description, "second"); err != nil {
		t.Fatal(err)
	}
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("a passive change made a session due at %v", got)
	}
	a.Wake()
	s := e.session(a)
	wantEvents(t, s, ev(cwmp.EventValueChange))
	if !hasParam(s.InformMessage(), description, "second") {
		t.Errorf("the Inform lacks %s=second: %v", description, s.InformMessage().ParameterList)
	}
	a.Wake()
	s = e.session(a)
	wantEvents(t, s)
	if _, ok := s.InformMessage().Parameter(description); ok {
		t.Error("the change was reported twice")
	}
	// The ACS's own change is not notified.
	e.acs.Enqueue(&cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.ProvisioningCode", Value: "acs"}}})
	a.Wake()
	e.session(a)
	a.Wake()
	wantEvents(t, e.session(a))
}

// TestActiveNotification: a device change of an active parameter asks for
// a session at once, with 4 VALUE CHANGE.
func TestActiveNotification(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	notifyOn(e, a, cwmp.NotificationActive, "0")
	e.clock.advance(time.Minute)
	if err := a.Set(description, "now"); err != nil {
		t.Fatal(err)
	}
	wantDue(t, a, agentT0.Add(time.Minute))
	s := e.session(a)
	wantEvents(t, s, ev(cwmp.EventValueChange))
	if !hasParam(s.InformMessage(), description, "now") {
		t.Errorf("the Inform lacks %s=now", description)
	}
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession after delivery %v", got)
	}
	// A forced-inform parameter with forced active notification
	// (SoftwareVersion) is notified too.
	if err := a.Set("Device.DeviceInfo.SoftwareVersion", "2.0.0"); err != nil {
		t.Fatal(err)
	}
	wantDueNow(t, a, e.clock)
	s = e.session(a)
	wantEvents(t, s, ev(cwmp.EventValueChange))
	if !hasParam(s.InformMessage(), "Device.DeviceInfo.SoftwareVersion", "2.0.0") {
		t.Error("the Inform lacks the new SoftwareVersion")
	}
}

// TestActiveNotificationThrottle: a session for active notifications waits
// DefaultActiveNotificationThrottle after the last successful session; a
// session for another reason does not wait and carries them.
func TestActiveNotificationThrottle(t *testing.T) {
	e := newAgentEnv(t)
	a := e.agent()
	notifyOn(e, a, cwmp.NotificationActive, "60") // ends at agentT0
	e.clock.advance(10 * time.Second)
	if err := a.Set(description, "one"); err != nil {
		t.Fatal(err)
	}
	wantDue(t, a, agentT0.Add(60*time.Second))
	e.clock.set(agentT0.Add(60 * time.Second))
	wantEvents(t, e.session(a), ev(cwmp.EventValueChange))

	// Changes after that wait for 60 s after this session, unless a
	// session happens sooner for another reason.
	e.clock.advance(5 * time.Second)
	if err := a.Set(description, "two"); err != nil {
		t.Fatal(err)
	}
	wantDue(t, a, agentT0.Add(120*time.Second))
	a.addEvent(cwmp.EventConnectionRequest, "")
	a.wake()
	wantDueNow(t, a, e.clock)
	s := e.session(a)
	wantEvents(t, s, ev(cwmp.EventConnectionRequest), ev(cwmp.EventValueChange))
	if !hasParam(s.InformMessage(), description, "two") {
		t.Error("the connection-request session lacks the active change")
	}
	if got := a.NextSession(); !got.IsZero() {
		t.Errorf("NextSession %v, want none", got)
	}
}
