package cpe

import (
	"strconv"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// Notification of value changes (TR-069 A.3.2.4 and 3.2.1). The tree
// records every change the device makes (Set, Agent.Set) to a parameter
// whose Notification attribute is not off; the ACS's own
// SetParameterValues are never recorded. The next Inform reports the
// recorded parameters of Notification 1 (passive) and 2 (active), with
// their values at the time of the Inform, and the event 4 VALUE CHANGE.
// A change to an active parameter also asks for a session, throttled by
// DefaultActiveNotificationThrottle. The changes are forgotten once the
// InformResponse acknowledges the Inform that reported them.
//
// Lightweight notifications (Notification 3 to 6, UDP, TR-069 Annex K)
// are not sent; the passive part of 4 and 6 is reported like 1.

// notifyState is the active-notification state; Agent.mu guards it. None
// of it survives a reboot.
type notifyState struct {
	// activePending says an active change waits for a session; activeAt is
	// when the first one happened.
	activePending bool
	activeAt      time.Time
	// lastSuccess is when the last successful session ended.
	lastSuccess time.Time
}

// onActiveChange is the tree's active-change callback: it runs on the
// goroutine that changed the value, without the tree's lock.
func (a *Agent) onActiveChange(path string, n cwmp.Notification) {
	if n != cwmp.NotificationActive {
		return // active lightweight (5, 6): UDP, not implemented
	}
	a.mu.Lock()
	if !a.notify.activePending {
		a.notify.activePending, a.notify.activeAt = true, a.now()
	}
	a.mu.Unlock()
	a.signal()
}

// activeDueLocked returns when a session for the pending active
// notifications may start, zero when none is pending.
//
// TR-181 DefaultActiveNotificationThrottle: the minimum number of seconds
// between the end of the last successful session, whatever it was for,
// and a session started only to deliver an active notification. Sessions
// started for any other reason (a retry included) are not delayed and
// carry the pending notifications.
func (a *Agent) activeDueLocked() time.Time {
	if !a.notify.activePending {
		return time.Time{}
	}
	due := a.notify.activeAt
	if !a.notify.lastSuccess.IsZero() {
		secs, _ := strconv.ParseUint(a.get0Locked(a.paths.throttle), 10, 32)
		if t := a.notify.lastSuccess.Add(time.Duration(secs) * time.Second); t.After(due) {
			due = t
		}
	}
	return due
}

// informParamsLocked returns the ParameterList of the next Inform
// (TR-069 A.3.3.1): the forced-inform parameters of the model, then each
// parameter changed with passive or active notification, each once, with
// its value now. changes is what to clear once the Inform is acknowledged.
func (a *Agent) informParamsLocked() (list []cwmp.ParameterValueStruct, changes datamodel.Changes) {
	tr := a.tr
	seen := make(map[string]bool)
	add := func(names ...string) {
		for _, name := range names {
			vs, err := tr.GetParameterValues([]string{name})
			if err != nil {
				continue // a table without instances: nothing to report
			}
			for _, v := range vs {
				if !seen[v.Name] {
					seen[v.Name] = true
					list = append(list, v)
				}
			}
		}
	}
	add(a.paths.forced...)
	changes = tr.Changes()
	add(changes.Passive...)
	add(changes.Active...)
	return list, changes
}
