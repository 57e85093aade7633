package cwmp

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// This file holds a small, strict, non-validating XML parser that turns one
// document into a flat tree of elements. It exists because encoding/xml costs
// about 100 µs and 600 allocations for a 30-parameter Inform (measured on the
// development machine), three times the budget for the ACS hot path; this
// parser does the same document in a fraction of that by slicing the input
// string instead of copying it, and by keeping every element in one arena.
//
// It accepts well-formed XML 1.0 with namespaces. It rejects DTDs (SOAP
// forbids them, and they are the door to entity-expansion attacks), undefined
// entities, mismatched tags, characters XML does not allow, invalid UTF-8, and
// nesting deeper than maxDepth.

const (
	maxDepth = 64 // deepest CWMP message is 6 levels below Body
	// maxAttrs and maxNamespaces bound the per-element attribute check and
	// the namespace lookup, which are linear scans: unbounded, a crafted
	// document could make parsing quadratic. Real envelopes declare about
	// six namespaces and carry at most a handful of attributes per element.
	maxAttrs      = 64
	maxNamespaces = 64
	noNode        = -1
)

// xnode is one element. Children form a singly linked list through next.
type xnode struct {
	space  string // namespace URI the prefix resolves to, "" if none
	local  string // local name
	prefix string // prefix as written, kept for error messages
	attrs  []xattr
	text   string // character data directly inside, entities decoded
	offset int    // byte offset of the start tag, for error messages
	first  int32
	last   int32
	next   int32
}

type xattr struct {
	space, prefix, local, value string
}

// xdoc is a parsed document: nodes[0] is the root element. The attributes
// of every node are slices of one shared arena.
type xdoc struct {
	src   string
	nodes []xnode
	attrs []xattr
}

type nsBinding struct {
	prefix, uri string
	depth       int
}

// attr returns the value of the attribute with the given local name in any
// namespace, and whether it exists. Prefixes are ignored on purpose: devices
// write soap-enc:arrayType, SOAP-ENC:arrayType and plain arrayType.
func (n *xnode) attr(local string) (string, bool) {
	for i := range n.attrs {
		if n.attrs[i].local == local {
			return n.attrs[i].value, true
		}
	}
	return "", false
}

// child returns the first child element with the given local name.
func (d *xdoc) child(n int32, local string) int32 {
	for c := d.nodes[n].first; c != noNode; c = d.nodes[c].next {
		if d.nodes[c].local == local {
			return c
		}
	}
	return noNode
}

// countChildren returns the number of child elements of n.
func (d *xdoc) countChildren(n int32) int {
	k := 0
	for c := d.nodes[n].first; c != noNode; c = d.nodes[c].next {
		k++
	}
	return k
}

// position turns a byte offset into "line L, column C" for error messages.
func position(src string, off int) string {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + strings.Count(src[:off], "\n")
	col := off - strings.LastIndexByte(src[:off], '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

// SyntaxError reports XML that is not well-formed, with its position.
type SyntaxError struct {
	Offset int    // byte offset in the decoded (UTF-8) document
	Pos    string // "line L, column C"
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "cwmp: malformed XML at " + e.Pos + ": " + e.Msg
}

type xparser struct {
	src     string
	pos     int
	doc     xdoc
	stack   []int32
	ns      []nsBinding
	buf     []byte  // scratch for entity decoding
	attrBuf []xattr // scratch for the attributes of one start tag
	// Text split into several pieces (by comments, CDATA sections, entity
	// references) is gathered in tbuf for node pending, instead of being
	// concatenated piece by piece, which would be quadratic.
	tbuf    []byte
	pending int32
	// maxNodes bounds the arena: an element costs about 120 bytes of memory,
	// so a flood of <a/> (4 bytes each) would cost 30 times its size. Real
	// CWMP markup spends 20 bytes or more per element.
	maxNodes int
}

// parsers recycles parsers and their arenas: a decode then allocates little
// beyond the strings it returns. Nothing a decoded message holds points into
// the arenas (strings point into src or are fresh), so reuse is safe.
var parsers = sync.Pool{New: func() any { return new(xparser) }}

// maxPooledNodes keeps one huge document from pinning a huge arena.
const maxPooledNodes = 1 << 14

func getParser(src string) *xparser {
	p := parsers.Get().(*xparser)
	p.src, p.pos, p.pending = src, 0, noNode
	p.maxNodes = len(src)/10 + 64
	p.doc.src = src
	if p.doc.nodes == nil {
		// A CWMP element averages about 50 bytes of markup; sizing the
		// arena up front avoids most regrowth copies.
		p.doc.nodes = make([]xnode, 0, len(src)/48+8)
	}
	p.ns = append(p.ns[:0], nsBinding{prefix: "xml", uri: "http://www.w3.org/XML/1998/namespace", depth: -1})
	return p
}

func putParser(p *xparser) {
	if cap(p.doc.nodes) > maxPooledNodes {
		return
	}
	// Drop references to this document's strings so the pool does not keep
	// them alive.
	clear(p.doc.nodes)
	clear(p.doc.attrs)
	clear(p.ns)
	clear(p.attrBuf)
	p.doc = xdoc{nodes: p.doc.nodes[:0], attrs: p.doc.attrs[:0]}
	p.src, p.stack, p.ns, p.attrBuf, p.tbuf = "", p.stack[:0], p.ns[:0], p.attrBuf[:0], p.tbuf[:0]
	parsers.Put(p)
}

func (p *xparser) fail(off int, format string, args ...any) error {
	return &SyntaxError{Offset: off, Pos: position(p.src, off), Msg: fmt.Sprintf(format, args...)}
}

// parseXML parses src, which must be UTF-8 without a BOM, and calls f with
// the document. The document is only valid during f: its arenas are reused.
func parseXML(src string, f func(*xdoc) error) error {
	if err := checkChars(src); err != nil {
		return err
	}
	p := getParser(src)
	defer putParser(p)
	if err := p.run(); err != nil {
		return err
	}
	if len(p.doc.nodes) == 0 {
		return p.fail(len(src), "no root element")
	}
	return f(&p.doc)
}

// checkChars rejects invalid UTF-8 and the characters XML 1.0 does not
// allow, so nothing downstream has to think about them. utf8.ValidString is
// word-at-a-time fast; the control-character loop is one compare per byte.
func checkChars(s string) error {
	if !utf8.ValidString(s) {
		for i := 0; i < len(s); {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return &SyntaxError{Offset: i, Pos: position(s, i), Msg: fmt.Sprintf("invalid UTF-8 byte %#02x (declare the document's encoding if it is not UTF-8)", s[i])}
			}
			i += size
		}
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return &SyntaxError{Offset: i, Pos: position(s, i), Msg: fmt.Sprintf("control character %#02x is not allowed in XML", b)}
		}
	}
	// U+FFFE and U+FFFF are EF BF BE and EF BF BF.
	for _, bad := range [...]string{"\uFFFE", "\uFFFF"} {
		if i := strings.Index(s, bad); i >= 0 {
			return &SyntaxError{Offset: i, Pos: position(s, i), Msg: fmt.Sprintf("character %U is not allowed in XML", []rune(bad)[0])}
		}
	}
	return nil
}

func (p *xparser) run() error {
	s := p.src
	rootDone := false
	for p.pos < len(s) {
		if s[p.pos] != '<' {
			start := p.pos
			end := strings.IndexByte(s[p.pos:], '<')
			if end < 0 {
				end = len(s)
			} else {
				end += p.pos
			}
			p.pos = end
			if len(p.stack) == 0 {
				if !isSpace(s[start:end]) {
					if rootDone {
						return p.fail(start, "text after the root element")
					}
					return p.fail(start, "text before the root element")
				}
				continue
			}
			if err := p.addText(start, end); err != nil {
				return err
			}
			continue
		}
		if p.pos+1 >= len(s) {
			return p.fail(p.pos, "unexpected end of input after '<'")
		}
		switch s[p.pos+1] {
		case '?':
			end := strings.Index(s[p.pos+2:], "?>")
			if end < 0 {
				return p.fail(p.pos, "unterminated processing instruction")
			}
			p.pos += 2 + end + 2
		case '!':
			switch {
			case strings.HasPrefix(s[p.pos:], "<!--"):
				end := strings.Index(s[p.pos+4:], "-->")
				if end < 0 {
					return p.fail(p.pos, "unterminated comment")
				}
				p.pos += 4 + end + 3
			case strings.HasPrefix(s[p.pos:], "<![CDATA["):
				if len(p.stack) == 0 {
					return p.fail(p.pos, "CDATA section outside the root element")
				}
				start := p.pos + 9
				end := strings.Index(s[start:], "]]>")
				if end < 0 {
					return p.fail(p.pos, "unterminated CDATA section")
				}
				p.appendText(s[start : start+end])
				p.pos = start + end + 3
			case strings.HasPrefix(s[p.pos:], "<!DOCTYPE"):
				return p.fail(p.pos, "document type declarations are not allowed in SOAP messages")
			default:
				return p.fail(p.pos, "unexpected markup declaration")
			}
		case '/':
			if err := p.endTag(); err != nil {
				return err
			}
			if len(p.stack) == 0 {
				rootDone = true
			}
		default:
			if rootDone {
				return p.fail(p.pos, "a second root element follows the first (several envelopes in one body?)")
			}
			if err := p.startTag(); err != nil {
				return err
			}
			if len(p.stack) == 0 {
				rootDone = true
			}
		}
	}
	if len(p.stack) > 0 {
		n := &p.doc.nodes[p.stack[len(p.stack)-1]]
		return p.fail(len(s), "unexpected end of input: element <%s> is not closed", qname(n.prefix, n.local))
	}
	return nil
}

func qname(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= utf8.RuneSelf
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':'
}

// name scans an XML name at p.pos and splits it at the first colon.
func (p *xparser) name() (prefix, local string, err error) {
	s := p.src
	start := p.pos
	if start >= len(s) || !isNameStart(s[start]) {
		return "", "", p.fail(start, "expected a name")
	}
	i := start + 1
	colon := -1
	for i < len(s) && isNameByte(s[i]) {
		if s[i] == ':' && colon < 0 {
			colon = i
		}
		i++
	}
	p.pos = i
	if colon < 0 {
		return "", s[start:i], nil
	}
	if colon == i-1 || !isNameStart(s[colon+1]) {
		return "", "", p.fail(start, "malformed qualified name %q", s[start:i])
	}
	return s[start:colon], s[colon+1 : i], nil
}

func (p *xparser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *xparser) resolve(prefix string) (string, bool) {
	for i := len(p.ns) - 1; i >= 0; i-- {
		if p.ns[i].prefix == prefix {
			return p.ns[i].uri, true
		}
	}
	return "", prefix == ""
}

func (p *xparser) startTag() error {
	s := p.src
	tagStart := p.pos
	p.pos++ // '<'
	prefix, local, err := p.name()
	if err != nil {
		return err
	}
	depth := len(p.stack)
	if depth >= maxDepth {
		return p.fail(tagStart, "elements nested deeper than %d levels", maxDepth)
	}
	attrs := p.attrBuf[:0]
	selfClose := false
	for {
		before := p.pos
		p.skipSpace()
		if p.pos >= len(s) {
			return p.fail(tagStart, "unterminated start tag <%s>", qname(prefix, local))
		}
		if s[p.pos] == '>' {
			p.pos++
			break
		}
		if s[p.pos] == '/' {
			if p.pos+1 >= len(s) || s[p.pos+1] != '>' {
				return p.fail(p.pos, "expected '/>' in start tag <%s>", qname(prefix, local))
			}
			p.pos += 2
			selfClose = true
			break
		}
		if before == p.pos {
			return p.fail(p.pos, "expected white space before attribute in <%s>", qname(prefix, local))
		}
		if len(attrs) == maxAttrs {
			return p.fail(p.pos, "element <%s> has more than %d attributes", qname(prefix, local), maxAttrs)
		}
		aoff := p.pos
		apfx, aloc, err := p.name()
		if err != nil {
			return err
		}
		p.skipSpace()
		if p.pos >= len(s) || s[p.pos] != '=' {
			return p.fail(aoff, "attribute %s has no value", qname(apfx, aloc))
		}
		p.pos++
		p.skipSpace()
		if p.pos >= len(s) || (s[p.pos] != '"' && s[p.pos] != '\'') {
			return p.fail(p.pos, "attribute %s value is not quoted", qname(apfx, aloc))
		}
		q := s[p.pos]
		vstart := p.pos + 1
		vend := strings.IndexByte(s[vstart:], q)
		if vend < 0 {
			return p.fail(aoff, "unterminated value of attribute %s", qname(apfx, aloc))
		}
		vend += vstart
		raw := s[vstart:vend]
		p.pos = vend + 1
		if strings.IndexByte(raw, '<') >= 0 {
			return p.fail(vstart, "'<' in the value of attribute %s", qname(apfx, aloc))
		}
		val, err := p.attrValue(raw, vstart)
		if err != nil {
			return err
		}
		for i := range attrs {
			if attrs[i].prefix == apfx && attrs[i].local == aloc {
				return p.fail(aoff, "attribute %s appears twice", qname(apfx, aloc))
			}
		}
		if (apfx == "" && aloc == "xmlns" || apfx == "xmlns") && len(p.ns) > maxNamespaces {
			return p.fail(aoff, "more than %d namespace declarations in scope", maxNamespaces)
		}
		switch {
		case apfx == "" && aloc == "xmlns":
			p.ns = append(p.ns, nsBinding{prefix: "", uri: val, depth: depth})
		case apfx == "xmlns":
			if val == "" {
				return p.fail(aoff, "namespace prefix %s bound to an empty URI", aloc)
			}
			p.ns = append(p.ns, nsBinding{prefix: aloc, uri: val, depth: depth})
		}
		attrs = append(attrs, xattr{prefix: apfx, local: aloc, value: val})
	}
	p.attrBuf = attrs
	space, _ := p.resolve(prefix)
	// Unbound prefixes are tolerated (left with an empty namespace): some
	// devices write cwmp:ID without declaring cwmp, and refusing them gains
	// nothing because elements are matched by local name.
	for i := range attrs {
		if attrs[i].prefix != "" && attrs[i].prefix != "xmlns" {
			attrs[i].space, _ = p.resolve(attrs[i].prefix)
		}
	}
	var nodeAttrs []xattr
	if len(attrs) > 0 {
		start := len(p.doc.attrs)
		p.doc.attrs = append(p.doc.attrs, attrs...)
		nodeAttrs = p.doc.attrs[start:len(p.doc.attrs):len(p.doc.attrs)]
	}
	if len(p.doc.nodes) >= p.maxNodes {
		return p.fail(tagStart, "more than %d elements in a %d-byte document", p.maxNodes, len(p.src))
	}
	idx := int32(len(p.doc.nodes))
	p.doc.nodes = append(p.doc.nodes, xnode{
		space: space, local: local, prefix: prefix, attrs: nodeAttrs,
		offset: tagStart, first: noNode, last: noNode, next: noNode,
	})
	if depth > 0 {
		p.flushText()
		parent := &p.doc.nodes[p.stack[depth-1]]
		if parent.last == noNode {
			parent.first = idx
		} else {
			p.doc.nodes[parent.last].next = idx
		}
		parent.last = idx
	}
	if selfClose {
		p.popNS(depth)
		return nil
	}
	p.stack = append(p.stack, idx)
	return nil
}

func (p *xparser) popNS(depth int) {
	for len(p.ns) > 0 && p.ns[len(p.ns)-1].depth >= depth {
		p.ns = p.ns[:len(p.ns)-1]
	}
}

func (p *xparser) endTag() error {
	s := p.src
	off := p.pos
	p.pos += 2 // "</"
	prefix, local, err := p.name()
	if err != nil {
		return err
	}
	p.skipSpace()
	if p.pos >= len(s) || s[p.pos] != '>' {
		return p.fail(off, "malformed end tag </%s>", qname(prefix, local))
	}
	p.pos++
	if len(p.stack) == 0 {
		return p.fail(off, "end tag </%s> without a start tag", qname(prefix, local))
	}
	p.flushText()
	top := &p.doc.nodes[p.stack[len(p.stack)-1]]
	if top.prefix != prefix || top.local != local {
		return p.fail(off, "end tag </%s> does not match <%s> at %s", qname(prefix, local), qname(top.prefix, top.local), position(s, top.offset))
	}
	p.stack = p.stack[:len(p.stack)-1]
	p.popNS(len(p.stack))
	return nil
}

// addText decodes the character data s[start:end] into the current element.
func (p *xparser) addText(start, end int) error {
	raw := p.src[start:end]
	if strings.Contains(raw, "]]>") {
		return p.fail(start+strings.Index(raw, "]]>"), "']]>' is not allowed in character data")
	}
	if strings.IndexByte(raw, '&') < 0 && strings.IndexByte(raw, '\r') < 0 {
		p.appendText(raw)
		return nil
	}
	b, err := p.decodeEntities(p.buf[:0], raw, start, false)
	if err != nil {
		return err
	}
	p.buf = b
	p.appendText(string(b))
	return nil
}

func (p *xparser) appendText(t string) {
	if t == "" {
		return
	}
	idx := p.stack[len(p.stack)-1]
	n := &p.doc.nodes[idx]
	if n.first != noNode {
		// Text between child elements is indentation in every CWMP message;
		// keeping it would only cost a copy per element.
		return
	}
	switch {
	case p.pending == idx:
		p.tbuf = append(p.tbuf, t...)
	case n.text == "":
		n.text = t // the common case: one piece, a substring of the input
	default:
		p.tbuf = append(append(p.tbuf[:0], n.text...), t...)
		p.pending = idx
	}
}

// flushText stores the gathered text of the pending node, before an element
// starts or ends.
func (p *xparser) flushText() {
	if p.pending != noNode {
		p.doc.nodes[p.pending].text = string(p.tbuf)
		p.pending = noNode
	}
}

func (p *xparser) attrValue(raw string, off int) (string, error) {
	if strings.IndexAny(raw, "&\t\n\r") < 0 {
		return raw, nil
	}
	b, err := p.decodeEntities(nil, raw, off, true)
	return string(b), err
}

// decodeEntities appends raw to dst with references replaced and line ends
// normalised as XML 1.0 sections 2.11 and 3.3.3 ask.
func (p *xparser) decodeEntities(dst []byte, raw string, off int, attr bool) ([]byte, error) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
			if attr {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, '\n')
			}
		case '\t', '\n':
			if attr {
				dst = append(dst, ' ')
			} else {
				dst = append(dst, c)
			}
		case '&':
			semi := strings.IndexByte(raw[i:], ';')
			if semi < 0 || semi > 12 {
				return nil, p.fail(off+i, "'&' does not start a character or entity reference (write &amp;)")
			}
			ref := raw[i+1 : i+semi]
			switch ref {
			case "lt":
				dst = append(dst, '<')
			case "gt":
				dst = append(dst, '>')
			case "amp":
				dst = append(dst, '&')
			case "quot":
				dst = append(dst, '"')
			case "apos":
				dst = append(dst, '\'')
			default:
				r, ok := charRef(ref)
				if !ok {
					return nil, p.fail(off+i, "unknown or invalid reference &%s;", ref)
				}
				dst = utf8.AppendRune(dst, r)
			}
			i += semi
		default:
			dst = append(dst, c)
		}
	}
	return dst, nil
}

// charRef decodes the body of &#NN; or &#xHH; and reports whether it names a
// character XML 1.0 allows.
func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var v uint64
	var err error
	if ref[1] == 'x' {
		v, err = strconv.ParseUint(ref[2:], 16, 32)
	} else {
		v, err = strconv.ParseUint(ref[1:], 10, 32)
	}
	if err != nil || ref[len(ref)-1] == '+' {
		return 0, false
	}
	r := rune(v)
	switch {
	case r == '\t' || r == '\n' || r == '\r':
	case r >= 0x20 && r <= 0xD7FF:
	case r >= 0xE000 && r <= 0xFFFD:
	case r >= 0x10000 && r <= 0x10FFFF:
	default:
		return 0, false
	}
	return r, true
}
