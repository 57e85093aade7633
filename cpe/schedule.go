package cpe

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// When sessions happen: at once when something asks (Wake, a connection
// request, a boot, a new ACS URL), after the randomised back-off when the
// last session failed, at the periodic inform times, at the times
// ScheduleInform asked for, at the times subsystems asked for (wakeAt), and
// for active notifications no sooner than DefaultActiveNotificationThrottle
// after the last successful session (notify.go).

// maxScheduledInforms bounds the ScheduleInform requests pending at once;
// one more is refused with 9004 (resources exceeded). TR-069 sets no limit
// but lets the CPE refuse what it cannot hold.
const maxScheduledInforms = 32

// maxRetryExponent is where the back-off stops growing: TR-069 3.2.1.1
// (Table 3) keeps the wait interval range of the tenth retry for every
// later one.
const maxRetryExponent = 10

// schedule is the agent's timing state; Agent.mu guards it.
type schedule struct {
	wakeNow bool      // a session is due at once
	wokeAt  time.Time // since when
	wakes   []time.Time
	// informs are the ScheduleInform requests not yet due, in no order.
	informs []scheduledInform
	// retryCount is the number of sessions that failed since the last
	// successful one: the Inform's RetryCount (TR-069 A.3.3.1: zero if and
	// only if the previous session succeeded). retryAt is when the next
	// attempt is due.
	retryCount uint32
	retryAt    time.Time
	periodic   periodicState
}

// scheduledInform is one pending ScheduleInform.
type scheduledInform struct {
	at  time.Time
	key string
}

// periodicState is the periodic-inform schedule computed from the tree's
// ManagementServer parameters; it is recomputed whenever they change.
type periodicState struct {
	known    bool // computed from the values below
	enable   bool
	interval int64     // seconds, at least 1
	phase    time.Time // PeriodicInformTime; zero for the Unknown Time
	next     time.Time // the next periodic inform; zero when disabled
}

func (s *schedule) addWake(t time.Time) {
	if !slices.ContainsFunc(s.wakes, t.Equal) {
		s.wakes = append(s.wakes, t)
	}
}

// retryInterval returns the wait before retry n (n ≥ 1, the number of
// failed sessions in a row) of TR-069 3.2.1.1: a random point of
// [m·(k/1000)^(n-1), m·(k/1000)^n] seconds, where m is
// CWMPRetryMinimumWaitInterval and k CWMPRetryIntervalMultiplier, with n
// capped at 10. r in [0, 1] picks the point: 0 the minimum, 1 the maximum.
// With the factory values m=5 and k=2000 that is Table 3: 5-10 s for the
// first retry, 10-20 s for the second, ... 2560-5120 s from the tenth on.
func retryInterval(n uint32, m, k uint64, r float64) time.Duration {
	n = max(1, min(n, maxRetryExponent))
	r = max(0, min(r, 1))
	ratio := float64(k) / 1000
	lo := float64(m) * math.Pow(ratio, float64(n-1))
	secs := lo + r*(lo*ratio-lo)
	if secs*float64(time.Second) >= math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(secs * float64(time.Second))
}

// retryParamsLocked reads m and k from the tree, with the factory values
// for values the tree does not hold (a model without them).
func (a *Agent) retryParamsLocked() (m, k uint64) {
	m, k = defaultRetryMinimumWait, defaultRetryMultiplier
	if v, err := strconv.ParseUint(a.get0Locked(a.paths.retryMin), 10, 32); err == nil && v > 0 {
		m = v
	}
	if v, err := strconv.ParseUint(a.get0Locked(a.paths.retryMultiplier), 10, 32); err == nil && v >= 1000 {
		k = v
	}
	return m, k
}

// sessionEndedLocked updates the schedule at the end of a session: a
// success clears the retry state; a failure counts and draws the next
// retry's wait.
func (a *Agent) sessionEndedLocked(now time.Time, err error) {
	s := &a.sched
	if err == nil {
		s.retryCount, s.retryAt = 0, time.Time{}
		a.notify.lastSuccess = now
		return
	}
	s.retryCount++
	m, k := a.retryParamsLocked()
	s.retryAt = now.Add(retryInterval(s.retryCount, m, k, a.cfg.Rand()))
}

// refreshPeriodicLocked recomputes the periodic schedule when
// PeriodicInformEnable, PeriodicInformInterval or PeriodicInformTime
// differ from the values it was computed from.
//
// TR-181 PeriodicInformTime: informs happen at PeriodicInformTime plus or
// minus whole multiples of PeriodicInformInterval, whatever how far in the
// past or future it is; the Unknown Time means no phase, and the CPE picks
// one: here the moment the schedule is computed (a boot, or the change of
// the parameters), so the first periodic inform comes one interval later.
func (a *Agent) refreshPeriodicLocked(now time.Time) {
	enable, _ := datamodel.ParseBool(a.get0Locked(a.paths.periodicEnable))
	interval, err := strconv.ParseInt(a.get0Locked(a.paths.periodicInterval), 10, 64)
	if err != nil || interval < 1 {
		enable, interval = false, 1
	}
	phase, err := datamodel.ParseDateTime(a.get0Locked(a.paths.phase))
	if err != nil || phase.Year() < 1000 {
		// Unknown, or a relative time since boot (TR-106 3.2.1), which
		// cannot anchor informs across reboots.
		phase = time.Time{}
	}
	p := &a.sched.periodic
	if p.known && p.enable == enable && p.interval == interval && p.phase.Equal(phase) {
		return
	}
	*p = periodicState{known: true, enable: enable, interval: interval, phase: phase}
	switch {
	case !enable:
	case phase.IsZero():
		p.next = now.Add(time.Duration(interval) * time.Second)
	default:
		p.next = nextPhase(phase, interval, now)
	}
	a.dirty = true
}

// nextPhase returns the first time phase + k·interval (k any integer)
// strictly after t. It counts in whole seconds of Unix time, so a phase
// centuries away does not overflow a time.Duration.
func nextPhase(phase time.Time, interval int64, t time.Time) time.Time {
	d := t.Unix() - phase.Unix()
	k := d / interval
	if d < 0 && d%interval != 0 {
		k-- // floor division
	}
	next := time.Unix(phase.Unix()+(k+1)*interval, int64(phase.Nanosecond())).In(t.Location())
	for !next.After(t) { // t's sub-second part past the phase's
		next = next.Add(time.Duration(interval) * time.Second)
	}
	return next
}

// collectDueLocked turns what came due by now into events of the session
// about to start: 2 PERIODIC for the periodic inform, 3 SCHEDULED with
// M ScheduleInform for each ScheduleInform due (TR-069 A.4.1.2 and
// Table 7), and forgets the wakes that passed.
func (a *Agent) collectDueLocked(now time.Time) {
	s := &a.sched
	s.wakeNow = false
	a.refreshPeriodicLocked(now)
	if p := &s.periodic; p.enable && !p.next.After(now) {
		a.addEventLocked(cwmp.EventPeriodic, "")
		if p.phase.IsZero() {
			for !p.next.After(now) {
				p.next = p.next.Add(time.Duration(p.interval) * time.Second)
			}
		} else {
			p.next = nextPhase(p.phase, p.interval, now)
		}
	}
	due := s.informs[:0]
	for _, si := range s.informs {
		if si.at.After(now) {
			due = append(due, si)
			continue
		}
		a.addEventLocked(cwmp.EventScheduled, "")
		a.addEventLocked(cwmp.EventMScheduleInform, si.key)
	}
	s.informs = slices.Clip(due)
	if len(s.informs) == 0 {
		s.informs = nil
	}
	s.wakes = slices.DeleteFunc(s.wakes, func(t time.Time) bool { return !t.After(now) })
	if len(s.wakes) == 0 {
		s.wakes = nil
	}
	a.dirty = true
}

// NextSession returns when the next session is due, for a scheduler that
// drives agents from outside (the fleet simulator): a time not after Now
// means at once, and the zero Time means nothing is scheduled (only Wake,
// a connection request or a device change can make a session due).
//
// After a failed session the retry time wins over everything but an
// explicit wake (TR-069 3.2.1.1: the CPE waits out the back-off; a
// connection request or Wake is the ACS or the user asking now). The
// periodic and scheduled informs that come due meanwhile are carried by
// the retry.
func (a *Agent) NextSession() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.refreshPeriodicLocked(now)
	s := &a.sched
	if s.wakeNow {
		return s.wokeAt
	}
	if s.retryCount > 0 && !s.retryAt.IsZero() {
		return s.retryAt
	}
	var next time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if s.periodic.enable {
		earliest(s.periodic.next)
	}
	for _, si := range s.informs {
		earliest(si.at)
	}
	for _, t := range s.wakes {
		earliest(t)
	}
	earliest(a.activeDueLocked())
	return next
}

// Run runs sessions when NextSession says, until ctx is done: it waits for
// the next due time or a wake, runs Session, and saves the state before
// each wait. A failed session is logged and retried with the back-off.
// Run returns nil when ctx ends; only one Run may be active per agent.
//
// Run waits with real timers: the Clock only says what time it is, so
// with a fake clock Run waits until the fake time reaches the due time,
// polling no more often than the real wait it computes.
func (a *Agent) Run(ctx context.Context) error {
	ch := make(chan struct{}, 1)
	a.mu.Lock()
	if a.wakeCh != nil {
		a.mu.Unlock()
		return errors.New("cpe: Run is already running for this agent")
	}
	a.wakeCh = ch
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.wakeCh = nil
		a.mu.Unlock()
	}()
	for {
		if err := a.Save(); err != nil {
			a.logger.Error("save state", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		next := a.NextSession()
		if !next.IsZero() {
			d := next.Sub(a.now())
			if d <= 0 {
				_ = a.Session(ctx) // logged, and retried as NextSession says
				continue
			}
			t := time.NewTimer(d)
			select {
			case <-ctx.Done():
			case <-ch:
			case <-t.C:
			}
			t.Stop()
			continue
		}
		select {
		case <-ctx.Done():
		case <-ch:
		}
	}
}

// RetryCount returns the number of sessions that failed in a row, the
// RetryCount of the next Inform.
func (a *Agent) RetryCount() uint32 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sched.retryCount
}
