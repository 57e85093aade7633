package datamodel

import (
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// The loader reads a BBF file into a small element tree first and
// interprets it second: the schema's meaning depends on element order and
// on attributes being present or absent, which a tree keeps and struct
// unmarshalling does not. Loading is rare, so clarity wins over speed.

// node is one element of a data-model file.
type node struct {
	name  string     // local name; BBF elements are unqualified
	attrs []xml.Attr // unqualified attributes only (dmr:*, xsi:* dropped)
	kids  []*node
	text  string // character data, kept for description elements only
	line  int    // line of the start tag
}

// attr returns the attribute called name and whether it is present. Names
// and references lose surrounding white space, which some BBF files have
// ("UPnPQoSDevice " in TR-098); value attributes (enumerations, patterns,
// defaults) are kept as written.
func (n *node) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			if name == "value" {
				return a.Value, true
			}
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// get returns the attribute called name, "" when absent.
func (n *node) get(name string) string {
	v, _ := n.attr(name)
	return v
}

// dmNamespace is the start of every data-model schema namespace
// ("urn:broadband-forum-org:cwmp:datamodel-1-14").
const dmNamespace = "urn:broadband-forum-org:cwmp:datamodel-"

// skipped are document-level elements the loader has no use for; skipping
// them saves a third of the work on the bigger files.
var skipped = map[string]bool{"bibliography": true, "glossary": true, "abbreviations": true, "template": true}

// openFile opens name in fsys, falling back to name+".gz" so that imports
// resolve inside a directory of compressed files; a name ending in ".gz" is
// decompressed.
func openFile(fsys fs.FS, name string) (io.ReadCloser, error) {
	f, err := fsys.Open(name)
	gz := strings.HasSuffix(name, ".gz")
	if errors.Is(err, fs.ErrNotExist) && !gz {
		if g, gerr := fsys.Open(name + ".gz"); gerr == nil {
			f, err, gz, name = g, nil, true, name+".gz"
		}
	}
	if err != nil {
		return nil, err
	}
	if !gz {
		return f, nil
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gunzip %s: %w", name, err)
	}
	return gzipFile{zr, f}, nil
}

type gzipFile struct {
	*gzip.Reader
	f fs.File
}

func (g gzipFile) Close() error {
	err := g.Reader.Close()
	if cerr := g.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// parseTree reads a data-model document into a node tree. Errors are plain
// (the caller adds the file name); syntax errors carry the line.
func parseTree(r io.Reader) (*node, error) {
	d := xml.NewDecoder(r)
	// Filled when the DOCTYPE is read; the decoder consults it lazily.
	d.Entity = map[string]string{}
	var stack []*node
	var root *node
	var text strings.Builder
	for {
		line, _ := d.InputPos() // where the next token starts
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("%d: malformed XML: %s", se.Line, se.Msg)
			}
			return nil, fmt.Errorf("%d: malformed XML: %w", line, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			if root == nil {
				if err := declareEntities(d.Entity, string(t)); err != nil {
					return nil, fmt.Errorf("%d: DOCTYPE: %w", line, err)
				}
			}
		case xml.StartElement:
			if root == nil {
				if t.Name.Local != "document" || !strings.HasPrefix(t.Name.Space, dmNamespace) {
					return nil, fmt.Errorf("%d: not a BBF data-model document (root element <%s> in namespace %q)", line, t.Name.Local, t.Name.Space)
				}
			} else if t.Name.Space != "" && !strings.HasPrefix(t.Name.Space, dmNamespace) || len(stack) == 1 && skipped[t.Name.Local] {
				// Another namespace's element (the schema's open content)
				// or a part of the document the loader does not use. The
				// schema's own elements are unqualified, or in its
				// namespace in a file that makes it the default.
				if err := d.Skip(); err != nil {
					return nil, fmt.Errorf("%d: malformed XML: %w", line, err)
				}
				continue
			}
			n := &node{name: t.Name.Local, line: line}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local != "xmlns" {
					n.attrs = append(n.attrs, a)
				}
			}
			if root == nil {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.kids = append(parent.kids, n)
			}
			stack = append(stack, n)
			text.Reset()
		case xml.EndElement:
			n := stack[len(stack)-1]
			if n.name == "description" {
				n.text = strings.TrimSpace(text.String())
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1].name == "description" {
				text.Write(t)
			}
		}
	}
	if root == nil {
		return nil, errors.New("1: malformed XML: no root element")
	}
	return root, nil
}

// declareEntities adds the general entities declared in a DOCTYPE's
// internal subset (<!ENTITY name "value">) to entities. BBF files use them
// for pieces of patterns (tr-106-types.xml: &octet; &dot; ...). Entity
// references inside a value are expanded when they name an entity declared
// before; parameter entities and external entities are ignored.
func declareEntities(entities map[string]string, directive string) error {
	if !strings.HasPrefix(directive, "DOCTYPE") {
		return nil
	}
	open := strings.IndexByte(directive, '[')
	if open < 0 {
		return nil // no internal subset
	}
	s := directive[open+1:]
	for {
		i := strings.Index(s, "<!ENTITY")
		if i < 0 {
			return nil
		}
		s = strings.TrimLeft(s[i+len("<!ENTITY"):], " \t\r\n")
		if strings.HasPrefix(s, "%") {
			continue // parameter entity: only for the DTD itself
		}
		end := strings.IndexAny(s, " \t\r\n")
		if end <= 0 {
			return errors.New("ENTITY declaration without a name")
		}
		name := s[:end]
		s = strings.TrimLeft(s[end:], " \t\r\n")
		if s == "" || s[0] != '"' && s[0] != '\'' {
			continue // external entity (SYSTEM or PUBLIC): not supported
		}
		q := strings.IndexByte(s[1:], s[0])
		if q < 0 {
			return fmt.Errorf("ENTITY %s: unterminated value", name)
		}
		value, err := expandEntities(s[1:1+q], entities)
		if err != nil {
			return fmt.Errorf("ENTITY %s: %w", name, err)
		}
		if _, dup := entities[name]; !dup { // XML: the first declaration wins
			entities[name] = value
		}
		s = s[1+q+1:]
	}
}

// expandEntities replaces the references in an entity value: character
// references, XML's predefined entities and entities declared before.
func expandEntities(v string, entities map[string]string) (string, error) {
	if !strings.Contains(v, "&") {
		return v, nil
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			b.WriteString(v)
			return b.String(), nil
		}
		b.WriteString(v[:i])
		j := strings.IndexByte(v[i:], ';')
		if j < 0 {
			return "", errors.New("unterminated entity reference")
		}
		ref := v[i+1 : i+j]
		v = v[i+j+1:]
		if strings.HasPrefix(ref, "#") {
			base, digits := 10, ref[1:]
			if strings.HasPrefix(ref, "#x") {
				base, digits = 16, ref[2:]
			}
			r, err := strconv.ParseUint(digits, base, 32)
			if err != nil {
				return "", fmt.Errorf("bad character reference &%s;", ref)
			}
			b.WriteRune(rune(r))
			continue
		}
		e, ok := predefinedEntities[ref]
		if !ok {
			e, ok = entities[ref]
		}
		if !ok {
			return "", fmt.Errorf("undeclared entity &%s;", ref)
		}
		b.WriteString(e)
	}
}

var predefinedEntities = map[string]string{"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": `"`}
