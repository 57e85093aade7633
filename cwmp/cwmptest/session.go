package cwmptest

import (
	"mime"
	"net/http"
	"slices"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// DefaultBodyLimit is the largest SOAP body either fake reads when no other
// limit is set: 4 MiB, ample for a GetParameterValuesResponse of a whole
// TR-181 tree.
const DefaultBodyLimit = 4 << 20

// DefaultMaxExchanges bounds the HTTP POSTs of one session when no other
// bound is set, so that a peer stuck in a loop fails a test instead of
// hanging it.
const DefaultMaxExchanges = 1000

// contentType is the Content-Type of every SOAP body either fake sends.
const contentType = `text/xml; charset="utf-8"`

// Exchange is one request and its answer, as envelopes, so that the header
// (cwmp:ID, UseCWMPVersion, HoldRequests) and namespace are recorded along
// with the message.
type Exchange struct {
	Request *cwmp.Envelope
	// Response is the answer: the matching response or a *cwmp.Fault. It is
	// nil when the session ended before an answer came.
	Response *cwmp.Envelope
}

// Fault returns the answer when it is a fault, or nil.
func (e Exchange) Fault() *cwmp.Fault {
	if e.Response == nil {
		return nil
	}
	f, _ := e.Response.Body.(*cwmp.Fault)
	return f
}

// Session is the record of one CWMP session, as one end saw it. Values
// returned by the fakes are snapshots: later progress of the session does not
// change them.
type Session struct {
	// N is the session's position at the ACS, from 1 in order of the
	// Informs; 0 in a record kept by the CPE.
	N int
	// RemoteAddr is the peer: the CPE's host:port at the ACS, the ACS URL at
	// the CPE.
	RemoteAddr string
	// Username is the user the ACS authenticated; "" without
	// authentication, and in a record kept by the CPE.
	Username string
	// Version is the CWMP version of the session: the one negotiated from
	// the Inform's SupportedCWMPVersions header, else the newest of the
	// Inform's namespace.
	Version cwmp.Version
	// Namespace is the CWMP namespace of the messages after the Inform.
	Namespace string
	// Inform is the Inform and the InformResponse (or fault) that answered it.
	Inform Exchange
	// CPERequests are the requests the CPE sent (TransferComplete,
	// GetRPCMethods, ...) with the ACS's answers, in order.
	CPERequests []Exchange
	// ACSRequests are the requests the ACS sent with the CPE's answers, in
	// order.
	ACSRequests []Exchange
	// Ended reports that the session is over, normally or not.
	Ended bool
	// NoContent reports that the session ended normally: the ACS answered an
	// empty POST or a response with 204 No Content (or, seen from the CPE, an
	// empty 200).
	NoContent bool
	// Err says why the session ended abnormally, when it did.
	Err error
	// Violations lists the peer's deviations from TR-069 that did not stop
	// the session (an ID not echoed, a missing SOAPAction header, a response
	// to the wrong method, ...). A conforming peer leaves it empty.
	Violations []string
}

// InformMessage returns the session's Inform, or nil.
func (s *Session) InformMessage() *cwmp.Inform {
	if s.Inform.Request == nil {
		return nil
	}
	m, _ := s.Inform.Request.Body.(*cwmp.Inform)
	return m
}

// DeviceId returns the DeviceId of the session's Inform.
func (s *Session) DeviceId() cwmp.DeviceIdStruct {
	if m := s.InformMessage(); m != nil {
		return m.DeviceId
	}
	return cwmp.DeviceIdStruct{}
}

// ResponseTo returns the CPE's answer (a response or a *cwmp.Fault) to the
// first ACS request of the session named method, or nil.
func (s *Session) ResponseTo(method string) cwmp.Message {
	for _, x := range s.ACSRequests {
		if x.Request.Body.MethodName() == method && x.Response != nil {
			return x.Response.Body
		}
	}
	return nil
}

// Faults returns every fault of the session, from either side, in order:
// the Inform's, then those answering CPE requests, then those answering ACS
// requests.
func (s *Session) Faults() []*cwmp.Fault {
	var out []*cwmp.Fault
	for _, x := range append(append([]Exchange{s.Inform}, s.CPERequests...), s.ACSRequests...) {
		if f := x.Fault(); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// clone returns a snapshot of s that shares only the immutable envelopes.
func (s *Session) clone() *Session {
	c := *s
	c.CPERequests = slices.Clone(s.CPERequests)
	c.ACSRequests = slices.Clone(s.ACSRequests)
	c.Violations = slices.Clone(s.Violations)
	return &c
}

// isXML reports whether a Content-Type header names text/xml, the only type
// TR-069 (section 3.4.1) allows for a SOAP body.
func isXML(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "text/xml"
}
