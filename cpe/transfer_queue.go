package cpe

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// The transfer queue: when transfers start, how their attempts end, and
// how they are reported (see transfer.go for the life of a transfer).

// enqueue adds a checked transfer to the queue, to start once the current
// session has ended. A full queue is fault 9004 (A.3.2.8: a CPE that
// cannot queue another transfer answers resources exceeded).
func (t *transfers) enqueue(tr *transfer) error {
	tr.State = cwmp.TransferNotStarted
	t.mu.Lock()
	if n := len(t.queue); n >= t.cfg.maxQueued {
		t.mu.Unlock()
		return cwmp.NewFault(cwmp.FaultResourcesExceeded, "%d transfers are queued already", n)
	}
	t.queue = append(t.queue, tr)
	t.mu.Unlock()
	t.info("transfer queued", "method", tr.Method, "commandKey", tr.CommandKey, "fileType", tr.FileType, "url", logURL(tr.URL))
	t.h.changed()
	t.h.afterSession(func() { t.release(tr) })
	return nil
}

// release lets tr start: the session that asked for it has ended.
func (t *transfers) release(tr *transfer) {
	t.mu.Lock()
	tr.released = true
	t.mu.Unlock()
	t.poll()
}

// poll starts the released transfers that are due, as slots allow, fails
// ScheduleDownloads whose windows are over, and arms the timer for the
// next one due. Everything that changes the queue calls it.
func (t *transfers) poll() {
	now := t.h.now()
	var expired []*transfer
	started := false
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	for _, tr := range t.queue {
		if tr.State != cwmp.TransferNotStarted || !tr.released {
			continue
		}
		if tr.Interrupted > maxInterrupts {
			expired = append(expired, tr)
			continue
		}
		at, ok := tr.next(now)
		if !ok {
			expired = append(expired, tr)
			continue
		}
		if at.After(now) || t.active >= t.cfg.maxActive {
			continue
		}
		t.startLocked(tr, now)
		started = true
	}
	t.queue = slices.DeleteFunc(t.queue, func(tr *transfer) bool { return slices.Contains(expired, tr) })
	results := make([]outcome, len(expired))
	for i, tr := range expired {
		var f cwmp.FaultStruct
		switch {
		case tr.Interrupted > maxInterrupts && tr.Method == methodUpload:
			f = transferFault(cwmp.FaultUploadFailure, "upload interrupted by %d agent restarts", tr.Interrupted)
		case tr.Interrupted > maxInterrupts:
			f = transferFault(cwmp.FaultDownloadIncomplete, "download interrupted by %d agent restarts", tr.Interrupted)
		case tr.LastFault != "":
			f = transferFault(cwmp.FaultTimeWindowsExpired, "no time window left; last attempt: %s", tr.LastFault)
		default:
			f = transferFault(cwmp.FaultTimeWindowsExpired, "the time windows passed before the download could start")
		}
		results[i] = t.completeLocked(tr, outcome{fault: f})
	}
	t.rearmLocked(now)
	t.mu.Unlock()
	for i, tr := range expired {
		t.reported(tr, results[i])
	}
	if started {
		t.h.changed()
	}
}

// next returns when tr may start. For Download and Upload that is
// NotBefore. For ScheduleDownload it is the first moment at or after
// NotBefore within the current window, moving on to the next window (with
// a fresh count of attempts) when the current one is over or has no room
// left (A.4.1.8); ok is false when no window is left.
func (tr *transfer) next(now time.Time) (at time.Time, ok bool) {
	if tr.Method != methodScheduleDownload {
		return tr.NotBefore, true
	}
	for ; tr.Window < len(tr.Windows); tr.Window, tr.Attempts = tr.Window+1, 0 {
		w := tr.Windows[tr.Window]
		at := w.Start
		if tr.NotBefore.After(at) {
			at = tr.NotBefore
		}
		if at.Before(w.End) && now.Before(w.End) {
			return at, true
		}
	}
	return time.Time{}, false
}

// startLocked starts tr in a goroutine of its own.
func (t *transfers) startLocked(tr *transfer, now time.Time) {
	tr.State = cwmp.TransferInProgress
	t.active++
	timeout := t.cfg.timeout
	if tr.Method == methodScheduleDownload {
		// The download must complete within its window.
		timeout = min(timeout, tr.Windows[tr.Window].End.Sub(now))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	tr.cancel = cancel
	snap := *tr // the goroutine reads its own copy, so the lock is not needed
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		defer cancel()
		t.info("transfer started", "method", snap.Method, "commandKey", snap.CommandKey, "url", logURL(snap.URL))
		t.finish(tr, t.attempt(ctx, &snap))
		// The slot is free only once the outcome is reported, so that
		// the next transfer's TransferComplete cannot overtake it.
		t.mu.Lock()
		t.active--
		t.mu.Unlock()
		t.poll()
	}()
}

// rearmLocked arms the timer for the next not-started transfer due after
// now, or stops it when none is.
func (t *transfers) rearmLocked(now time.Time) {
	var next time.Time
	for _, tr := range t.queue {
		if tr.State != cwmp.TransferNotStarted || !tr.released {
			continue
		}
		// next on a copy: rearming must not move a transfer to its next
		// window, which poll does when it fails the transfer.
		c := *tr
		if at, ok := c.next(now); ok && at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if next.Equal(t.timerAt) && (t.stop != nil) == !next.IsZero() {
		return
	}
	if t.stop != nil {
		t.stop()
		t.stop = nil
	}
	t.timerAt = next
	if !next.IsZero() {
		t.stop = t.cfg.afterFunc(next.Sub(now), t.poll)
	}
}

// outcome is the result of one attempt.
type outcome struct {
	fault      cwmp.FaultStruct // FaultCode 0: success
	start, end time.Time        // by the host's clock; zero when it did not start
	firmware   *firmwareHeader  // an image to install (FileType 1)
	file       *storedFile      // a file to record
}

// retryable reports whether a failed ScheduleDownload attempt is worth
// another try (A.4.1.8 MaxRetries): the server may be back, the file
// published, the line better. A rejected login, a file too large or an
// unusable file fail the same way every time, so they end the transfer.
func retryable(c cwmp.FaultCode) bool {
	switch c {
	case cwmp.FaultFileServerUnreachable, cwmp.FaultFileAccess, cwmp.FaultDownloadIncomplete:
		return true
	}
	return false
}

// finish ends an attempt: a failed ScheduleDownload attempt waits for its
// next try, anything else leaves the queue and is reported. An attempt
// stopped by close stays in progress in the saved state, and is retried
// when the agent restarts; one whose transfer factoryReset dropped ends
// silently.
func (t *transfers) finish(tr *transfer, res outcome) {
	now := t.h.now()
	t.mu.Lock()
	tr.cancel = nil
	if t.closed || !slices.Contains(t.queue, tr) {
		t.mu.Unlock()
		return
	}
	if tr.Method == methodScheduleDownload && retryable(res.fault.FaultCode) {
		tr.LastFault = fmt.Sprintf("%d %s", res.fault.FaultCode, res.fault.FaultString)
		tr.Attempts++
		w := tr.Windows[tr.Window]
		retries := int(w.MaxRetries)
		if retries < 0 {
			retries = defaultRetries
		}
		if tr.Attempts > retries {
			tr.Window, tr.Attempts = tr.Window+1, 0
		}
		tr.NotBefore = now.Add(t.cfg.retryDelay)
		if _, ok := tr.next(now); ok {
			tr.State = cwmp.TransferNotStarted
			t.mu.Unlock()
			t.info("transfer attempt failed", "method", tr.Method, "commandKey", tr.CommandKey, "fault", res.fault.FaultCode, "reason", res.fault.FaultString)
			t.h.changed()
			return
		}
		res.fault = transferFault(cwmp.FaultTimeWindowsExpired, "no time window left; last attempt: %s", tr.LastFault)
	}
	t.queue = slices.DeleteFunc(t.queue, func(q *transfer) bool { return q == tr })
	if res.file != nil {
		t.stored = append(t.stored, *res.file)
		if n := len(t.stored); n > maxStoredFiles {
			t.stored = slices.Delete(t.stored, 0, n-maxStoredFiles)
		}
	}
	res = t.completeLocked(tr, res)
	t.mu.Unlock()
	t.reported(tr, res)
}

// completeLocked records the outcome of tr, which the caller has just
// taken out of the queue in the same critical section: it installs a
// firmware image and queues tr's TransferComplete with 7 TRANSFER COMPLETE
// and its M event (A.3.3.2). It returns res as reported: a firmware image
// that cannot be installed turns into its fault.
//
// It runs with t.mu held so that the state file cannot miss the transfer:
// a Save asks saveState (which takes t.mu) first and the agent's requests
// and tree after, so it sees tr in the queue, or the TransferComplete
// queued and the firmware installed, never neither (which a crash would
// turn into a Download the ACS never hears of again). It may see both; a
// restarted agent then repeats the transfer and reports it twice, the
// lesser harm. The host methods called here take only the agent's and
// the tree's locks, which come after t.mu (host.go).
//
// A failure's CompleteTime is the Unknown Time: A.3.3.2 defines it as
// when the transfer "was fully completed and applied", which a failed one
// never was.
func (t *transfers) completeLocked(tr *transfer, res outcome) outcome {
	if res.firmware != nil && res.fault.FaultCode == 0 {
		if f := t.install(res.firmware); f != nil {
			res.fault, res.firmware = *f, nil
		}
	}
	tc := &cwmp.TransferComplete{CommandKey: tr.CommandKey, FaultStruct: res.fault, StartTime: res.start, CompleteTime: res.end}
	if res.fault.FaultCode != 0 {
		tc.CompleteTime = time.Time{}
	}
	t.h.queueRequest(tc, cwmp.EventStruct{EventCode: cwmp.EventCode("M " + tr.Method), CommandKey: tr.CommandKey})
	return res
}

// reported follows completeLocked, without t.mu: a firmware image that was
// installed reboots the device, anything else wakes the agent for a
// session.
func (t *transfers) reported(tr *transfer, res outcome) {
	if res.firmware != nil {
		t.info("firmware installed", "version", res.firmware.version)
	}
	t.info("transfer complete", "method", tr.Method, "commandKey", tr.CommandKey, "fault", res.fault.FaultCode, "reason", res.fault.FaultString)
	t.h.changed()
	if res.firmware != nil {
		// TR-069 3.7.1.5, A.3.2.8: the new image runs after a reboot, and
		// its TransferComplete goes in the first session after it, with
		// 1 BOOT. The reboot is the agent's own, not the ACS's Reboot,
		// so there is no M Reboot.
		t.h.reboot(nil)
		return
	}
	t.h.wake()
}

// install "installs" a verified firmware image: the device reports its
// version as DeviceInfo.SoftwareVersion from the reboot on. The version is
// set before the reboot, so that the state the reboot saves holds it.
func (t *transfers) install(img *firmwareHeader) *cwmp.FaultStruct {
	p := t.h.tree().Model().Root.Path + "DeviceInfo.SoftwareVersion"
	if err := t.h.tree().Set(p, img.version); err != nil {
		f := transferFault(cwmp.FaultFileCorrupted, "firmware image: Version %q: %v", img.version, err)
		return &f
	}
	return nil
}

// autonomous reports a transfer the ACS did not ask for, which the device
// did on its own (A.3.3.3): it queues the AutonomousTransferComplete with
// the event 10 AUTONOMOUS TRANSFER COMPLETE and wakes the agent. Zero
// times are the Unknown Time. The Agent offers it to the CLI and the Go
// API.
func (t *transfers) autonomous(atc cwmp.AutonomousTransferComplete) error {
	switch {
	case atc.TransferURL == "":
		return fmt.Errorf("cpe: autonomous transfer: no TransferURL")
	case len(atc.TransferURL) > 1024 || len(atc.AnnounceURL) > 1024:
		return fmt.Errorf("cpe: autonomous transfer: TransferURL and AnnounceURL are at most 1024 characters")
	case !validFileType(atc.FileType):
		return fmt.Errorf("cpe: autonomous transfer: FileType %q is not \"<number> <name>\" or \"X <vendor> <name>\"", atc.FileType)
	case len(atc.TargetFileName) > 256:
		return fmt.Errorf("cpe: autonomous transfer: TargetFileName is longer than 256 characters")
	case !transferCompleteCode(atc.FaultStruct.FaultCode):
		return fmt.Errorf("cpe: autonomous transfer: fault code %d is not one a TransferComplete may carry", atc.FaultStruct.FaultCode)
	}
	atc.FaultStruct.FaultString = truncate(atc.FaultStruct.FaultString, maxFaultString)
	t.info("autonomous transfer complete", "url", logURL(atc.TransferURL), "fileType", atc.FileType, "fault", atc.FaultStruct.FaultCode)
	t.h.queueRequest(&atc)
	t.h.changed()
	t.h.wake()
	return nil
}
