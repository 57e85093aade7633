package datamodel

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Reading syntax elements and facets.

// facetMode says how facets combine with the ones a syntax already has.
type facetMode uint8

const (
	// restrict: a data type narrowing its base. Each facet kind given
	// replaces the inherited facets of that kind.
	restrict facetMode = iota
	// refine: a parameter refinement (base=). Enumerations and patterns
	// given are added to the old ones; other kinds given replace them.
	refine
)

// syntax interprets a parameter's <syntax> element. prev is the syntax of
// the parameter being refined, nil for a new definition.
func (l *loader) syntax(d *doc, n *node, prev *Syntax, what string) (Syntax, error) {
	var listNode, typeNode, defNode *node
	for _, k := range n.kids {
		switch k.name {
		case "list":
			listNode = k
		case "default":
			defNode = k
		case "dataType":
			typeNode = k
		default:
			if _, ok := ParseBaseType(k.name); ok {
				typeNode = k
			}
		}
	}
	var s Syntax
	if prev != nil {
		s = *prev
	}
	switch {
	case typeNode == nil:
		if prev == nil {
			return s, d.errorf(n, what, "syntax without a type")
		}
	case typeNode.name == "dataType":
		name, facets := typeNode.get("ref"), []*node(nil)
		if name == "" {
			// An anonymous restriction of a named type.
			name, facets = typeNode.get("base"), typeNode.kids
		}
		if name == "" {
			return s, d.errorf(typeNode, what, "dataType element without ref or base")
		}
		dt, err := l.dataType(d, name)
		if err != nil {
			return s, err
		}
		if dt == nil {
			return s, d.errorf(typeNode, what, "dataType %q not found", name)
		}
		s = dt.Syntax
		s.DataType = name
		if err := l.facets(d, &s, facets, restrict, what); err != nil {
			return s, err
		}
	default:
		bt, _ := ParseBaseType(typeNode.name)
		mode := refine
		if prev == nil || prev.Base != bt || prev.DataType != "" {
			s, mode = Syntax{Base: bt}, restrict
		}
		if err := l.facets(d, &s, typeNode.kids, mode, what); err != nil {
			return s, err
		}
	}
	if listNode != nil {
		lst, err := list(d, listNode, what)
		if err != nil {
			return s, err
		}
		s.List = lst
	}
	if prev != nil && typeNode != nil {
		// A refinement that restates the type (to add an enumeration, say)
		// keeps what it does not restate and the type does not bring:
		// whether it is a list, what it refers to, its units.
		if s.List == nil {
			s.List = prev.List
		}
		if s.PathRef == nil {
			s.PathRef = prev.PathRef
		}
		if s.EnumerationRef == nil {
			s.EnumerationRef = prev.EnumerationRef
		}
		if s.Units == "" {
			s.Units = prev.Units
		}
	}
	// Attributes of <syntax> and the default belong to the parameter, not
	// to its type: a refinement keeps them unless it restates them.
	s.Hidden, s.Secured, s.Command, s.Default = false, false, false, nil
	if prev != nil {
		s.Hidden, s.Secured, s.Command, s.Default = prev.Hidden, prev.Secured, prev.Command, prev.Default
	}
	for _, f := range []struct {
		attr string
		v    *bool
	}{{"hidden", &s.Hidden}, {"secured", &s.Secured}, {"command", &s.Command}} {
		v, ok, err := parseBool(d, n, f.attr, what)
		if err != nil {
			return s, err
		}
		if ok {
			*f.v = v
		}
	}
	if defNode != nil {
		v, ok := defNode.attr("value")
		switch typ := defNode.get("type"); {
		case defNode.get("status") == "deleted":
			s.Default = nil // a refinement removing the default it inherits
		case !ok:
			return s, d.errorf(defNode, what, "default without a value")
		case typ == "object", typ == "factory":
			s.Default = &v
		case typ == "implementation", typ == "parameter":
			// Informational, or a command argument's: not a value a
			// new instance gets.
		default:
			return s, d.errorf(defNode, what, "unknown default type %q", typ)
		}
	}
	return s, nil
}

// list interprets a list facet.
func list(d *doc, n *node, what string) (*List, error) {
	lst := &List{MaxItems: -1}
	var err error
	if _, ok := n.attr("minItems"); ok {
		if lst.MinItems, err = count(d, n, "minItems", what, false); err != nil {
			return nil, err
		}
	}
	if _, ok := n.attr("maxItems"); ok {
		if lst.MaxItems, err = count(d, n, "maxItems", what, true); err != nil {
			return nil, err
		}
	}
	switch nb := n.get("nestedBrackets"); nb {
	case "", "legal", "required":
		lst.NestedBrackets = nb
	default:
		return nil, d.errorf(n, what, "nestedBrackets %q (want legal or required)", nb)
	}
	for _, k := range n.kids {
		if k.name == "size" && k.get("status") != "deleted" {
			r, err := sizeRange(d, k, what)
			if err != nil {
				return nil, err
			}
			lst.Sizes = append(lst.Sizes, r)
		}
	}
	lst.Sizes = unbounded(lst.Sizes)
	return lst, nil
}

// facets applies facet elements to s. Slices s shares with the syntax it
// was copied from are never written: they are clipped first, so appending
// copies them.
func (l *loader) facets(d *doc, s *Syntax, kids []*node, mode facetMode, what string) error {
	s.Sizes = slices.Clip(s.Sizes)
	s.Ranges = slices.Clip(s.Ranges)
	s.Enumerations = slices.Clip(s.Enumerations)
	s.ReadOnlyEnumerations = slices.Clip(s.ReadOnlyEnumerations)
	s.Patterns = slices.Clip(s.Patterns)
	var seen struct{ size, rng, enum, pattern bool }
	for _, f := range kids {
		if f.get("status") == "deleted" {
			continue
		}
		switch f.name {
		case "size":
			r, err := sizeRange(d, f, what)
			if err != nil {
				return err
			}
			if !seen.size {
				s.Sizes, seen.size = nil, true
			}
			s.Sizes = append(s.Sizes, r)
		case "range", "decimalRange":
			r, err := numberRange(d, f, what)
			if err != nil {
				return err
			}
			if !seen.rng {
				s.Ranges, seen.rng = nil, true
			}
			s.Ranges = append(s.Ranges, r)
		case "enumeration":
			v, ok := f.attr("value")
			if !ok {
				return d.errorf(f, what, "enumeration without a value")
			}
			if !seen.enum && mode == restrict {
				s.Enumerations, s.ReadOnlyEnumerations = nil, nil
			}
			seen.enum = true
			if !slices.Contains(s.Enumerations, v) {
				s.Enumerations = append(s.Enumerations, v)
			}
			if f.get("access") == "readOnly" && !slices.Contains(s.ReadOnlyEnumerations, v) {
				s.ReadOnlyEnumerations = append(s.ReadOnlyEnumerations, v)
			}
		case "pattern":
			v, ok := f.attr("value")
			if !ok {
				return d.errorf(f, what, "pattern without a value")
			}
			if !seen.pattern && mode == restrict {
				s.Patterns = nil
			}
			seen.pattern = true
			if !slices.Contains(s.Patterns, v) {
				s.Patterns = append(s.Patterns, v)
			}
			// Compile now, once: value.go's cache keeps it, and a pattern
			// RE2 cannot express is found at load time, not on a value.
			if compilePattern(v) == nil {
				d.unsupported = append(d.unsupported, fmt.Sprintf("%s:%d: %s: pattern %q", d.file, f.line, what, v))
			}
		case "pathRef":
			s.PathRef = &PathRef{TargetType: f.get("targetType"), RefType: f.get("refType")}
			if tp := strings.Fields(f.get("targetParent")); len(tp) > 0 {
				s.PathRef.TargetParent = tp
			}
			if s.PathRef.TargetType == "" {
				s.PathRef.TargetType = "any"
			}
		case "enumerationRef":
			ref := &EnumerationRef{TargetParam: f.get("targetParam")}
			if v, ok := f.attr("nullValue"); ok {
				ref.NullValue = &v
			}
			s.EnumerationRef = ref
		case "units":
			s.Units = f.get("value")
		}
	}
	s.Sizes, s.Ranges = unbounded(s.Sizes), unbounded(s.Ranges)
	return nil
}

// unbounded returns nil if one of the alternative ranges has no bound
// ("<size/>" is common in list facets), since it allows everything, and
// ranges otherwise.
func unbounded(ranges []Range) []Range {
	for _, r := range ranges {
		if r.Min == nil && r.Max == nil && r.Step == 0 {
			return nil
		}
	}
	return ranges
}

// sizeRange interprets a size facet.
func sizeRange(d *doc, n *node, what string) (Range, error) {
	var r Range
	for _, b := range []struct {
		attr  string
		bound **int64
	}{{"minLength", &r.Min}, {"maxLength", &r.Max}} {
		s, ok := n.attr(b.attr)
		if !ok {
			continue
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return r, d.errorf(n, what, "size %s=%q is not a length", b.attr, s)
		}
		*b.bound = &v
	}
	return r, nil
}

// numberRange interprets a range facet. Bounds beyond int64 (an
// unsignedLong's) are left open; fractional bounds of a decimal range are
// rounded outwards, so the range allows a little more, never less.
func numberRange(d *doc, n *node, what string) (Range, error) {
	var r Range
	for _, b := range []struct {
		attr  string
		bound **int64
		round func(float64) float64
	}{{"minInclusive", &r.Min, math.Floor}, {"maxInclusive", &r.Max, math.Ceil}} {
		s, ok := n.attr(b.attr)
		if !ok {
			continue
		}
		if v, err := strconv.ParseInt(s, 10, 64); err == nil {
			*b.bound = &v
			continue
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return r, d.errorf(n, what, "range %s=%q is not a number", b.attr, s)
		}
		if f = b.round(f); f > math.MinInt64 && f < math.MaxInt64 {
			v := int64(f)
			*b.bound = &v
		}
	}
	if s, ok := n.attr("step"); ok {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v <= 0 {
			return r, d.errorf(n, what, "range step=%q is not a positive integer", s)
		}
		r.Step = v
	}
	return r, nil
}

// resolveRefs makes the relative paths of s's pathRef and enumerationRef
// absolute, for a parameter of the object at objPath. Resolved paths are
// absolute, so resolving again changes nothing.
func resolveRefs(s *Syntax, objPath string) {
	if s.PathRef != nil && len(s.PathRef.TargetParent) > 0 {
		pr := *s.PathRef
		pr.TargetParent = make([]string, len(s.PathRef.TargetParent))
		for i, t := range s.PathRef.TargetParent {
			t = resolvePath(objPath, t)
			// "#" from a row's parameter names the table's row; the
			// referenced rows are children of the table.
			if strings.HasSuffix(t, ".{i}.") {
				t = t[:len(t)-len("{i}.")]
			}
			pr.TargetParent[i] = t
		}
		s.PathRef = &pr
	}
	if s.EnumerationRef != nil {
		er := *s.EnumerationRef
		er.TargetParam = resolvePath(objPath, er.TargetParam)
		s.EnumerationRef = &er
	}
}

// resolvePath resolves a path relative to the object at obj (TR-106
// A.2.3.4, normal scope): "Device.X." is absolute, ".X." is relative to the
// root object, "#.X." to obj's parent (each further "#" one level up, a
// table and its "{i}" being one level) and "X." to obj itself.
func resolvePath(obj, ref string) string {
	root := obj[:strings.IndexByte(obj, '.')+1] // "Device."
	switch {
	case ref == "" || root == "" || strings.HasPrefix(ref, root):
		return ref
	case ref[0] == '.':
		return root + ref[1:]
	case ref[0] == '#':
		rest := strings.TrimLeft(ref, "#")
		p := obj
		for range len(ref) - len(rest) {
			if p = parentPath(p); p == "" {
				return ref // above the root: leave it as written
			}
		}
		return p + strings.TrimPrefix(rest, ".")
	}
	return obj + ref
}
