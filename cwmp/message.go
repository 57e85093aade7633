package cwmp

import (
	"fmt"
	"reflect"
	"sort"
)

// Message is one CWMP RPC request or response: the single element inside a
// SOAP Body. MethodName is that element's name ("Inform",
// "GetParameterValuesResponse", "Fault").
type Message interface {
	MethodName() string
}

// TR-069 Table 5 splits the RPC methods into CPE methods (the CPE implements
// them, the ACS calls them) and ACS methods (the other way round). The marker
// interfaces below make that direction part of the type, so an ACS cannot
// send an Inform or a CPE a Reboot by mistake: the ACS sends CPERequest and
// ACSResponse values, the CPE sends ACSRequest and CPEResponse values.
// GetRPCMethods, its response and Fault belong to both sides.

// CPERequest is a request of a CPE method, sent by the ACS.
type CPERequest interface {
	Message
	cpeRequest()
}

// CPEResponse is the response to a CPE method, sent by the CPE.
type CPEResponse interface {
	Message
	cpeResponse()
}

// ACSRequest is a request of an ACS method, sent by the CPE.
type ACSRequest interface {
	Message
	acsRequest()
}

// ACSResponse is the response to an ACS method, sent by the ACS.
type ACSResponse interface {
	Message
	acsResponse()
}

// Marker embeds. Each message type embeds exactly the markers of its
// direction; they hold no data and are skipped by the codec.
type (
	cpeReq  struct{}
	cpeResp struct{}
	acsReq  struct{}
	acsResp struct{}
)

func (cpeReq) cpeRequest()   {}
func (cpeResp) cpeResponse() {}
func (acsReq) acsRequest()   {}
func (acsResp) acsResponse() {}

// Exported names of the direction markers, to embed in vendor-specific
// message types given to Register so they can be sent like the standard
// ones:
//
//	type XPing struct {
//		cwmp.CPERequestMarker
//		Count uint32
//	}
type (
	CPERequestMarker  = cpeReq
	CPEResponseMarker = cpeResp
	ACSRequestMarker  = acsReq
	ACSResponseMarker = acsResp
)

// UnknownMessage is what Decode returns for a Body element that is not a
// method this package knows (a vendor extension, or a method of a newer
// CWMP). It carries the name so the receiver can answer with fault 9000
// (CPE) or 8000 (ACS), Method not supported.
type UnknownMessage struct {
	Name      string
	Namespace string
}

// MethodName returns the element name as received.
func (m *UnknownMessage) MethodName() string { return m.Name }

// registry maps element names to constructors of the message types.
var registry = map[string]func() Message{}

// register adds message types to the registry; the zero value of each type
// gives its method name.
func register(ms ...Message) {
	for _, m := range ms {
		t := reflect.TypeOf(m).Elem()
		name := m.MethodName()
		if _, dup := registry[name]; dup {
			panic("cwmp: method registered twice: " + name)
		}
		registry[name] = func() Message { return reflect.New(t).Interface().(Message) }
	}
}

// Register makes Decode return values of m's type for elements named
// m.MethodName(), for vendor-specific methods (X_<OUI>_Name). m must be a
// pointer to a struct whose fields follow this package's `cwmp` tag rules;
// Register panics otherwise, or when the name is taken.
func Register(m Message) {
	t := reflect.TypeOf(m)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("cwmp: Register needs a pointer to a struct, got %T", m))
	}
	planFor(t.Elem()) // validate the tags now rather than on first message
	register(m)
}

// Methods returns the names of every known message, sorted.
func Methods() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// NewMessage returns a new zero message of the given method name, or nil
// when the name is unknown.
func NewMessage(name string) Message {
	if f, ok := registry[name]; ok {
		return f()
	}
	return nil
}
