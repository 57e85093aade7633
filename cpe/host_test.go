package cpe

import (
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// fakeHost is a host for testing a subsystem on its own: a real Device:2.17
// tree, a clock the test sets, and a record of every call.
type fakeHost struct {
	t  testing.TB
	tr *datamodel.Tree

	mu       sync.Mutex
	clock    *testClock
	events   []cwmp.EventStruct
	requests []cwmp.ACSRequest
	wakes    int
	wakeAts  []time.Time
	after    []func() // afterSession callbacks not yet run (see runAfterSession)
	reboots  []*string
	changes  int
}

func newFakeHost(t testing.TB) *fakeHost {
	t.Helper()
	m, err := datamodel.Builtin("Device:2.17")
	if err != nil {
		t.Fatal(err)
	}
	return &fakeHost{t: t, tr: datamodel.NewTree(m), clock: &testClock{t: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)}}
}

func (h *fakeHost) tree() *datamodel.Tree { return h.tr }

func (h *fakeHost) now() time.Time {
	return h.clock.Now()
}

// advance moves the fake clock forward.
func (h *fakeHost) advance(d time.Duration) { h.clock.advance(d) }

func (h *fakeHost) log() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (h *fakeHost) addEvent(code cwmp.EventCode, commandKey string) {
	h.mu.Lock()
	h.events = append(h.events, cwmp.EventStruct{EventCode: code, CommandKey: commandKey})
	h.mu.Unlock()
}

// queueRequest records the request and, as the Agent does, its event code
// and the method events given.
func (h *fakeHost) queueRequest(req cwmp.ACSRequest, events ...cwmp.EventStruct) {
	h.mu.Lock()
	h.requests = append(h.requests, req)
	if code := requestEvent(req); code != "" {
		h.events = append(h.events, cwmp.EventStruct{EventCode: code})
	}
	h.events = append(h.events, events...)
	h.mu.Unlock()
}

func (h *fakeHost) wake() {
	h.mu.Lock()
	h.wakes++
	h.mu.Unlock()
}

func (h *fakeHost) wakeAt(t time.Time) {
	h.mu.Lock()
	h.wakeAts = append(h.wakeAts, t)
	h.mu.Unlock()
}

// afterSession queues f; the test plays the end of the session with
// runAfterSession.
func (h *fakeHost) afterSession(f func()) {
	h.mu.Lock()
	h.after = append(h.after, f)
	h.mu.Unlock()
}

// runAfterSession runs the callbacks queued by afterSession, as the agent
// does when a session ends.
func (h *fakeHost) runAfterSession() {
	h.mu.Lock()
	fs := h.after
	h.after = nil
	h.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

func (h *fakeHost) reboot(commandKey *string) {
	h.mu.Lock()
	h.reboots = append(h.reboots, commandKey)
	h.mu.Unlock()
}

func (h *fakeHost) changed() {
	h.mu.Lock()
	h.changes++
	h.mu.Unlock()
}

// snapshot returns copies of the recorded events and requests.
func (h *fakeHost) snapshot() ([]cwmp.EventStruct, []cwmp.ACSRequest) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]cwmp.EventStruct(nil), h.events...), append([]cwmp.ACSRequest(nil), h.requests...)
}

var _ host = (*fakeHost)(nil)
