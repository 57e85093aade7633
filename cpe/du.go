package cpe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Software module management: ChangeDUState (TR-069 A.4.1.10),
// DUStateChangeComplete (A.4.2.3) and AutonomousDUStateChangeComplete
// (A.4.2.4) over the SoftwareModules object of the device's data model
// (TR-181 Issue 2 and TR-157), with one simulated execution environment
// that installs the package format of du_package.go. cpe/SOFTWARE.md
// describes the behaviour and every decision the specifications leave to
// the device.

// Bounds on ChangeDUState. TR-069 sets none; these keep one ACS from
// queueing unbounded work on a device.
const (
	maxDUOperations    = 16 // operations in one ChangeDUState; more is 9004
	maxDUJobs          = 8  // ChangeDUState requests accepted and not yet reported; more is 9004
	maxDeploymentUnits = 64 // DUs the execution environments hold; more is 9027
	maxCommandKeyLen   = 32 // CommandKeyType of cwmp-1-2.xsd
)

// defaultFetchTimeout bounds one package download.
const defaultFetchTimeout = 5 * time.Minute

// softwareModules is the agent's software module management subsystem.
//
// A ChangeDUState is answered at once and queued as a job; once the session
// ends a worker goroutine applies its operations in order, records each
// result as it goes (so a restart resumes where it stopped rather than
// repeating work), then queues the DUStateChangeComplete with "11 DU STATE
// CHANGE COMPLETE" and "M ChangeDUState". The worker exists only while
// there is work; packages are fetched without blocking the agent's
// sessions. Jobs restored from a saved state wait for resume, so that
// building an agent starts nothing; close stops the worker, leaving the
// operation it was applying to be applied again by the next run.
//
// Lock order: opMu, then eeMu, then mu. Host methods may be called with
// any of them held (host.go allows it); the tree has its own lock.
type softwareModules struct {
	h host
	// client fetches packages; fetchTimeout bounds each fetch.
	client       *http.Client
	fetchTimeout time.Duration

	// opMu serialises applying operations, from ChangeDUState jobs and
	// autonomous changes alike, so each sees the tree the previous one
	// left. It is held across package downloads.
	opMu sync.Mutex
	// eeMu serialises ensureExecEnv, which checks and then creates.
	eeMu sync.Mutex

	mu sync.Mutex
	// ctx is cancelled by close and halt, stopping the download in
	// progress; halt replaces it.
	ctx    context.Context
	cancel context.CancelFunc
	jobs   []*duJob // accepted ChangeDUState requests not yet reported, oldest first
	closed bool     // close was called: start no worker
	// idle is closed when the running worker exits; nil when none runs.
	idle chan struct{}
}

// duJob is one accepted ChangeDUState, persisted until its
// DUStateChangeComplete is queued.
type duJob struct {
	CommandKey string `json:"commandKey"`
	Ops        []duOp `json:"ops"`
	// Next is the index in Ops of the next operation to apply; Results
	// holds the results of Ops[:Next] (an Update of several DUs gives one
	// result per DU).
	Next    int                   `json:"next"`
	Results []cwmp.OpResultStruct `json:"results,omitempty"`
}

// duOp is one operation in a form that survives JSON: exactly one field is
// set.
type duOp struct {
	Install   *cwmp.InstallOpStruct   `json:"install,omitempty"`
	Update    *cwmp.UpdateOpStruct    `json:"update,omitempty"`
	Uninstall *cwmp.UninstallOpStruct `json:"uninstall,omitempty"`
}

// duState is what saveState saves.
type duState struct {
	Jobs []*duJob `json:"jobs,omitempty"`
}

func newSoftwareModules(h host) *softwareModules {
	s := &softwareModules{h: h, client: &http.Client{}, fetchTimeout: defaultFetchTimeout}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.ensureExecEnv()
	return s
}

var _ subsystem = (*softwareModules)(nil)

// register adds ChangeDUState, unless the device's data model has no
// SoftwareModules object: then the method stays unsupported (9000) and
// GetRPCMethods does not list it.
func (s *softwareModules) register(mux *cwmp.ServeMux) {
	if s.h.tree().Model().Object(s.base()+"DeploymentUnit.{i}.") == nil {
		return
	}
	mux.HandleFunc("ChangeDUState", s.handleChangeDUState)
}

// toDUOp checks one operation of a ChangeDUState and copies it.
func toDUOp(op cwmp.Operation) (duOp, *cwmp.Fault) {
	switch o := op.(type) {
	case *cwmp.InstallOpStruct:
		if o != nil {
			c := *o
			return duOp{Install: &c}, nil
		}
	case *cwmp.UpdateOpStruct:
		if o != nil {
			c := *o
			return duOp{Update: &c}, nil
		}
	case *cwmp.UninstallOpStruct:
		if o != nil {
			c := *o
			return duOp{Uninstall: &c}, nil
		}
	case nil:
	default:
		return duOp{}, cwmp.NewFault(cwmp.FaultInvalidArguments, "operation of type %q is not supported (InstallOpStruct, UpdateOpStruct, UninstallOpStruct)", op.OperationType())
	}
	return duOp{}, cwmp.NewFault(cwmp.FaultInvalidArguments, "empty operation")
}

// name is the operation's name in AutonOpResultStruct.OperationPerformed.
func (o duOp) name() string {
	switch {
	case o.Install != nil:
		return "Install"
	case o.Update != nil:
		return "Update"
	}
	return "Uninstall"
}

// handleChangeDUState answers ChangeDUState (TR-069 A.4.1.10). What is
// wrong with the request as a whole is a fault now, with no
// DUStateChangeComplete later: no operation or one the CPE does not know
// (9003), a CommandKey longer than 32 (9003), more than maxDUOperations
// operations or more than maxDUJobs requests waiting (9004). Everything
// about a single operation, even an argument the CPE could check at once,
// is reported in that operation's result, so one bad operation does not
// stop the others.
func (s *softwareModules) handleChangeDUState(ctx context.Context, req cwmp.Message) (cwmp.Message, error) {
	r, ok := req.(*cwmp.ChangeDUState)
	if !ok {
		return nil, fmt.Errorf("cpe: ChangeDUState handler got %T", req)
	}
	switch {
	case len(r.Operations) == 0:
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "ChangeDUState holds no operation")
	case len(r.Operations) > maxDUOperations:
		return nil, cwmp.NewFault(cwmp.FaultResourcesExceeded, "ChangeDUState holds %d operations; this CPE accepts at most %d in one request", len(r.Operations), maxDUOperations)
	case len(r.CommandKey) > maxCommandKeyLen:
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "CommandKey is %d bytes long, at most %d", len(r.CommandKey), maxCommandKeyLen)
	}
	job := &duJob{CommandKey: r.CommandKey, Ops: make([]duOp, len(r.Operations))}
	for i, op := range r.Operations {
		o, f := toDUOp(op)
		if f != nil {
			f.String = fmt.Sprintf("operation %d: %s", i+1, f.String)
			return nil, f
		}
		job.Ops[i] = o
	}
	s.mu.Lock()
	if len(s.jobs) >= maxDUJobs {
		s.mu.Unlock()
		return nil, cwmp.NewFault(cwmp.FaultResourcesExceeded, "%d ChangeDUState requests are still being applied; try again later", maxDUJobs)
	}
	s.jobs = append(s.jobs, job)
	s.mu.Unlock()
	s.h.changed()
	s.h.afterSession(s.start)
	return &cwmp.ChangeDUStateResponse{}, nil
}

// start starts the worker unless it runs or there is nothing to do.
func (s *softwareModules) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.idle != nil || len(s.jobs) == 0 {
		return
	}
	idle := make(chan struct{})
	s.idle = idle
	go s.work(idle)
}

// work applies the queued jobs, oldest first, until none is left.
func (s *softwareModules) work(idle chan struct{}) {
	defer close(idle)
	for {
		s.mu.Lock()
		if len(s.jobs) == 0 {
			s.idle = nil
			s.mu.Unlock()
			return
		}
		j := s.jobs[0]
		s.mu.Unlock()
		if !s.runJob(j) {
			s.mu.Lock()
			s.idle = nil
			s.mu.Unlock()
			return
		}
	}
}

// waitIdle waits until no worker runs. Tests call it after playing the end
// of a session.
func (s *softwareModules) waitIdle() {
	s.mu.Lock()
	idle := s.idle
	s.mu.Unlock()
	if idle != nil {
		<-idle
	}
}

// runJob applies j's remaining operations, then reports it. It stops
// quietly if j is forgotten meanwhile (factoryReset). It returns false
// when the subsystem was closed: the operation being applied then is not
// recorded, and the next run applies it again.
func (s *softwareModules) runJob(j *duJob) bool {
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return false
		}
		if len(s.jobs) == 0 || s.jobs[0] != j {
			s.mu.Unlock()
			return true
		}
		if j.Next >= len(j.Ops) {
			s.jobs = s.jobs[1:]
			// Queue while holding mu, so that saveState sees either the
			// job or the request queued, never neither.
			s.h.queueRequest(&cwmp.DUStateChangeComplete{Results: slices.Clone(j.Results), CommandKey: j.CommandKey},
				cwmp.EventStruct{EventCode: cwmp.EventMChangeDUState, CommandKey: j.CommandKey})
			s.mu.Unlock()

			s.h.changed()
			s.h.wake()
			return true
		}
		op, ctx := j.Ops[j.Next], s.ctx
		s.mu.Unlock()

		results := s.apply(ctx, op)

		s.mu.Lock()
		if !s.closed && len(s.jobs) > 0 && s.jobs[0] == j {
			j.Results = append(j.Results, results...)
			j.Next++
		}
		s.mu.Unlock()
		s.h.changed()
	}
}

// apply applies one operation and returns its results: one, or for an
// Update or Uninstall that matches several DUs one per DU.
func (s *softwareModules) apply(ctx context.Context, op duOp) []cwmp.OpResultStruct {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.ensureExecEnv()
	var rs []cwmp.OpResultStruct
	switch {
	case op.Install != nil:
		rs = []cwmp.OpResultStruct{s.install(ctx, op.Install)}
	case op.Update != nil:
		rs = s.update(ctx, op.Update)
	default:
		rs = s.uninstall(op.Uninstall)
	}
	for _, r := range rs {
		s.h.log().Info("software module operation", "op", op.name(), "uuid", r.UUID, "version", r.Version,
			"du", r.DeploymentUnitRef, "state", r.CurrentState, "fault", uint32(r.Fault.FaultCode), "why", r.Fault.FaultString)
	}
	return rs
}

// autonomousChange applies op as a change the device made on its own (from
// its CLI, a LAN-side management protocol or the Go API), not at the ACS's
// request, and reports it with AutonomousDUStateChangeComplete and "12
// AUTONOMOUS DU STATE CHANGE COMPLETE" (TR-069 A.4.2.4), as far as the
// ManagementServer.DUStateChangeComplPolicy filters allow (TR-181; a model
// without that object reports everything). It returns every result,
// reported or not; the error is a 9003 fault for an empty or unknown
// operation. It blocks while a ChangeDUState operation is being applied
// and while the package downloads.
func (s *softwareModules) autonomousChange(ctx context.Context, op cwmp.Operation) ([]cwmp.AutonOpResultStruct, error) {
	o, f := toDUOp(op)
	if f != nil {
		return nil, f
	}
	var all, report []cwmp.AutonOpResultStruct
	for _, r := range s.apply(ctx, o) {
		a := cwmp.AutonOpResultStruct{OpResultStruct: r, OperationPerformed: o.name()}
		all = append(all, a)
		if s.policyAllows(a) {
			report = append(report, a)
		}
	}
	if len(report) > 0 {
		s.h.queueRequest(&cwmp.AutonomousDUStateChangeComplete{Results: report})
		s.h.wake()
	}
	return all, nil
}

// saveState saves the jobs not yet reported; nil when there are none. The
// installed DUs themselves are in the tree, which the agent saves.
func (s *softwareModules) saveState() (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.jobs) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(duState{Jobs: s.jobs})
	if err != nil {
		return nil, fmt.Errorf("save software module jobs: %w", err)
	}
	return b, nil
}

// restoreState loads the jobs of an earlier run; resume starts them. A job
// interrupted by a restart goes on with the operation it was applying, and
// one that was complete is reported.
func (s *softwareModules) restoreState(data json.RawMessage) error {
	var st duState
	if len(data) > 0 {
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("restore software module jobs: %w", err)
		}
	}
	for i, j := range st.Jobs {
		if j == nil || j.Next < 0 || j.Next > len(j.Ops) {
			return fmt.Errorf("restore software module jobs: job %d is malformed", i)
		}
		for k, op := range j.Ops {
			if n := btoi(op.Install != nil) + btoi(op.Update != nil) + btoi(op.Uninstall != nil); n != 1 {
				return fmt.Errorf("restore software module jobs: job %d operation %d has %d kinds", i, k, n)
			}
		}
	}
	s.mu.Lock()
	s.jobs = st.Jobs
	s.mu.Unlock()
	return nil
}

// resume starts the jobs restoreState loaded. The Agent calls it once it
// runs (Run, or the first Session of a simulated agent), never while it is
// being built, as for transfers.
func (s *softwareModules) resume() { s.start() }

// close stops the subsystem when the agent shuts down: the download in
// progress is cancelled, and the job it belongs to stays in the saved
// state with that operation still to apply. It waits for the worker to
// end.
func (s *softwareModules) close() {
	s.mu.Lock()
	s.closed = true
	cancel := s.cancel
	s.mu.Unlock()
	cancel()
	s.waitIdle()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// halt stops the ChangeDUState jobs before FactoryReset replaces the tree
// (the Agent calls it first; factoryReset follows, on the new tree): the
// jobs are forgotten, the download in progress is cancelled and the
// worker is waited for, so that no operation the ACS asked of the old
// device writes into the factory tree or is reported after the reset.
// The worker, once the download is cancelled, only records its result,
// which the jobs' absence discards, so the wait is short. An autonomous
// change in progress (the device's own, from the Go API) is not waited
// for.
func (s *softwareModules) halt() {
	s.mu.Lock()
	s.jobs = nil
	cancel := s.cancel
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Unlock()
	cancel()
	s.waitIdle()
}

// factoryReset forgets the jobs not yet reported (halt has stopped the
// one in progress). The agent has reset the tree; the execution
// environment is created again in the new one.
func (s *softwareModules) factoryReset() {
	s.mu.Lock()
	s.jobs = nil
	s.mu.Unlock()
	s.ensureExecEnv()
}

// useTLS makes package downloads check HTTPS servers with the agent's TLS
// settings (custom CA); nil keeps the system roots.
func (s *softwareModules) useTLS(c *tls.Config) {
	if c != nil {
		s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: c.Clone(), Proxy: http.ProxyFromEnvironment}}
	}
}
