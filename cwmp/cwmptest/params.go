package cwmptest

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Param is one parameter of a Params store.
type Param struct {
	Value string
	// Type is the xsd type without prefix ("string", "boolean",
	// "unsignedInt", ...); "" means string. SetParameterValues checks new
	// values against it.
	Type         string
	Writable     bool
	Notification cwmp.Notification
	AccessList   []string
}

// Params is the fake CPE's parameter store: a flat map from full parameter
// names to parameters, plus multi-instance tables whose instances
// AddObject and DeleteObject create and remove. Objects exist implicitly,
// as the prefixes of the names. Its methods implement the parameter RPCs
// with their TR-069 semantics and fault codes, and are safe for concurrent
// use.
//
// It is deliberately simple: there is no data model, so any name can be
// stored; tables do not nest (an instance's template holds parameters and
// single-instance sub-objects only); there are no notifications of changes.
type Params struct {
	mu     sync.Mutex
	params map[string]Param
	tables map[string]*table // by path, "Device.IP.Interface."
}

// table is a multi-instance object.
type table struct {
	template  map[string]Param // names relative to the instance
	instances []uint32         // ascending
	last      uint32           // numbers are never reused, as on real CPEs
}

// NewParams returns an empty store.
func NewParams() *Params {
	return &Params{params: map[string]Param{}, tables: map[string]*table{}}
}

// Set creates or replaces a parameter.
func (p *Params) Set(name string, prm Param) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prm.AccessList = slices.Clone(prm.AccessList)
	p.params[name] = prm
}

// Get returns a parameter.
func (p *Params) Get(name string) (Param, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	prm, ok := p.params[name]
	prm.AccessList = slices.Clone(prm.AccessList)
	return prm, ok
}

// Value returns a parameter's value, "" when it does not exist.
func (p *Params) Value(name string) string {
	prm, _ := p.Get(name)
	return prm.Value
}

// Names returns the names of every parameter, sorted.
func (p *Params) Names() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(maps.Keys(p.params))
}

// DefineTable makes path ("Device.IP.Interface." or
// "Device.IP.Interface.{i}.") a multi-instance object whose instances hold
// the template's parameters, named relative to the instance ("Enable",
// "Stats.BytesSent").
func (p *Params) DefineTable(path string, template map[string]Param) {
	path = strings.TrimSuffix(path, "{i}.")
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tables[path] = &table{template: maps.Clone(template)}
}

// AddObject creates an instance of the table objectName and returns its
// number (TR-069 A.3.2.6). parameterKey, when the call succeeds, becomes the
// value of ManagementServer.ParameterKey. A name that is not a table gets
// fault 9005.
func (p *Params) AddObject(objectName, parameterKey string) (uint32, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.tables[objectName]
	if !ok {
		return 0, cwmp.NewFault(cwmp.FaultInvalidParameterName, "%q is not a multi-instance object", objectName)
	}
	t.last++
	n := t.last
	t.instances = append(t.instances, n)
	prefix := objectName + strconv.FormatUint(uint64(n), 10) + "."
	for rel, prm := range t.template {
		prm.AccessList = slices.Clone(prm.AccessList)
		p.params[prefix+rel] = prm
	}
	p.setParameterKey(parameterKey)
	return n, nil
}

// DeleteObject removes the table instance objectName ("Device.IP.Interface.2.")
// with everything below it (TR-069 A.3.2.7). Anything else gets fault 9005.
func (p *Params) DeleteObject(objectName, parameterKey string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, n, ok := p.instance(objectName)
	if !ok {
		return cwmp.NewFault(cwmp.FaultInvalidParameterName, "%q is not an instance of a multi-instance object", objectName)
	}
	t.instances = slices.DeleteFunc(t.instances, func(i uint32) bool { return i == n })
	for name := range p.params {
		if strings.HasPrefix(name, objectName) {
			delete(p.params, name)
		}
	}
	for path := range p.tables {
		if strings.HasPrefix(path, objectName) {
			delete(p.tables, path)
		}
	}
	p.setParameterKey(parameterKey)
	return nil
}

// instance parses "table.N." into its table and number; p.mu must be held.
func (p *Params) instance(name string) (*table, uint32, bool) {
	trimmed, ok := strings.CutSuffix(name, ".")
	if !ok {
		return nil, 0, false
	}
	i := strings.LastIndexByte(trimmed, '.')
	if i < 0 {
		return nil, 0, false
	}
	t, ok := p.tables[trimmed[:i+1]]
	if !ok {
		return nil, 0, false
	}
	n, err := strconv.ParseUint(trimmed[i+1:], 10, 32)
	if err != nil || !slices.Contains(t.instances, uint32(n)) {
		return nil, 0, false
	}
	return t, uint32(n), true
}

// objects returns every object name with its writability: a table is
// writable when instances can be added to it, an instance when it can be
// deleted. p.mu must be held.
func (p *Params) objects() map[string]bool {
	objs := map[string]bool{}
	// parents adds the objects above name (the prefixes ending in "."
	// short of name itself), read-only unless already known otherwise.
	parents := func(name string) {
		for i := range len(name) - 1 {
			if name[i] == '.' {
				if _, ok := objs[name[:i+1]]; !ok {
					objs[name[:i+1]] = false
				}
			}
		}
	}
	for path, t := range p.tables {
		objs[path] = true
		for _, n := range t.instances {
			objs[path+strconv.FormatUint(uint64(n), 10)+"."] = true
		}
	}
	for path := range p.tables {
		parents(path) // a table's parents exist even when it is empty
	}
	for name := range p.params {
		parents(name)
	}
	return objs
}

// under returns the sorted names of the parameters below path ("" for
// all); p.mu must be held.
func (p *Params) under(path string) []string {
	var names []string
	for name := range p.params {
		if strings.HasPrefix(name, path) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// resolve expands full names and partial paths into parameter names, or
// fails with 9005 naming the first that does not exist; p.mu must be held.
func (p *Params) resolve(names []string) ([]string, error) {
	var out []string
	var objs map[string]bool
	for _, name := range names {
		if name != "" && !strings.HasSuffix(name, ".") {
			if _, ok := p.params[name]; !ok {
				return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, "no parameter %q", name)
			}
			out = append(out, name)
			continue
		}
		if objs == nil {
			objs = p.objects()
		}
		if _, ok := objs[name]; name != "" && !ok {
			return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, "no object %q", name)
		}
		out = append(out, p.under(name)...)
	}
	return out, nil
}

// GetParameterValues returns the values of full names and of every
// parameter below partial paths ("" meaning all), in the order asked
// (TR-069 A.3.2.2). An unknown name gets fault 9005.
func (p *Params) GetParameterValues(names []string) ([]cwmp.ParameterValueStruct, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	full, err := p.resolve(names)
	if err != nil {
		return nil, err
	}
	out := make([]cwmp.ParameterValueStruct, 0, len(full))
	for _, name := range full {
		prm := p.params[name]
		typ := prm.Type
		if typ == "" {
			typ = "string"
		}
		out = append(out, cwmp.ParameterValueStruct{Name: name, Value: prm.Value, Type: typ})
	}
	return out, nil
}

// SetParameterValues sets every parameter of the list or none (TR-069
// A.3.2.1). When any fails, the fault is 9003 with one
// SetParameterValuesFault per failing parameter: 9005 for an unknown name,
// 9008 for a read-only parameter, 9007 for a value that does not fit the
// parameter's type (the xsi:type sent is not compared, as many CPEs do
// not). A name given twice gets a plain 9003. On success parameterKey
// becomes ManagementServer.ParameterKey.
func (p *Params) SetParameterValues(list []cwmp.ParameterValueStruct, parameterKey string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[string]bool{}
	var faults []cwmp.ParameterFault
	for _, pv := range list {
		if seen[pv.Name] {
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "parameter %q is set twice", pv.Name)
		}
		seen[pv.Name] = true
		prm, ok := p.params[pv.Name]
		fault := func(code cwmp.FaultCode, format string, args ...any) {
			faults = append(faults, cwmp.ParameterFault{ParameterName: pv.Name, FaultCode: code, FaultString: fmt.Sprintf(format, args...)})
		}
		switch {
		case !ok:
			fault(cwmp.FaultInvalidParameterName, "no parameter %q", pv.Name)
		case !prm.Writable:
			fault(cwmp.FaultNotWritable, "%s is read-only", pv.Name)
		default:
			if err := checkValue(prm.Type, pv.Value); err != nil {
				fault(cwmp.FaultInvalidParameterValue, "%s: %v", pv.Name, err)
			}
		}
	}
	if len(faults) > 0 {
		f := cwmp.NewFault(cwmp.FaultInvalidArguments, "")
		f.SetParameterValuesFault = faults
		return f
	}
	for _, pv := range list {
		prm := p.params[pv.Name]
		prm.Value = pv.Value
		p.params[pv.Name] = prm
	}
	p.setParameterKey(parameterKey)
	return nil
}

// checkValue reports whether v is a value of xsd type typ.
func checkValue(typ, v string) error {
	var err error
	switch typ {
	case "boolean":
		switch v {
		case "0", "1", "true", "false":
		default:
			err = fmt.Errorf("%q is not a boolean", v)
		}
	case "int", "long":
		bits := map[string]int{"int": 32, "long": 64}[typ]
		_, err = strconv.ParseInt(v, 10, bits)
	case "unsignedInt", "unsignedLong":
		bits := map[string]int{"unsignedInt": 32, "unsignedLong": 64}[typ]
		_, err = strconv.ParseUint(v, 10, bits)
	case "dateTime":
		_, err = cwmp.ParseTime(v)
	case "base64":
		_, err = base64.StdEncoding.DecodeString(v)
	case "hexBinary":
		_, err = hex.DecodeString(v)
	}
	if err != nil {
		return fmt.Errorf("%q is not a valid %s", v, typ)
	}
	return nil
}

// setParameterKey stores key in every <root>.ManagementServer.ParameterKey;
// p.mu must be held.
func (p *Params) setParameterKey(key string) {
	for name, prm := range p.params {
		if root, ok := strings.CutSuffix(name, ".ManagementServer.ParameterKey"); ok && !strings.Contains(root, ".") {
			prm.Value = key
			p.params[name] = prm
		}
	}
}

// GetParameterNames lists the parameters and objects at or below path
// (TR-069 A.3.2.3), sorted. With nextLevel false: the path itself and
// everything below it; with nextLevel true: only its children. "" is the
// top of the tree. A parameter name with nextLevel true gets fault 9003, an
// unknown path 9005.
func (p *Params) GetParameterNames(path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if path != "" && !strings.HasSuffix(path, ".") {
		prm, ok := p.params[path]
		switch {
		case !ok:
			return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, "no parameter %q", path)
		case nextLevel:
			return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "NextLevel is true but %q is a parameter, not an object", path)
		}
		return []cwmp.ParameterInfoStruct{{Name: path, Writable: prm.Writable}}, nil
	}
	objs := p.objects()
	if _, ok := objs[path]; path != "" && !ok {
		return nil, cwmp.NewFault(cwmp.FaultInvalidParameterName, "no object %q", path)
	}
	// child reports whether name is directly below path: one more
	// component, with the object's trailing dot.
	child := func(name string) bool {
		rest := strings.TrimSuffix(name[len(path):], ".")
		return rest != "" && !strings.Contains(rest, ".")
	}
	var out []cwmp.ParameterInfoStruct
	add := func(name string, writable bool) {
		if strings.HasPrefix(name, path) && (!nextLevel || child(name)) {
			out = append(out, cwmp.ParameterInfoStruct{Name: name, Writable: writable})
		}
	}
	for name, w := range objs {
		add(name, w)
	}
	for name, prm := range p.params {
		add(name, prm.Writable)
	}
	slices.SortFunc(out, func(a, b cwmp.ParameterInfoStruct) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// GetParameterAttributes returns the attributes of full names and of every
// parameter below partial paths (TR-069 A.3.2.5). An unknown name gets
// fault 9005.
func (p *Params) GetParameterAttributes(names []string) ([]cwmp.ParameterAttributeStruct, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	full, err := p.resolve(names)
	if err != nil {
		return nil, err
	}
	out := make([]cwmp.ParameterAttributeStruct, 0, len(full))
	for _, name := range full {
		prm := p.params[name]
		out = append(out, cwmp.ParameterAttributeStruct{Name: name, Notification: prm.Notification, AccessList: slices.Clone(prm.AccessList)})
	}
	return out, nil
}

// SetParameterAttributes changes notification and access lists of full
// names and of every parameter below partial paths, all or nothing (TR-069
// A.3.2.4). An unknown name gets fault 9005, a notification value outside
// 0-6 fault 9003.
func (p *Params) SetParameterAttributes(list []cwmp.SetParameterAttributesStruct) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	targets := make([][]string, len(list))
	for i, a := range list {
		if a.NotificationChange && (a.Notification < cwmp.NotificationOff || a.Notification > cwmp.NotificationPassiveAndActiveLightweight) {
			return cwmp.NewFault(cwmp.FaultInvalidArguments, "%s: notification %d is not 0 to 6", a.Name, a.Notification)
		}
		full, err := p.resolve([]string{a.Name})
		if err != nil {
			return err
		}
		targets[i] = full
	}
	for i, a := range list {
		for _, name := range targets[i] {
			prm := p.params[name]
			if a.NotificationChange {
				prm.Notification = a.Notification
			}
			if a.AccessListChange {
				prm.AccessList = slices.Clone(a.AccessList)
			}
			p.params[name] = prm
		}
	}
	return nil
}

// DefaultParams returns the store NewCPE starts with: a small TR-181
// (Device:2) tree holding the device's identity, its ManagementServer
// object and one multi-instance table, Device.IP.Interface.{i}., with one
// instance.
func DefaultParams(id cwmp.DeviceIdStruct, acsURL string) *Params {
	p := NewParams()
	ro := func(name, typ, value string) { p.Set(name, Param{Value: value, Type: typ}) }
	rw := func(name, typ, value string) { p.Set(name, Param{Value: value, Type: typ, Writable: true}) }
	ro("Device.RootDataModelVersion", "string", "2.17")
	ro("Device.DeviceInfo.Manufacturer", "string", id.Manufacturer)
	ro("Device.DeviceInfo.ManufacturerOUI", "string", id.OUI)
	ro("Device.DeviceInfo.ProductClass", "string", id.ProductClass)
	ro("Device.DeviceInfo.SerialNumber", "string", id.SerialNumber)
	ro("Device.DeviceInfo.HardwareVersion", "string", "1.0")
	ro("Device.DeviceInfo.SoftwareVersion", "string", "1.0.0")
	rw("Device.DeviceInfo.ProvisioningCode", "string", "")
	ro("Device.DeviceInfo.UpTime", "unsignedInt", "0")
	rw("Device.ManagementServer.URL", "string", acsURL)
	rw("Device.ManagementServer.Username", "string", "")
	rw("Device.ManagementServer.Password", "string", "")
	rw("Device.ManagementServer.PeriodicInformEnable", "boolean", "true")
	rw("Device.ManagementServer.PeriodicInformInterval", "unsignedInt", "3600")
	ro("Device.ManagementServer.ParameterKey", "string", "")
	ro("Device.ManagementServer.ConnectionRequestURL", "string", "http://127.0.0.1:7547/"+id.SerialNumber)
	rw("Device.ManagementServer.ConnectionRequestUsername", "string", "")
	rw("Device.ManagementServer.ConnectionRequestPassword", "string", "")
	p.DefineTable("Device.IP.Interface.{i}.", map[string]Param{
		"Enable": {Value: "false", Type: "boolean", Writable: true},
		"Name":   {Value: "", Type: "string", Writable: true},
		"Status": {Value: "Down", Type: "string"},
	})
	_, _ = p.AddObject("Device.IP.Interface.", "")
	return p
}
