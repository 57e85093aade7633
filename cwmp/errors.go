package cwmp

import "errors"

// Errors returned by Decode and ReadEnvelope. Each names what was wrong; use
// errors.Is to tell them apart. Malformed XML is reported as a *SyntaxError,
// which also matches ErrNotXML.
var (
	// ErrEmpty means the body held nothing but white space. In CWMP that is
	// not an error of the peer: an empty HTTP POST or response is how either
	// side says it has nothing more to send.
	ErrEmpty = errors.New("cwmp: empty body")
	// ErrNotXML means the input is not well-formed XML.
	ErrNotXML = errors.New("cwmp: body is not XML")
	// ErrNotEnvelope means the root element is not a SOAP Envelope.
	ErrNotEnvelope = errors.New("cwmp: body is not a SOAP envelope")
	// ErrNoBody means the envelope has no Body element.
	ErrNoBody = errors.New("cwmp: envelope has no Body")
	// ErrNoMessage means the Body holds no element.
	ErrNoMessage = errors.New("cwmp: Body holds no message")
	// ErrSeveralMessages means the Body holds more than one element; CWMP
	// carries exactly one RPC per envelope (MaxEnvelopes is always 1).
	ErrSeveralMessages = errors.New("cwmp: Body holds several messages")
	// ErrTooLarge means the body exceeded the limit the caller set.
	ErrTooLarge = errors.New("cwmp: body exceeds the size limit")
	// ErrCharset means the declared character encoding is not supported.
	ErrCharset = errors.New("cwmp: unsupported character encoding")
	// ErrNamespace means an envelope was to be encoded without a known CWMP
	// namespace.
	ErrNamespace = errors.New("cwmp: unknown CWMP namespace")
)

// Is lets a *SyntaxError match ErrNotXML.
func (e *SyntaxError) Is(target error) bool { return target == ErrNotXML }

// DecodeError reports a message whose XML is well-formed but whose content
// does not fit the message: a number that is not a number, a dateTime that is
// not a date, an operation of unknown type. Path names the element, from the
// method down (for example "Inform/MaxEnvelopes").
type DecodeError struct {
	Path string
	Msg  string
}

func (e *DecodeError) Error() string { return "cwmp: " + e.Path + ": " + e.Msg }
