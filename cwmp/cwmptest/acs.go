package cwmptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// SessionCookie is the name of the cookie the fake ACS keys its sessions on.
const SessionCookie = "cwmptest-session"

// ACS is a fake ACS: an HTTP server on 127.0.0.1 that runs CWMP sessions
// with any number of CPEs at once, sends them the requests queued with
// Enqueue and EnqueueFor, and records every session and every POST.
//
// Configure the exported fields between NewUnstartedACS and Start; NewACS
// starts an ACS with the defaults. The methods are safe for concurrent use.
type ACS struct {
	// URL is the CWMP endpoint (http://127.0.0.1:port/cwmp), set by Start.
	URL string

	// Handler answers the CPE's requests, the Inform included. nil means
	// NewACSMux(). Whatever it returns for an Inform, the ACS adds the
	// session cookie and, after negotiation, the UseCWMPVersion header.
	Handler cwmp.Handler
	// Auth, when set, authenticates the first POST of every session (the
	// one carrying the Inform) with HTTP Basic or Digest; later POSTs are
	// recognised by the session cookie. A failure is answered with 401 and
	// starts no session.
	Auth *cwmp.Authenticator
	// OnInform, when set, sees every Inform first; a non-nil fault is the
	// answer to the Inform and ends the session (8005 Retry request, 8006
	// ACS version incompatible, ...).
	OnInform func(*cwmp.Envelope) *cwmp.Fault
	// Versions are the CWMP versions the ACS speaks, for cwmp.Negotiate;
	// nil means cwmp.Versions. An Inform with SupportedCWMPVersions is
	// answered in the namespace of the newest common version, with
	// UseCWMPVersion; one without, in its own namespace.
	Versions []cwmp.Version
	// BodyLimit is the largest body read; 0 means DefaultBodyLimit.
	BodyLimit int64
	// MaxExchanges bounds the POSTs of one session; 0 means
	// DefaultMaxExchanges. The POST beyond it gets 400 and ends the session.
	MaxExchanges int
	// HoldRequests makes the ACS set the HoldRequests header on every
	// message of a session until it has sent all its requests, and then
	// answer with an empty 200 response, which lifts the hold, instead of
	// 204: the CPE then sends the requests it held, and the session ends
	// with 204 at its next empty POST (TR-069 3.7.1.4 and A.2.2). A CPE
	// request sent while the hold is on is recorded as a violation.
	HoldRequests bool

	srv       *httptest.Server
	closed    chan struct{}
	closeOnce sync.Once

	// mu guards everything below and every session record. Lock order:
	// acsSession.mu before ACS.mu; ACS.mu is never held while a handler or
	// the network is waited on.
	mu       sync.Mutex
	sessions []*acsSession
	byCookie map[string]*acsSession
	queue    []cwmp.CPERequest
	queueFor map[string][]cwmp.CPERequest
	posts    []Post
	changed  chan struct{} // closed and replaced whenever a session changes
	lastID   uint64
}

// acsSession is the ACS's state of one session.
type acsSession struct {
	// mu serialises the POSTs of the session, handler calls included.
	mu      sync.Mutex
	cookie  string
	serial  string
	posts   int
	pending *cwmp.Envelope // the ACS request awaiting its answer
	// released is set once the ACS has lifted HoldRequests with an empty
	// response (ACS.HoldRequests).
	released bool
	rec      *Session // guarded by ACS.mu
}

// Post is the record of one HTTP request the fake ACS received.
type Post struct {
	// Session is the N of the session the POST belonged to, 0 when none
	// (a 401, or a 400 outside a session).
	Session    int
	RemoteAddr string
	// Cookie is the session cookie the request carried, "" when none.
	Cookie string
	// HasSOAPAction reports whether a SOAPAction header was present, and
	// SOAPAction holds its value.
	HasSOAPAction bool
	SOAPAction    string
	ContentType   string
	// ContentLength is the request's, -1 when unknown (chunked).
	ContentLength int64
	// Method is the name of the message carried, "" for an empty body (or
	// one that was not read).
	Method string
	// Status is the HTTP status the ACS answered with.
	Status int
}

// NewACS starts a fake ACS with the default configuration. Close it when
// done.
func NewACS() *ACS {
	a := NewUnstartedACS()
	a.Start()
	return a
}

// NewUnstartedACS returns a fake ACS to configure and then Start.
func NewUnstartedACS() *ACS {
	return &ACS{
		closed:   make(chan struct{}),
		byCookie: map[string]*acsSession{},
		queueFor: map[string][]cwmp.CPERequest{},
		changed:  make(chan struct{}),
	}
}

// Start starts the server on an OS-chosen port of 127.0.0.1 and sets URL.
func (a *ACS) Start() {
	if a.srv != nil {
		panic("cwmptest: ACS already started")
	}
	if a.Handler == nil {
		a.Handler = NewACSMux()
	}
	mux := http.NewServeMux()
	mux.Handle("/cwmp", a)
	a.srv = httptest.NewUnstartedServer(mux)
	// A CPE that stalls mid-request must not hold a handler (and Close)
	// forever.
	a.srv.Config.ReadHeaderTimeout = 10 * time.Second
	a.srv.Config.ReadTimeout = 30 * time.Second
	a.srv.Start()
	a.URL = a.srv.URL + "/cwmp"
}

// Close stops the server, closing every connection, and waits for the
// handlers in progress to return. Sessions in progress stay unended;
// WaitSession returns an error from then on.
func (a *ACS) Close() {
	a.closeOnce.Do(func() {
		close(a.closed)
		if a.srv != nil {
			a.srv.Close()
		}
	})
}

// NewACSMux returns the default handler of the fake ACS: a cwmp.ServeMux
// of RoleACS that answers the Inform with InformResponse{MaxEnvelopes: 1},
// Kicked with a KickedResponse pointing at the Next URL it was given, and
// every other ACS method with its empty response. GetRPCMethods lists them,
// and anything else gets fault 8000. Add or replace handlers to script an
// ACS.
func NewACSMux() *cwmp.ServeMux {
	m := cwmp.NewServeMux(cwmp.RoleACS)
	m.HandleFunc("Inform", func(context.Context, cwmp.Message) (cwmp.Message, error) {
		return &cwmp.InformResponse{MaxEnvelopes: 1}, nil
	})
	m.HandleFunc("Kicked", func(_ context.Context, req cwmp.Message) (cwmp.Message, error) {
		return &cwmp.KickedResponse{NextURL: req.(*cwmp.Kicked).Next}, nil
	})
	for _, resp := range []cwmp.ACSResponse{
		&cwmp.TransferCompleteResponse{},
		&cwmp.AutonomousTransferCompleteResponse{},
		&cwmp.DUStateChangeCompleteResponse{},
		&cwmp.AutonomousDUStateChangeCompleteResponse{},
		&cwmp.RequestDownloadResponse{},
	} {
		name := resp.MethodName()
		m.HandleFunc(name[:len(name)-len("Response")], func(context.Context, cwmp.Message) (cwmp.Message, error) {
			return cwmp.NewMessage(name), nil
		})
	}
	return m
}

// Enqueue queues requests for the ACS to send, first come first served, to
// whichever session asks next: one for each empty POST or response of a CPE.
// Requests queued for the CPE with EnqueueFor go first.
func (a *ACS) Enqueue(reqs ...cwmp.CPERequest) {
	a.mu.Lock()
	a.queue = append(a.queue, reqs...)
	a.mu.Unlock()
}

// EnqueueFor queues requests for the CPE whose Inform carries the serial
// number, ahead of those queued with Enqueue.
func (a *ACS) EnqueueFor(serial string, reqs ...cwmp.CPERequest) {
	a.mu.Lock()
	a.queueFor[serial] = append(a.queueFor[serial], reqs...)
	a.mu.Unlock()
}

// Sessions returns snapshots of every session, ended or in progress, in the
// order of their Informs.
func (a *ACS) Sessions() []*Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*Session, len(a.sessions))
	for i, s := range a.sessions {
		out[i] = s.rec.clone()
	}
	return out
}

// Posts returns a record of every HTTP request received, in order.
func (a *ACS) Posts() []Post {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]Post(nil), a.posts...)
}

// WaitSession waits until the n-th session (from 1) has ended and returns
// its snapshot. It fails when ctx ends or the ACS is closed first.
func (a *ACS) WaitSession(ctx context.Context, n int) (*Session, error) {
	if n < 1 {
		return nil, fmt.Errorf("cwmptest: WaitSession(%d): sessions are numbered from 1", n)
	}
	for {
		a.mu.Lock()
		if n <= len(a.sessions) && a.sessions[n-1].rec.Ended {
			s := a.sessions[n-1].rec.clone()
			a.mu.Unlock()
			return s, nil
		}
		started, ch := len(a.sessions), a.changed
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, fmt.Errorf("cwmptest: waiting for session %d to end (%d started): %w", n, started, ctx.Err())
		case <-a.closed:
			return nil, fmt.Errorf("cwmptest: waiting for session %d to end (%d started): ACS closed", n, started)
		}
	}
}

// ServeHTTP serves the CWMP endpoint.
func (a *ACS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := Post{
		RemoteAddr:    r.RemoteAddr,
		ContentType:   r.Header.Get("Content-Type"),
		ContentLength: r.ContentLength,
	}
	if v, ok := r.Header["Soapaction"]; ok {
		p.HasSOAPAction, p.SOAPAction = true, v[0]
	}
	if c, err := r.Cookie(SessionCookie); err == nil {
		p.Cookie = c.Value
	}
	rw := &recordingWriter{ResponseWriter: w, record: func(status int) {
		p.Status = status
		a.mu.Lock()
		a.posts = append(a.posts, p)
		a.mu.Unlock()
	}}
	a.serve(rw, r, &p)
	if !rw.recorded {
		rw.WriteHeader(http.StatusOK)
	}
}

// recordingWriter records the POST when its status is decided, before any
// byte of the answer leaves, so that a CPE that has its answer finds the
// POST in ACS.Posts.
type recordingWriter struct {
	http.ResponseWriter
	record   func(status int)
	recorded bool
}

func (w *recordingWriter) WriteHeader(status int) {
	if !w.recorded {
		w.recorded = true
		w.record(status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if !w.recorded {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// serve handles one POST. Every change to the records is made before the
// answer is written, so that they are complete when the CPE has it.
func (a *ACS) serve(w http.ResponseWriter, r *http.Request, p *Post) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "cwmptest: the CWMP endpoint takes POST only")
		return
	}
	s := a.lookup(p.Cookie)
	limit := a.BodyLimit
	if limit <= 0 {
		limit = DefaultBodyLimit
	}
	// The body is read before authentication so that an Inform can be
	// authenticated even when it arrives with the cookie of a session that
	// is still open; it is bounded, so that costs little.
	env, err := cwmp.ReadEnvelope(r.Body, p.ContentType, limit)
	if err != nil && !errors.Is(err, cwmp.ErrEmpty) {
		if s != nil {
			p.Session = s.rec.N
			a.end(s, false, fmt.Errorf("malformed POST: %w", err))
		}
		httpError(w, http.StatusBadRequest, "cwmptest: "+err.Error())
		return
	}
	var inform *cwmp.Inform
	if env != nil {
		p.Method = env.Body.MethodName()
		inform, _ = env.Body.(*cwmp.Inform)
	}
	var user string
	if a.Auth != nil && (s == nil || inform != nil) {
		if user, err = a.Auth.Authenticate(r); err != nil {
			a.Auth.Challenge(w, err)
			return
		}
	}
	if inform != nil {
		s = a.start(r, env, inform, user)
	} else if s == nil {
		httpError(w, http.StatusBadRequest, "cwmptest: no session: the first POST of a session must carry an Inform, and later ones the "+SessionCookie+" cookie")
		return
	}
	p.Session = s.rec.N

	s.mu.Lock()
	defer s.mu.Unlock()
	a.mu.Lock()
	ended := s.rec.Ended
	a.mu.Unlock()
	if ended {
		httpError(w, http.StatusBadRequest, "cwmptest: the session has ended")
		return
	}
	s.posts++
	bound := a.MaxExchanges
	if bound <= 0 {
		bound = DefaultMaxExchanges
	}
	if s.posts > bound {
		err := fmt.Errorf("more than %d POSTs in one session", bound)
		a.end(s, false, err)
		httpError(w, http.StatusBadRequest, "cwmptest: "+err.Error())
		return
	}
	a.checkHeaders(s, env, r)

	ctx := r.Context()
	switch {
	case inform != nil:
		a.answerInform(ctx, w, s, env)
	case env == nil:
		if s.pending != nil {
			a.violation(s, "empty POST while the answer to %s (ID %q) was outstanding", s.pending.Body.MethodName(), s.pending.Header.ID)
			s.pending = nil
		}
		a.next(w, s)
	case isResponse(env.Body):
		a.checkNamespace(s, env)
		a.answered(s, env)
		a.next(w, s)
	default:
		a.checkNamespace(s, env)
		a.request(ctx, w, s, env)
	}
}

// isResponse reports whether m answers an ACS request: a response to a CPE
// method or a fault. (GetRPCMethodsResponse goes both ways; from a CPE it can
// only be an answer.)
func isResponse(m cwmp.Message) bool {
	_, ok := m.(cwmp.CPEResponse)
	return ok
}

// lookup returns the open session of a cookie, or nil.
func (a *ACS) lookup(cookie string) *acsSession {
	if cookie == "" {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byCookie[cookie]
}

// start records a new session for an Inform, ending any open session of the
// same cookie.
func (a *ACS) start(r *http.Request, env *cwmp.Envelope, inform *cwmp.Inform, user string) *acsSession {
	var b [16]byte
	_, _ = rand.Read(b[:])
	s := &acsSession{
		cookie: hex.EncodeToString(b[:]),
		serial: inform.DeviceId.SerialNumber,
		rec: &Session{
			RemoteAddr: r.RemoteAddr,
			Username:   user,
			Inform:     Exchange{Request: env},
		},
	}
	var old *acsSession
	if c, err := r.Cookie(SessionCookie); err == nil {
		old = a.lookup(c.Value)
	}
	if old != nil {
		a.end(old, false, errors.New("a new Inform arrived before the session ended"))
	}
	a.mu.Lock()
	a.sessions = append(a.sessions, s)
	s.rec.N = len(a.sessions)
	a.byCookie[s.cookie] = s
	a.notify()
	a.mu.Unlock()
	return s
}

// answerInform negotiates the version and answers the Inform.
func (a *ACS) answerInform(ctx context.Context, w http.ResponseWriter, s *acsSession, env *cwmp.Envelope) {
	out := &cwmp.Envelope{Namespace: env.Namespace, Header: cwmp.Header{ID: env.Header.ID}}
	if out.Namespace == "" {
		out.Namespace = cwmp.NS12 // only to carry the fault: the Inform's namespace is not CWMP's
	}
	versions := a.Versions
	if versions == nil {
		versions = cwmp.Versions
	}
	if a.OnInform != nil {
		if f := a.OnInform(env); f != nil {
			out.Body = f
		}
	}
	if out.Body == nil {
		v, err := cwmp.Negotiate(env.Namespace, env.Header.SupportedCWMPVersions, versions)
		if f, ok := cwmp.AsFault(err); ok {
			out.Body = f
		} else {
			out.Namespace = v.Namespace()
			if len(env.Header.SupportedCWMPVersions) > 0 {
				out.Header.UseCWMPVersion = v
			}
			a.mu.Lock()
			s.rec.Version, s.rec.Namespace = v, out.Namespace
			a.mu.Unlock()
			out.Body = a.answer(ctx, env)
		}
	}
	a.mu.Lock()
	s.rec.Inform.Response = out
	a.mu.Unlock()
	if f, ok := out.Body.(*cwmp.Fault); ok {
		// The CPE ends a session whose Inform failed (TR-069 3.7.1.1).
		a.end(s, false, fmt.Errorf("the Inform was answered with %w", f))
		a.write(w, s, out)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: s.cookie, Path: "/", HttpOnly: true})
	a.write(w, s, out)
}

// answer runs the handler on a request of the CPE, or answers a header it
// must understand but does not with a MustUnderstand fault.
func (a *ACS) answer(ctx context.Context, env *cwmp.Envelope) cwmp.Message {
	if hs := env.Header.NotUnderstood(); len(hs) > 0 {
		return cwmp.MustUnderstandFault(hs)
	}
	return cwmp.Serve(ctx, a.Handler, cwmp.RoleACS, env.Body)
}

// request answers a request of the CPE.
func (a *ACS) request(ctx context.Context, w http.ResponseWriter, s *acsSession, env *cwmp.Envelope) {
	if s.pending != nil {
		a.violation(s, "request %s sent while the answer to %s (ID %q) was outstanding", env.Body.MethodName(), s.pending.Body.MethodName(), s.pending.Header.ID)
	}
	if a.HoldRequests && !s.released {
		a.violation(s, "request %s sent while the ACS held requests (HoldRequests)", env.Body.MethodName())
	}
	out := &cwmp.Envelope{Namespace: s.rec.Namespace, Header: cwmp.Header{ID: env.Header.ID}, Body: a.answer(ctx, env)}
	a.mu.Lock()
	s.rec.CPERequests = append(s.rec.CPERequests, Exchange{Request: env, Response: out})
	a.mu.Unlock()
	a.write(w, s, out)
}

// answered records the CPE's answer to the outstanding request.
func (a *ACS) answered(s *acsSession, env *cwmp.Envelope) {
	req := s.pending
	if req == nil {
		a.violation(s, "%s (ID %q) answers no outstanding request", env.Body.MethodName(), env.Header.ID)
		return
	}
	s.pending = nil
	method := req.Body.MethodName()
	if !cwmp.Answers(req.Body, env.Body) {
		a.violation(s, "%s answers %s", env.Body.MethodName(), method)
	}
	if env.Header.ID != req.Header.ID {
		a.violation(s, "%s has ID %q, want %q, the ID of %s", env.Body.MethodName(), env.Header.ID, req.Header.ID, method)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := len(s.rec.ACSRequests) - 1; i >= 0; i-- {
		if s.rec.ACSRequests[i].Request == req {
			s.rec.ACSRequests[i].Response = env
			break
		}
	}
}

// next sends the next queued request, or ends the session with 204.
func (a *ACS) next(w http.ResponseWriter, s *acsSession) {
	a.mu.Lock()
	var req cwmp.CPERequest
	if q := a.queueFor[s.serial]; len(q) > 0 {
		req, a.queueFor[s.serial] = q[0], q[1:]
	} else if len(a.queue) > 0 {
		req, a.queue = a.queue[0], a.queue[1:]
	}
	if req == nil {
		a.mu.Unlock()
		if a.HoldRequests && !s.released {
			// An empty response lifts the hold; the CPE may now send
			// what it held before its next empty POST.
			s.released = true
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		a.end(s, true, nil)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	a.lastID++
	env := &cwmp.Envelope{Namespace: s.rec.Namespace, Header: cwmp.Header{ID: "acs-" + strconv.FormatUint(a.lastID, 10)}, Body: req}
	s.rec.ACSRequests = append(s.rec.ACSRequests, Exchange{Request: env})
	a.mu.Unlock()
	s.pending = env
	a.write(w, s, env)
}

// write sends an envelope with 200 OK. An envelope that cannot be encoded
// (a queued request with a bad value) ends the session with 500.
func (a *ACS) write(w http.ResponseWriter, s *acsSession, env *cwmp.Envelope) {
	if a.HoldRequests && !s.released {
		env.Header.HoldRequests = true
	}
	data, err := cwmp.Encode(env)
	if err != nil {
		a.end(s, false, fmt.Errorf("encode %s: %w", env.Body.MethodName(), err))
		httpError(w, http.StatusInternalServerError, "cwmptest: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// end marks a session ended, once.
func (a *ACS) end(s *acsSession, noContent bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s.rec.Ended {
		return
	}
	s.rec.Ended, s.rec.NoContent, s.rec.Err = true, noContent, err
	delete(a.byCookie, s.cookie)
	a.notify()
}

// notify wakes the waiters of WaitSession; a.mu must be held.
func (a *ACS) notify() {
	close(a.changed)
	a.changed = make(chan struct{})
}

// violation records a deviation of the CPE.
func (a *ACS) violation(s *acsSession, format string, args ...any) {
	a.mu.Lock()
	s.rec.Violations = append(s.rec.Violations, fmt.Sprintf(format, args...))
	a.mu.Unlock()
}

// checkHeaders records deviations from TR-069 section 3.4.1 in the HTTP
// headers of a POST.
func (a *ACS) checkHeaders(s *acsSession, env *cwmp.Envelope, r *http.Request) {
	_, soapAction := r.Header["Soapaction"]
	if env == nil {
		if soapAction {
			a.violation(s, "an empty POST has a SOAPAction header")
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			a.violation(s, "an empty POST has a Content-Type header (%q)", ct)
		}
		if r.ContentLength != 0 {
			a.violation(s, "an empty POST has no Content-Length: 0 (length %d)", r.ContentLength)
		}
		return
	}
	name := env.Body.MethodName()
	if !soapAction {
		a.violation(s, "the POST of %s has no SOAPAction header", name)
	}
	if !isXML(r.Header) {
		a.violation(s, "the POST of %s has Content-Type %q, want text/xml", name, r.Header.Get("Content-Type"))
	}
}

// checkNamespace records a message after the Inform that is not in the
// session's namespace. A fault without a cwmp:ID header carries none.
func (a *ACS) checkNamespace(s *acsSession, env *cwmp.Envelope) {
	if env.Namespace != "" && env.Namespace != s.rec.Namespace {
		a.violation(s, "%s is in namespace %s, want %s (CWMP %s)", env.Body.MethodName(), env.Namespace, s.rec.Namespace, s.rec.Version)
	}
}

// httpError answers with a plain-text error.
func httpError(w http.ResponseWriter, status int, msg string) {
	http.Error(w, msg, status)
}
