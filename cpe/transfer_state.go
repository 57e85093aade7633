package cpe

import (
	"encoding/json"
	"fmt"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Persistence of the transfer subsystem, and its ends: FactoryReset and
// shutdown.

// transferState is the subsystem's persistent state.
type transferState struct {
	Transfers []*transfer  `json:"transfers,omitempty"`
	Stored    []storedFile `json:"stored,omitempty"`
}

// saveState returns the queue and the record of stored files. Passwords
// are saved with their transfers: a restarted agent needs them to resume,
// as a device keeps them in its flash.
func (t *transfers) saveState() (json.RawMessage, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, err := json.Marshal(transferState{Transfers: t.queue, Stored: t.stored})
	if err != nil {
		return nil, fmt.Errorf("save transfers: %w", err)
	}
	return b, nil
}

// restoreState loads what saveState returned. A transfer that was in
// progress was interrupted by the restart: it is retried from the start
// (the ACS still waits for its TransferComplete), up to maxInterrupts
// times, after which it fails with 9017 (9011 for an upload). Nothing
// starts here, while the Agent is being built (New starts no goroutine):
// register resumes the queue after the first session.
func (t *transfers) restoreState(data json.RawMessage) error {
	if data == nil {
		return nil
	}
	var s transferState
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("restore transfers: %w", err)
	}
	for i, tr := range s.Transfers {
		if tr == nil {
			return fmt.Errorf("restore transfers: transfer %d is null", i)
		}
		switch tr.Method {
		case methodDownload, methodUpload:
		case methodScheduleDownload:
			if len(tr.Windows) == 0 || tr.Window < 0 {
				return fmt.Errorf("restore transfers: ScheduleDownload %q has no time window", tr.CommandKey)
			}
		default:
			return fmt.Errorf("restore transfers: transfer %d: unknown method %q", i, tr.Method)
		}
		if tr.State == cwmp.TransferInProgress {
			tr.Interrupted++
		}
		tr.State = cwmp.TransferNotStarted
		tr.released = true // the session that asked for it ended with the old run
	}
	t.mu.Lock()
	t.queue, t.stored = s.Transfers, s.Stored
	t.restored = len(s.Transfers) > 0
	t.mu.Unlock()
	return nil
}

// factoryReset forgets every transfer, stopping those in progress without
// a TransferComplete, the stored files and the vendor log.
func (t *transfers) factoryReset() {
	t.mu.Lock()
	for _, tr := range t.queue {
		if tr.cancel != nil {
			tr.cancel()
		}
	}
	t.queue, t.stored = nil, nil
	t.rearmLocked(t.h.now())
	t.mu.Unlock()
	t.vlog.reset()
}

// close stops the subsystem when the agent shuts down: the timer, and the
// transfers in progress, which stay in progress in the saved state and are
// retried by the next run. It waits for their goroutines to end.
func (t *transfers) close() {
	t.mu.Lock()
	t.closed = true
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	for _, tr := range t.queue {
		if tr.cancel != nil {
			tr.cancel()
		}
	}
	t.mu.Unlock()
	t.wg.Wait()
}
