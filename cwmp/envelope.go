package cwmp

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"mime"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SOAP 1.1 namespaces.
const (
	NSEnvelope = "http://schemas.xmlsoap.org/soap/envelope/"
	NSEncoding = "http://schemas.xmlsoap.org/soap/encoding/"
	NSXSD      = "http://www.w3.org/2001/XMLSchema"
	NSXSI      = "http://www.w3.org/2001/XMLSchema-instance"
)

// Header holds the CWMP SOAP header elements (TR-069 A.2.2).
type Header struct {
	// ID associates a response with its request; it is sent with
	// mustUnderstand="1" and echoed in the response. "" means absent.
	ID string
	// HoldRequests, sent by the ACS, asks the CPE to send no requests until
	// told otherwise. False is the same as absent.
	HoldRequests bool
	// NoMoreRequests is the header TR-069 Amendment 1 CPEs used to say they
	// would send no more requests. It is decoded for old devices but never
	// encoded: it was deprecated, and no CWMP schema defines it.
	NoMoreRequests bool
	// SessionTimeout (CWMP 1.3) is the session timeout in seconds the CPE
	// proposes; 0 means absent.
	SessionTimeout uint32
	// SupportedCWMPVersions (CWMP 1.4) is the CPE's list of versions.
	SupportedCWMPVersions []Version
	// UseCWMPVersion (CWMP 1.4) is the ACS's choice; zero means absent.
	UseCWMPVersion Version
	// Unknown lists header elements this package does not understand.
	Unknown []HeaderElement
}

// HeaderElement is a header element this package does not understand.
type HeaderElement struct {
	Namespace      string
	Name           string
	MustUnderstand bool
}

// NotUnderstood returns the unknown header elements marked
// mustUnderstand="1". SOAP 1.1 requires the receiver to reject such a message
// with a MustUnderstand fault (see MustUnderstandFault) instead of processing
// it.
func (h *Header) NotUnderstood() []HeaderElement {
	var out []HeaderElement
	for _, e := range h.Unknown {
		if e.MustUnderstand {
			out = append(out, e)
		}
	}
	return out
}

// MustUnderstandFault returns the SOAP fault that answers a message whose
// header holds elements the receiver must understand but does not.
func MustUnderstandFault(elems []HeaderElement) *Fault {
	names := make([]string, len(elems))
	for i, e := range elems {
		names[i] = e.Name
	}
	return &Fault{SOAPCode: "MustUnderstand", SOAPString: "header element not understood: " + strings.Join(names, ", ")}
}

// Envelope is one CWMP SOAP envelope: header fields and exactly one message.
type Envelope struct {
	// Namespace is the CWMP namespace (NS10, NS11 or NS12). Decode sets it
	// from the message element (or the ID header when the message carries
	// none); Encode requires one of the three.
	Namespace string
	Header    Header
	Body      Message
}

// Encode returns the envelope as UTF-8 XML.
func Encode(env *Envelope) ([]byte, error) {
	return AppendEncode(nil, env)
}

// AppendEncode appends the encoded envelope to dst, so a caller can reuse
// one buffer across messages.
func AppendEncode(dst []byte, env *Envelope) ([]byte, error) {
	if _, ok := NamespaceVersion(env.Namespace); !ok {
		return dst, fmt.Errorf("%w %q (use NS10, NS11 or NS12)", ErrNamespace, env.Namespace)
	}
	if env.Body == nil {
		return dst, fmt.Errorf("cwmp: encode: envelope has no message")
	}
	e := encoder{buf: dst}
	e.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<soap-env:Envelope xmlns:soap-env="` + NSEnvelope + `" xmlns:soap-enc="` + NSEncoding +
		`" xmlns:xsd="` + NSXSD + `" xmlns:xsi="` + NSXSI + `" xmlns:cwmp="`)
	e.raw(env.Namespace)
	e.raw(`">`)
	encodeHeader(&e, &env.Header)
	e.raw("<soap-env:Body>")
	if err := encodeMessage(&e, env.Body); err != nil {
		return dst, err
	}
	e.raw("</soap-env:Body></soap-env:Envelope>\n")
	return e.buf, nil
}

func encodeHeader(e *encoder, h *Header) {
	if h.ID == "" && !h.HoldRequests && h.SessionTimeout == 0 &&
		len(h.SupportedCWMPVersions) == 0 && h.UseCWMPVersion.IsZero() {
		return
	}
	e.raw("<soap-env:Header>")
	if h.ID != "" {
		e.raw(`<cwmp:ID soap-env:mustUnderstand="1">`)
		e.escape(h.ID)
		e.raw("</cwmp:ID>")
	}
	if h.HoldRequests {
		e.raw(`<cwmp:HoldRequests soap-env:mustUnderstand="1">1</cwmp:HoldRequests>`)
	}
	if h.SessionTimeout != 0 {
		e.raw(`<cwmp:SessionTimeout soap-env:mustUnderstand="0">`)
		e.buf = strconv.AppendUint(e.buf, uint64(h.SessionTimeout), 10)
		e.raw("</cwmp:SessionTimeout>")
	}
	if len(h.SupportedCWMPVersions) > 0 {
		e.raw(`<cwmp:SupportedCWMPVersions soap-env:mustUnderstand="0">`)
		e.raw(FormatVersions(h.SupportedCWMPVersions))
		e.raw("</cwmp:SupportedCWMPVersions>")
	}
	if !h.UseCWMPVersion.IsZero() {
		e.raw(`<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">`)
		e.raw(h.UseCWMPVersion.String())
		e.raw("</cwmp:UseCWMPVersion>")
	}
	e.raw("</soap-env:Header>")
}

func encodeMessage(e *encoder, m Message) error {
	if f, ok := m.(*Fault); ok {
		f.encodeXML(e)
		return nil
	}
	if u, ok := m.(*UnknownMessage); ok {
		return fmt.Errorf("cwmp: encode: cannot encode unknown method %q", u.Name)
	}
	v := reflect.ValueOf(m)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("cwmp: encode: message %T is not a pointer to a struct", m)
	}
	name := "cwmp:" + m.MethodName()
	v = v.Elem()
	p := planFor(v.Type())
	if len(p.fields) == 0 {
		e.raw("<" + name + "/>")
		return nil
	}
	e.open(name)
	encodeStruct(e, p, v)
	e.close(name)
	return nil
}

// ReadEnvelope reads an HTTP body of at most limit bytes and decodes it.
// contentType is the request's Content-Type; its charset parameter, when
// present, overrides the XML declaration. An empty body gives ErrEmpty, a
// longer one than limit gives ErrTooLarge.
func ReadEnvelope(r io.Reader, contentType string, limit int64) (*Envelope, error) {
	if limit < math.MaxInt64 { // limit+1 would overflow
		r = io.LimitReader(r, limit+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("cwmp: read body: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%w of %d bytes", ErrTooLarge, limit)
	}
	charset := ""
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil {
			charset = params["charset"]
		}
	}
	return decode(data, charset)
}

// Decode parses one SOAP envelope from data: UTF-8 (a byte-order mark is
// allowed) unless its XML declaration names US-ASCII or ISO-8859-1.
//
// When the envelope is sound but the message's content does not fit its
// type (a *DecodeError: a number that is not one, an operation of unknown
// type), Decode returns the envelope with its Header and Namespace and a
// nil Body along with the error, so the receiver can answer the request's
// ID with an Invalid arguments fault. Every other error returns no
// envelope.
// It is lenient where devices are sloppy (any prefixes, qualified or
// unqualified children, arrayType counts, missing optional fields, white
// space) and strict where it matters: exactly one envelope with exactly one
// message, well-formed XML, and values of the declared types.
func Decode(data []byte) (*Envelope, error) {
	return decode(data, "")
}

func decode(data []byte, charset string) (*Envelope, error) {
	if bytes.HasPrefix(data, []byte("\xFF\xFE")) || bytes.HasPrefix(data, []byte("\xFE\xFF")) {
		return nil, fmt.Errorf("%w: UTF-16 (byte-order mark %X; want UTF-8, US-ASCII or ISO-8859-1)", ErrCharset, data[:2])
	}
	// XML allows nothing before the declaration, but devices send a line
	// break first; skipping it lets the declared encoding count.
	data = bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF")), " \t\r\n")
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	if charset == "" {
		charset = declaredEncoding(data)
	}
	src, err := toUTF8(data, charset)
	if err != nil {
		return nil, err
	}
	var env *Envelope
	err = parseXML(src, func(d *xdoc) error {
		env, err = decodeEnvelope(d)
		return err
	})
	return env, err
}

// declaredEncoding returns the encoding of the XML declaration, if any.
func declaredEncoding(data []byte) string {
	if !bytes.HasPrefix(data, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(data, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := string(data[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	rest = strings.TrimPrefix(rest, "=")
	rest = strings.TrimLeft(rest, " \t\r\n")
	if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	val, _, _ := strings.Cut(rest[1:], rest[:1])
	return val
}

// toUTF8 converts data in the named charset to a UTF-8 string. Only the
// encodings CPEs are seen to use are supported; anything else is rejected by
// name rather than misread.
func toUTF8(data []byte, charset string) (string, error) {
	switch strings.ToLower(strings.Trim(charset, `" `)) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return string(data), nil
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "iso_8859-1":
		buf := make([]byte, 0, len(data)+len(data)/8)
		for _, b := range data {
			buf = utf8.AppendRune(buf, rune(b))
		}
		return string(buf), nil
	}
	return "", fmt.Errorf("%w %q (want UTF-8, US-ASCII or ISO-8859-1)", ErrCharset, charset)
}

func decodeEnvelope(d *xdoc) (*Envelope, error) {
	root := &d.nodes[0]
	if root.local != "Envelope" {
		return nil, fmt.Errorf("%w: root element is <%s>", ErrNotEnvelope, qname(root.prefix, root.local))
	}
	env := &Envelope{}
	var body int32 = noNode
	for c := root.first; c != noNode; c = d.nodes[c].next {
		switch d.nodes[c].local {
		case "Header":
			if err := decodeHeader(d, c, env); err != nil {
				return nil, err
			}
		case "Body":
			if body != noNode {
				return nil, fmt.Errorf("%w: the envelope has two Body elements", ErrSeveralMessages)
			}
			body = c
		}
	}
	if body == noNode {
		return nil, ErrNoBody
	}
	switch d.countChildren(body) {
	case 0:
		return nil, ErrNoMessage
	case 1:
	default:
		var names []string
		for c := d.nodes[body].first; c != noNode; c = d.nodes[c].next {
			names = append(names, d.nodes[c].local)
		}
		return nil, fmt.Errorf("%w: %s", ErrSeveralMessages, strings.Join(names, ", "))
	}
	mn := d.nodes[body].first
	node := &d.nodes[mn]
	if node.space != NSEnvelope || node.local != "Fault" {
		if _, ok := NamespaceVersion(node.space); ok {
			env.Namespace = node.space
		}
	}
	var msg Message
	if node.local == "Fault" {
		msg = new(Fault)
		if env.Namespace == "" {
			// A fault without an ID header still names its version in the
			// cwmp:Fault detail.
			if dt := d.child(mn, "detail"); dt != noNode {
				if f := d.child(dt, "Fault"); f != noNode {
					if _, ok := NamespaceVersion(d.nodes[f].space); ok {
						env.Namespace = d.nodes[f].space
					}
				}
			}
		}
	} else if msg = NewMessage(node.local); msg == nil {
		env.Body = &UnknownMessage{Name: node.local, Namespace: node.space}
		return env, nil
	}
	if err := decodeMessage(d, mn, msg); err != nil {
		// The header and namespace are good: return them, without a body,
		// so the receiver can answer with a fault carrying the request's
		// ID (9003 or 8003, Invalid arguments) instead of dropping the
		// session.
		return env, err
	}
	env.Body = msg
	return env, nil
}

func decodeMessage(d *xdoc, n int32, m Message) error {
	if c, ok := m.(xmlCodec); ok {
		return c.decodeXML(d, n, m.MethodName())
	}
	v := reflect.ValueOf(m).Elem()
	return decodeStruct(d, n, planFor(v.Type()), v, m.MethodName())
}

func decodeHeader(d *xdoc, h int32, env *Envelope) error {
	for c := d.nodes[h].first; c != noNode; c = d.nodes[c].next {
		n := &d.nodes[c]
		text := strings.TrimSpace(n.text)
		path := "Header/" + n.local
		if env.Namespace == "" {
			// Any CWMP header names the version when the body does not
			// (a SOAP fault).
			if _, ok := NamespaceVersion(n.space); ok {
				env.Namespace = n.space
			}
		}
		switch n.local {
		case "ID":
			env.Header.ID = text
		case "HoldRequests", "NoMoreRequests":
			b, err := parseBool(text)
			if err != nil {
				return &DecodeError{Path: path, Msg: err.Error()}
			}
			if n.local == "HoldRequests" {
				env.Header.HoldRequests = b
			} else {
				env.Header.NoMoreRequests = b
			}
		case "SessionTimeout":
			if text == "" {
				continue // an empty hint is no hint
			}
			v, err := strconv.ParseUint(strings.TrimPrefix(text, "+"), 10, 32)
			if err != nil {
				return &DecodeError{Path: path, Msg: fmt.Sprintf("%q is not an unsigned integer", text)}
			}
			env.Header.SessionTimeout = uint32(v)
		case "SupportedCWMPVersions":
			vs, err := ParseVersions(text)
			if err != nil {
				return &DecodeError{Path: path, Msg: strings.TrimPrefix(err.Error(), "cwmp: ")}
			}
			env.Header.SupportedCWMPVersions = vs
		case "UseCWMPVersion":
			if text == "" {
				continue
			}
			v, err := ParseVersion(text)
			if err != nil {
				return &DecodeError{Path: path, Msg: strings.TrimPrefix(err.Error(), "cwmp: ")}
			}
			env.Header.UseCWMPVersion = v
		default:
			mu, _ := n.attr("mustUnderstand")
			must, _ := parseBool(strings.TrimSpace(mu))
			env.Header.Unknown = append(env.Header.Unknown, HeaderElement{Namespace: n.space, Name: n.local, MustUnderstand: must})
		}
	}
	return nil
}
