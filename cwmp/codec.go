package cwmp

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The message types are plain structs; their `cwmp` field tags say how each
// field is written, and this file turns a tag set into an encode/decode plan
// once per type. One mechanism for every message keeps the lenient decoding
// rules (qualified or not, any prefix, arrayType ignored, missing fields) in
// one place instead of sixty.
//
// Tag syntax: `cwmp:"Name[,option...]"` where options are
//
//	array=Item   a SOAP-encoded array: <Name soap-enc:arrayType="T[n]"><Item>...
//	repeated     a sequence of <Name> elements (ChangeDUState Operations)
//	omitempty    leave the element out when the value is the zero value
//
// A field without a tag uses its Go name. Embedded structs are flattened.

// xmlCodec is implemented by the few types whose XML form a tag cannot
// describe (ParameterValueStruct's xsi:type, for one). It also serves as the
// fast path for the hottest item type.
type xmlCodec interface {
	encodeXML(e *encoder)
	decodeXML(d *xdoc, n int32, path string) error
}

type kind uint8

const (
	kString kind = iota
	kInt
	kUint
	kBool
	kTime
	kBytes
	kStruct
	kCodec     // implements xmlCodec (by pointer)
	kInterface // Operation
)

type fieldPlan struct {
	name      string
	index     []int // reflect.Value.FieldByIndex path (embedded structs are flattened)
	kind      kind
	bits      int
	typ       reflect.Type
	omitEmpty bool
	// Slices: either a SOAP array (item != "") or repeated elements.
	slice     bool
	repeated  bool
	item      string
	arrayType string
	elem      *typePlan // plan of the struct item / struct field
}

type typePlan struct {
	typ    reflect.Type
	fields []fieldPlan
}

var (
	plans       sync.Map // reflect.Type -> *typePlan
	codecType   = reflect.TypeFor[xmlCodec]()
	timeType    = reflect.TypeFor[time.Time]()
	bytesType   = reflect.TypeFor[[]byte]()
	operationTy = reflect.TypeFor[Operation]()
)

// planFor returns the plan for struct type t, building it on first use.
// Types are fixed at compile time, so a bad tag is a programming error and
// panics on first use (every message type is exercised by the tests).
func planFor(t reflect.Type) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	p := &typePlan{typ: t}
	p.fields = buildFields(t, nil)
	actual, _ := plans.LoadOrStore(t, p)
	return actual.(*typePlan)
}

func buildFields(t reflect.Type, prefix []int) []fieldPlan {
	var out []fieldPlan
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("cwmp")
		if tag == "-" {
			continue
		}
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && tag == "" && sf.Type.Kind() == reflect.Struct {
			out = append(out, buildFields(sf.Type, index)...)
			continue
		}
		f := fieldPlan{name: sf.Name, index: index, typ: sf.Type}
		if tag != "" {
			parts := strings.Split(tag, ",")
			if parts[0] != "" {
				f.name = parts[0]
			}
			for _, opt := range parts[1:] {
				switch {
				case opt == "omitempty":
					f.omitEmpty = true
				case opt == "repeated":
					f.repeated = true
				case strings.HasPrefix(opt, "array="):
					f.item = strings.TrimPrefix(opt, "array=")
				default:
					panic(fmt.Sprintf("cwmp: unknown tag option %q on %s.%s", opt, t.Name(), sf.Name))
				}
			}
		}
		ft := sf.Type
		if ft.Kind() == reflect.Slice && ft != bytesType {
			f.slice = true
			ft = ft.Elem()
			if f.item == "" && !f.repeated {
				panic(fmt.Sprintf("cwmp: slice field %s.%s needs array= or repeated", t.Name(), sf.Name))
			}
		}
		f.kind, f.bits = kindOf(ft)
		if f.kind == kStruct {
			f.elem = planFor(ft)
		}
		if f.item != "" {
			switch f.kind {
			case kString:
				f.arrayType = "xsd:string"
			case kBytes:
				f.arrayType = "soap-enc:base64"
			case kStruct, kCodec:
				f.arrayType = "cwmp:" + f.item
			default:
				panic(fmt.Sprintf("cwmp: array field %s.%s has unsupported item type %s", t.Name(), sf.Name, ft))
			}
		}
		out = append(out, f)
	}
	return out
}

func kindOf(t reflect.Type) (kind, int) {
	if t == timeType {
		return kTime, 0
	}
	if t == bytesType {
		return kBytes, 0
	}
	if t == operationTy {
		return kInterface, 0
	}
	if reflect.PointerTo(t).Implements(codecType) {
		return kCodec, 0
	}
	switch t.Kind() {
	case reflect.String:
		return kString, 0
	case reflect.Bool:
		return kBool, 0
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt, t.Bits()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kUint, t.Bits()
	case reflect.Struct:
		return kStruct, 0
	}
	panic(fmt.Sprintf("cwmp: unsupported field type %s", t))
}

// fieldValue returns the field of struct value v the plan describes.
func (f *fieldPlan) fieldValue(v reflect.Value) reflect.Value {
	if len(f.index) == 1 {
		return v.Field(f.index[0])
	}
	return v.FieldByIndex(f.index)
}

// ---- encoding ----

func encodeStruct(e *encoder, p *typePlan, v reflect.Value) {
	for i := range p.fields {
		f := &p.fields[i]
		fv := f.fieldValue(v)
		if f.omitEmpty && fv.IsZero() {
			continue
		}
		switch {
		case f.item != "":
			n := fv.Len()
			e.openArray(f.name, f.arrayType, n)
			for j := 0; j < n; j++ {
				encodeValue(e, f, f.item, fv.Index(j))
			}
			e.close(f.name)
		case f.repeated:
			for j := 0; j < fv.Len(); j++ {
				encodeValue(e, f, f.name, fv.Index(j))
			}
		default:
			encodeValue(e, f, f.name, fv)
		}
	}
}

func encodeValue(e *encoder, f *fieldPlan, name string, v reflect.Value) {
	switch f.kind {
	case kString:
		e.str(name, v.String())
	case kInt:
		e.int(name, v.Int())
	case kUint:
		e.uint(name, v.Uint())
	case kBool:
		e.bool(name, v.Bool())
	case kTime:
		e.time(name, v.Interface().(time.Time))
	case kBytes:
		e.bytes(name, v.Bytes())
	case kStruct:
		e.open(name)
		encodeStruct(e, f.elem, v)
		e.close(name)
	case kCodec:
		e.open(name)
		v.Addr().Interface().(xmlCodec).encodeXML(e)
		e.close(name)
	case kInterface:
		op, _ := v.Interface().(Operation)
		if op == nil {
			e.open(name)
			e.close(name)
			return
		}
		e.openTyped(name, "cwmp:"+op.OperationType())
		ov := reflect.ValueOf(op)
		if ov.Kind() == reflect.Pointer {
			ov = ov.Elem()
		}
		encodeStruct(e, planFor(ov.Type()), ov)
		e.close(name)
	}
}

// ---- decoding ----

func decodeStruct(d *xdoc, n int32, p *typePlan, v reflect.Value, path string) error {
	nodes := d.nodes
	for i := range p.fields {
		f := &p.fields[i]
		fv := f.fieldValue(v)
		fpath := path + "/" + f.name
		if f.repeated {
			count := 0
			for c := nodes[n].first; c != noNode; c = nodes[c].next {
				if nodes[c].local == f.name {
					count++
				}
			}
			if count == 0 {
				continue
			}
			if f.kind == kInterface && count == 1 {
				// Some ACSs wrap the operations in a SOAP array instead of
				// repeating the element; accept that too.
				if c := d.child(n, f.name); isArrayWrapper(d, c) {
					if err := decodeSlice(d, c, f, fv, fpath, ""); err != nil {
						return err
					}
					continue
				}
			}
			if err := decodeSlice(d, n, f, fv, fpath, f.name); err != nil {
				return err
			}
			continue
		}
		c := d.child(n, f.name)
		if c == noNode {
			continue // missing fields keep their zero value
		}
		if f.item != "" {
			if err := decodeSlice(d, c, f, fv, fpath, ""); err != nil {
				return err
			}
			continue
		}
		if err := decodeValue(d, c, f, fv, fpath); err != nil {
			return err
		}
	}
	return nil
}

// decodeSlice decodes the element children of n into slice fv: all of them
// when only is "" (SOAP arrays: item names and the arrayType count are not
// checked, since devices get both wrong), or those named only.
func decodeSlice(d *xdoc, n int32, f *fieldPlan, fv reflect.Value, path, only string) error {
	nodes := d.nodes
	count := 0
	for c := nodes[n].first; c != noNode; c = nodes[c].next {
		if only == "" || nodes[c].local == only {
			count++
		}
	}
	s := reflect.MakeSlice(f.typ, count, count)
	k := 0
	for c := nodes[n].first; c != noNode; c = nodes[c].next {
		if only != "" && nodes[c].local != only {
			continue
		}
		// The item's path is built only on error: formatting it for every
		// item was half the allocations of a large GetParameterValuesResponse.
		if err := decodeValue(d, c, f, s.Index(k), path); err != nil {
			if de, ok := err.(*DecodeError); ok && strings.HasPrefix(de.Path, path) {
				de.Path = path + "[" + strconv.Itoa(k) + "]" + de.Path[len(path):]
			}
			return err
		}
		k++
	}
	fv.Set(s)
	return nil
}

func decodeValue(d *xdoc, n int32, f *fieldPlan, v reflect.Value, path string) error {
	node := &d.nodes[n]
	// Surrounding white space is never meaningful in these fields (parameter
	// values, where it can be, are decoded by ParameterValueStruct itself).
	text := strings.TrimSpace(node.text)
	switch f.kind {
	case kString:
		v.SetString(text)
	case kInt:
		if text == "" {
			return nil
		}
		x, err := strconv.ParseInt(text, 10, f.bits)
		if err != nil {
			return &DecodeError{Path: path, Msg: fmt.Sprintf("%q is not an integer in range", text)}
		}
		v.SetInt(x)
	case kUint:
		if text == "" {
			return nil
		}
		// XML Schema allows a leading "+"; ParseUint does not.
		x, err := strconv.ParseUint(strings.TrimPrefix(text, "+"), 10, f.bits)
		if err != nil {
			return &DecodeError{Path: path, Msg: fmt.Sprintf("%q is not an unsigned integer in range", text)}
		}
		v.SetUint(x)
	case kBool:
		b, err := parseBool(text)
		if err != nil {
			return &DecodeError{Path: path, Msg: err.Error()}
		}
		v.SetBool(b)
	case kTime:
		t, err := ParseTime(text)
		if err != nil {
			return &DecodeError{Path: path, Msg: err.(*DecodeError).Msg}
		}
		v.Set(reflect.ValueOf(t))
	case kBytes:
		b, err := base64.StdEncoding.DecodeString(stripSpace(text))
		if err != nil {
			return &DecodeError{Path: path, Msg: "not valid base64: " + err.Error()}
		}
		v.SetBytes(b)
	case kStruct:
		return decodeStruct(d, n, f.elem, v, path)
	case kCodec:
		return v.Addr().Interface().(xmlCodec).decodeXML(d, n, path)
	case kInterface:
		typ, typed := node.attr("type")
		name := node.local // array items may be named after their type
		if typed {
			name = localPart(strings.TrimSpace(typ))
		}
		op, err := newOperation(name)
		if err != nil {
			if !typed {
				return &DecodeError{Path: path, Msg: "operation has no xsi:type (want cwmp:InstallOpStruct, cwmp:UpdateOpStruct or cwmp:UninstallOpStruct)"}
			}
			return &DecodeError{Path: path, Msg: err.Error()}
		}
		ov := reflect.ValueOf(op).Elem()
		if err := decodeStruct(d, n, planFor(ov.Type()), ov, path); err != nil {
			return err
		}
		v.Set(reflect.ValueOf(op))
	}
	return nil
}

// isArrayWrapper reports whether element c is a SOAP array of operations
// rather than one operation: it says so (soap-enc:arrayType, or an xsi:type
// of Array), or, untyped, its first child is itself a structure.
func isArrayWrapper(d *xdoc, c int32) bool {
	node := &d.nodes[c]
	if _, ok := node.attr("arrayType"); ok {
		return true
	}
	typ, typed := node.attr("type")
	if typed {
		return localPart(strings.TrimSpace(typ)) == "Array"
	}
	if node.first == noNode {
		return false
	}
	first := &d.nodes[node.first]
	_, firstTyped := first.attr("type")
	return firstTyped || first.first != noNode
}

// parseBool accepts the four xsd:boolean spellings, in any case, since
// devices write True and FALSE too.
func parseBool(s string) (bool, error) {
	switch s {
	case "1", "true":
		return true, nil
	case "0", "false", "":
		return false, nil
	}
	switch strings.ToLower(s) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not an xsd:boolean (want 0, 1, true or false)", s)
}

func localPart(qname string) string {
	if i := strings.LastIndexByte(qname, ':'); i >= 0 {
		return qname[i+1:]
	}
	return qname
}

func stripSpace(s string) string {
	if strings.IndexAny(s, " \t\r\n") < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}

var errUnknownOperation = errors.New("unknown operation type")
