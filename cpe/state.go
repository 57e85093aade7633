package cpe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// stateFile is the name of the state file in Config.StateDir.
const stateFile = "agent.json"

// stateVersion is the version of the state file's format.
const stateVersion = 1

// savedState is the content of the state file: one JSON document, so that
// one rename replaces all of it at once.
type savedState struct {
	Version int `json:"version"`
	// ACSURL is the ACS the current bootstrap is for: a tree whose
	// ManagementServer.URL differs owes a 0 BOOTSTRAP to the new one.
	ACSURL     string         `json:"acsURL"`
	Events     []savedEvent   `json:"events,omitempty"`
	Requests   []savedRequest `json:"requests,omitempty"`
	RetryCount uint32         `json:"retryCount,omitempty"`
	RetryAt    time.Time      `json:"retryAt,omitzero"`
	Informs    []savedInform  `json:"scheduledInforms,omitempty"`
	Wakes      []time.Time    `json:"wakes,omitempty"`
	// Reboots are the CommandKeys of acknowledged Reboots not yet done.
	Reboots    []string                   `json:"reboots,omitempty"`
	Subsystems map[string]json.RawMessage `json:"subsystems,omitempty"`
	// Tree is what datamodel.Tree.Save writes.
	Tree json.RawMessage `json:"tree"`
}

type savedEvent struct {
	Code       cwmp.EventCode `json:"code"`
	CommandKey string         `json:"commandKey,omitempty"`
}

// savedRequest is a queued request: its method name and its fields.
type savedRequest struct {
	Method  string          `json:"method"`
	Message json.RawMessage `json:"message"`
}

type savedInform struct {
	At         time.Time `json:"at"`
	CommandKey string    `json:"commandKey"`
}

func (a *Agent) statePath() string { return filepath.Join(a.cfg.StateDir, stateFile) }

// readState reads the state file; nil without a StateDir or a file.
// Anything unreadable is an error naming the file.
func (a *Agent) readState() (*savedState, error) {
	if a.cfg.StateDir == "" {
		return nil, nil
	}
	path := a.statePath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cpe: read state: %w", err)
	}
	var st savedState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("cpe: state file %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("cpe: state file %s: format version %d, want %d", path, st.Version, stateVersion)
	}
	tr, err := datamodel.LoadTree(a.model, bytes.NewReader(st.Tree))
	if err != nil {
		return nil, fmt.Errorf("cpe: state file %s: tree: %w", path, err)
	}
	a.tr = tr
	for i, r := range st.Requests {
		req, ok := cwmp.NewMessage(r.Method).(cwmp.ACSRequest)
		if !ok {
			return nil, fmt.Errorf("cpe: state file %s: request %d: %q is not a request of the CPE", path, i+1, r.Method)
		}
		if err := json.Unmarshal(r.Message, req); err != nil {
			return nil, fmt.Errorf("cpe: state file %s: request %d (%s): %w", path, i+1, r.Method, err)
		}
		a.reqs = append(a.reqs, req)
	}
	for i, e := range st.Events {
		if !e.Code.Valid() {
			return nil, fmt.Errorf("cpe: state file %s: event %d: %q is not an event code", path, i+1, e.Code)
		}
	}
	return &st, nil
}

// restore takes the rest of a state read by readState (which set the tree
// and the requests).
func (a *Agent) restore(st *savedState) {
	a.acsURL = st.ACSURL
	for _, e := range st.Events {
		a.events = append(a.events, event{code: e.Code, key: e.CommandKey})
	}
	a.sched.retryCount, a.sched.retryAt = st.RetryCount, st.RetryAt
	for _, si := range st.Informs {
		a.sched.informs = append(a.sched.informs, scheduledInform{at: si.At, key: si.CommandKey})
	}
	a.sched.wakes = st.Wakes
	a.reboots = st.Reboots
}

// Save writes the agent's state to Config.StateDir now, if anything changed
// since the last write; without a StateDir it does nothing. Sessions and
// Run save on their own; call Save before exiting a program that drives
// the agent otherwise.
func (a *Agent) Save() error {
	if a.cfg.StateDir == "" {
		return nil
	}
	a.persistMu.Lock()
	defer a.persistMu.Unlock()
	a.mu.Lock()
	dirty := a.dirty
	a.dirty = false
	a.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := a.writeState(); err != nil {
		a.mu.Lock()
		a.dirty = true
		a.mu.Unlock()
		return err
	}
	return nil
}

// writeState writes the state file. The subsystems are asked for their
// state first, without the agent's lock (host.go's lock order).
func (a *Agent) writeState() error {
	path := a.statePath()
	st := savedState{Version: stateVersion}
	for _, s := range a.subsystems {
		data, err := s.saveState()
		if err != nil {
			return fmt.Errorf("cpe: save state of %s: %w", subsystemKey(s), err)
		}
		if data != nil {
			if st.Subsystems == nil {
				st.Subsystems = make(map[string]json.RawMessage)
			}
			st.Subsystems[subsystemKey(s)] = data
		}
	}
	a.mu.Lock()
	tr := a.tr
	st.ACSURL = a.acsURL
	for _, e := range a.events {
		st.Events = append(st.Events, savedEvent{Code: e.code, CommandKey: e.key})
	}
	reqs := append([]cwmp.ACSRequest(nil), a.reqs...)
	st.RetryCount, st.RetryAt = a.sched.retryCount, a.sched.retryAt
	for _, si := range a.sched.informs {
		st.Informs = append(st.Informs, savedInform{At: si.at, CommandKey: si.key})
	}
	st.Wakes = append(st.Wakes, a.sched.wakes...)
	st.Reboots = append(st.Reboots, a.reboots...)
	a.mu.Unlock()
	for _, r := range reqs {
		data, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("cpe: save %s: %w", r.MethodName(), err)
		}
		st.Requests = append(st.Requests, savedRequest{Method: r.MethodName(), Message: data})
	}
	var buf bytes.Buffer
	if err := tr.Save(&buf); err != nil {
		return fmt.Errorf("cpe: save tree: %w", err)
	}
	st.Tree = buf.Bytes()
	data, err := json.Marshal(&st)
	if err != nil {
		return fmt.Errorf("cpe: encode state: %w", err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("cpe: write state: %w", err)
	}
	return nil
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, synced, then renamed over path, so a crash leaves the old
// file or the new one, never a mix; the directory is synced after the
// rename, so that the new file is the one a crash leaves. The file is
// private to the user: it holds the ACS credentials.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows and Plan 9 cannot sync
// a directory, and some file systems elsewhere refuse to: there the rename
// is as durable as the system makes it. On Linux every failure is an
// error.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if runtime.GOOS != "linux" && errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}
