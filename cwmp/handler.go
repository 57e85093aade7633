package cwmp

import (
	"context"
	"sort"
	"sync"
)

// Handler answers one CWMP request with a response message. Returning an
// error that is a *Fault sends that fault; any other error becomes an
// internal-error fault (9002 from a CPE, 8002 from an ACS) so the session
// goes on.
type Handler interface {
	ServeCWMP(ctx context.Context, req Message) (Message, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req Message) (Message, error)

// ServeCWMP calls f.
func (f HandlerFunc) ServeCWMP(ctx context.Context, req Message) (Message, error) {
	return f(ctx, req)
}

// Role says which end of a session a ServeMux serves, which decides its
// fault codes: a CPE answers unknown methods with 9000, an ACS with 8000.
type Role uint8

// The two ends of a CWMP session.
const (
	RoleCPE Role = iota
	RoleACS
)

// ServeMux dispatches requests to handlers by method name, like
// http.ServeMux does by path. Unknown methods get Method not supported, and
// GetRPCMethods, unless a handler is registered for it, answers with the
// methods registered, so the list is always truthful.
type ServeMux struct {
	role     Role
	mu       sync.RWMutex
	handlers map[string]Handler
}

// NewServeMux returns an empty mux for the given role.
func NewServeMux(role Role) *ServeMux {
	return &ServeMux{role: role, handlers: map[string]Handler{}}
}

// Handle registers h for requests named method ("Reboot").
func (m *ServeMux) Handle(method string, h Handler) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[method] = h
}

// HandleFunc registers a function for requests named method.
func (m *ServeMux) HandleFunc(method string, f func(ctx context.Context, req Message) (Message, error)) {
	m.Handle(method, HandlerFunc(f))
}

// Methods returns the method names the mux answers, sorted, GetRPCMethods
// included.
func (m *ServeMux) Methods() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	names := make([]string, 0, len(m.handlers)+1)
	for n := range m.handlers {
		names = append(names, n)
	}
	if _, ok := m.handlers["GetRPCMethods"]; !ok {
		names = append(names, "GetRPCMethods")
	}
	sort.Strings(names)
	return names
}

// ServeCWMP dispatches req and turns every error into a fault, so the
// result is always a message to send.
func (m *ServeMux) ServeCWMP(ctx context.Context, req Message) (Message, error) {
	name := req.MethodName()
	m.mu.RLock()
	h, ok := m.handlers[name]
	m.mu.RUnlock()
	if !ok {
		if name == "GetRPCMethods" {
			return &GetRPCMethodsResponse{MethodList: m.Methods()}, nil
		}
		return m.notSupported(name), nil
	}
	return Serve(ctx, h, m.role, req), nil
}

// Serve runs h on req and always returns a message to send: the response,
// the *Fault the handler returned as its error, or for any other error (or
// no response at all) the internal-error fault of role, 9002 or 8002. A
// session loop calls it so that no handler error ends a session.
func Serve(ctx context.Context, h Handler, role Role, req Message) Message {
	resp, err := h.ServeCWMP(ctx, req)
	if err == nil && resp != nil {
		return resp
	}
	if f, ok := AsFault(err); ok {
		return f
	}
	code := FaultInternalError
	if role == RoleACS {
		code = FaultACSInternalError
	}
	if err == nil {
		return NewFault(code, "%s: the handler returned no response", req.MethodName())
	}
	return NewFault(code, "%s: %v", req.MethodName(), err)
}

// Answers reports whether resp is a fitting answer to req: its response
// (same method name plus "Response") or a fault.
func Answers(req, resp Message) bool {
	if _, ok := resp.(*Fault); ok {
		return true
	}
	return resp.MethodName() == req.MethodName()+"Response"
}

func (m *ServeMux) notSupported(name string) *Fault {
	code := FaultMethodNotSupported
	if m.role == RoleACS {
		code = FaultACSMethodNotSupported
	}
	return NewFault(code, "method %s is not supported", name)
}
