package cwmp

import "time"

// DeviceIdStruct identifies a CPE. OUI is six upper-case hex digits.
type DeviceIdStruct struct {
	Manufacturer string
	OUI          string
	ProductClass string
	SerialNumber string
}

// EventStruct is one event the CPE reports in an Inform; CommandKey ties
// method events (M Reboot, M Download, ...) to the request that caused them.
type EventStruct struct {
	EventCode  EventCode
	CommandKey string
}

// Inform opens every CWMP session (TR-069 A.3.3.1).
type Inform struct {
	acsReq
	DeviceId      DeviceIdStruct
	Event         []EventStruct `cwmp:"Event,array=EventStruct"`
	MaxEnvelopes  uint32
	CurrentTime   time.Time
	RetryCount    uint32
	ParameterList []ParameterValueStruct `cwmp:"ParameterList,array=ParameterValueStruct"`
}

// HasEvent reports whether the Inform carries the event code.
func (m *Inform) HasEvent(code EventCode) bool {
	for _, e := range m.Event {
		if e.EventCode == code {
			return true
		}
	}
	return false
}

// Parameter returns the value of the named parameter in the ParameterList.
func (m *Inform) Parameter(name string) (string, bool) {
	for i := range m.ParameterList {
		if m.ParameterList[i].Name == name {
			return m.ParameterList[i].Value, true
		}
	}
	return "", false
}

// InformResponse acknowledges an Inform; MaxEnvelopes is always 1.
type InformResponse struct {
	acsResp
	MaxEnvelopes uint32
}

// Kicked reports a web-page kick (TR-069 A.4.2.3, deprecated in later
// amendments but still defined).
type Kicked struct {
	acsReq
	Command string
	Referer string
	Arg     string
	Next    string
}

// KickedResponse gives the URL the browser goes to next.
type KickedResponse struct {
	acsResp
	NextURL string
}

func init() {
	register(
		(*Inform)(nil), (*InformResponse)(nil),
		(*Kicked)(nil), (*KickedResponse)(nil),
	)
}

func (*Inform) MethodName() string         { return "Inform" }
func (*InformResponse) MethodName() string { return "InformResponse" }
func (*Kicked) MethodName() string         { return "Kicked" }
func (*KickedResponse) MethodName() string { return "KickedResponse" }
