package datamodel

import (
	"slices"
	"strings"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// References between parameters (TR-106 A.2.3.4 and A.2.3.7): a pathRef
// value names another object or parameter of the tree, an enumerationRef
// value must be one of the items of another parameter. Syntax.Validate
// checks their form; whether they resolve depends on the tree, so the tree
// checks it when the ACS sets a value.

// checkRefs checks the references value makes, as parameter n, against the
// tree: a 9007 fault if it refers to what does not exist or may not be
// referred to.
func (t *Tree) checkRefs(n tnode, value string) *cwmp.Fault {
	s := &n.prm.Syntax
	if s.PathRef == nil && s.EnumerationRef == nil {
		return nil
	}
	items := []string{value}
	if s.List != nil {
		items = SplitList(value)
	}
	if pr := s.PathRef; pr != nil && pr.RefType == "strong" {
		// A strong reference must name something that exists, of the
		// right kind and place; a weak one may dangle (TR-106 A.2.3.4).
		for _, it := range items {
			if it == "" {
				continue
			}
			target, ok := t.resolveRef(it)
			if !ok {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%q refers to %q, which does not exist", n.path, it)
			}
			if !refTypeOK(pr.TargetType, target) {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%q must refer to a %s, not to %q", n.path, pr.TargetType, it)
			}
			if len(pr.TargetParent) > 0 && !slices.Contains(pr.TargetParent, refParent(target)) {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%q must refer to an item of %s, not to %q", n.path, strings.Join(pr.TargetParent, " or "), it)
			}
		}
	}
	if er := s.EnumerationRef; er != nil {
		src, ok := instantiate(er.TargetParam, n.prm.Path, n.path)
		if !ok {
			return nil // the target is not in an instance we can name: leave it to the device
		}
		sn, f := t.resolveParam(src)
		if f != nil {
			return nil // the target's instance does not exist (yet): nothing to check against
		}
		allowed := SplitList(t.read(sn))
		for _, it := range items {
			if !slices.Contains(allowed, it) && (er.NullValue == nil || *er.NullValue != it) {
				return cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%q: %q is not one of the values of %s", n.path, it, src)
			}
		}
	}
	return nil
}

// resolveRef resolves a reference value: a parameter, or an object with or
// without its trailing "." (TR-181 writes object references without it).
func (t *Tree) resolveRef(ref string) (tnode, bool) {
	if ns, f := t.resolve(ref, false); f == nil {
		return ns[0], true
	}
	if !strings.HasSuffix(ref, ".") {
		if ns, f := t.resolve(ref+".", false); f == nil {
			return ns[0], true
		}
	}
	return tnode{}, false
}

// refTypeOK reports whether n is of the pathRef targetType typ.
func refTypeOK(typ string, n tnode) bool {
	switch typ {
	case "parameter":
		return n.kind == kindParam
	case "object":
		return n.kind != kindParam
	case "single":
		return n.kind == kindObject && !n.obj.IsTable()
	case "table":
		return n.kind == kindTable
	case "row":
		return n.isInstance()
	}
	return true // "any"
}

// refParent returns the definition path a pathRef targetParent names for
// the item n: its object for a parameter, the table without "{i}." for a
// row ("Device.IP.Interface."), the object containing it for a single
// object or a table.
func refParent(n tnode) string {
	switch {
	case n.kind == kindParam:
		return n.prm.Object.Path
	case n.isInstance():
		return n.obj.Path[:len(n.obj.Path)-len("{i}.")]
	case n.obj.Parent != nil:
		return n.obj.Parent.Path
	}
	return ""
}

// instantiate turns the definition path def into a concrete path, taking
// the instance number of each "{i}" from the concrete path concrete of the
// definition path from, where def and from agree up to that "{i}".
func instantiate(def, from, concrete string) (string, bool) {
	d, f, c := strings.Split(def, "."), strings.Split(from, "."), strings.Split(concrete, ".")
	if len(f) != len(c) {
		return "", false
	}
	out := slices.Clone(d)
	for i, seg := range d {
		if seg != "{i}" {
			continue
		}
		if i >= len(f) || !slices.Equal(d[:i+1], f[:i+1]) {
			return "", false
		}
		out[i] = c[i]
	}
	return strings.Join(out, "."), true
}

// dropRefs clears the strong references to the deleted instance at path
// (TR-106 A.2.3.4: a strong reference to a deleted item becomes empty, or
// loses that item if it is a list) and returns the parameters it changed.
// Only stored values can refer to an instance, since defaults are
// constants of the model.
func (t *Tree) dropRefs(path string) []tnode {
	bare := path[:len(path)-1] // "Device.IP.Interface.3"
	refersTo := func(it string) bool {
		return it == bare || strings.HasPrefix(it, path)
	}
	var changed []tnode
	for k, v := range t.values {
		n, f := t.resolveParam(k)
		if f != nil {
			continue
		}
		s := &n.prm.Syntax
		if s.PathRef == nil || s.PathRef.RefType != "strong" || !strings.Contains(v, bare) {
			continue
		}
		if s.List == nil {
			if refersTo(v) {
				t.store(n, "")
				changed = append(changed, n)
			}
			continue
		}
		items := SplitList(v)
		kept := slices.DeleteFunc(slices.Clone(items), refersTo)
		if len(kept) != len(items) {
			t.store(n, strings.Join(kept, ","))
			changed = append(changed, n)
		}
	}
	return changed
}
