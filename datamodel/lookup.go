package datamodel

import (
	"slices"
	"strings"
)

// Schema lookups. Trees call these for every parameter of every RPC, so
// they are map lookups over a path scanned once, without regular
// expressions or allocations (but for DefinitionPath's result).

// DefinitionPath returns the definition path of a concrete path: instance
// numbers, instance aliases ("[wan]", TR-069 Amendment 6 alias-based
// addressing) and wildcards ("*") after a table's name become "{i}":
// "Device.IP.Interface.3.IPv4Address.[lan].IPAddress" gives
// "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress". A definition path
// gives itself. The result is "" when the model defines no such object or
// parameter, and for a table's own path ("Device.IP.Interface."), which
// names no definition: the table is Object(path + "{i}.").
func (m *Model) DefinitionPath(path string) string {
	if m.objects[path] != nil || m.params[path] != nil {
		return path
	}
	var buf [256]byte
	def, ok := m.definition(buf[:0], path)
	if !ok {
		return ""
	}
	if def[len(def)-1] == '.' && m.objects[string(def)] != nil || m.params[string(def)] != nil {
		return string(def)
	}
	return ""
}

// Object returns the definition of the object at path, a definition path
// ("Device.IP.Interface.{i}.") or a concrete one ("Device.IP.Interface.3.",
// with aliases or wildcards); nil if the model defines none. Object paths
// end in ".".
func (m *Model) Object(path string) *Object {
	if o := m.objects[path]; o != nil {
		return o
	}
	var buf [256]byte
	def, ok := m.definition(buf[:0], path)
	if !ok || def[len(def)-1] != '.' {
		return nil
	}
	return m.objects[string(def)]
}

// Parameter returns the definition of the parameter at path, a definition
// or concrete path; nil if the model defines none.
func (m *Model) Parameter(path string) *Parameter {
	if p := m.params[path]; p != nil {
		return p
	}
	var buf [256]byte
	def, ok := m.definition(buf[:0], path)
	if !ok || def[len(def)-1] == '.' {
		return nil
	}
	return m.params[string(def)]
}

// ForcedInform returns the parameters with forcedInform="true", which every
// Inform carries, in document order. Deprecated ones (DeviceSummary) are
// included: check Status.
func (m *Model) ForcedInform() []*Parameter {
	return slices.Clone(m.forced)
}

// definition appends the definition path of path to dst: each segment
// after a table's name must be an instance reference and becomes "{i}",
// every other segment must be a name. ok is false for a malformed path, an
// instance reference after a non-table, a name after a table, and a path
// that ends with a table's name. Whether the result is defined is the
// caller's lookup.
func (m *Model) definition(dst []byte, path string) (def []byte, ok bool) {
	afterTable := false
	for i := 0; i < len(path); {
		// The segment is path[i:j]; an alias may hold dots.
		j := i
		if path[i] == '[' {
			k := strings.IndexByte(path[i:], ']')
			if k < 0 {
				return nil, false
			}
			j = i + k + 1
			if j < len(path) && path[j] != '.' {
				return nil, false
			}
		} else if k := strings.IndexByte(path[i:], '.'); k >= 0 {
			j = i + k
		} else {
			j = len(path)
		}
		seg := path[i:j]
		last := j == len(path) // a parameter's name: no "." follows
		switch {
		case afterTable:
			if !isInstanceRef(seg) || last {
				return nil, false
			}
			dst = append(dst, "{i}."...)
			afterTable = false
		case seg == "" || isInstanceRef(seg):
			return nil, false
		case last:
			return append(dst, seg...), true
		default:
			dst = append(dst, seg...)
			dst = append(dst, ".{i}."...)
			afterTable = m.objects[string(dst)] != nil
			dst = dst[:len(dst)-len("{i}.")]
		}
		i = j + 1
	}
	if afterTable || len(dst) == 0 {
		return nil, false
	}
	return dst, true
}

// isInstanceRef reports whether seg refers to a table's instance: an
// instance number, an alias in brackets, the wildcard "*" or "{i}".
func isInstanceRef(seg string) bool {
	switch {
	case seg == "*", seg == "{i}":
		return true
	case len(seg) > 2 && seg[0] == '[' && seg[len(seg)-1] == ']':
		return true
	case seg == "" || seg[0] == '0':
		return false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return false
		}
	}
	return true
}

// Name returns the object's name within its parent: "Interface" for
// "Device.IP.Interface.{i}.", "Device" for "Device.".
func (o *Object) Name() string {
	p := strings.TrimSuffix(strings.TrimSuffix(o.Path, "."), ".{i}")
	return p[strings.LastIndexByte(p, '.')+1:]
}

// Child returns the child object called name ("Interface", for the table
// "Interface.{i}."), nil if there is none.
func (o *Object) Child(name string) *Object {
	return o.child[name]
}

// Writable reports whether the ACS may set the parameter: readWrite, or
// writeOnceReadOnly (which only the first set may change; the tree
// enforces that).
func (p *Parameter) Writable() bool {
	return p.Access == ReadWrite || p.Access == WriteOnceReadOnly
}
