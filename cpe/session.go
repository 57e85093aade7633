package cpe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// One CWMP session, CPE side (TR-069 3.7): the Inform; after its
// InformResponse, the CPE's queued requests one by one unless the ACS
// holds them; an empty POST; then the ACS's requests, each answered by the
// session's mux, until the ACS answers with 204 No Content or an empty
// body.
//
// HTTP (TR-069 3.4): every message is a POST with Content-Type text/xml and
// an empty SOAPAction header, the empty POST has neither. Cookies the ACS
// sets live for the session (a new jar per session). A 401 is answered
// once by cwmp.Transport, and the challenge is reused for the rest of the
// session. Basic is answered only over TLS: TR-069 3.4.4 has the ACS use
// Digest unless TLS protects the connection, so a Basic challenge in the
// clear is refused rather than answered with the password. A redirect (301, 302, 303, 307, 308) of the Inform's POST
// moves the session to the new URL, at most Config.MaxRedirects times,
// for this session only (TR-069 3.4: an ACS may redirect the CPE's first
// request, and the next session starts at ManagementServer.URL again); a
// redirect of any later POST ends the session. Each response is awaited at most Config.SessionTimeout and
// read up to Config.MaxBodySize.
//
// The session fails, and is retried with the back-off of schedule.go, on a
// network error, an HTTP status other than 200 and 204, a body that is not
// an envelope, a fault in answer to the Inform, an unexpected message, or
// a UseCWMPVersion the agent did not offer.

// contentType is the Content-Type of the POSTs that carry an envelope.
const contentType = `text/xml; charset="utf-8"`

// session is the state of one session in progress.
type session struct {
	a      *Agent
	ctx    context.Context
	client *http.Client
	auth   *cwmp.ClientAuth // nil without credentials
	mux    *cwmp.ServeMux
	url    *url.URL
	ns     string // CWMP namespace of the messages
	hold   bool   // the ACS's HoldRequests
	lastID uint64
	redirs int
}

// Session runs one whole session with the ACS now, whatever NextSession
// says, and returns nil if it ended normally. Sessions of one agent run one
// at a time: a second call waits for the first. The events and requests a
// failed session did not deliver are kept and the next attempt is
// scheduled with the retry back-off; the afterSession work (Reboot,
// FactoryReset, ...) runs when the session ends, before Session returns.
func (a *Agent) Session(ctx context.Context) error {
	a.sessionMu.Lock()
	defer a.sessionMu.Unlock()
	if err := a.Save(); err != nil { // a reboot's state, before talking
		a.logger.Error("save state", "err", err)
	}
	a.resumeOnce.Do(func() {
		for _, s := range a.subsystems {
			if r, ok := s.(resumer); ok {
				r.resume()
			}
		}
	})
	inform, reqs, changes, acsURL := a.beginSession()
	err := a.runSession(ctx, inform, reqs, changes, acsURL)
	if err != nil {
		err = fmt.Errorf("cpe: session with %s: %w", acsURL, err)
	}
	return a.endSession(err)
}

// beginSession collects what came due, builds the Inform and takes the
// queued requests the Inform announces.
func (a *Agent) beginSession() (*cwmp.Inform, []cwmp.ACSRequest, datamodel.Changes, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	a.inSess = true
	a.collectDueLocked(now)
	a.checkURLLocked()
	a.sched.wakeNow = false
	a.notify.activePending = false

	// Changed parameters come with 4 VALUE CHANGE (TR-069 3.2.1).
	params, changes := a.informParamsLocked()
	valueChange := len(changes.Passive) > 0 || len(changes.Active) > 0
	reserve := 0
	if valueChange {
		reserve = 1
	}
	events := a.informEventsLocked(reserve)
	// A bootstrap Inform introduces the device: the ACS knew no earlier
	// value for anything to have changed from (the changed parameters are
	// still listed, and cleared by the InformResponse).
	bootstrap := slices.ContainsFunc(events, func(e cwmp.EventStruct) bool { return e.EventCode == cwmp.EventBootstrap })
	if valueChange && !bootstrap && !slices.ContainsFunc(events, func(e cwmp.EventStruct) bool { return e.EventCode == cwmp.EventValueChange }) {
		events = append(events, cwmp.EventStruct{EventCode: cwmp.EventValueChange})
	}
	inform := &cwmp.Inform{
		DeviceId: cwmp.DeviceIdStruct{
			Manufacturer: a.get0Locked(a.paths.manufacturer),
			OUI:          a.get0Locked(a.paths.oui),
			ProductClass: a.get0Locked(a.paths.productClass),
			SerialNumber: a.get0Locked(a.paths.serial),
		},
		Event:         events,
		MaxEnvelopes:  1,
		CurrentTime:   now,
		RetryCount:    a.sched.retryCount,
		ParameterList: params,
	}
	return inform, slices.Clone(a.reqs), changes, a.acsURL
}

// endSession records the outcome, runs the afterSession work and saves
// the state.
func (a *Agent) endSession(err error) error {
	a.mu.Lock()
	a.endEventsLocked()
	a.sessionEndedLocked(a.now(), err)
	retries, retryAt := a.sched.retryCount, a.sched.retryAt
	a.inSess = false
	after := a.after
	a.after = nil
	a.dirty = true
	a.mu.Unlock()
	if err != nil {
		a.logger.Warn("session failed", "err", err, "retryCount", retries, "retryAt", retryAt)
	} else {
		a.logger.Debug("session ended")
	}
	for _, f := range after {
		f()
	}
	a.mu.Lock()
	a.checkURLLocked() // set by the ACS in this session
	a.mu.Unlock()
	if serr := a.Save(); serr != nil {
		if err == nil {
			return serr
		}
		a.logger.Error("save state", "err", serr)
	}
	return err
}

// sendRequests sends the CPE's queued requests in turn until the ACS holds
// requests, and returns those left unsent. A request the ACS answers with a
// fault stays queued for the next session.
func (s *session) sendRequests(reqs []cwmp.ACSRequest) ([]cwmp.ACSRequest, error) {
	a := s.a
	for i, req := range reqs {
		if s.hold {
			a.logger.Debug("the ACS holds requests", "pending", len(reqs)-i)
			return reqs[i:], nil
		}
		resp, err := s.post(&cwmp.Envelope{Namespace: s.ns, Header: cwmp.Header{ID: s.newID()}, Body: req}, false)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			return nil, fmt.Errorf("the ACS answered %s with an empty body", req.MethodName())
		}
		if !cwmp.Answers(req, resp.Body) {
			return nil, fmt.Errorf("the ACS answered %s with %s", req.MethodName(), resp.Body.MethodName())
		}
		if f, ok := resp.Body.(*cwmp.Fault); ok {
			a.logger.Warn("the ACS refused a request; it stays queued", "method", req.MethodName(), "fault", f)
		} else {
			a.mu.Lock()
			a.requestDeliveredLocked(req)
			a.dirty = true
			a.mu.Unlock()
		}
		s.hold = resp.Header.HoldRequests
	}
	return nil, nil
}

func (a *Agent) runSession(ctx context.Context, inform *cwmp.Inform, reqs []cwmp.ACSRequest, changes datamodel.Changes, acsURL string) error {
	u, err := url.Parse(acsURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("ManagementServer.URL %q is not an http or https URL", acsURL)
	}
	s := &session{a: a, ctx: ctx, url: u, mux: a.newMux()}
	s.newClient()

	// The Inform: the newest version's namespace, and the list of versions
	// when it has 1.4 (the SupportedCWMPVersions header, TR-069 3.7.1.6 and
	// A.2.2).
	versions := a.cfg.SupportedVersions
	newest := slices.MaxFunc(versions, func(x, y cwmp.Version) int {
		switch {
		case x.Less(y):
			return -1
		case y.Less(x):
			return 1
		}
		return 0
	})
	s.ns = newest.Namespace()
	env := &cwmp.Envelope{Namespace: s.ns, Header: cwmp.Header{ID: s.newID()}, Body: inform}
	if slices.Contains(versions, cwmp.V1_4) {
		env.Header.SupportedCWMPVersions = versions
	}
	resp, err := s.post(env, true)
	if err != nil {
		return err
	}
	if resp == nil {
		return errors.New("the ACS answered the Inform with an empty body")
	}
	switch m := resp.Body.(type) {
	case *cwmp.InformResponse:
	case *cwmp.Fault:
		return fmt.Errorf("the ACS answered the Inform with %w", m)
	default:
		return fmt.Errorf("the ACS answered the Inform with %s", m.MethodName())
	}
	if err := s.negotiate(resp); err != nil {
		return err
	}
	// The InformResponse completes the Inform's events and the changes it
	// reported (TR-069 3.7.1.5).
	a.mu.Lock()
	a.informDeliveredLocked()
	a.tr.ClearChanges(changes)
	a.dirty = true
	a.mu.Unlock()
	s.hold = resp.Header.HoldRequests

	// The CPE's requests, each kept until its response arrives. While the
	// ACS says HoldRequests the CPE sends none (TR-069 A.2.2); they go once
	// the ACS has no more requests of its own (below).
	reqs, err = s.sendRequests(reqs)
	if err != nil {
		return err
	}

	// The empty POST, then the ACS's requests.
	var out *cwmp.Envelope
	for {
		resp, err := s.post(out, false)
		if err != nil {
			return err
		}
		if resp == nil {
			// The ACS has nothing more. The session ends only when the CPE
			// has nothing more either (TR-069 3.7.1.4): requests held by
			// HoldRequests go now, as an empty response lifts the hold,
			// and then another empty POST.
			if len(reqs) == 0 {
				return nil
			}
			s.hold = false
			if reqs, err = s.sendRequests(reqs); err != nil {
				// Many ACSs take their empty response as the end of the
				// session whatever HoldRequests said. The requests stay
				// queued, and a new session follows at once.
				a.logger.Info("the ACS ended the session before the CPE's held requests", "err", err)
				a.wake()
				return nil
			}
			out = nil
			continue
		}
		var answer cwmp.Message
		switch req := resp.Body.(type) {
		case *undecodable:
			answer = cwmp.NewFault(cwmp.FaultInvalidArguments, "%s", strings.TrimPrefix(req.err.Error(), "cwmp: "))
		case cwmp.CPERequest, *cwmp.UnknownMessage:
			if hs := resp.Header.NotUnderstood(); len(hs) > 0 {
				answer = cwmp.MustUnderstandFault(hs)
			} else {
				answer = cwmp.Serve(ctx, s.mux, cwmp.RoleCPE, req)
			}
		default:
			return fmt.Errorf("the ACS sent %s where a request or the end of the session was expected", req.MethodName())
		}
		out = &cwmp.Envelope{Namespace: s.ns, Header: cwmp.Header{ID: resp.Header.ID}, Body: answer}
	}
}

// newMux returns the mux of one session: the agent's methods and the
// subsystems'. Made per session, it costs an idle agent nothing.
func (a *Agent) newMux() *cwmp.ServeMux {
	mux := cwmp.NewServeMux(cwmp.RoleCPE)
	a.register(mux)
	for _, s := range a.subsystems {
		s.register(mux)
	}
	return mux
}

// newClient makes the session's HTTP client: the configured client's
// transport, with the session's cookie jar, authentication and redirect
// handling.
func (s *session) newClient() {
	base := *s.a.cfg.HTTPClient
	jar, _ := cookiejar.New(nil) // fails only on bad options
	base.Jar = jar
	base.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	user, pass := s.a.get(s.a.paths.username), s.a.get(s.a.paths.password)
	if user != "" || pass != "" {
		s.auth = &cwmp.ClientAuth{Username: user, Password: pass}
		s.resetAuth()
		base.Transport = &cwmp.Transport{Auth: s.auth, Base: base.Transport}
	}
	s.client = &base
}

// resetAuth forgets the challenge (a new server after a redirect) and
// answers Basic only over TLS (TR-069 3.4.4).
func (s *session) resetAuth() {
	if s.auth != nil {
		s.auth.Reset()
		s.auth.DisableBasic = s.url.Scheme != "https"
	}
}

// negotiate applies the ACS's choice of version (TR-069 3.7.1.6, A.2.2):
// UseCWMPVersion, which must be one the agent offered, else the namespace
// the ACS answered in when it is one the agent speaks.
func (s *session) negotiate(resp *cwmp.Envelope) error {
	versions := s.a.cfg.SupportedVersions
	if use := resp.Header.UseCWMPVersion; !use.IsZero() {
		if !slices.Contains(versions, use) {
			return fmt.Errorf("the ACS chose CWMP %s, which is not among the agent's %s", use, cwmp.FormatVersions(versions))
		}
		s.ns = use.Namespace()
		return nil
	}
	if v, ok := cwmp.NamespaceVersion(resp.Namespace); ok && slices.ContainsFunc(versions, func(w cwmp.Version) bool { return w.Namespace() == v.Namespace() }) {
		s.ns = resp.Namespace
	}
	return nil
}

func (s *session) newID() string {
	s.lastID++
	return "cpe-" + strconv.FormatUint(s.lastID, 10)
}

// post sends one POST, empty when env is nil, and returns the ACS's
// envelope, or nil when the ACS ended the session (204, or 200 with an
// empty body). Redirects are followed for the Inform only.
func (s *session) post(env *cwmp.Envelope, inform bool) (*cwmp.Envelope, error) {
	what := "the empty POST"
	var data []byte
	if env != nil {
		what = env.Body.MethodName()
		var err error
		if data, err = cwmp.Encode(env); err != nil {
			return nil, fmt.Errorf("encode %s: %w", what, err)
		}
	}
	for {
		out, redirect, err := s.exchange(what, data)
		if err != nil || redirect == nil {
			return out, err
		}
		if !inform {
			return nil, fmt.Errorf("the ACS redirected %s to %s: only the Inform may be redirected", what, redirect)
		}
		s.redirs++
		if s.redirs > s.a.cfg.MaxRedirects {
			return nil, fmt.Errorf("more than %d redirects of the Inform (last to %s)", max(0, s.a.cfg.MaxRedirects), redirect)
		}
		s.a.logger.Debug("redirected", "to", redirect.String())
		s.url = redirect
		s.resetAuth()
	}
}

// exchange makes one HTTP request with the response wait bound, and
// returns the envelope read, or the redirect target.
func (s *session) exchange(what string, data []byte) (*cwmp.Envelope, *url.URL, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.a.cfg.SessionTimeout)
	defer cancel()
	var body io.Reader
	if data != nil {
		body = bytes.NewReader(data) // replayable, for the retry after a 401
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url.String(), body)
	if err != nil {
		return nil, nil, fmt.Errorf("POST %s: %w", what, err)
	}
	if data != nil {
		req.Header.Set("Content-Type", contentType)
		req.Header["SOAPAction"] = []string{""} // present and empty (TR-069 3.4.1)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("POST %s: %w", what, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNoContent:
		return nil, nil, nil
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		loc := resp.Header.Get("Location")
		to, err := s.url.Parse(loc)
		if loc == "" || err != nil || (to.Scheme != "http" && to.Scheme != "https") {
			return nil, nil, fmt.Errorf("the ACS answered %s with HTTP %s to an unusable Location %q", what, resp.Status, loc)
		}
		return nil, to, nil
	default:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
		return nil, nil, fmt.Errorf("the ACS answered %s with HTTP %s: %s", what, resp.Status, bytes.TrimSpace(msg))
	}
	env, err := cwmp.ReadEnvelope(resp.Body, resp.Header.Get("Content-Type"), s.a.cfg.MaxBodySize)
	var de *cwmp.DecodeError
	switch {
	case errors.Is(err, cwmp.ErrEmpty):
		return nil, nil, nil
	case env != nil && errors.As(err, &de):
		// A sound envelope whose message does not fit its type: the
		// session goes on, and a request gets 9003 with its ID.
		env.Body = &undecodable{err: de}
		return env, nil, nil
	case err != nil:
		return nil, nil, fmt.Errorf("read the answer to %s: %w", what, err)
	}
	return env, nil, nil
}

// undecodable stands for a message of the ACS that Decode could not read
// into its type (cwmp.DecodeError), so the session can answer it with 9003.
type undecodable struct{ err *cwmp.DecodeError }

func (u *undecodable) MethodName() string { return "undecodable message (" + u.err.Path + ")" }
