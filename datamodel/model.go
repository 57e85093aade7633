package datamodel

import (
	"fmt"
	"slices"
	"strings"
)

// Building models: model, object, parameter, component and profile
// elements.

// builder builds one model element.
type builder struct {
	l       *loader
	doc     *doc // the document defining the model
	m       *Model
	objects map[string]*Object    // by definition path
	params  map[string]*Parameter // by definition path
	order   []*Object             // document order
	// fresh holds what this model element defined by name (objects,
	// parameters, profiles), as opposed to what it inherited from its base
	// model: defining one of those again is a duplicate.
	fresh map[any]bool
}

// scope is where an element is interpreted.
type scope struct {
	doc    *doc     // the file whose data types and components names refer to
	prefix string   // the path names are relative to: "" in a model, the object's path in an object
	clamp  string   // version clamp of the component references on the way in, "" if none
	comps  []string // components being expanded, outermost first: cycles
}

func (l *loader) model(d *doc, n *node) error {
	name := n.get("name")
	what := fmt.Sprintf("model %q", name)
	if name == "" {
		return d.errorf(n, "model", "no name")
	}
	if d.models[name] != nil {
		return d.errorf(n, what, "defined twice (or both defined and imported)")
	}
	b := &builder{
		l:       l,
		doc:     d,
		m:       &Model{Name: name, DataTypes: d.dataTypes},
		objects: make(map[string]*Object),
		params:  make(map[string]*Parameter),
		fresh:   make(map[any]bool),
	}
	if base := n.get("base"); base != "" {
		bm := d.models[base]
		if bm == nil {
			return d.errorf(n, what, "base model %q not found", base)
		}
		b.inherit(bm)
	}
	if err := b.items(scope{doc: d}, n.kids); err != nil {
		return err
	}
	b.m.Objects = b.order
	if err := b.m.index(); err != nil {
		return d.errorf(n, what, "%s", strings.TrimPrefix(err.Error(), "datamodel: "))
	}
	b.m.UnsupportedPatterns = slices.Clone(d.unsupported)
	d.models[name] = b.m
	d.own = append(d.own, b.m)
	return nil
}

// inherit copies the base model's objects and parameters into the builder,
// so that refining them leaves the base model as it was. Syntaxes are
// copied by value: their slices and pointers are shared and never written.
func (b *builder) inherit(base *Model) {
	for _, o := range base.Objects {
		c := *o
		c.Parent, c.Children, c.child = nil, nil, nil
		c.Parameters = make([]*Parameter, len(o.Parameters))
		for i, p := range o.Parameters {
			pc := *p
			pc.Object = &c
			c.Parameters[i] = &pc
			b.params[pc.Path] = &pc
		}
		b.objects[c.Path] = &c
		b.order = append(b.order, &c)
	}
	b.m.Profiles = slices.Clone(base.Profiles)
}

// items interprets the children of a model, object or component element.
func (b *builder) items(sc scope, kids []*node) error {
	for _, k := range kids {
		var err error
		switch k.name {
		case "object":
			err = b.object(sc, k)
		case "parameter":
			o := b.objects[sc.prefix]
			if o == nil {
				return sc.doc.errorf(k, fmt.Sprintf("parameter %q", k.get("name")+k.get("base")), "not inside an object")
			}
			err = b.parameter(sc, o, k)
		case "component":
			err = b.component(sc, k)
		case "profile":
			err = b.profile(sc, k)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) object(sc scope, n *node) error {
	d := sc.doc
	name, hasName := n.attr("name")
	base, hasBase := n.attr("base")
	var o *Object
	var what string
	switch {
	case hasName:
		path := sc.prefix + name
		what = fmt.Sprintf("object %q", path)
		if !validObjectPath(path) {
			return d.errorf(n, what, "not an object path")
		}
		o = b.objects[path]
		switch {
		case o == nil:
			o = &Object{Path: path}
			b.objects[path] = o
			b.order = append(b.order, o)
		case b.fresh[o]:
			return d.errorf(n, what, "defined twice")
		default:
			// A redefinition of an inherited object: a new definition,
			// keeping the parameters and child objects.
			*o = Object{Path: path, Parameters: o.Parameters}
		}
		b.fresh[o] = true
		o.MinEntries, o.MaxEntries = 1, 1
		o.Description = description("", n)
	case hasBase:
		path := sc.prefix + base
		what = fmt.Sprintf("object %q", path)
		if o = b.objects[path]; o == nil {
			return d.errorf(n, what, "base object not found")
		}
		o.Description = description(o.Description, n)
	default:
		return d.errorf(n, "object", "neither name nor base")
	}
	if err := objectAttrs(d, o, n, what); err != nil {
		return err
	}
	if hasName {
		o.Version = clampVersion(o.Version, sc.clamp)
	}
	for _, k := range n.kids {
		if k.name != "uniqueKey" {
			continue
		}
		functional, _, err := parseBool(d, k, "functional", what)
		if err != nil {
			return err
		}
		var key []string
		for _, p := range k.kids {
			if p.name == "parameter" {
				key = append(key, p.get("ref"))
			}
		}
		if !slices.ContainsFunc(o.UniqueKeys, func(k []string) bool { return slices.Equal(k, key) }) {
			o.UniqueKeys = append(slices.Clip(o.UniqueKeys), key)
			o.FunctionalKeys = append(slices.Clip(o.FunctionalKeys), functional)
		}
	}
	inner := sc
	inner.prefix = o.Path
	return b.items(inner, n.kids)
}

// validObjectPath reports whether p looks like an object's definition path:
// names separated by dots, "{i}" after a table's name, a final dot.
func validObjectPath(p string) bool {
	if !strings.HasSuffix(p, ".") {
		return false
	}
	prev := ""
	for _, seg := range strings.Split(p[:len(p)-1], ".") {
		if seg == "" || seg == "{i}" && (prev == "" || prev == "{i}") || strings.ContainsAny(seg, " {}") && seg != "{i}" {
			return false
		}
		prev = seg
	}
	return prev != ""
}

// objectAttrs applies the attributes n gives to o.
func objectAttrs(d *doc, o *Object, n *node, what string) error {
	if v, ok := n.attr("access"); ok {
		a, ok := parseAccess(v)
		if !ok || a == WriteOnceReadOnly {
			return d.errorf(n, what, "unknown access %q", v)
		}
		o.Access = a
	}
	var err error
	if _, ok := n.attr("minEntries"); ok {
		if o.MinEntries, err = count(d, n, "minEntries", what, false); err != nil {
			return err
		}
	}
	if _, ok := n.attr("maxEntries"); ok {
		if o.MaxEntries, err = count(d, n, "maxEntries", what, true); err != nil {
			return err
		}
	}
	if v, ok := n.attr("numEntriesParameter"); ok {
		o.NumEntriesParameter = v
	}
	if v, ok := n.attr("enableParameter"); ok {
		o.EnableParameter = v
	}
	if v, ok := n.attr("version"); ok {
		o.Version = v
	}
	if _, ok := n.attr("status"); ok {
		if o.Status, err = status(d, n, what); err != nil {
			return err
		}
	}
	return nil
}

func (b *builder) parameter(sc scope, o *Object, n *node) error {
	d := sc.doc
	name, hasName := n.attr("name")
	base, hasBase := n.attr("base")
	var p *Parameter
	var what string
	var prev *Syntax
	switch {
	case hasName:
		path := o.Path + name
		what = fmt.Sprintf("parameter %q", path)
		if name == "" || strings.ContainsAny(name, ".{} ") {
			return d.errorf(n, what, "not a parameter name")
		}
		p = &Parameter{Name: name, Path: path, Object: o, Description: description("", n)}
		switch old := b.params[path]; {
		case old == nil:
			o.Parameters = append(o.Parameters, p)
		case b.fresh[old]:
			return d.errorf(n, what, "defined twice")
		default: // a redefinition of an inherited parameter, in place
			o.Parameters[slices.Index(o.Parameters, old)] = p
		}
		b.params[path] = p
		b.fresh[p] = true
	case hasBase:
		path := o.Path + base
		what = fmt.Sprintf("parameter %q", path)
		if p = b.params[path]; p == nil {
			return d.errorf(n, what, "base parameter not found")
		}
		p.Description = description(p.Description, n)
		prev = &p.Syntax
	default:
		return d.errorf(n, "parameter", "neither name nor base")
	}
	if v, ok := n.attr("access"); ok {
		a, ok := parseAccess(v)
		if !ok {
			return d.errorf(n, what, "unknown access %q", v)
		}
		p.Access = a
	}
	if v, ok := n.attr("activeNotify"); ok {
		a, ok := parseActiveNotify(v)
		if !ok {
			return d.errorf(n, what, "unknown activeNotify %q", v)
		}
		p.ActiveNotify = a
	}
	if v, ok, err := parseBool(d, n, "forcedInform", what); err != nil {
		return err
	} else if ok {
		p.ForcedInform = v
	}
	if _, ok := n.attr("status"); ok {
		var err error
		if p.Status, err = status(d, n, what); err != nil {
			return err
		}
	}
	if v, ok := n.attr("version"); ok {
		p.Version = v
	}
	if hasName {
		p.Version = clampVersion(p.Version, sc.clamp)
	}
	for _, k := range n.kids {
		if k.name == "syntax" {
			s, err := b.l.syntax(d, k, prev, what)
			if err != nil {
				return err
			}
			resolveRefs(&s, o.Path)
			p.Syntax = s
		}
	}
	return nil
}

// component expands a component reference.
func (b *builder) component(sc scope, n *node) error {
	ref := n.get("ref")
	what := fmt.Sprintf("component %q", ref)
	c := sc.doc.components[ref]
	if c != nil && c.virtual {
		// A virtual component stands for the one of the same name of
		// the file whose model this is, if it has one.
		if o := b.doc.components[ref]; o != nil {
			c = o
		}
	}
	if c == nil {
		return sc.doc.errorf(n, what, "component not found")
	}
	id := c.doc.file + ":" + c.name
	if i := slices.Index(sc.comps, id); i >= 0 {
		var names []string
		for _, s := range append(slices.Clone(sc.comps[i:]), id) {
			names = append(names, s[strings.LastIndexByte(s, ':')+1:])
		}
		return sc.doc.errorf(n, what, "component cycle %s", strings.Join(names, " → "))
	}
	inner := scope{
		doc:    c.doc,
		prefix: sc.prefix + n.get("path"),
		clamp:  sc.clamp,
		comps:  append(slices.Clone(sc.comps), id),
	}
	if v := n.get("version"); v != "" && compareVersions(v, inner.clamp) > 0 {
		inner.clamp = v
	}
	return b.items(inner, c.node.kids)
}

func (b *builder) profile(sc scope, n *node) error {
	d := sc.doc
	name := n.get("name")
	what := fmt.Sprintf("profile %q", name)
	if name == "" {
		return d.errorf(n, "profile", "no name")
	}
	st, err := status(d, n, what)
	if err != nil {
		return err
	}
	p := &Profile{
		Name:        name,
		Base:        n.get("base"),
		Extends:     strings.Fields(n.get("extends")),
		Version:     n.get("version"),
		Status:      st,
		Description: description("", n),
	}
	for _, k := range n.kids {
		switch k.name {
		case "object":
			po := ProfileObject{Path: sc.prefix + k.get("ref"), Requirement: k.get("requirement")}
			if po.Status, err = status(d, k, what); err != nil {
				return err
			}
			for _, kp := range k.kids {
				if kp.name == "parameter" {
					pp, err := profileParameter(d, kp, what)
					if err != nil {
						return err
					}
					po.Parameters = append(po.Parameters, pp)
				}
			}
			p.Objects = append(p.Objects, po)
		case "parameter":
			pp, err := profileParameter(d, k, what)
			if err != nil {
				return err
			}
			pp.Name = sc.prefix + pp.Name
			p.Parameters = append(p.Parameters, pp)
		}
	}
	for i, old := range b.m.Profiles {
		if old.Name == name {
			if b.fresh[old] {
				return d.errorf(n, what, "defined twice")
			}
			b.m.Profiles = slices.Delete(b.m.Profiles, i, i+1)
			break
		}
	}
	b.fresh[p] = true
	b.m.Profiles = append(b.m.Profiles, p)
	return nil
}

func profileParameter(d *doc, n *node, what string) (ProfileParameter, error) {
	pp := ProfileParameter{Name: n.get("ref")}
	req := n.get("requirement")
	a, ok := parseAccess(req)
	if !ok {
		return pp, d.errorf(n, what, "parameter %q: unknown requirement %q", pp.Name, req)
	}
	pp.Requirement = a
	var err error
	pp.Status, err = status(d, n, what)
	return pp, err
}
