package cpe

import (
	"crypto/tls"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// Clock is the agent's source of time, so tests can drive the retry and
// periodic-inform schedules without waiting.
type Clock interface {
	Now() time.Time
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// host is what the agent's subsystems (transfers, software modules,
// connection requests, notifications) need from the Agent. It exists so each
// subsystem can be written and tested on its own, with a fake host.
//
// Lock order: a subsystem may call host methods while holding its own lock;
// the Agent never calls into a subsystem while holding the agent lock.
type host interface {
	// tree is the device's parameter tree.
	tree() *datamodel.Tree
	// now is the agent's clock.
	now() time.Time
	// log is the agent's logger.
	log() *slog.Logger
	// addEvent records an event for the next Inform, with TR-069's single
	// and multiple rules and its persistence (the agent knows which codes
	// survive a reboot and which are kept until acknowledged).
	addEvent(code cwmp.EventCode, commandKey string)
	// queueRequest queues a CPE-initiated request (TransferComplete,
	// DUStateChangeComplete, their autonomous forms, RequestDownload,
	// Kicked) for the next session, together with its event code and the
	// method events given (M Download with its CommandKey, ...), all under
	// one lock so no session can see the request without its events. It is
	// persisted and kept until the ACS acknowledges it with the matching
	// response; a fault answer keeps it queued.
	queueRequest(req cwmp.ACSRequest, events ...cwmp.EventStruct)
	// wake asks for a session as soon as possible (a transfer finished, a
	// connection request arrived, an active notification is due).
	wake()
	// wakeAt asks for a session no later than t (scheduled informs,
	// transfer windows).
	wakeAt(t time.Time)
	// afterSession runs f once the current session has ended (Reboot and
	// Download take effect only after the session that requested them, as
	// TR-069 requires); with no session in progress, f runs at once.
	afterSession(f func())
	// reboot simulates a reboot: the agent saves its state, drops the
	// events that do not survive a reboot, adds 1 BOOT (and M Reboot with
	// commandKey when the ACS asked for it, i.e. commandKey != nil), and
	// starts a session.
	reboot(commandKey *string)
	// changed tells the agent that subsystem state changed and must be
	// persisted.
	changed()
}

// subsystem is a part of the agent with its own CPE methods and persistent
// state.
type subsystem interface {
	// register adds the subsystem's CPE method handlers to mux.
	register(mux *cwmp.ServeMux)
	// saveState returns the subsystem's persistent state; restoreState
	// reads what saveState returned in an earlier run (nil when there was
	// none).
	saveState() (json.RawMessage, error)
	restoreState(data json.RawMessage) error
	// factoryReset forgets everything (FactoryReset).
	factoryReset()
}

// Optional subsystem methods, called by the Agent when a subsystem has them.
type (
	// resumer restarts work restored from saved state (queued transfers,
	// pending software operations) once the agent runs its first session.
	resumer interface{ resume() }
	// closer stops a subsystem's goroutines at shutdown, leaving unfinished
	// work saved so the next run resumes it.
	closer interface{ close() }
	// halter stops work in progress that writes into the tree before a
	// FactoryReset replaces it, and waits for it to stop; factoryReset
	// follows, once the new tree is in place.
	halter interface{ halt() }
	// tlsUser fetches files over HTTPS and takes the agent's TLS settings
	// (custom CA), so file servers are checked like the ACS.
	tlsUser interface{ useTLS(*tls.Config) }
)
