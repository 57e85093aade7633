package cwmptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// DefaultSessionTimeout bounds a CPE session whose context has no earlier
// deadline.
const DefaultSessionTimeout = 30 * time.Second

// DefaultInformParams are the parameters the fake CPE puts in the
// ParameterList of its Informs, when its store has them: the Inform
// parameters TR-181 marks forcedInform.
var DefaultInformParams = []string{
	"Device.RootDataModelVersion",
	"Device.DeviceInfo.HardwareVersion",
	"Device.DeviceInfo.SoftwareVersion",
	"Device.DeviceInfo.ProvisioningCode",
	"Device.ManagementServer.ParameterKey",
	"Device.ManagementServer.ConnectionRequestURL",
}

// CPE is a fake CPE: Session runs one CWMP session with an ACS, sending an
// Inform and the requests queued with Send, then answering the ACS's
// requests with Handler, by default from the in-memory store Params.
//
// Set the exported fields before calling Session and do not change them
// during one. Sessions of one CPE run one at a time; the methods are safe
// for concurrent use.
type CPE struct {
	// ACSURL is the ACS's CWMP endpoint.
	ACSURL string
	// DeviceId goes into every Inform.
	DeviceId cwmp.DeviceIdStruct
	// Params is the parameter store; NewCPE fills it with DefaultParams.
	Params *Params
	// Handler answers the ACS's requests; NewCPE sets it to c.Mux().
	Handler cwmp.Handler
	// Username and Password, when either is set, answer the ACS's HTTP
	// Basic or Digest challenges (with cwmp.Transport).
	Username string
	Password string
	// Namespace is the CWMP namespace of the Inform; "" means cwmp.NS12.
	// When the ACS answers with UseCWMPVersion, the rest of the session
	// uses that version's namespace.
	Namespace string
	// SupportedCWMPVersions, when set, is sent as the header of that name
	// with the Inform.
	SupportedCWMPVersions []cwmp.Version
	// InformParams are the parameters reported in the Inform, those the
	// store has; nil means DefaultInformParams.
	InformParams []string
	// BodyLimit is the largest body read; 0 means DefaultBodyLimit.
	BodyLimit int64
	// MaxExchanges bounds the POSTs of one session; 0 means
	// DefaultMaxExchanges.
	MaxExchanges int
	// Timeout bounds a whole session; 0 means DefaultSessionTimeout. The
	// context's deadline applies too.
	Timeout time.Duration

	sessionMu sync.Mutex // held for a whole session

	mu       sync.Mutex // guards the fields below
	queue    []cwmp.ACSRequest
	received []cwmp.CPERequest
	lastID   uint64
}

// NewCPE returns a fake CPE of the given identity with the default store
// and handler, for the ACS at acsURL.
func NewCPE(acsURL string, id cwmp.DeviceIdStruct) *CPE {
	c := &CPE{ACSURL: acsURL, DeviceId: id, Params: DefaultParams(id, acsURL)}
	c.Handler = c.Mux()
	return c
}

// Send queues a request for the CPE to send in its next session, after the
// InformResponse and before its empty POST. A request the ACS answers with
// a fault stays queued for the session after, as TR-069 asks of
// TransferComplete.
func (c *CPE) Send(req cwmp.ACSRequest) {
	c.mu.Lock()
	c.queue = append(c.queue, req)
	c.mu.Unlock()
}

// Queued returns the requests waiting for a session.
func (c *CPE) Queued() []cwmp.ACSRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.queue)
}

// Received returns every request the ACS sent, over all sessions, in order.
func (c *CPE) Received() []cwmp.CPERequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.received)
}

// Mux returns a new handler that answers the parameter RPCs from c.Params
// (read when each request arrives), acknowledges Reboot, FactoryReset,
// ScheduleInform, ChangeDUState and CancelTransfer without doing anything,
// answers Download and Upload with Status 1 (TransferComplete to follow,
// which a test queues with Send when it wants one), and reports no queued
// transfers. GetRPCMethods lists these methods; anything else, such as
// SetVouchers and GetOptions, gets fault 9000. Add or replace handlers to
// script a CPE.
func (c *CPE) Mux() *cwmp.ServeMux {
	m := cwmp.NewServeMux(cwmp.RoleCPE)
	handle := func(method string, f func(cwmp.Message) (cwmp.Message, error)) {
		m.HandleFunc(method, func(_ context.Context, req cwmp.Message) (cwmp.Message, error) { return f(req) })
	}
	handle("GetParameterValues", func(req cwmp.Message) (cwmp.Message, error) {
		list, err := c.Params.GetParameterValues(req.(*cwmp.GetParameterValues).ParameterNames)
		if err != nil {
			return nil, err
		}
		return &cwmp.GetParameterValuesResponse{ParameterList: list}, nil
	})
	handle("SetParameterValues", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.SetParameterValues)
		if err := c.Params.SetParameterValues(r.ParameterList, r.ParameterKey); err != nil {
			return nil, err
		}
		return &cwmp.SetParameterValuesResponse{Status: 0}, nil
	})
	handle("GetParameterNames", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.GetParameterNames)
		list, err := c.Params.GetParameterNames(r.ParameterPath, r.NextLevel)
		if err != nil {
			return nil, err
		}
		return &cwmp.GetParameterNamesResponse{ParameterList: list}, nil
	})
	handle("GetParameterAttributes", func(req cwmp.Message) (cwmp.Message, error) {
		list, err := c.Params.GetParameterAttributes(req.(*cwmp.GetParameterAttributes).ParameterNames)
		if err != nil {
			return nil, err
		}
		return &cwmp.GetParameterAttributesResponse{ParameterList: list}, nil
	})
	handle("SetParameterAttributes", func(req cwmp.Message) (cwmp.Message, error) {
		if err := c.Params.SetParameterAttributes(req.(*cwmp.SetParameterAttributes).ParameterList); err != nil {
			return nil, err
		}
		return &cwmp.SetParameterAttributesResponse{}, nil
	})
	handle("AddObject", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.AddObject)
		n, err := c.Params.AddObject(r.ObjectName, r.ParameterKey)
		if err != nil {
			return nil, err
		}
		return &cwmp.AddObjectResponse{InstanceNumber: n, Status: 0}, nil
	})
	handle("DeleteObject", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.DeleteObject)
		if err := c.Params.DeleteObject(r.ObjectName, r.ParameterKey); err != nil {
			return nil, err
		}
		return &cwmp.DeleteObjectResponse{Status: 0}, nil
	})
	handle("Download", func(cwmp.Message) (cwmp.Message, error) { return &cwmp.DownloadResponse{Status: 1}, nil })
	handle("Upload", func(cwmp.Message) (cwmp.Message, error) { return &cwmp.UploadResponse{Status: 1}, nil })
	handle("GetQueuedTransfers", func(cwmp.Message) (cwmp.Message, error) { return &cwmp.GetQueuedTransfersResponse{}, nil })
	handle("GetAllQueuedTransfers", func(cwmp.Message) (cwmp.Message, error) { return &cwmp.GetAllQueuedTransfersResponse{}, nil })
	for _, resp := range []cwmp.CPEResponse{
		&cwmp.RebootResponse{},
		&cwmp.FactoryResetResponse{},
		&cwmp.ScheduleInformResponse{},
		&cwmp.ScheduleDownloadResponse{},
		&cwmp.CancelTransferResponse{},
		&cwmp.ChangeDUStateResponse{},
	} {
		name := resp.MethodName()
		handle(strings.TrimSuffix(name, "Response"), func(cwmp.Message) (cwmp.Message, error) { return cwmp.NewMessage(name), nil })
	}
	return m
}

// Session runs one whole session with the ACS (TR-069 section 3.7): the
// Inform with the given events, the queued requests, the empty POST, and
// then an answer to every ACS request until the ACS sends 204 No Content.
// It returns the session's record, also on error (which it then holds in
// Err). The error is a *cwmp.Fault (see cwmp.AsFault) when the ACS answered
// the Inform with one, and mentions the HTTP status when the ACS answered
// with an unexpected one, such as 401 for wrong credentials.
func (c *CPE) Session(ctx context.Context, events ...cwmp.EventStruct) (*Session, error) {
	c.sessionMu.Lock()
	defer c.sessionMu.Unlock()
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultSessionTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	base := http.DefaultTransport.(*http.Transport).Clone()
	base.Proxy = nil
	defer base.CloseIdleConnections()
	var rt http.RoundTripper = base
	if c.Username != "" || c.Password != "" {
		rt = &cwmp.Transport{Auth: &cwmp.ClientAuth{Username: c.Username, Password: c.Password}, Base: base}
	}
	// A new jar per session: the session's cookies end with it. New fails
	// only on bad options.
	jar, _ := cookiejar.New(nil)
	r := &cpeSession{
		c:   c,
		ctx: ctx,
		client: &http.Client{
			Transport: rt,
			Jar:       jar,
			// TR-069 redirects are not implemented: report them.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		limit:     c.BodyLimit,
		maxPosts:  c.MaxExchanges,
		namespace: c.Namespace,
		rec:       &Session{RemoteAddr: c.ACSURL},
	}
	if r.limit <= 0 {
		r.limit = DefaultBodyLimit
	}
	if r.maxPosts <= 0 {
		r.maxPosts = DefaultMaxExchanges
	}
	if r.namespace == "" {
		r.namespace = cwmp.NS12
	}
	err := r.run(events)
	r.rec.Ended, r.rec.Err = true, err
	return r.rec, err
}

// cpeSession is the state of one session of the fake CPE.
type cpeSession struct {
	c         *CPE
	ctx       context.Context
	client    *http.Client
	limit     int64
	maxPosts  int
	posts     int
	namespace string
	rec       *Session
}

func (r *cpeSession) run(events []cwmp.EventStruct) error {
	c := r.c
	inform := &cwmp.Inform{
		DeviceId:      c.DeviceId,
		Event:         events,
		MaxEnvelopes:  1,
		CurrentTime:   time.Now().UTC().Truncate(time.Second),
		ParameterList: c.informParams(),
	}
	env := &cwmp.Envelope{
		Namespace: r.namespace,
		Header:    cwmp.Header{ID: c.newID(), SupportedCWMPVersions: c.SupportedCWMPVersions},
		Body:      inform,
	}
	r.rec.Inform.Request = env
	resp, err := r.post(env)
	if err != nil {
		return err
	}
	if resp == nil {
		return errors.New("cwmptest: the ACS answered the Inform with an empty body")
	}
	r.rec.Inform.Response = resp
	if f, ok := resp.Body.(*cwmp.Fault); ok {
		return fmt.Errorf("cwmptest: the ACS answered the Inform with %w", f)
	}
	ir, ok := resp.Body.(*cwmp.InformResponse)
	if !ok {
		return fmt.Errorf("cwmptest: the ACS answered the Inform with %s", resp.Body.MethodName())
	}
	r.checkID(resp, env)
	if ir.MaxEnvelopes != 1 {
		r.violation("InformResponse has MaxEnvelopes %d, want 1", ir.MaxEnvelopes)
	}
	if err := r.negotiate(resp); err != nil {
		return err
	}

	hold := resp.Header.HoldRequests
	held, err := r.sendRequests(c.takeQueue(), &hold)
	if err != nil {
		return err
	}
	// Held requests the session ends without sending wait for the next.
	defer func() { c.requeue(held) }()

	var out *cwmp.Envelope // nil: the empty POST
	for {
		resp, err := r.post(out)
		if err != nil {
			return err
		}
		if resp == nil {
			if len(held) > 0 {
				// An empty response lifts HoldRequests: the held requests
				// go now, then another empty POST (TR-069 3.7.1.4).
				hold = false
				if held, err = r.sendRequests(held, &hold); err != nil {
					return err
				}
				out = nil
				continue
			}
			r.rec.NoContent = true
			return nil
		}
		req, ok := resp.Body.(cwmp.CPERequest)
		_, unknown := resp.Body.(*cwmp.UnknownMessage)
		if !ok && !unknown {
			return fmt.Errorf("cwmptest: the ACS sent %s where a request or 204 No Content was expected", resp.Body.MethodName())
		}
		if ok {
			c.mu.Lock()
			c.received = append(c.received, req)
			c.mu.Unlock()
		}
		if resp.Header.ID == "" {
			r.violation("%s has no cwmp:ID header", resp.Body.MethodName())
		}
		r.checkNamespace(resp)
		var answer cwmp.Message
		if hs := resp.Header.NotUnderstood(); len(hs) > 0 {
			answer = cwmp.MustUnderstandFault(hs)
		} else {
			answer = cwmp.Serve(r.ctx, c.Handler, cwmp.RoleCPE, resp.Body)
		}
		out = &cwmp.Envelope{Namespace: r.namespace, Header: cwmp.Header{ID: resp.Header.ID}, Body: answer}
		r.rec.ACSRequests = append(r.rec.ACSRequests, Exchange{Request: resp, Response: out})
	}
}

// sendRequests sends queued CPE requests until the ACS holds requests
// (*hold, updated from each answer) and returns those left unsent. A
// request the ACS faults is queued again for the next session, as are the
// unsent ones when the exchange fails.
func (r *cpeSession) sendRequests(queue []cwmp.ACSRequest, hold *bool) ([]cwmp.ACSRequest, error) {
	c := r.c
	var keep []cwmp.ACSRequest // faulted: for the next session
	defer func() { c.requeue(keep) }()
	for i, req := range queue {
		if *hold {
			return queue[i:], nil
		}
		env := &cwmp.Envelope{Namespace: r.namespace, Header: cwmp.Header{ID: c.newID()}, Body: req}
		resp, err := r.post(env)
		if err == nil && resp == nil {
			err = fmt.Errorf("cwmptest: the ACS answered %s with an empty body", req.MethodName())
		}
		if err != nil {
			keep = append(keep, queue[i:]...)
			return nil, err
		}
		r.rec.CPERequests = append(r.rec.CPERequests, Exchange{Request: env, Response: resp})
		if !cwmp.Answers(req, resp.Body) {
			keep = append(keep, queue[i:]...)
			return nil, fmt.Errorf("cwmptest: the ACS answered %s with %s", req.MethodName(), resp.Body.MethodName())
		}
		r.checkID(resp, env)
		r.checkNamespace(resp)
		if _, ok := resp.Body.(*cwmp.Fault); ok {
			keep = append(keep, req)
		}
		*hold = resp.Header.HoldRequests
	}
	return nil, nil
}

// negotiate applies the ACS's UseCWMPVersion to the rest of the session.
func (r *cpeSession) negotiate(resp *cwmp.Envelope) error {
	supported := r.c.SupportedCWMPVersions
	use := resp.Header.UseCWMPVersion
	switch {
	case use.IsZero():
		r.rec.Version, _ = cwmp.NamespaceVersion(r.namespace)
	case len(supported) == 0:
		r.violation("UseCWMPVersion %s answers an Inform without SupportedCWMPVersions", use)
		r.rec.Version, _ = cwmp.NamespaceVersion(r.namespace)
	case !slices.Contains(supported, use):
		return fmt.Errorf("cwmptest: the ACS chose CWMP %s, which is not among the CPE's %s", use, cwmp.FormatVersions(supported))
	default:
		r.rec.Version, r.namespace = use, use.Namespace()
	}
	r.rec.Namespace = r.namespace
	if resp.Namespace != r.namespace {
		r.violation("InformResponse is in namespace %s, want %s", resp.Namespace, r.namespace)
	}
	return nil
}

// post sends one POST, empty when env is nil, and returns the ACS's
// envelope, or nil when the ACS ended the session (204, or 200 with an
// empty body).
func (r *cpeSession) post(env *cwmp.Envelope) (*cwmp.Envelope, error) {
	what := "the empty POST"
	if env != nil {
		what = env.Body.MethodName()
	}
	r.posts++
	if r.posts > r.maxPosts {
		return nil, fmt.Errorf("cwmptest: more than %d POSTs in one session", r.maxPosts)
	}
	var body io.Reader
	if env != nil {
		data, err := cwmp.Encode(env)
		if err != nil {
			return nil, fmt.Errorf("cwmptest: encode %s: %w", what, err)
		}
		body = bytes.NewReader(data) // replayable, for a retry after 401
	}
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, r.c.ACSURL, body)
	if err != nil {
		return nil, fmt.Errorf("cwmptest: POST %s: %w", what, err)
	}
	if env != nil {
		req.Header.Set("Content-Type", contentType)
		req.Header["SOAPAction"] = []string{""} // present and empty (TR-069 3.4.1), spelt as in the spec
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cwmptest: POST %s: %w", what, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNoContent:
		return nil, nil
	default:
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("cwmptest: the ACS answered %s with HTTP %s: %s", what, resp.Status, bytes.TrimSpace(msg))
	}
	out, err := cwmp.ReadEnvelope(resp.Body, resp.Header.Get("Content-Type"), r.limit)
	switch {
	case errors.Is(err, cwmp.ErrEmpty):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("cwmptest: read the ACS's answer to %s: %w", what, err)
	}
	if !isXML(resp.Header) {
		r.violation("the answer to %s has Content-Type %q, want text/xml", what, resp.Header.Get("Content-Type"))
	}
	return out, nil
}

// checkID records an answer that does not echo its request's cwmp:ID.
func (r *cpeSession) checkID(resp, req *cwmp.Envelope) {
	if resp.Header.ID != req.Header.ID {
		r.violation("%s has ID %q, want %q, the ID of %s", resp.Body.MethodName(), resp.Header.ID, req.Header.ID, req.Body.MethodName())
	}
}

// checkNamespace records a message after the InformResponse that is not in
// the session's namespace. A fault without a cwmp:ID header carries none.
func (r *cpeSession) checkNamespace(env *cwmp.Envelope) {
	if env.Namespace != "" && env.Namespace != r.namespace {
		r.violation("%s is in namespace %s, want %s", env.Body.MethodName(), env.Namespace, r.namespace)
	}
}

func (r *cpeSession) violation(format string, args ...any) {
	r.rec.Violations = append(r.rec.Violations, fmt.Sprintf(format, args...))
}

// informParams returns the Inform's ParameterList from the store.
func (c *CPE) informParams() []cwmp.ParameterValueStruct {
	names := c.InformParams
	if names == nil {
		names = DefaultInformParams
	}
	var out []cwmp.ParameterValueStruct
	for _, name := range names {
		if prm, ok := c.Params.Get(name); ok {
			out = append(out, cwmp.ParameterValueStruct{Name: name, Value: prm.Value, Type: prm.Type})
		}
	}
	return out
}

// newID returns a cwmp:ID not used before by this CPE.
func (c *CPE) newID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastID++
	return "cpe-" + strconv.FormatUint(c.lastID, 10)
}

// takeQueue empties the queue and returns what it held.
func (c *CPE) takeQueue() []cwmp.ACSRequest {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

// requeue puts requests back at the head of the queue.
func (c *CPE) requeue(reqs []cwmp.ACSRequest) {
	if len(reqs) == 0 {
		return
	}
	c.mu.Lock()
	c.queue = append(slices.Clone(reqs), c.queue...)
	c.mu.Unlock()
}
