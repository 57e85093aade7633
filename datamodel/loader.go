package datamodel

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Loading a BBF data-model file (cwmp-datamodel-1-14.xsd): what the loader
// does with each part of the schema, where the schema leaves a choice.
//
//   - Imports are resolved relative to the importing file, in the same
//     fs.FS; a file missing there is looked for as name+".gz". Only what an
//     import element names is visible to the importing file, under the
//     name it gives (ref= renames); it may name what the imported file
//     defines or itself imports.
//   - Data types: base= chains are resolved so every DataType and every
//     Syntax carries all its facets. A facet kind the derived type gives
//     (size, range, enumeration, pattern, ...) replaces the inherited ones
//     of that kind, since a derived type narrows its base.
//   - Components are expanded where they are referenced, in the scope of
//     the file that defines them; path= is prefixed to the names of their
//     objects, and their parameters go into the object at the point of
//     reference plus path. version= clamps earlier versions of the items
//     they define. A virtual component is replaced by a component of the
//     same name in the file whose model is being built, if it has one
//     (tr-106-types.xml's "Alias").
//   - Models, objects and parameters with base= refine the named
//     definition: attributes given replace the old ones, descriptions
//     follow their action (replace, append, prefix), parameters and
//     objects are added. A parameter's refined syntax adds the
//     enumerations and patterns it gives to the old ones and replaces the
//     other facets it gives; a syntax of another type replaces the old one.
//     A name= definition of an item inherited from a base model redefines
//     it in place (the BBF's delta files do this); one the same model
//     already defined is a duplicate and an error.
//   - Facets with status="deleted" no longer apply and are dropped, and so
//     are ranges and sizes with no bound (they allow everything).
//     instanceRef facets, which none of the embedded models use, are not
//     kept. Defaults: see Syntax.Default.
//   - Names and references lose surrounding white space (TR-098 has
//     "UPnPQoSDevice "); values of enumerations, patterns and defaults are
//     kept as written.
//   - Relative paths in pathRef targetParent and enumerationRef
//     targetParam ("#.Interface.", ".IP.Interface.", "Interface.") are
//     resolved against the parameter's object (TR-106 A.2.3.4, normal scope).
//   - Descriptions are kept as written, trimmed; {{...}} templates are not
//     expanded.
//   - Commands and events (USP) are skipped.

// Document is one loaded BBF data-model file.
type Document struct {
	File      string               // the name it was loaded by
	Spec      string               // its spec attribute ("urn:broadband-forum-org:tr-181-2-17-0-cwmp")
	Models    []*Model             // the models it defines, in document order
	DataTypes map[string]*DataType // the data types it defines or imports, by name
	// UnsupportedPatterns lists the pattern facets of the document and of
	// the documents it imports that Go's RE2 cannot express (see
	// Model.UnsupportedPatterns).
	UnsupportedPatterns []string
}

// Model returns the model of the document called name ("Device:2.17"), nil
// if it defines none.
func (d *Document) Model(name string) *Model {
	for _, m := range d.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// LoadDocument reads the data-model file name from fsys, with the files it
// imports (also from fsys, relative to name; a name not found is tried with
// ".gz" appended, and ".gz" files are decompressed). Errors name the file,
// the line and the element: `datamodel: tr-x.xml:120: object
// "Device.Foo.": base object not found`.
func LoadDocument(fsys fs.FS, name string) (*Document, error) {
	l := &loader{fsys: fsys, docs: make(map[string]*doc)}
	d, err := l.load(name)
	if err != nil {
		if fe, ok := err.(fileError); ok {
			return nil, fmt.Errorf("datamodel: %w", fe.err)
		}
		return nil, err
	}
	return &Document{
		File:                d.file,
		Spec:                d.spec,
		Models:              d.own,
		DataTypes:           d.dataTypes,
		UnsupportedPatterns: slices.Clone(d.unsupported),
	}, nil
}

// loader loads one file and everything it imports. Files are loaded once
// each, however often they are imported.
type loader struct {
	fsys  fs.FS
	docs  map[string]*doc
	stack []string // files being loaded, outermost first: import cycles
}

// doc is a file being loaded, and the names visible in it.
type doc struct {
	file        string
	spec        string
	dataTypes   map[string]*DataType  // own and imported, by the name used here
	components  map[string]*component // own and imported
	models      map[string]*Model     // own and imported
	own         []*Model              // models defined here, in order
	unsupported []string              // patterns RE2 cannot express, here and in imports

	dtNodes map[string]*node // own data types, until resolved
	dtStack []string         // data types being resolved: base cycles
}

// component is a component definition, with the file whose names it uses.
type component struct {
	name    string // as defined
	doc     *doc
	node    *node
	virtual bool
}

// fileError is an error opening a file or an import cycle: the caller says
// which import element caused it.
type fileError struct{ err error }

func (e fileError) Error() string { return e.err.Error() }
func (e fileError) Unwrap() error { return e.err }

// errorf returns an error located at element n of d: "datamodel: file:line:
// what: message". It wraps the %w argument, if any.
func (d *doc) errorf(n *node, what, format string, args ...any) error {
	return fmt.Errorf("datamodel: %s:%d: %s: "+format, append([]any{d.file, n.line, what}, args...)...)
}

func (l *loader) load(name string) (*doc, error) {
	if d := l.docs[name]; d != nil {
		return d, nil
	}
	if i := slices.Index(l.stack, name); i >= 0 {
		cycle := append(slices.Clone(l.stack[i:]), name)
		return nil, fileError{fmt.Errorf("import cycle %s", strings.Join(cycle, " → "))}
	}
	f, err := openFile(l.fsys, name)
	if err != nil {
		return nil, fileError{err}
	}
	root, err := parseTree(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("datamodel: %s:%w", name, err)
	}
	l.stack = append(l.stack, name)
	defer func() { l.stack = l.stack[:len(l.stack)-1] }()
	d := &doc{
		file:       name,
		spec:       root.get("spec"),
		dataTypes:  make(map[string]*DataType),
		components: make(map[string]*component),
		models:     make(map[string]*Model),
		dtNodes:    make(map[string]*node),
	}
	if err := l.document(d, root); err != nil {
		return nil, err
	}
	d.dtNodes = nil
	l.docs[name] = d
	return d, nil
}

// document interprets a document element: imports first, then the names
// it defines, then its data types and models.
func (l *loader) document(d *doc, root *node) error {
	for _, n := range root.kids {
		if n.name == "import" {
			if err := l.importFrom(d, n); err != nil {
				return err
			}
		}
	}
	for _, n := range root.kids {
		switch n.name {
		case "dataType":
			name := n.get("name")
			what := fmt.Sprintf("dataType %q", name)
			if name == "" {
				return d.errorf(n, "dataType", "no name")
			}
			if d.dataTypes[name] != nil || d.dtNodes[name] != nil {
				return d.errorf(n, what, "defined twice (or both defined and imported)")
			}
			d.dtNodes[name] = n
		case "component":
			name := n.get("name")
			if name == "" {
				return d.errorf(n, "component", "no name")
			}
			if d.components[name] != nil {
				return d.errorf(n, fmt.Sprintf("component %q", name), "defined twice (or both defined and imported)")
			}
			d.components[name] = &component{name: name, doc: d, node: n, virtual: n.get("virtual") == "true" || n.get("virtual") == "1"}
		}
	}
	for _, n := range root.kids {
		if n.name == "dataType" {
			if _, err := l.dataType(d, n.get("name")); err != nil {
				return err
			}
		}
	}
	for _, n := range root.kids {
		if n.name == "model" {
			if err := l.model(d, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// importFrom loads the file an import element names and makes the data
// types, components and models it lists visible in d.
func (l *loader) importFrom(d *doc, n *node) error {
	file := n.get("file")
	what := fmt.Sprintf("import %q", file)
	if file == "" {
		return d.errorf(n, "import", "no file attribute")
	}
	src, err := l.load(path.Join(path.Dir(d.file), file))
	if err != nil {
		if fe, ok := err.(fileError); ok {
			return d.errorf(n, what, "%w", fe.err)
		}
		return err
	}
	for _, u := range src.unsupported {
		if !slices.Contains(d.unsupported, u) { // a file imported twice
			d.unsupported = append(d.unsupported, u)
		}
	}
	for _, k := range n.kids {
		name := k.get("name")
		ref := k.get("ref")
		if ref == "" {
			ref = name
		}
		kwhat := fmt.Sprintf("%s: %s %q", what, k.name, name)
		if name == "" {
			return d.errorf(k, what, "%s without a name", k.name)
		}
		switch k.name {
		case "dataType":
			dt := src.dataTypes[ref]
			if dt == nil {
				return d.errorf(k, kwhat, "no dataType %q in %s", ref, src.file)
			}
			if d.dataTypes[name] != nil {
				return d.errorf(k, kwhat, "imported twice")
			}
			if name != dt.Name { // a renaming import: the type is known here by its new name
				renamed := *dt
				renamed.Name = name
				renamed.Syntax.DataType = name
				dt = &renamed
			}
			d.dataTypes[name] = dt
		case "component":
			c := src.components[ref]
			if c == nil {
				return d.errorf(k, kwhat, "no component %q in %s", ref, src.file)
			}
			if d.components[name] != nil {
				return d.errorf(k, kwhat, "imported twice")
			}
			d.components[name] = c
		case "model":
			m := src.models[ref]
			if m == nil {
				return d.errorf(k, kwhat, "no model %q in %s", ref, src.file)
			}
			if d.models[name] != nil {
				return d.errorf(k, kwhat, "imported twice")
			}
			d.models[name] = m
		}
	}
	return nil
}

// dataType returns d's data type called name, resolving its base chain
// first if d defines it and it is not resolved yet; nil if d has none.
func (l *loader) dataType(d *doc, name string) (*DataType, error) {
	if dt := d.dataTypes[name]; dt != nil {
		return dt, nil
	}
	n := d.dtNodes[name]
	if n == nil {
		return nil, nil
	}
	what := fmt.Sprintf("dataType %q", name)
	if i := slices.Index(d.dtStack, name); i >= 0 {
		cycle := append(slices.Clone(d.dtStack[i:]), name)
		return nil, d.errorf(n, what, "base cycle %s", strings.Join(cycle, " → "))
	}
	d.dtStack = append(d.dtStack, name)
	defer func() { d.dtStack = d.dtStack[:len(d.dtStack)-1] }()

	dt := &DataType{Name: name, Base: n.get("base"), Description: description("", n)}
	var s Syntax
	var facets []*node
	if dt.Base != "" {
		base, err := l.dataType(d, dt.Base)
		if err != nil {
			return nil, err
		}
		if base == nil {
			return nil, d.errorf(n, what, "base dataType %q not found", dt.Base)
		}
		s = base.Syntax
		facets = n.kids
	}
	for _, k := range n.kids {
		if bt, ok := ParseBaseType(k.name); ok {
			// A built-in type element; with a base (the schema forbids
			// it) its facets still narrow the base's.
			if dt.Base == "" {
				s = Syntax{Base: bt}
			}
			facets = k.kids
		}
	}
	if dt.Base == "" && facets == nil && !hasBuiltin(n) {
		return nil, d.errorf(n, what, "neither a base nor a built-in type")
	}
	if err := l.facets(d, &s, facets, restrict, what); err != nil {
		return nil, err
	}
	for _, k := range n.kids {
		if k.name == "list" {
			lst, err := list(d, k, what)
			if err != nil {
				return nil, err
			}
			s.List = lst
		}
	}
	s.DataType = name
	dt.Syntax = s
	d.dataTypes[name] = dt
	return dt, nil
}

func hasBuiltin(n *node) bool {
	for _, k := range n.kids {
		if _, ok := ParseBaseType(k.name); ok {
			return true
		}
	}
	return false
}

// description returns the text of n's description element applied to old
// according to its action; old if n has none.
func description(old string, n *node) string {
	for _, k := range n.kids {
		if k.name != "description" {
			continue
		}
		switch k.get("action") {
		case "append":
			if old != "" && k.text != "" {
				return old + "\n" + k.text
			}
			return old + k.text
		case "prefix":
			if old != "" && k.text != "" {
				return k.text + "\n" + old
			}
			return k.text + old
		default: // create, replace
			return k.text
		}
	}
	return old
}

// Parsing of attribute values.

func parseBool(d *doc, n *node, attr, what string) (v, ok bool, err error) {
	s, ok := n.attr(attr)
	if !ok {
		return false, false, nil
	}
	switch s {
	case "true", "1":
		return true, true, nil
	case "false", "0":
		return false, true, nil
	}
	return false, false, d.errorf(n, what, "%s=%q is not a boolean", attr, s)
}

func parseAccess(s string) (Access, bool) {
	switch s {
	case "readOnly":
		return ReadOnly, true
	case "readWrite":
		return ReadWrite, true
	case "writeOnceReadOnly":
		return WriteOnceReadOnly, true
	}
	return 0, false
}

func parseStatus(s string) (Status, bool) {
	switch s {
	case "", "current":
		return Current, true
	case "deprecated":
		return Deprecated, true
	case "obsoleted":
		return Obsoleted, true
	case "deleted":
		return Deleted, true
	}
	return 0, false
}

func parseActiveNotify(s string) (ActiveNotify, bool) {
	switch s {
	case "normal":
		return Normal, true
	case "forceEnabled":
		return ForceEnabled, true
	case "forceDefaultEnabled":
		return ForceDefaultEnabled, true
	case "canDeny":
		return CanDeny, true
	}
	return 0, false
}

// status returns the status attribute of n, Current when absent.
func status(d *doc, n *node, what string) (Status, error) {
	s := n.get("status")
	st, ok := parseStatus(s)
	if !ok {
		return 0, d.errorf(n, what, "unknown status %q", s)
	}
	return st, nil
}

// count parses a non-negative count or, where unbounded is allowed,
// "unbounded" as -1.
func count(d *doc, n *node, attr, what string, unbounded bool) (int, error) {
	s := n.get(attr)
	if unbounded && s == "unbounded" {
		return -1, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, d.errorf(n, what, "%s=%q is not a count", attr, s)
	}
	return v, nil
}

// compareVersions compares "major.minor[.patch]" versions numerically.
func compareVersions(a, b string) int {
	for a != "" || b != "" {
		var x, y string
		x, a, _ = strings.Cut(a, ".")
		y, b, _ = strings.Cut(b, ".")
		xi, _ := strconv.Atoi(x)
		yi, _ := strconv.Atoi(y)
		if xi != yi {
			if xi < yi {
				return -1
			}
			return 1
		}
	}
	return 0
}

// clampVersion applies a component reference's version clamp: an item
// defined earlier (or with no version) gets the clamp.
func clampVersion(v, clamp string) string {
	if clamp != "" && (v == "" || compareVersions(v, clamp) < 0) {
		return clamp
	}
	return v
}
