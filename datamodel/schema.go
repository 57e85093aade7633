package datamodel

import (
	"fmt"
	"strings"
)

// The schema: what a BBF data model defines, as the loader builds it from
// the XML (cwmp-datamodel-1-14.xsd). A Model is read-only once loaded and
// shared by every tree made from it, so the simulator's 100,000 devices pay
// for it once.

// Access is who may write a parameter, or whether the ACS may add and delete
// instances of a table.
type Access uint8

// Access values of the data-model schema.
const (
	ReadOnly          Access = iota // "readOnly"
	ReadWrite                       // "readWrite"
	WriteOnceReadOnly               // "writeOnceReadOnly": writable until set once
)

// Status is the life-cycle state of a definition.
type Status uint8

// Status values of the data-model schema; Current is the default.
const (
	Current Status = iota
	Deprecated
	Obsoleted
	Deleted
)

// ActiveNotify is the parameter's activeNotify attribute: what the ACS may
// do with its Notification attribute (TR-069 A.3.2.4).
type ActiveNotify uint8

// ActiveNotify values of the data-model schema; Normal is the default.
const (
	Normal              ActiveNotify = iota // "normal"
	ForceEnabled                            // "forceEnabled": always active, the ACS cannot change it
	ForceDefaultEnabled                     // "forceDefaultEnabled": active by default, the ACS may change it
	CanDeny                                 // "canDeny": the CPE may refuse active notification (9009)
)

// BaseType is one of the built-in syntax types a parameter's value has.
type BaseType uint8

// The built-in types of the data-model schema. Their names are the
// xsi:type the value carries on the wire (BaseType.String).
const (
	String BaseType = iota
	Int
	UnsignedInt
	Long
	UnsignedLong
	Boolean
	DateTime
	Base64
	HexBinary
	Decimal
)

var baseTypeNames = [...]string{"string", "int", "unsignedInt", "long", "unsignedLong", "boolean", "dateTime", "base64", "hexBinary", "decimal"}

// String returns the schema name of the type ("unsignedInt"), which is also
// the cwmp.ParameterValueStruct Type of a value of this type.
func (b BaseType) String() string {
	if int(b) < len(baseTypeNames) {
		return baseTypeNames[b]
	}
	return "unknown"
}

// ParseBaseType returns the BaseType named s ("unsignedInt").
func ParseBaseType(s string) (BaseType, bool) {
	for i, n := range baseTypeNames {
		if n == s {
			return BaseType(i), true
		}
	}
	return 0, false
}

// Range is one allowed range of a number (range facet) or of a length (size
// facet). A nil bound is open. Step is 0 when absent.
type Range struct {
	Min, Max *int64 // for unsignedLong, values above MaxInt64 are written as Max == nil
	Step     int64
}

// List describes a list-valued parameter: a comma-separated list of items,
// each of which has the Syntax's type and facets.
type List struct {
	MinItems, MaxItems int     // MaxItems -1 means unbounded
	Sizes              []Range // size of the whole list string
	// NestedBrackets is the list facet's nestedBrackets attribute: ""
	// (items are plain values), "legal" (an item may be a bracketed list
	// of values, "[1,2],3") or "required" (every item is one, "[1,2],[3]").
	NestedBrackets string
}

// PathRef is a pathRef facet: the value is a path (or list of paths) to a
// parameter or object of the same model.
type PathRef struct {
	// TargetParent lists the objects the referenced item must be an
	// immediate child of, as absolute definition paths: the loader resolves
	// the schema's relative forms ("#.Interface.", ".IP.Interface.") against
	// the parameter's object. A row reference names its table without the
	// instance: "Device.IP.Interface." for values like
	// "Device.IP.Interface.3". Empty means anywhere.
	TargetParent []string
	TargetType   string // "any", "parameter", "object", "single", "table", "row"
	RefType      string // "weak", "strong"
}

// EnumerationRef is an enumerationRef facet: the allowed values are the
// items of another (list-valued) parameter's current value.
type EnumerationRef struct {
	TargetParam string  // absolute definition path ("Device.DSL.Line.{i}.AllowedProfiles")
	NullValue   *string // a value allowed besides those (often ""), nil if none
}

// Syntax is a parameter's (or named data type's) value syntax with every
// facet resolved: a parameter whose syntax names a data type carries the
// data type's facets here too, so validation needs nothing else.
type Syntax struct {
	Base         BaseType
	DataType     string   // the named dataType it is built on ("IPAddress"), "" if none
	List         *List    // non-nil for list-valued parameters
	Sizes        []Range  // string, base64, hexBinary length (bytes for binary types)
	Ranges       []Range  // numeric ranges
	Enumerations []string // allowed values (strings only); empty means any
	// ReadOnlyEnumerations are the values of Enumerations that only the
	// CPE may set (access="readOnly" in the schema), such as
	// DiagnosticsState "Complete": not for the ACS to write.
	ReadOnlyEnumerations []string
	EnumerationRef       *EnumerationRef
	// Patterns are the pattern facets as the schema writes them (XML Schema
	// regular expressions, each to match the whole value). The loader
	// compiles each once (compilePattern) and lists in
	// Model.UnsupportedPatterns those Go's RE2 cannot express.
	Patterns []string
	PathRef  *PathRef
	Units    string
	Hidden   bool // the value is not to be returned to the ACS (reads as "")
	Secured  bool // the value is a secret (reads as "" when the spec says so)
	Command  bool // a command parameter (writing starts something)
	// Default is the value a new instance (or, for a single object, the
	// object) starts with: the schema's default of type "object" or
	// "factory" (factory defaults also apply on creation). Defaults of
	// type "implementation" are informational and not kept; nil if none.
	Default *string
}

// DataType is a named data type (dataType element) of a document. Its
// Syntax is resolved through the base chain and carries the data type's own
// name in Syntax.DataType, so a parameter of this type can copy it whole.
type DataType struct {
	Name        string
	Base        string // the data type it refines, "" if built on a built-in type
	Syntax      Syntax
	Description string
}

// Parameter is one parameter definition.
type Parameter struct {
	Name         string  // "Enable"
	Path         string  // "Device.IP.Interface.{i}.Enable"
	Object       *Object // the object it belongs to
	Access       Access
	Syntax       Syntax
	Status       Status
	ForcedInform bool
	ActiveNotify ActiveNotify
	Description  string
	Version      string // the model version that added it ("2.4"), "" if not stated
}

// Object is one object definition: a single object ("Device.DeviceInfo.")
// or a table ("Device.IP.Interface.{i}.").
type Object struct {
	Path                string // ends in "." ; tables end in "{i}."
	Access              Access // ReadWrite: the ACS may AddObject and DeleteObject
	MinEntries          int
	MaxEntries          int // -1 means unbounded
	NumEntriesParameter string
	EnableParameter     string
	UniqueKeys          [][]string // each key is a set of parameter names
	// FunctionalKeys[i] reports whether UniqueKeys[i] is a functional key
	// (one that identifies what the row does, so with an EnableParameter
	// it need only be unique among enabled rows) rather than a
	// non-functional one such as Alias, unique among all rows.
	FunctionalKeys []bool
	Status         Status
	Description    string
	Version        string
	Parent         *Object
	Parameters     []*Parameter // in document order
	Children       []*Object    // direct child objects, in document order

	child map[string]*Object // Children by name ("IP", "Interface")
}

// IsTable reports whether the object is multi-instance (its path ends in
// "{i}.").
func (o *Object) IsTable() bool {
	return len(o.Path) > 4 && o.Path[len(o.Path)-4:] == "{i}."
}

// Model is a loaded root or service data model ("Device:2.17"). Objects and
// Params hold definitions of every status, deleted ones included: check
// Status where that matters.
type Model struct {
	Name      string       // "Device:2.17"
	Root      *Object      // "Device." or "InternetGatewayDevice."
	Objects   []*Object    // every object, in document order
	Params    []*Parameter // every parameter, in document order
	DataTypes map[string]*DataType
	Profiles  []*Profile // in document order
	// UnsupportedPatterns lists the pattern facets of the model's document
	// (and of the documents it imports) that Go's RE2 cannot express, one
	// line each ("tr-x.xml:120: dataType \"X\": pattern \"[\\i-[:]]\""). Such
	// a pattern matches every value (see value.go).
	UnsupportedPatterns []string

	objects map[string]*Object    // by definition path
	params  map[string]*Parameter // by definition path
	forced  []*Parameter          // forcedInform="true", in document order
}

// Profile is a profile of a model: a named set of requirements on its
// objects and parameters. It is kept as the schema writes it: a profile that
// refines (Base) or extends (Extends) others lists only its own
// requirements, not theirs.
type Profile struct {
	Name        string   // "Baseline:1"
	Base        string   // the profile it refines ("Baseline:1" for "Baseline:2"), "" if none
	Extends     []string // the profiles it extends
	Version     string
	Status      Status
	Description string
	Objects     []ProfileObject
	Parameters  []ProfileParameter // parameters required outside any object (rare)
}

// ProfileObject is a profile's requirement on one object.
type ProfileObject struct {
	Path string // definition path ("Device.IP.Interface.{i}.")
	// Requirement is what the CPE must support: "notSpecified",
	// "present", "create", "delete" or "createDelete".
	Requirement string
	Status      Status
	Parameters  []ProfileParameter
}

// ProfileParameter is a profile's requirement on one parameter.
type ProfileParameter struct {
	Name        string // relative to the ProfileObject ("Enable")
	Requirement Access // ReadOnly: must be readable; ReadWrite: must be writable
	Status      Status
}

// index links the objects and parameters of m.Objects (Parent, Children,
// Parameter.Object, Parameter.Path, Root) and builds the lookup maps. The
// loader calls it once a model is complete; tests call it on models built
// by hand. Object paths must be in an order where a parent comes before its
// children, as in every BBF file.
func (m *Model) index() error {
	m.objects = make(map[string]*Object, len(m.Objects))
	m.params = make(map[string]*Parameter, len(m.Params))
	m.Params, m.forced = m.Params[:0], nil
	for _, o := range m.Objects {
		if _, dup := m.objects[o.Path]; dup {
			return fmt.Errorf("datamodel: model %s: object %q defined twice", m.Name, o.Path)
		}
		m.objects[o.Path] = o
		o.Parent, o.Children, o.child = nil, nil, nil
		if parent := parentPath(o.Path); parent != "" {
			p := m.objects[parent]
			if p == nil {
				return fmt.Errorf("datamodel: model %s: object %q has no parent object %q", m.Name, o.Path, parent)
			}
			o.Parent = p
			p.Children = append(p.Children, o)
			if p.child == nil {
				p.child = make(map[string]*Object)
			}
			p.child[o.Name()] = o
		} else if m.Root == nil {
			m.Root = o
		}
		for _, prm := range o.Parameters {
			prm.Object = o
			prm.Path = o.Path + prm.Name
			if _, dup := m.params[prm.Path]; dup {
				return fmt.Errorf("datamodel: model %s: parameter %q defined twice", m.Name, prm.Path)
			}
			m.params[prm.Path] = prm
			m.Params = append(m.Params, prm)
			if prm.ForcedInform {
				m.forced = append(m.forced, prm)
			}
		}
	}
	if m.Root == nil {
		return fmt.Errorf("datamodel: model %s has no objects", m.Name)
	}
	return nil
}

// parentPath returns the definition path of the object containing the
// object at path: "Device.IP.Interface.{i}." gives "Device.IP.", since a
// table's parent is the object above "Interface", and "Device." gives "".
func parentPath(path string) string {
	p := strings.TrimSuffix(path, ".")
	p = strings.TrimSuffix(p, ".{i}")
	i := strings.LastIndexByte(p, '.')
	if i < 0 {
		return ""
	}
	return p[:i+1]
}
