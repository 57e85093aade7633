package cpe

import (
	"slices"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Events of the Inform (TR-069 3.7.1.5, Event Code Requirements, and the
// cumulative behaviour of Table 7).
//
// An event stays pending until the response that completes it arrives:
//
//   - most events are completed by the InformResponse of the Inform that
//     carried them;
//   - an event announcing a request of the CPE is completed by that
//     request's response: 7 TRANSFER COMPLETE and M Download, M Upload,
//     M ScheduleDownload by TransferCompleteResponse (the M event by the one
//     with its CommandKey); 10 AUTONOMOUS TRANSFER COMPLETE by
//     AutonomousTransferCompleteResponse; 11 DU STATE CHANGE COMPLETE and
//     M ChangeDUState by DUStateChangeCompleteResponse; 12 AUTONOMOUS DU
//     STATE CHANGE COMPLETE by AutonomousDUStateChangeCompleteResponse;
//     9 REQUEST DOWNLOAD by RequestDownloadResponse; 5 KICKED by
//     KickedResponse. Until then every Inform carries it again.
//
// A failed session completes nothing: the events are retried. A reboot
// (Reboot, a firmware installation, New on a saved state) discards the
// events whose retry policy ends at a reboot, because the boot Inform makes
// them moot or because what they report did not survive the restart
// (dropOnReboot); everything else, 0 BOOTSTRAP above all, is kept until
// delivered.
//
// Table 7 says whether several events of one code may be in an Inform
// (cwmp.EventCode.Multiple): a "Single" code is pending at most once, a
// "Multiple" one once per CommandKey.

// maxInformEvents is the length limit of the Inform's Event array
// (EventList in cwmp-1-2.xsd); more pending events wait for the next
// session.
const maxInformEvents = 64

// event is one pending event.
type event struct {
	code cwmp.EventCode
	key  string
	// sent marks an event the Inform of the session in progress carries;
	// only those are completed by its InformResponse.
	sent bool
}

// dropOnReboot reports whether a pending event is discarded by a reboot
// (TR-069 3.7.1.5):
//
//   - 1 BOOT: the new boot's own 1 BOOT replaces it;
//   - 4 VALUE CHANGE: the values were re-read at boot and the boot Inform
//     carries the forced-inform ones; the recorded changes go too;
//   - 6 CONNECTION REQUEST: the ACS's request was for a session then, not
//     after a restart; it is retried across failed sessions, not reboots;
//   - 8 DIAGNOSTICS COMPLETE: the results of a diagnostic do not survive
//     the restart;
//   - 13 WAKEUP and 14 HEARTBEAT: they report the moment, not a result.
//
// Everything else survives, including vendor events, which the agent cannot
// know to be disposable.
func dropOnReboot(code cwmp.EventCode) bool {
	switch code {
	case cwmp.EventBoot, cwmp.EventValueChange, cwmp.EventConnectionRequest,
		cwmp.EventDiagnosticsComplete, cwmp.EventWakeup, cwmp.EventHeartbeat:
		return true
	}
	return false
}

// requestEvent returns the event code that announces a request of the CPE
// (TR-069 Table 7), "" for GetRPCMethods and vendor methods.
func requestEvent(req cwmp.ACSRequest) cwmp.EventCode {
	switch req.(type) {
	case *cwmp.TransferComplete:
		return cwmp.EventTransferComplete
	case *cwmp.AutonomousTransferComplete:
		return cwmp.EventAutonomousTransferComplete
	case *cwmp.DUStateChangeComplete:
		return cwmp.EventDUStateChangeComplete
	case *cwmp.AutonomousDUStateChangeComplete:
		return cwmp.EventAutonomousDUStateChangeComplete
	case *cwmp.RequestDownload:
		return cwmp.EventRequestDownload
	case *cwmp.Kicked:
		return cwmp.EventKicked
	}
	return ""
}

// requestCompletes reports whether req, once acknowledged, completes event e:
// whether e is tied to req (see the top of this file).
func requestCompletes(req cwmp.ACSRequest, e event) bool {
	switch r := req.(type) {
	case *cwmp.TransferComplete:
		switch e.code {
		case cwmp.EventTransferComplete:
			return true
		case cwmp.EventMDownload, cwmp.EventMScheduleDownload, cwmp.EventMUpload:
			return e.key == r.CommandKey
		}
	case *cwmp.DUStateChangeComplete:
		switch e.code {
		case cwmp.EventDUStateChangeComplete:
			return true
		case cwmp.EventMChangeDUState:
			return e.key == r.CommandKey
		}
	default:
		return e.code != "" && e.code == requestEvent(req)
	}
	return false
}

// tiedToRequest reports whether e is completed by a request's response
// rather than by the InformResponse.
func tiedToRequest(code cwmp.EventCode) bool {
	switch code {
	case cwmp.EventTransferComplete, cwmp.EventMDownload, cwmp.EventMScheduleDownload, cwmp.EventMUpload,
		cwmp.EventDUStateChangeComplete, cwmp.EventMChangeDUState,
		cwmp.EventAutonomousTransferComplete, cwmp.EventAutonomousDUStateChangeComplete,
		cwmp.EventRequestDownload, cwmp.EventKicked:
		return true
	}
	return false
}

// addEventLocked records an event with Table 7's cumulative behaviour. An
// event already carried by the Inform in flight does not count: the
// InformResponse completes that one, and the new occurrence needs the
// next Inform.
func (a *Agent) addEventLocked(code cwmp.EventCode, key string) {
	multiple := code.Multiple()
	for i, e := range a.events {
		if e.sent || e.code != code {
			continue
		}
		if !multiple {
			a.events[i].key = key // a Single event reports the latest occurrence
			return
		}
		if e.key == key {
			return
		}
	}
	a.events = append(a.events, event{code: code, key: key})
}

// informEventsLocked returns the events of the next Inform, each once, at
// most maxInformEvents-reserve, and marks them sent.
func (a *Agent) informEventsLocked(reserve int) []cwmp.EventStruct {
	out := make([]cwmp.EventStruct, 0, len(a.events)+reserve)
	for i, e := range a.events {
		if len(out) == maxInformEvents-reserve {
			break
		}
		a.events[i].sent = true
		if !hasEvent(out, e) {
			out = append(out, cwmp.EventStruct{EventCode: e.code, CommandKey: e.key})
		}
	}
	return out
}

// hasEvent reports whether list already carries e: the same code for a
// Single code, the same code and CommandKey for a Multiple one.
func hasEvent(list []cwmp.EventStruct, e event) bool {
	multiple := e.code.Multiple()
	for _, x := range list {
		if x.EventCode == e.code && (!multiple || x.CommandKey == e.key) {
			return true
		}
	}
	return false
}

// informDeliveredLocked completes the events the acknowledged Inform
// carried, except those tied to a request still queued.
func (a *Agent) informDeliveredLocked() {
	a.events = deleteEvents(a.events, func(e event) bool {
		return e.sent && !(tiedToRequest(e.code) && a.queuedForLocked(e))
	})
}

// queuedForLocked reports whether a queued request completes e.
func (a *Agent) queuedForLocked(e event) bool {
	for _, r := range a.reqs {
		if requestCompletes(r, e) {
			return true
		}
	}
	return false
}

// requestDeliveredLocked removes an acknowledged request from the queue
// and completes the events it was the last to be tied to. Only events the
// session's Inform carried are completed: one added since announces a
// request the ACS has not heard of.
func (a *Agent) requestDeliveredLocked(req cwmp.ACSRequest) {
	for i, r := range a.reqs {
		if r == req { // requests are pointers: identity
			a.reqs = slices.Delete(a.reqs, i, i+1)
			break
		}
	}
	if len(a.reqs) == 0 {
		a.reqs = nil // an idle agent holds no array
	}
	a.events = deleteEvents(a.events, func(e event) bool {
		return e.sent && requestCompletes(req, e) && !a.queuedForLocked(e)
	})
}

// dropOnRebootLocked discards the events a reboot ends.
func (a *Agent) dropOnRebootLocked() {
	a.events = deleteEvents(a.events, func(e event) bool { return dropOnReboot(e.code) })
}

// endEventsLocked ends the session's hold on the events: those left are
// pending for the next Inform.
func (a *Agent) endEventsLocked() {
	for i := range a.events {
		a.events[i].sent = false
	}
}

// deleteEvents removes the events del selects, in place.
func deleteEvents(es []event, del func(event) bool) []event {
	out := es[:0]
	for _, e := range es {
		if !del(e) {
			out = append(out, e)
		}
	}
	clear(es[len(out):])
	if len(out) == 0 {
		return nil // an idle agent holds no array
	}
	return out
}

// Events returns the events the next Inform will carry (besides
// 4 VALUE CHANGE, which is added when the Inform reports changed
// parameters, and the events of the schedules that come due).
func (a *Agent) Events() []cwmp.EventStruct {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]cwmp.EventStruct, 0, len(a.events))
	for _, e := range a.events {
		if !hasEvent(out, e) {
			out = append(out, cwmp.EventStruct{EventCode: e.code, CommandKey: e.key})
		}
	}
	return out
}

// Queued returns the requests of the CPE waiting for the ACS's response.
func (a *Agent) Queued() []cwmp.ACSRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]cwmp.ACSRequest(nil), a.reqs...)
}
