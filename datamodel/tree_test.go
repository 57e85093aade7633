package datamodel

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// testModel builds a small model by hand with one of everything the tree
// treats specially:
//
//	Device.                      HostNumberOfEntries, RONumberOfEntries
//	Device.DeviceInfo.           readOnly, readWrite, writeOnceReadOnly,
//	                             forcedInform, forceEnabled,
//	                             forceDefaultEnabled, canDeny, hidden,
//	                             secured, command, list, ranged,
//	                             read-only enumeration, default,
//	                             pathRef strong and weak, enumerationRef
//	Device.ManagementServer.     ParameterKey, PeriodicInformInterval,
//	                             AliasBasedAddressing, InstanceMode
//	Device.Host.{i}.             readWrite table, Alias, maxEntries 3
//	Device.Host.{i}.IP.{i}.      nested readWrite table, minEntries 1
//	Device.RO.{i}.               readOnly table, minEntries 2
func testModel(t testing.TB) *Model {
	t.Helper()
	str := func(max int64) Syntax { return Syntax{Base: String, Sizes: []Range{{Max: &max}}} }
	def := func(s Syntax, v string) Syntax { s.Default = &v; return s }
	one, minT, maxT := int64(1), int64(-40), int64(125)
	p := func(name string, a Access, s Syntax) *Parameter { return &Parameter{Name: name, Access: a, Syntax: s} }
	m := &Model{
		Name: "Test:1.0",
		Objects: []*Object{
			{Path: "Device.", Parameters: []*Parameter{
				p("HostNumberOfEntries", ReadOnly, Syntax{Base: UnsignedInt}),
				p("RONumberOfEntries", ReadOnly, Syntax{Base: UnsignedInt}),
			}},
			{Path: "Device.DeviceInfo.", Parameters: []*Parameter{
				{Name: "Manufacturer", Access: ReadOnly, Syntax: def(str(64), "ACME"), ForcedInform: true},
				{Name: "SoftwareVersion", Access: ReadOnly, Syntax: str(64), ForcedInform: true, ActiveNotify: ForceEnabled},
				{Name: "ProvisioningCode", Access: ReadWrite, Syntax: str(64), ForcedInform: true, ActiveNotify: ForceDefaultEnabled},
				p("SerialNumber", WriteOnceReadOnly, str(64)),
				{Name: "UpTime", Access: ReadOnly, Syntax: Syntax{Base: UnsignedInt}, ActiveNotify: CanDeny},
				p("Secret", ReadWrite, Syntax{Base: String, Hidden: true}),
				p("PIN", ReadWrite, Syntax{Base: String, Secured: true}),
				p("Counter", ReadWrite, Syntax{Base: UnsignedInt, Hidden: true}),
				p("Reset", ReadWrite, Syntax{Base: Boolean, Command: true}),
				p("Tags", ReadWrite, Syntax{Base: String, List: &List{MaxItems: -1}}),
				p("Temperature", ReadWrite, Syntax{Base: Int, Ranges: []Range{{Min: &minT, Max: &maxT}}}),
				p("Enable", ReadWrite, Syntax{Base: Boolean}),
				p("DiagnosticsState", ReadWrite, Syntax{Base: String, Enumerations: []string{"None", "Requested", "Complete"}, ReadOnlyEnumerations: []string{"Complete"}}),
				p("Uplink", ReadWrite, Syntax{Base: String, PathRef: &PathRef{TargetParent: []string{"Device.Host."}, TargetType: "row", RefType: "strong"}}),
				p("Links", ReadWrite, Syntax{Base: String, List: &List{MaxItems: -1}, PathRef: &PathRef{TargetType: "row", RefType: "strong"}}),
				p("Weak", ReadWrite, Syntax{Base: String, PathRef: &PathRef{TargetType: "any", RefType: "weak"}}),
				p("SupportedModes", ReadOnly, Syntax{Base: String, List: &List{MaxItems: -1}}),
				p("Mode", ReadWrite, Syntax{Base: String, EnumerationRef: &EnumerationRef{TargetParam: "Device.DeviceInfo.SupportedModes", NullValue: new("")}}),
			}},
			{Path: "Device.ManagementServer.", Parameters: []*Parameter{
				{Name: "ParameterKey", Access: ReadOnly, Syntax: str(32), ForcedInform: true, ActiveNotify: CanDeny},
				p("PeriodicInformInterval", ReadWrite, def(Syntax{Base: UnsignedInt, Ranges: []Range{{Min: &one}}}, "300")),
				p("AliasBasedAddressing", ReadOnly, Syntax{Base: Boolean}),
				p("InstanceMode", ReadWrite, def(Syntax{Base: String, Enumerations: []string{"InstanceNumber", "InstanceAlias"}}, "InstanceNumber")),
			}},
			{Path: "Device.Host.{i}.", Access: ReadWrite, MaxEntries: 3, NumEntriesParameter: "HostNumberOfEntries", UniqueKeys: [][]string{{"Alias"}}, Parameters: []*Parameter{
				p("Alias", ReadWrite, Syntax{Base: String, DataType: "Alias", Sizes: []Range{{Max: new(int64(64))}}}),
				p("Name", ReadWrite, str(64)),
				{Name: "Active", Access: ReadOnly, Syntax: Syntax{Base: Boolean}, ActiveNotify: CanDeny},
				p("IPNumberOfEntries", ReadOnly, Syntax{Base: UnsignedInt}),
			}},
			{Path: "Device.Host.{i}.IP.{i}.", Access: ReadWrite, MinEntries: 1, MaxEntries: -1, NumEntriesParameter: "IPNumberOfEntries", Parameters: []*Parameter{
				p("Address", ReadWrite, str(45)),
			}},
			{Path: "Device.RO.{i}.", Access: ReadOnly, MinEntries: 2, MaxEntries: -1, NumEntriesParameter: "RONumberOfEntries", Parameters: []*Parameter{
				p("Status", ReadOnly, def(Syntax{Base: String, Enumerations: []string{"Up", "Down"}}, "Down")),
			}},
		},
	}
	if err := m.index(); err != nil {
		t.Fatal(err)
	}
	return m
}

// wantFault checks that err is a *cwmp.Fault with code; code 0 wants no
// error.
func wantFault(t *testing.T, err error, code cwmp.FaultCode) *cwmp.Fault {
	t.Helper()
	if code == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return nil
	}
	f, ok := cwmp.AsFault(err)
	if !ok {
		t.Fatalf("got error %v, want fault %d", err, code)
	}
	if f.Code != code {
		t.Fatalf("got fault %v, want code %d", f, code)
	}
	return f
}

// get reads one parameter through GetParameterValues.
func get(t *testing.T, tr *Tree, name string) string {
	t.Helper()
	pv, err := tr.GetParameterValues([]string{name})
	if err != nil {
		t.Fatalf("GPV %s: %v", name, err)
	}
	if len(pv) != 1 {
		t.Fatalf("GPV %s: %d values", name, len(pv))
	}
	return pv[0].Value
}

func mustAdd(t *testing.T, tr *Tree, table string) uint32 {
	t.Helper()
	i, _, err := tr.AddObject(table, "")
	if err != nil {
		t.Fatalf("AddObject %s: %v", table, err)
	}
	return i
}

func mustSet(t *testing.T, tr *Tree, path, value string) {
	t.Helper()
	if err := tr.Set(path, value); err != nil {
		t.Fatalf("Set %s=%q: %v", path, value, err)
	}
}

// setup steps shared by the table tests.
func withHosts(n int) func(*testing.T, *Tree) {
	return func(t *testing.T, tr *Tree) {
		for range n {
			mustAdd(t, tr, "Device.Host.")
		}
	}
}

func withAliasAddressing(t *testing.T, tr *Tree) {
	mustSet(t, tr, "Device.ManagementServer.AliasBasedAddressing", "true")
}

func names(ps []cwmp.ParameterInfoStruct) []string {
	var s []string
	for _, p := range ps {
		w := ""
		if p.Writable {
			w = " w"
		}
		s = append(s, p.Name+w)
	}
	return s
}

func TestTreeNewTreeDefaults(t *testing.T) {
	tr := NewTree(testModel(t))
	for _, c := range []struct{ name, want string }{
		{"Device.DeviceInfo.Manufacturer", "ACME"},                 // the model's default
		{"Device.DeviceInfo.SerialNumber", ""},                     // no default: the zero of the type
		{"Device.DeviceInfo.Enable", "false"},                      // boolean zero
		{"Device.ManagementServer.PeriodicInformInterval", "300"},  // default
		{"Device.HostNumberOfEntries", "0"},                        // minEntries 0
		{"Device.RONumberOfEntries", "2"},                          // minEntries 2: instances 1 and 2
		{"Device.RO.1.Status", "Down"},                             // default in an instance
		{"Device.RO.2.Status", "Down"},                             //
		{"Device.ManagementServer.InstanceMode", "InstanceNumber"}, //
	} {
		if got := get(t, tr, c.name); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	if tr.Model() == nil || tr.Model().Name != "Test:1.0" {
		t.Errorf("Model() = %v", tr.Model())
	}
	_, err := tr.GetParameterValues([]string{"Device.RO.3."})
	wantFault(t, err, cwmp.FaultInvalidParameterName)
}

func TestTreeGetParameterNames(t *testing.T) {
	for _, c := range []struct {
		name      string
		setup     func(*testing.T, *Tree)
		path      string
		nextLevel bool
		want      []string // name, " w" when writable
		fault     cwmp.FaultCode
	}{
		{name: "empty path next level is the root alone", path: "", nextLevel: true, want: []string{"Device."}},
		{name: "root next level", path: "Device.", nextLevel: true, want: []string{
			"Device.HostNumberOfEntries", "Device.RONumberOfEntries", "Device.DeviceInfo.", "Device.ManagementServer.", "Device.Host. w", "Device.RO.",
		}},
		{name: "parameter", path: "Device.DeviceInfo.Manufacturer", want: []string{"Device.DeviceInfo.Manufacturer"}},
		{name: "readWrite parameter", path: "Device.DeviceInfo.Enable", want: []string{"Device.DeviceInfo.Enable w"}},
		{name: "writeOnceReadOnly not yet written", path: "Device.DeviceInfo.SerialNumber", want: []string{"Device.DeviceInfo.SerialNumber w"}},
		{name: "writeOnceReadOnly written", path: "Device.DeviceInfo.SerialNumber",
			setup: func(t *testing.T, tr *Tree) {
				if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.SerialNumber", Value: "S1"}}, ""); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"Device.DeviceInfo.SerialNumber"}},
		{name: "parameter with next level", path: "Device.DeviceInfo.Manufacturer", nextLevel: true, fault: cwmp.FaultInvalidArguments},
		{name: "unknown parameter", path: "Device.DeviceInfo.Nope", fault: cwmp.FaultInvalidParameterName},
		{name: "unknown object", path: "Device.Nope.", fault: cwmp.FaultInvalidParameterName},
		{name: "object without dot", path: "Device.DeviceInfo", fault: cwmp.FaultInvalidParameterName},
		{name: "parameter with dot", path: "Device.DeviceInfo.Manufacturer.", fault: cwmp.FaultInvalidParameterName},
		{name: "other root", path: "InternetGatewayDevice.", fault: cwmp.FaultInvalidParameterName},
		{name: "missing instance", path: "Device.Host.1.", fault: cwmp.FaultInvalidParameterName},
		{name: "definition path", path: "Device.Host.{i}.", fault: cwmp.FaultInvalidParameterName},
		{name: "instance number with leading zero", path: "Device.RO.01.", fault: cwmp.FaultInvalidParameterName},
		{name: "empty segment", path: "Device..", fault: cwmp.FaultInvalidParameterName},
		{name: "empty table next level", path: "Device.Host.", nextLevel: true, want: nil},
		{name: "readOnly table lists its instances, not deletable", path: "Device.RO.", nextLevel: true, want: []string{"Device.RO.1.", "Device.RO.2."}},
		{name: "readWrite table lists deletable instances", setup: withHosts(2), path: "Device.Host.", nextLevel: true, want: []string{"Device.Host.1. w", "Device.Host.2. w"}},
		{name: "instance next level", setup: withHosts(1), path: "Device.Host.1.", nextLevel: true, want: []string{
			"Device.Host.1.Alias w", "Device.Host.1.Name w", "Device.Host.1.Active", "Device.Host.1.IPNumberOfEntries", "Device.Host.1.IP. w",
		}},
		{name: "subtree", setup: withHosts(1), path: "Device.Host.", want: []string{
			"Device.Host. w", "Device.Host.1. w", "Device.Host.1.Alias w", "Device.Host.1.Name w", "Device.Host.1.Active", "Device.Host.1.IPNumberOfEntries",
			"Device.Host.1.IP. w", "Device.Host.1.IP.1. w", "Device.Host.1.IP.1.Address w",
		}},
		{name: "single object subtree", path: "Device.ManagementServer.", want: []string{
			"Device.ManagementServer.", "Device.ManagementServer.ParameterKey", "Device.ManagementServer.PeriodicInformInterval w",
			"Device.ManagementServer.AliasBasedAddressing", "Device.ManagementServer.InstanceMode w",
		}},
		{name: "wildcard subtree", setup: withHosts(2), path: "Device.Host.*.IP.", nextLevel: true, want: []string{"Device.Host.1.IP.1. w", "Device.Host.2.IP.1. w"}},
		{name: "wildcard parameter", setup: withHosts(2), path: "Device.Host.*.Name", want: []string{"Device.Host.1.Name w", "Device.Host.2.Name w"}},
		{name: "wildcard parameter next level", setup: withHosts(2), path: "Device.Host.*.Name", nextLevel: true, fault: cwmp.FaultInvalidArguments},
		{name: "wildcard on empty table", path: "Device.Host.*.", want: nil},
		{name: "wildcard on single object", path: "Device.DeviceInfo.*.", fault: cwmp.FaultInvalidParameterName},
		{name: "alias without alias addressing", setup: withHosts(1), path: "Device.Host.[cpe-1].", fault: cwmp.FaultInvalidParameterName},
		{name: "alias", setup: func(t *testing.T, tr *Tree) { withHosts(2)(t, tr); withAliasAddressing(t, tr) },
			path: "Device.Host.[cpe-2].IP.", nextLevel: true, want: []string{"Device.Host.2.IP.1. w"}},
		{name: "alias in a table without Alias", setup: withAliasAddressing, path: "Device.RO.[cpe-1].", fault: cwmp.FaultInvalidParameterName},
		{name: "unknown alias", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) }, path: "Device.Host.[wan].", fault: cwmp.FaultInvalidParameterName},
		{name: "unterminated alias", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) }, path: "Device.Host.[cpe-1", fault: cwmp.FaultInvalidParameterName},
		{name: "alias names in InstanceAlias mode", setup: func(t *testing.T, tr *Tree) {
			withHosts(1)(t, tr)
			withAliasAddressing(t, tr)
			if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.InstanceMode", Value: "InstanceAlias"}, {Name: "Device.Host.1.Alias", Value: "lan"}}, ""); err != nil {
				t.Fatal(err)
			}
		}, path: "Device.Host.", want: []string{
			"Device.Host. w", "Device.Host.[lan]. w", "Device.Host.[lan].Alias w", "Device.Host.[lan].Name w", "Device.Host.[lan].Active", "Device.Host.[lan].IPNumberOfEntries",
			"Device.Host.[lan].IP. w", "Device.Host.[lan].IP.1. w", "Device.Host.[lan].IP.1.Address w",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			got, err := tr.GetParameterNames(c.path, c.nextLevel)
			wantFault(t, err, c.fault)
			if c.fault == 0 && !slices.Equal(names(got), c.want) {
				t.Errorf("GPN %q %v:\ngot  %q\nwant %q", c.path, c.nextLevel, names(got), c.want)
			}
		})
	}
}

func TestTreeGetParameterNamesWholeTree(t *testing.T) {
	tr := NewTree(testModel(t))
	all, err := tr.GetParameterNames("", false)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tr.GetParameterNames("Device.", false)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, root) {
		t.Errorf("GPN \"\" and GPN \"Device.\" differ")
	}
	if len(all) == 0 || all[0].Name != "Device." {
		t.Fatalf("GPN \"\" does not start with the root object: %v", names(all))
	}
	// Every single object's parameters plus the objects, the RO table, its two instances and their parameters.
	want := 1 + 2 + 1 + 18 + 1 + 4 + 1 + 1 + 2*(1+1)
	if len(all) != want {
		t.Errorf("GPN \"\" gave %d names, want %d: %q", len(all), want, names(all))
	}
}

func TestTreeGetParameterValues(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(*testing.T, *Tree)
		names []string
		want  []string // "name=value:type"
		fault cwmp.FaultCode
	}{
		{name: "full names with types", names: []string{"Device.DeviceInfo.Manufacturer", "Device.ManagementServer.PeriodicInformInterval", "Device.DeviceInfo.Enable"},
			want: []string{"Device.DeviceInfo.Manufacturer=ACME:string", "Device.ManagementServer.PeriodicInformInterval=300:unsignedInt", "Device.DeviceInfo.Enable=false:boolean"}},
		{name: "duplicates are answered twice", names: []string{"Device.DeviceInfo.Enable", "Device.DeviceInfo.Enable"},
			want: []string{"Device.DeviceInfo.Enable=false:boolean", "Device.DeviceInfo.Enable=false:boolean"}},
		{name: "partial path", names: []string{"Device.RO."}, want: []string{"Device.RO.1.Status=Down:string", "Device.RO.2.Status=Down:string"}},
		{name: "partial path of an instance", setup: withHosts(1), names: []string{"Device.Host.1.IP.1."}, want: []string{"Device.Host.1.IP.1.Address=:string"}},
		{name: "empty table", names: []string{"Device.Host."}, want: nil},
		{name: "hidden, secured and command read as null", setup: func(t *testing.T, tr *Tree) {
			mustSet(t, tr, "Device.DeviceInfo.Secret", "s3cret")
			mustSet(t, tr, "Device.DeviceInfo.PIN", "1234")
			mustSet(t, tr, "Device.DeviceInfo.Counter", "7")
			mustSet(t, tr, "Device.DeviceInfo.Reset", "true")
		}, names: []string{"Device.DeviceInfo.Secret", "Device.DeviceInfo.PIN", "Device.DeviceInfo.Counter", "Device.DeviceInfo.Reset"},
			want: []string{"Device.DeviceInfo.Secret=:string", "Device.DeviceInfo.PIN=:string", "Device.DeviceInfo.Counter=0:unsignedInt", "Device.DeviceInfo.Reset=false:boolean"}},
		{name: "list is a string", setup: func(t *testing.T, tr *Tree) { mustSet(t, tr, "Device.DeviceInfo.Tags", "a,b") },
			names: []string{"Device.DeviceInfo.Tags"}, want: []string{"Device.DeviceInfo.Tags=a,b:string"}},
		{name: "number of entries follows instances", setup: func(t *testing.T, tr *Tree) {
			withHosts(3)(t, tr)
			if _, err := tr.DeleteObject("Device.Host.2.", ""); err != nil {
				t.Fatal(err)
			}
			mustAdd(t, tr, "Device.Host.1.IP.")
		}, names: []string{"Device.HostNumberOfEntries", "Device.Host.1.IPNumberOfEntries", "Device.Host.3.IPNumberOfEntries"},
			want: []string{"Device.HostNumberOfEntries=2:unsignedInt", "Device.Host.1.IPNumberOfEntries=2:unsignedInt", "Device.Host.3.IPNumberOfEntries=1:unsignedInt"}},
		{name: "wildcard", setup: withHosts(2), names: []string{"Device.Host.*.Alias"}, want: []string{"Device.Host.1.Alias=cpe-1:string", "Device.Host.2.Alias=cpe-2:string"}},
		{name: "nested wildcard", setup: withHosts(2), names: []string{"Device.Host.*.IP.*.Address"}, want: []string{"Device.Host.1.IP.1.Address=:string", "Device.Host.2.IP.1.Address=:string"}},
		{name: "alias reference", setup: func(t *testing.T, tr *Tree) { withHosts(2)(t, tr); withAliasAddressing(t, tr) },
			names: []string{"Device.Host.[cpe-2].Name"}, want: []string{"Device.Host.2.Name=:string"}},
		{name: "one unknown name fails the request", names: []string{"Device.DeviceInfo.Enable", "Device.DeviceInfo.Nope"}, fault: cwmp.FaultInvalidParameterName},
		{name: "object without dot", names: []string{"Device.DeviceInfo"}, fault: cwmp.FaultInvalidParameterName},
		{name: "deleted instance", setup: func(t *testing.T, tr *Tree) {
			withHosts(1)(t, tr)
			if _, err := tr.DeleteObject("Device.Host.1.", ""); err != nil {
				t.Fatal(err)
			}
		}, names: []string{"Device.Host.1.Name"}, fault: cwmp.FaultInvalidParameterName},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			got, err := tr.GetParameterValues(c.names)
			wantFault(t, err, c.fault)
			var s []string
			for _, pv := range got {
				s = append(s, pv.Name+"="+pv.Value+":"+pv.Type)
			}
			if c.fault == 0 && !slices.Equal(s, c.want) {
				t.Errorf("GPV %q:\ngot  %q\nwant %q", c.names, s, c.want)
			}
		})
	}
}

func TestTreeGetParameterValuesWholeTree(t *testing.T) {
	tr := NewTree(testModel(t))
	all, err := tr.GetParameterValues([]string{""})
	if err != nil {
		t.Fatal(err)
	}
	root, err := tr.GetParameterValues([]string{"Device."})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(all, root) {
		t.Errorf("GPV \"\" and GPV \"Device.\" differ")
	}
	if want := 2 + 18 + 4 + 2; len(all) != want {
		t.Errorf("GPV \"\" gave %d values, want %d", len(all), want)
	}
}

func TestTreeSetParameterValues(t *testing.T) {
	type pv = cwmp.ParameterValueStruct
	for _, c := range []struct {
		name   string
		setup  func(*testing.T, *Tree)
		list   []pv
		fault  cwmp.FaultCode
		params map[string]cwmp.FaultCode // each parameter fault of a 9003
		after  map[string]string         // values to read back on success
	}{
		{name: "canonical values applied",
			list:  []pv{{Name: "Device.DeviceInfo.Enable", Value: "1", Type: "boolean"}, {Name: "Device.ManagementServer.PeriodicInformInterval", Value: "+0600", Type: "xsd:unsignedInt"}},
			after: map[string]string{"Device.DeviceInfo.Enable": "true", "Device.ManagementServer.PeriodicInformInterval": "600", "Device.ManagementServer.ParameterKey": "key"}},
		{name: "empty list sets the key", list: nil, after: map[string]string{"Device.ManagementServer.ParameterKey": "key"}},
		{name: "setting back to the default", setup: func(t *testing.T, tr *Tree) { mustSet(t, tr, "Device.ManagementServer.PeriodicInformInterval", "60") },
			list: []pv{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300"}}, after: map[string]string{"Device.ManagementServer.PeriodicInformInterval": "300"}},
		{name: "writeOnceReadOnly first write", list: []pv{{Name: "Device.DeviceInfo.SerialNumber", Value: "S1"}}, after: map[string]string{"Device.DeviceInfo.SerialNumber": "S1"}},
		{name: "writeOnceReadOnly second write",
			setup: func(t *testing.T, tr *Tree) {
				if _, err := tr.SetParameterValues([]pv{{Name: "Device.DeviceInfo.SerialNumber", Value: "S1"}}, "first"); err != nil {
					t.Fatal(err)
				}
			},
			list: []pv{{Name: "Device.DeviceInfo.SerialNumber", Value: "S2"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.SerialNumber": cwmp.FaultNotWritable},
			after: map[string]string{"Device.DeviceInfo.SerialNumber": "S1", "Device.ManagementServer.ParameterKey": "first"}},
		{name: "writeOnceReadOnly set by the device stays writable", setup: func(t *testing.T, tr *Tree) { mustSet(t, tr, "Device.DeviceInfo.SerialNumber", "D") },
			list: []pv{{Name: "Device.DeviceInfo.SerialNumber", Value: "S1"}}, after: map[string]string{"Device.DeviceInfo.SerialNumber": "S1"}},
		{name: "readOnly", list: []pv{{Name: "Device.DeviceInfo.Manufacturer", Value: "X"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.Manufacturer": cwmp.FaultNotWritable}},
		{name: "number of entries", list: []pv{{Name: "Device.HostNumberOfEntries", Value: "1"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.HostNumberOfEntries": cwmp.FaultNotWritable}},
		{name: "unknown", list: []pv{{Name: "Device.DeviceInfo.Nope", Value: "X"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.Nope": cwmp.FaultInvalidParameterName}},
		{name: "object path", list: []pv{{Name: "Device.DeviceInfo.", Value: "X"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.": cwmp.FaultInvalidParameterName}},
		{name: "wildcard", setup: withHosts(1), list: []pv{{Name: "Device.Host.*.Name", Value: "X"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.Host.*.Name": cwmp.FaultInvalidParameterName}},
		{name: "type mismatch", list: []pv{{Name: "Device.DeviceInfo.Enable", Value: "1", Type: "int"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.Enable": cwmp.FaultInvalidParameterType}},
		{name: "out of range", list: []pv{{Name: "Device.DeviceInfo.Temperature", Value: "126", Type: "int"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.Temperature": cwmp.FaultInvalidParameterValue}},
		{name: "zero interval", list: []pv{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "0"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.ManagementServer.PeriodicInformInterval": cwmp.FaultInvalidParameterValue}},
		{name: "read-only enumeration value", list: []pv{{Name: "Device.DeviceInfo.DiagnosticsState", Value: "Complete"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.DeviceInfo.DiagnosticsState": cwmp.FaultInvalidParameterValue}},
		{name: "writable enumeration value", list: []pv{{Name: "Device.DeviceInfo.DiagnosticsState", Value: "Requested"}}, after: map[string]string{"Device.DeviceInfo.DiagnosticsState": "Requested"}},
		{name: "all or nothing: every bad parameter reported, nothing applied",
			list: []pv{
				{Name: "Device.DeviceInfo.Enable", Value: "true"},
				{Name: "Device.DeviceInfo.Manufacturer", Value: "X"},
				{Name: "Device.DeviceInfo.Nope", Value: "X"},
				{Name: "Device.DeviceInfo.Temperature", Value: "hot"},
				{Name: "Device.DeviceInfo.ProvisioningCode", Value: "P"},
			},
			fault: cwmp.FaultInvalidArguments,
			params: map[string]cwmp.FaultCode{
				"Device.DeviceInfo.Manufacturer": cwmp.FaultNotWritable,
				"Device.DeviceInfo.Nope":         cwmp.FaultInvalidParameterName,
				"Device.DeviceInfo.Temperature":  cwmp.FaultInvalidParameterType,
			},
			after: map[string]string{"Device.DeviceInfo.Enable": "false", "Device.DeviceInfo.ProvisioningCode": "", "Device.ManagementServer.ParameterKey": ""}},
		{name: "same name twice", list: []pv{{Name: "Device.DeviceInfo.Enable", Value: "true"}, {Name: "Device.DeviceInfo.Enable", Value: "false"}}, fault: cwmp.FaultInvalidArguments,
			after: map[string]string{"Device.DeviceInfo.Enable": "false", "Device.ManagementServer.ParameterKey": ""}},
		{name: "same parameter by number and alias", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) },
			list: []pv{{Name: "Device.Host.1.Name", Value: "a"}, {Name: "Device.Host.[cpe-1].Name", Value: "b"}}, fault: cwmp.FaultInvalidArguments,
			after: map[string]string{"Device.Host.1.Name": ""}},
		{name: "by alias", setup: func(t *testing.T, tr *Tree) { withHosts(2)(t, tr); withAliasAddressing(t, tr) },
			list: []pv{{Name: "Device.Host.[cpe-2].Name", Value: "b"}}, after: map[string]string{"Device.Host.2.Name": "b", "Device.Host.1.Name": ""}},
		{name: "missing alias is not auto-created", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) },
			list: []pv{{Name: "Device.Host.[new].Name", Value: "b"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.Host.[new].Name": cwmp.FaultInvalidParameterName}},
		{name: "duplicate alias", setup: withHosts(2),
			list: []pv{{Name: "Device.Host.1.Alias", Value: "cpe-2"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.Host.1.Alias": cwmp.FaultInvalidParameterValue}},
		{name: "two instances given one alias", setup: withHosts(2),
			list: []pv{{Name: "Device.Host.1.Alias", Value: "x"}, {Name: "Device.Host.2.Alias", Value: "x"}}, fault: cwmp.FaultInvalidArguments,
			params: map[string]cwmp.FaultCode{"Device.Host.1.Alias": cwmp.FaultInvalidParameterValue, "Device.Host.2.Alias": cwmp.FaultInvalidParameterValue}},
		{name: "aliases swapped in one request", setup: withHosts(2),
			list:  []pv{{Name: "Device.Host.1.Alias", Value: "cpe-2"}, {Name: "Device.Host.2.Alias", Value: "cpe-1"}},
			after: map[string]string{"Device.Host.1.Alias": "cpe-2", "Device.Host.2.Alias": "cpe-1"}},
		{name: "alias must start with a letter under alias addressing", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) },
			list: []pv{{Name: "Device.Host.1.Alias", Value: "1abc"}}, fault: cwmp.FaultInvalidArguments, params: map[string]cwmp.FaultCode{"Device.Host.1.Alias": cwmp.FaultInvalidParameterValue}},
		{name: "alias may be anything without alias addressing", setup: withHosts(1),
			list: []pv{{Name: "Device.Host.1.Alias", Value: "1abc"}}, after: map[string]string{"Device.Host.1.Alias": "1abc"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			status, err := tr.SetParameterValues(c.list, "key")
			f := wantFault(t, err, c.fault)
			if status != 0 {
				t.Errorf("status %d", status)
			}
			if f != nil {
				got := map[string]cwmp.FaultCode{}
				for _, p := range f.SetParameterValuesFault {
					got[p.ParameterName] = p.FaultCode
					if p.FaultString == "" {
						t.Errorf("%s: no fault string", p.ParameterName)
					}
				}
				if len(c.params) == 0 && len(got) == 0 {
					got = nil
				}
				if !reflect.DeepEqual(got, c.params) && !(len(got) == 0 && len(c.params) == 0) {
					t.Errorf("parameter faults %v, want %v", got, c.params)
				}
			}
			for name, want := range c.after {
				if v, _, err := tr.Get(name); err != nil || v != want {
					t.Errorf("%s = %q, %v; want %q", name, v, err, want)
				}
			}
		})
	}
}

func TestTreeSetParameterValuesNotNotified(t *testing.T) {
	tr := NewTree(testModel(t))
	called := 0
	tr.OnActiveChange(func(string, cwmp.Notification) { called++ })
	// ProvisioningCode is forceDefaultEnabled: active by default.
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.DeviceInfo.ProvisioningCode", Value: "P"}}, ""); err != nil {
		t.Fatal(err)
	}
	if c := tr.Changes(); !c.Empty() || called != 0 {
		t.Errorf("an ACS change was recorded: %+v, %d calls", c, called)
	}
	mustSet(t, tr, "Device.DeviceInfo.ProvisioningCode", "Q")
	if c := tr.Changes(); !slices.Equal(c.Active, []string{"Device.DeviceInfo.ProvisioningCode"}) || called != 1 {
		t.Errorf("a device change was not recorded: %+v, %d calls", c, called)
	}
}

func TestTreeAddObject(t *testing.T) {
	for _, c := range []struct {
		name     string
		setup    func(*testing.T, *Tree)
		object   string
		instance uint32
		fault    cwmp.FaultCode
		after    map[string]string
	}{
		{name: "first instance", object: "Device.Host.", instance: 1,
			after: map[string]string{"Device.HostNumberOfEntries": "1", "Device.Host.1.Alias": "cpe-1", "Device.Host.1.IPNumberOfEntries": "1", "Device.Host.1.IP.1.Address": "", "Device.ManagementServer.ParameterKey": "key"}},
		{name: "nested table", setup: withHosts(1), object: "Device.Host.1.IP.", instance: 2, after: map[string]string{"Device.Host.1.IPNumberOfEntries": "2"}},
		{name: "maxEntries", setup: withHosts(3), object: "Device.Host.", fault: cwmp.FaultResourcesExceeded, after: map[string]string{"Device.ManagementServer.ParameterKey": ""}},
		{name: "readOnly table", object: "Device.RO.", fault: cwmp.FaultInvalidParameterName},
		{name: "single object", object: "Device.DeviceInfo.", fault: cwmp.FaultInvalidParameterName},
		{name: "instance", setup: withHosts(1), object: "Device.Host.1.", fault: cwmp.FaultInvalidParameterName},
		{name: "no dot", object: "Device.Host", fault: cwmp.FaultInvalidParameterName},
		{name: "parameter", object: "Device.DeviceInfo.Enable", fault: cwmp.FaultInvalidParameterName},
		{name: "unknown", object: "Device.Nope.", fault: cwmp.FaultInvalidParameterName},
		{name: "nested in a missing instance", object: "Device.Host.1.IP.", fault: cwmp.FaultInvalidParameterName},
		{name: "wildcard", setup: withHosts(1), object: "Device.Host.*.IP.", fault: cwmp.FaultInvalidParameterName},
		{name: "with alias", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) }, object: "Device.Host.[wan].", instance: 2,
			after: map[string]string{"Device.Host.2.Alias": "wan", "Device.Host.[wan].Name": ""}},
		{name: "with alias in use", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) }, object: "Device.Host.[cpe-1].", fault: cwmp.FaultInvalidParameterName},
		{name: "with invalid alias", setup: withAliasAddressing, object: "Device.Host.[9lives].", fault: cwmp.FaultInvalidParameterName},
		{name: "with too long an alias", setup: withAliasAddressing, object: "Device.Host.[" + strings.Repeat("a", 65) + "].", fault: cwmp.FaultInvalidParameterName},
		{name: "with alias, addressing off", object: "Device.Host.[wan].", fault: cwmp.FaultInvalidParameterName},
		{name: "with alias in a table without Alias", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); withAliasAddressing(t, tr) }, object: "Device.Host.1.IP.[x].", fault: cwmp.FaultInvalidParameterName},
		{name: "default alias taken by the ACS", setup: func(t *testing.T, tr *Tree) {
			withHosts(1)(t, tr)
			if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.Host.1.Alias", Value: "cpe-2"}}, ""); err != nil {
				t.Fatal(err)
			}
		}, object: "Device.Host.", instance: 2, after: map[string]string{"Device.Host.2.Alias": "cpe-2-2", "Device.Host.1.Alias": "cpe-2"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			i, status, err := tr.AddObject(c.object, "key")
			wantFault(t, err, c.fault)
			if i != c.instance || status != 0 {
				t.Errorf("AddObject(%q) = %d, %d; want %d, 0", c.object, i, status, c.instance)
			}
			for name, want := range c.after {
				if v, _, err := tr.Get(name); err != nil || v != want {
					t.Errorf("%s = %q, %v; want %q", name, v, err, want)
				}
			}
		})
	}
}

func TestTreeDeleteObject(t *testing.T) {
	for _, c := range []struct {
		name   string
		setup  func(*testing.T, *Tree)
		object string
		fault  cwmp.FaultCode
		after  map[string]string // "" value with a 9005 want: the path must be gone
		gone   []string
	}{
		{name: "instance", setup: withHosts(2), object: "Device.Host.1.",
			after: map[string]string{"Device.HostNumberOfEntries": "1", "Device.ManagementServer.ParameterKey": "key"}, gone: []string{"Device.Host.1.", "Device.Host.1.IP.1.Address"}},
		{name: "by alias", setup: func(t *testing.T, tr *Tree) { withHosts(2)(t, tr); withAliasAddressing(t, tr) }, object: "Device.Host.[cpe-2].",
			after: map[string]string{"Device.HostNumberOfEntries": "1"}, gone: []string{"Device.Host.2."}},
		{name: "nested above minEntries", setup: func(t *testing.T, tr *Tree) { withHosts(1)(t, tr); mustAdd(t, tr, "Device.Host.1.IP.") }, object: "Device.Host.1.IP.1.",
			after: map[string]string{"Device.Host.1.IPNumberOfEntries": "1"}, gone: []string{"Device.Host.1.IP.1."}},
		{name: "below minEntries", setup: withHosts(1), object: "Device.Host.1.IP.1.", fault: cwmp.FaultRequestDenied, after: map[string]string{"Device.Host.1.IPNumberOfEntries": "1", "Device.ManagementServer.ParameterKey": ""}},
		{name: "readOnly table", object: "Device.RO.1.", fault: cwmp.FaultInvalidParameterName, after: map[string]string{"Device.RONumberOfEntries": "2"}},
		{name: "missing instance", object: "Device.Host.1.", fault: cwmp.FaultInvalidParameterName},
		{name: "table", object: "Device.Host.", fault: cwmp.FaultInvalidParameterName},
		{name: "single object", object: "Device.DeviceInfo.", fault: cwmp.FaultInvalidParameterName},
		{name: "no dot", setup: withHosts(1), object: "Device.Host.1", fault: cwmp.FaultInvalidParameterName},
		{name: "wildcard", setup: withHosts(1), object: "Device.Host.*.", fault: cwmp.FaultInvalidParameterName},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			status, err := tr.DeleteObject(c.object, "key")
			wantFault(t, err, c.fault)
			if status != 0 {
				t.Errorf("status %d", status)
			}
			for name, want := range c.after {
				if v, _, err := tr.Get(name); err != nil || v != want {
					t.Errorf("%s = %q, %v; want %q", name, v, err, want)
				}
			}
			for _, name := range c.gone {
				_, err := tr.GetParameterNames(name, false)
				wantFault(t, err, cwmp.FaultInvalidParameterName)
			}
		})
	}
}

// TestTreeDeleteObjectForgets checks that a deleted instance takes its
// values, attributes, nested tables and pending changes with it, and that
// its number is not given again.
func TestTreeDeleteObjectForgets(t *testing.T) {
	tr := NewTree(testModel(t))
	withHosts(2)(t, tr)
	mustAdd(t, tr, "Device.Host.2.IP.")
	mustSet(t, tr, "Device.Host.2.Name", "laptop")
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: "Device.Host.2.Name", NotificationChange: true, Notification: 1}}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, tr, "Device.Host.2.Name", "phone")
	if c := tr.Changes(); !slices.Equal(c.Passive, []string{"Device.Host.2.Name"}) {
		t.Fatalf("changes %+v", c)
	}
	if _, err := tr.DeleteObject("Device.Host.2.", ""); err != nil {
		t.Fatal(err)
	}
	if n := mustAdd(t, tr, "Device.Host."); n != 3 {
		t.Errorf("new instance %d, want 3", n)
	}
	if c := tr.Changes(); !c.Empty() {
		t.Errorf("changes of a deleted instance remain: %+v", c)
	}
	for k := range tr.values {
		if strings.HasPrefix(k, "Device.Host.2.") {
			t.Errorf("value %s kept", k)
		}
	}
	for k := range tr.attrs {
		if strings.HasPrefix(k, "Device.Host.2.") {
			t.Errorf("attribute %s kept", k)
		}
	}
	for k := range tr.tables {
		if strings.HasPrefix(k, "Device.Host.2.") {
			t.Errorf("table %s kept", k)
		}
	}
}

func TestTreeInstanceNumbersNeverReused(t *testing.T) {
	m := testModel(t)
	tr := NewTree(m)
	for want := uint32(1); want <= 3; want++ {
		if got := mustAdd(t, tr, "Device.Host."); got != want {
			t.Fatalf("instance %d, want %d", got, want)
		}
	}
	for _, p := range []string{"Device.Host.3.", "Device.Host.2."} {
		if _, err := tr.DeleteObject(p, ""); err != nil {
			t.Fatal(err)
		}
	}
	if got := mustAdd(t, tr, "Device.Host."); got != 4 {
		t.Fatalf("after deleting 3 and 2, instance %d, want 4", got)
	}
	var buf bytes.Buffer
	if err := tr.Save(&buf); err != nil {
		t.Fatal(err)
	}
	tr2, err := LoadTree(m, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr2.DeleteObject("Device.Host.4.", ""); err != nil {
		t.Fatal(err)
	}
	if got := mustAdd(t, tr2, "Device.Host."); got != 5 {
		t.Fatalf("after Save and Load, instance %d, want 5", got)
	}
	if got, _ := tr2.Instances("Device.Host."); !slices.Equal(got, []uint32{1, 5}) {
		t.Errorf("instances %v, want [1 5]", got)
	}
	// The device's rows are numbered from the same counter.
	if got, err := tr2.AddInstance("Device.Host."); err != nil || got != 6 {
		t.Errorf("AddInstance = %d, %v; want 6", got, err)
	}
}

func TestTreeGetParameterAttributes(t *testing.T) {
	for _, c := range []struct {
		name  string
		setup func(*testing.T, *Tree)
		names []string
		want  []string // "name=notification[access,list]"
		fault cwmp.FaultCode
	}{
		{name: "defaults by activeNotify", names: []string{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.ProvisioningCode", "Device.DeviceInfo.UpTime", "Device.DeviceInfo.Enable"},
			want: []string{"Device.DeviceInfo.SoftwareVersion=2[]", "Device.DeviceInfo.ProvisioningCode=2[]", "Device.DeviceInfo.UpTime=0[]", "Device.DeviceInfo.Enable=0[]"}},
		{name: "partial path", names: []string{"Device.RO."}, want: []string{"Device.RO.1.Status=0[]", "Device.RO.2.Status=0[]"}},
		{name: "wildcard", setup: withHosts(2), names: []string{"Device.Host.*.IP.*.Address"}, want: []string{"Device.Host.1.IP.1.Address=0[]", "Device.Host.2.IP.1.Address=0[]"}},
		{name: "after SPA", setup: func(t *testing.T, tr *Tree) {
			if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 1, AccessListChange: true, AccessList: []string{"Subscriber"}}}); err != nil {
				t.Fatal(err)
			}
		}, names: []string{"Device.DeviceInfo.Enable"}, want: []string{"Device.DeviceInfo.Enable=1[Subscriber]"}},
		{name: "unknown", names: []string{"Device.DeviceInfo.Enable", "Device.Nope"}, fault: cwmp.FaultInvalidParameterName},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			got, err := tr.GetParameterAttributes(c.names)
			wantFault(t, err, c.fault)
			var s []string
			for _, a := range got {
				s = append(s, fmt.Sprintf("%s=%d[%s]", a.Name, a.Notification, strings.Join(a.AccessList, ",")))
			}
			if c.fault == 0 && !slices.Equal(s, c.want) {
				t.Errorf("GPA %q:\ngot  %q\nwant %q", c.names, s, c.want)
			}
		})
	}
}

func TestTreeSetParameterAttributes(t *testing.T) {
	type spa = cwmp.SetParameterAttributesStruct
	allowUpTime := func(t *testing.T, tr *Tree) {
		tr.AllowActiveNotification(func(p *Parameter) bool { return p.Name == "UpTime" })
	}
	for _, c := range []struct {
		name   string
		setup  func(*testing.T, *Tree)
		list   []spa
		fault  cwmp.FaultCode
		after  map[string]string // name → "notification[access]"
		stored int               // attribute entries the tree keeps, -1 to skip
	}{
		{name: "notification and access list", list: []spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 2, AccessListChange: true, AccessList: []string{"Subscriber"}}},
			after: map[string]string{"Device.DeviceInfo.Enable": "2[Subscriber]"}, stored: 1},
		{name: "only the access list", setup: func(t *testing.T, tr *Tree) {
			if err := tr.SetParameterAttributes([]spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 1}}); err != nil {
				t.Fatal(err)
			}
		}, list: []spa{{Name: "Device.DeviceInfo.Enable", Notification: 2, AccessListChange: true, AccessList: []string{"Subscriber"}}},
			after: map[string]string{"Device.DeviceInfo.Enable": "1[Subscriber]"}, stored: 1},
		{name: "only the notification", setup: func(t *testing.T, tr *Tree) {
			if err := tr.SetParameterAttributes([]spa{{Name: "Device.DeviceInfo.Enable", AccessListChange: true, AccessList: []string{"Subscriber"}}}); err != nil {
				t.Fatal(err)
			}
		}, list: []spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 6}},
			after: map[string]string{"Device.DeviceInfo.Enable": "6[Subscriber]"}, stored: 1},
		{name: "back to the default is not stored", setup: func(t *testing.T, tr *Tree) {
			if err := tr.SetParameterAttributes([]spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 1}}); err != nil {
				t.Fatal(err)
			}
		}, list: []spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 0}},
			after: map[string]string{"Device.DeviceInfo.Enable": "0[]"}, stored: 0},
		{name: "partial path", setup: withHosts(2), list: []spa{{Name: "Device.Host.", NotificationChange: true, Notification: 1}},
			after: map[string]string{"Device.Host.1.Name": "1[]", "Device.Host.2.IP.1.Address": "1[]", "Device.DeviceInfo.Enable": "0[]"}, stored: 10},
		{name: "wildcard", setup: withHosts(2), list: []spa{{Name: "Device.Host.*.Name", NotificationChange: true, Notification: 1}},
			after: map[string]string{"Device.Host.1.Name": "1[]", "Device.Host.2.Name": "1[]", "Device.Host.1.Alias": "0[]"}, stored: 2},
		{name: "later entries win", list: []spa{{Name: "Device.DeviceInfo.", NotificationChange: true, Notification: 1}, {Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 0}},
			after: map[string]string{"Device.DeviceInfo.Enable": "0[]", "Device.DeviceInfo.Tags": "1[]"}, stored: -1},
		{name: "forceDefaultEnabled may be turned off", list: []spa{{Name: "Device.DeviceInfo.ProvisioningCode", NotificationChange: true, Notification: 0}},
			after: map[string]string{"Device.DeviceInfo.ProvisioningCode": "0[]"}, stored: 1},
		{name: "forceEnabled cannot be turned off", list: []spa{{Name: "Device.DeviceInfo.SoftwareVersion", NotificationChange: true, Notification: 1}},
			fault: cwmp.FaultNotificationRejected, after: map[string]string{"Device.DeviceInfo.SoftwareVersion": "2[]"}, stored: 0},
		{name: "forceEnabled set to active is fine", list: []spa{{Name: "Device.DeviceInfo.SoftwareVersion", NotificationChange: true, Notification: 2}},
			after: map[string]string{"Device.DeviceInfo.SoftwareVersion": "2[]"}, stored: 0},
		{name: "forceEnabled access list may change", list: []spa{{Name: "Device.DeviceInfo.SoftwareVersion", AccessListChange: true, AccessList: []string{"Subscriber"}}},
			after: map[string]string{"Device.DeviceInfo.SoftwareVersion": "2[Subscriber]"}, stored: 1},
		{name: "canDeny refuses active", list: []spa{{Name: "Device.DeviceInfo.UpTime", NotificationChange: true, Notification: 2}},
			fault: cwmp.FaultNotificationRejected, after: map[string]string{"Device.DeviceInfo.UpTime": "0[]"}, stored: 0},
		{name: "canDeny refuses active lightweight", list: []spa{{Name: "Device.DeviceInfo.UpTime", NotificationChange: true, Notification: 5}},
			fault: cwmp.FaultNotificationRejected, stored: 0},
		{name: "canDeny accepts passive", list: []spa{{Name: "Device.DeviceInfo.UpTime", NotificationChange: true, Notification: 1}},
			after: map[string]string{"Device.DeviceInfo.UpTime": "1[]"}, stored: 1},
		{name: "canDeny allowed by the device", setup: allowUpTime, list: []spa{{Name: "Device.DeviceInfo.UpTime", NotificationChange: true, Notification: 2}},
			after: map[string]string{"Device.DeviceInfo.UpTime": "2[]"}, stored: 1},
		{name: "refusal fails the whole request", list: []spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 2}, {Name: "Device.DeviceInfo.UpTime", NotificationChange: true, Notification: 2}},
			fault: cwmp.FaultNotificationRejected, after: map[string]string{"Device.DeviceInfo.Enable": "0[]"}, stored: 0},
		{name: "partial path skips what it may not change", list: []spa{{Name: "Device.DeviceInfo.", NotificationChange: true, Notification: 2}},
			after: map[string]string{"Device.DeviceInfo.Enable": "2[]", "Device.DeviceInfo.UpTime": "0[]", "Device.DeviceInfo.SoftwareVersion": "2[]"}, stored: -1},
		{name: "partial path still sets the access list of what it skips", list: []spa{{Name: "Device.DeviceInfo.", NotificationChange: true, Notification: 1, AccessListChange: true, AccessList: []string{"Subscriber"}}},
			after: map[string]string{"Device.DeviceInfo.SoftwareVersion": "2[Subscriber]", "Device.DeviceInfo.Enable": "1[Subscriber]"}, stored: -1},
		{name: "notification out of range", list: []spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 7}}, fault: cwmp.FaultInvalidArguments, stored: 0},
		{name: "out of range ignored without NotificationChange", list: []spa{{Name: "Device.DeviceInfo.Enable", Notification: 7}}, stored: 0},
		{name: "unknown", list: []spa{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 1}, {Name: "Device.Nope."}}, fault: cwmp.FaultInvalidParameterName, stored: 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			if c.setup != nil {
				c.setup(t, tr)
			}
			err := tr.SetParameterAttributes(c.list)
			wantFault(t, err, c.fault)
			for name, want := range c.after {
				got, err := tr.GetParameterAttributes([]string{name})
				if err != nil {
					t.Fatal(err)
				}
				if s := fmt.Sprintf("%d[%s]", got[0].Notification, strings.Join(got[0].AccessList, ",")); s != want {
					t.Errorf("%s: %s, want %s", name, s, want)
				}
			}
			if c.stored >= 0 && len(tr.attrs) != c.stored {
				t.Errorf("%d attributes stored, want %d: %v", len(tr.attrs), c.stored, tr.attrs)
			}
		})
	}
}

// attrString returns one parameter's attributes as "notification[access
// list]".
func attrString(t *testing.T, tr *Tree, name string) string {
	t.Helper()
	got, err := tr.GetParameterAttributes([]string{name})
	if err != nil || len(got) != 1 {
		t.Fatalf("GPA %s: %v, %v", name, got, err)
	}
	return fmt.Sprintf("%d[%s]", got[0].Notification, strings.Join(got[0].AccessList, ","))
}

// The AllowActiveNotification callback runs without the tree's lock, so a
// device may consult its configuration in the tree; it is asked once per
// definition, however many instances a partial path covers.
func TestTreeAllowActiveNotificationReadsTree(t *testing.T) {
	tr := NewTree(testModel(t))
	withHosts(2)(t, tr)
	var asked []string
	tr.AllowActiveNotification(func(p *Parameter) bool {
		asked = append(asked, p.Path) // SetParameterAttributes's goroutine only
		v, _, err := tr.Get("Device.DeviceInfo.Enable")
		return err == nil && v == "true"
	})
	spa := func(name string) error {
		t.Helper()
		done := make(chan error, 1)
		go func() {
			done <- tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: name, NotificationChange: true, Notification: cwmp.NotificationActive}})
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatalf("SPA %s: deadlock: the callback is called with the tree locked", name)
			return nil
		}
	}
	wantFault(t, spa("Device.DeviceInfo.UpTime"), cwmp.FaultNotificationRejected)
	mustSet(t, tr, "Device.DeviceInfo.Enable", "true")
	wantFault(t, spa("Device.DeviceInfo.UpTime"), 0)
	if got := attrString(t, tr, "Device.DeviceInfo.UpTime"); got != "2[]" {
		t.Errorf("UpTime: %s, want 2[]", got)
	}
	asked = nil
	wantFault(t, spa("Device.Host."), 0)
	if !slices.Equal(asked, []string{"Device.Host.{i}.Active"}) {
		t.Errorf("callback asked about %q, want Device.Host.{i}.Active once", asked)
	}
	for _, name := range []string{"Device.Host.1.Active", "Device.Host.2.Active", "Device.Host.2.Name"} {
		if got := attrString(t, tr, name); got != "2[]" {
			t.Errorf("%s: %s, want 2[]", name, got)
		}
	}
}

// A new policy turns off the active notifications it denies, and leaves
// the access lists alone; its callback may read the tree too.
func TestTreeAllowActiveNotificationAppliesToStored(t *testing.T) {
	tr := NewTree(testModel(t))
	withHosts(1)(t, tr)
	tr.AllowActiveNotification(func(*Parameter) bool { return true })
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{
		{Name: "Device.DeviceInfo.UpTime", NotificationChange: true, Notification: cwmp.NotificationActive, AccessListChange: true, AccessList: []string{"Subscriber"}},
		{Name: "Device.Host.1.Active", NotificationChange: true, Notification: cwmp.NotificationPassiveAndActiveLightweight},
		{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: cwmp.NotificationActive},
	}); err != nil {
		t.Fatal(err)
	}
	tr.AllowActiveNotification(func(p *Parameter) bool {
		v, _, _ := tr.Get("Device.ManagementServer.PeriodicInformInterval")
		return p.Name == "Active" && v != ""
	})
	for name, want := range map[string]string{"Device.DeviceInfo.UpTime": "0[Subscriber]", "Device.Host.1.Active": "6[]", "Device.DeviceInfo.Enable": "2[]"} {
		if got := attrString(t, tr, name); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	tr.AllowActiveNotification(nil)
	if got := attrString(t, tr, "Device.Host.1.Active"); got != "0[]" {
		t.Errorf("Device.Host.1.Active after nil policy: %s, want 0[]", got)
	}
	if len(tr.attrs) != 2 {
		t.Errorf("%d attributes stored, want 2: %v", len(tr.attrs), tr.attrs)
	}
}

// With alias-based addressing on, an alias holding "[" or "]" would end
// or nest the "[alias]" of a path: AddObject refuses it as a name,
// SetParameterValues as a value.
func TestTreeAliasBrackets(t *testing.T) {
	tr := NewTree(testModel(t))
	withAliasAddressing(t, tr)
	for _, name := range []string{"Device.Host.[x]y].", "Device.Host.[x[y].", "Device.Host.[x].y]."} {
		_, _, err := tr.AddObject(name, "")
		wantFault(t, err, cwmp.FaultInvalidParameterName)
	}
	if v := get(t, tr, "Device.HostNumberOfEntries"); v != "0" {
		t.Fatalf("%s instances created", v)
	}
	i := mustAdd(t, tr, "Device.Host.")
	alias := fmt.Sprintf("Device.Host.%d.Alias", i)
	for _, v := range []string{"a[b", "a]b", "a].b"} {
		_, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: alias, Value: v}}, "")
		f := wantFault(t, err, cwmp.FaultInvalidArguments)
		if len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].FaultCode != cwmp.FaultInvalidParameterValue {
			t.Errorf("SPV Alias %q: %+v, want 9007", v, f.SetParameterValuesFault)
		}
	}
	if v := get(t, tr, alias); v != "cpe-1" {
		t.Errorf("Alias = %q", v)
	}
}

// A strong reference the device's DeleteInstance clears is a change the
// device made (TR-106 A.2.3.4), notified as such; one the ACS's
// DeleteObject clears is not, as the ACS asked for it.
func TestTreeDeleteInstanceNotifiesClearedReferences(t *testing.T) {
	tr := NewTree(testModel(t))
	withHosts(2)(t, tr)
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{
		{Name: "Device.DeviceInfo.Uplink", Value: "Device.Host.1"},
		{Name: "Device.DeviceInfo.Links", Value: "Device.Host.1,Device.Host.2"},
	}, ""); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{
		{Name: "Device.DeviceInfo.Uplink", NotificationChange: true, Notification: cwmp.NotificationActive},
		{Name: "Device.DeviceInfo.Links", NotificationChange: true, Notification: cwmp.NotificationPassive},
	}); err != nil {
		t.Fatal(err)
	}
	var calls []string
	tr.OnActiveChange(func(path string, _ cwmp.Notification) { calls = append(calls, path) })
	if err := tr.DeleteInstance("Device.Host.1."); err != nil {
		t.Fatal(err)
	}
	if v, l := get(t, tr, "Device.DeviceInfo.Uplink"), get(t, tr, "Device.DeviceInfo.Links"); v != "" || l != "Device.Host.2" {
		t.Errorf("after DeleteInstance: Uplink %q, Links %q", v, l)
	}
	c := tr.Changes()
	if !slices.Equal(c.Active, []string{"Device.DeviceInfo.Uplink"}) || !slices.Equal(c.Passive, []string{"Device.DeviceInfo.Links"}) {
		t.Errorf("Changes() = %+v, want Uplink active and Links passive", c)
	}
	if !slices.Equal(calls, []string{"Device.DeviceInfo.Uplink"}) {
		t.Errorf("active-change calls %q", calls)
	}
	tr.ClearChanges(c)
	if _, err := tr.DeleteObject("Device.Host.2.", ""); err != nil {
		t.Fatal(err)
	}
	if l := get(t, tr, "Device.DeviceInfo.Links"); l != "" {
		t.Errorf("after DeleteObject: Links %q", l)
	}
	if c := tr.Changes(); !c.Empty() {
		t.Errorf("DeleteObject recorded changes %+v", c)
	}
}

func TestTreeChanges(t *testing.T) {
	tr := NewTree(testModel(t))
	type call struct {
		path string
		n    cwmp.Notification
	}
	var mu sync.Mutex
	var calls []call
	tr.OnActiveChange(func(path string, n cwmp.Notification) {
		// The tree is not locked here: reading it must not deadlock.
		if _, _, err := tr.Get(path); err != nil {
			t.Errorf("Get in callback: %v", err)
		}
		mu.Lock()
		calls = append(calls, call{path, n})
		mu.Unlock()
	})
	withHosts(1)(t, tr)
	tr.AllowActiveNotification(func(p *Parameter) bool { return p.Name == "Active" })
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{
		{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: cwmp.NotificationPassive},
		{Name: "Device.DeviceInfo.Tags", NotificationChange: true, Notification: cwmp.NotificationPassiveLightweight},
		{Name: "Device.DeviceInfo.Temperature", NotificationChange: true, Notification: cwmp.NotificationPassiveAndPassiveLightweight},
		{Name: "Device.Host.1.Name", NotificationChange: true, Notification: cwmp.NotificationActiveLightweight},
		{Name: "Device.Host.1.Active", NotificationChange: true, Notification: cwmp.NotificationPassiveAndActiveLightweight},
		{Name: "Device.HostNumberOfEntries", NotificationChange: true, Notification: cwmp.NotificationPassive},
	}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, tr, "Device.DeviceInfo.Enable", "true")
	mustSet(t, tr, "Device.DeviceInfo.Enable", "false") // twice: listed once
	mustSet(t, tr, "Device.DeviceInfo.Tags", "a")
	mustSet(t, tr, "Device.DeviceInfo.Temperature", "20")
	mustSet(t, tr, "Device.Host.1.Name", "pc")
	mustSet(t, tr, "Device.Host.1.Active", "true")
	mustSet(t, tr, "Device.DeviceInfo.SoftwareVersion", "2.0") // forceEnabled: active
	mustSet(t, tr, "Device.DeviceInfo.ProvisioningCode", "")   // unchanged: not recorded
	mustSet(t, tr, "Device.DeviceInfo.Manufacturer", "Other")  // notification off: not recorded
	if _, err := tr.AddInstance("Device.Host."); err != nil {  // HostNumberOfEntries changes
		t.Fatal(err)
	}
	c := tr.Changes()
	want := Changes{
		Passive:            []string{"Device.DeviceInfo.Enable", "Device.DeviceInfo.Temperature", "Device.Host.1.Active", "Device.HostNumberOfEntries"},
		Active:             []string{"Device.DeviceInfo.SoftwareVersion"},
		PassiveLightweight: []string{"Device.DeviceInfo.Tags", "Device.DeviceInfo.Temperature"},
		ActiveLightweight:  []string{"Device.Host.1.Active", "Device.Host.1.Name"},
	}
	if !slices.Equal(c.Passive, want.Passive) || !slices.Equal(c.Active, want.Active) ||
		!slices.Equal(c.PassiveLightweight, want.PassiveLightweight) || !slices.Equal(c.ActiveLightweight, want.ActiveLightweight) {
		t.Errorf("changes\ngot  %+v\nwant %+v", c, want)
	}
	wantCalls := []call{{"Device.Host.1.Name", 5}, {"Device.Host.1.Active", 6}, {"Device.DeviceInfo.SoftwareVersion", 2}}
	if !slices.Equal(calls, wantCalls) {
		t.Errorf("callbacks %v, want %v", calls, wantCalls)
	}

	// A change after Changes survives ClearChanges of what Changes returned.
	mustSet(t, tr, "Device.DeviceInfo.Enable", "true")
	tr.ClearChanges(c)
	if c2 := tr.Changes(); !slices.Equal(c2.Passive, []string{"Device.DeviceInfo.Enable"}) || len(c2.Active)+len(c2.PassiveLightweight)+len(c2.ActiveLightweight) != 0 {
		t.Errorf("after ClearChanges: %+v", c2)
	}
	tr.ClearChanges(tr.Changes())
	if c3 := tr.Changes(); !c3.Empty() {
		t.Errorf("after clearing all: %+v", c3)
	}

	// A change whose notification was turned off before the Inform is not listed.
	mustSet(t, tr, "Device.DeviceInfo.Enable", "false")
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: "Device.DeviceInfo.Enable", NotificationChange: true}}); err != nil {
		t.Fatal(err)
	}
	if c4 := tr.Changes(); !c4.Empty() {
		t.Errorf("notification off: %+v", c4)
	}

	// Removing the callback.
	tr.OnActiveChange(nil)
	mustSet(t, tr, "Device.DeviceInfo.SoftwareVersion", "3.0")
	if len(calls) != len(wantCalls) {
		t.Errorf("callback called after removal")
	}
}

func TestTreeDeviceAccess(t *testing.T) {
	tr := NewTree(testModel(t))
	for _, c := range []struct {
		name  string
		do    func() error
		fault cwmp.FaultCode
	}{
		{"Set readOnly", func() error { return tr.Set("Device.DeviceInfo.Manufacturer", "X") }, 0},
		{"Set invalid", func() error { return tr.Set("Device.DeviceInfo.Temperature", "200") }, cwmp.FaultInvalidParameterValue},
		{"Set wrong type", func() error { return tr.Set("Device.DeviceInfo.Temperature", "warm") }, cwmp.FaultInvalidParameterType},
		{"Set unknown", func() error { return tr.Set("Device.DeviceInfo.Nope", "X") }, cwmp.FaultInvalidParameterName},
		{"Set object", func() error { return tr.Set("Device.DeviceInfo.", "X") }, cwmp.FaultInvalidParameterName},
		{"Set number of entries", func() error { return tr.Set("Device.RONumberOfEntries", "3") }, cwmp.FaultNotWritable},
		{"Set read-only enumeration", func() error { return tr.Set("Device.DeviceInfo.DiagnosticsState", "Complete") }, 0},
		{"Get unknown", func() error { _, _, err := tr.Get("Device.Nope"); return err }, cwmp.FaultInvalidParameterName},
		{"AddInstance readOnly table", func() error { _, err := tr.AddInstance("Device.RO."); return err }, 0},
		{"AddInstance not a table", func() error { _, err := tr.AddInstance("Device.DeviceInfo."); return err }, cwmp.FaultInvalidParameterName},
		{"DeleteInstance readOnly table", func() error { return tr.DeleteInstance("Device.RO.1.") }, 0},
		{"DeleteInstance below minEntries", func() error { return tr.DeleteInstance("Device.RO.2.") }, cwmp.FaultRequestDenied},
		{"DeleteInstance missing", func() error { return tr.DeleteInstance("Device.RO.1.") }, cwmp.FaultInvalidParameterName},
		{"Instances not a table", func() error { _, err := tr.Instances("Device.RO.2."); return err }, cwmp.FaultInvalidParameterName},
	} {
		t.Run(c.name, func(t *testing.T) { wantFault(t, c.do(), c.fault) })
	}
	if v, typ, err := tr.Get("Device.DeviceInfo.Manufacturer"); v != "X" || typ != String || err != nil {
		t.Errorf("Get = %q, %v, %v", v, typ, err)
	}
	mustSet(t, tr, "Device.DeviceInfo.Secret", "s3cret")
	if v, _, _ := tr.Get("Device.DeviceInfo.Secret"); v != "s3cret" {
		t.Errorf("Get of a hidden parameter = %q, want the value", v)
	}
	if got, _ := tr.Instances("Device.RO."); !slices.Equal(got, []uint32{2, 3}) {
		t.Errorf("RO instances %v, want [2 3]", got)
	}
}

func TestTreeSaveLoad(t *testing.T) {
	m := testModel(t)
	tr := NewTree(m)
	withHosts(2)(t, tr)
	mustAdd(t, tr, "Device.Host.2.IP.")
	if _, err := tr.DeleteObject("Device.Host.1.", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{
		{Name: "Device.DeviceInfo.SerialNumber", Value: "S1"},
		{Name: "Device.Host.2.Name", Value: "pc"},
		{Name: "Device.Host.2.IP.2.Address", Value: "10.0.0.2"},
	}, "k1"); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: "Device.Host.2.Name", NotificationChange: true, Notification: 1, AccessListChange: true, AccessList: []string{"Subscriber"}}}); err != nil {
		t.Fatal(err)
	}
	mustSet(t, tr, "Device.Host.2.Name", "laptop")
	if err := tr.DeleteInstance("Device.RO.1."); err == nil {
		t.Fatal("deleted below minEntries")
	}
	if _, err := tr.AddInstance("Device.RO."); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := tr.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := buf.String()
	tr2, err := LoadTree(m, strings.NewReader(saved))
	if err != nil {
		t.Fatalf("Load: %v\n%s", err, saved)
	}
	var buf2 bytes.Buffer
	if err := tr2.Save(&buf2); err != nil {
		t.Fatal(err)
	}
	if buf2.String() != saved {
		t.Errorf("Save after Load differs:\n%s\n%s", saved, buf2.String())
	}
	a, _ := tr.GetParameterValues([]string{""})
	b, _ := tr2.GetParameterValues([]string{""})
	if !reflect.DeepEqual(a, b) {
		t.Errorf("values differ after Load")
	}
	ga, _ := tr.GetParameterAttributes([]string{""})
	gb, _ := tr2.GetParameterAttributes([]string{""})
	if !reflect.DeepEqual(ga, gb) {
		t.Errorf("attributes differ after Load")
	}
	na, _ := tr.GetParameterNames("", false)
	nb, _ := tr2.GetParameterNames("", false)
	if !reflect.DeepEqual(na, nb) {
		t.Errorf("names differ after Load (writeOnceReadOnly?)")
	}
	if c := tr2.Changes(); !slices.Equal(c.Passive, []string{"Device.Host.2.Name"}) {
		t.Errorf("pending changes after Load: %+v", c)
	}
	if n := mustAdd(t, tr2, "Device.Host."); n != 3 {
		t.Errorf("instance after Load %d, want 3", n)
	}
	if n, _ := tr2.AddInstance("Device.RO."); n != 4 {
		t.Errorf("RO instance after Load %d, want 4", n)
	}

	var empty bytes.Buffer
	if err := NewTree(m).Save(&empty); err != nil {
		t.Fatal(err)
	}
	t.Logf("saved fresh tree: %d bytes; changed tree: %d bytes", empty.Len(), len(saved))
	if _, err := LoadTree(m, &empty); err != nil {
		t.Errorf("Load of a fresh tree: %v", err)
	}
}

func TestTreeLoadErrors(t *testing.T) {
	m := testModel(t)
	for _, c := range []struct{ name, json, want string }{
		{"other model", `{"model":"Device:2.17"}`, `saved from model "Device:2.17"`},
		{"not JSON", `{"model":`, "unexpected EOF"},
		{"unknown field", `{"model":"Test:1.0","extra":1}`, "unknown field"},
		{"unknown table", `{"model":"Test:1.0","tables":{"Device.Nope.":{"instances":[],"next":1}}}`, "Device.Nope."},
		{"not a table", `{"model":"Test:1.0","tables":{"Device.DeviceInfo.":{"instances":[],"next":1}}}`, "not a table"},
		{"instances not ascending", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[2,1],"next":3}}}`, "ascending"},
		{"instance not below next", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1,2],"next":2}}}`, "ascending"},
		{"instance zero", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[0],"next":2}}}`, "ascending"},
		{"above maxEntries", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1,2,3,4],"next":5}}}`, "not within"},
		{"below minEntries", `{"model":"Test:1.0","tables":{"Device.RO.":{"instances":[1],"next":3}}}`, "not within"},
		{"table in a missing instance", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1],"next":2},"Device.Host.2.IP.":{"instances":[1],"next":2}}}`, "Device.Host.2.IP."},
		{"value of a missing instance", `{"model":"Test:1.0","values":{"Device.Host.1.Name":"x"}}`, "Device.Host.1.Name"},
		{"invalid value", `{"model":"Test:1.0","values":{"Device.DeviceInfo.Temperature":"900"}}`, "Temperature"},
		{"number of entries", `{"model":"Test:1.0","values":{"Device.RONumberOfEntries":"2"}}`, "counted"},
		{"bad notification", `{"model":"Test:1.0","attributes":{"Device.DeviceInfo.Enable":{"notification":9}}}`, "notification 9"},
		{"forceEnabled off", `{"model":"Test:1.0","attributes":{"Device.DeviceInfo.SoftwareVersion":{"notification":0}}}`, "notification 0"},
		{"written readWrite", `{"model":"Test:1.0","written":["Device.DeviceInfo.Enable"]}`, "writeOnceReadOnly"},
		{"changed unknown", `{"model":"Test:1.0","changed":["Device.Nope"]}`, "Device.Nope"},
		{"trailing object", `{"model":"Test:1.0"} {"model":"Test:1.0"}`, "data after the tree"},
		{"trailing garbage", `{"model":"Test:1.0"}` + "\nx", "data after the tree"},
		// Keys are in instance-number form, whatever the values say about
		// alias-based addressing, and never wildcards.
		{"alias value key", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1],"next":2}},"values":{"Device.ManagementServer.AliasBasedAddressing":"true","Device.Host.[cpe-1].Name":"x"}}`, "not in instance-number form"},
		{"alias table key", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1],"next":2},"Device.Host.[cpe-1].IP.":{"instances":[1],"next":2}}}`, "not in instance-number form"},
		{"wildcard attributes key", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1],"next":2}},"attributes":{"Device.Host.*.Name":{"notification":1}}}`, "not in instance-number form"},
		{"wildcard changed key", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1],"next":2}},"changed":["Device.Host.*.Name"]}`, "not in instance-number form"},
		{"duplicate alias", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1,2],"next":3}},"values":{"Device.Host.1.Alias":"a","Device.Host.2.Alias":"a"}}`, "same Alias"},
		{"alias of another instance's default", `{"model":"Test:1.0","tables":{"Device.Host.":{"instances":[1,2],"next":3}},"values":{"Device.Host.1.Alias":"cpe-2"}}`, "same Alias"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadTree(m, strings.NewReader(c.json))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load: %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// LoadTree restores an active notification of a canDeny parameter, which
// the policy of the device that saved it allowed; the policy the device
// sets next applies to it.
func TestTreeLoadActiveCanDeny(t *testing.T) {
	const saved = `{"model":"Test:1.0","attributes":{"Device.DeviceInfo.UpTime":{"notification":2}}}`
	for _, c := range []struct {
		name  string
		allow func(*Parameter) bool
		want  string
	}{
		{"allowed", func(p *Parameter) bool { return p.Name == "UpTime" }, "2[]"},
		{"denied", func(p *Parameter) bool { return false }, "0[]"},
		{"nil policy", nil, "0[]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := LoadTree(testModel(t), strings.NewReader(saved))
			if err != nil {
				t.Fatal(err)
			}
			if got := attrString(t, tr, "Device.DeviceInfo.UpTime"); got != "2[]" {
				t.Errorf("loaded: %s, want 2[]", got)
			}
			tr.AllowActiveNotification(c.allow)
			if got := attrString(t, tr, "Device.DeviceInfo.UpTime"); got != c.want {
				t.Errorf("after AllowActiveNotification: %s, want %s", got, c.want)
			}
		})
	}
}

// TestTreeConcurrent runs the device's Sets against ACS RPCs; run with
// -race.
func TestTreeConcurrent(t *testing.T) {
	tr := NewTree(testModel(t))
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: "Device.DeviceInfo.Temperature", NotificationChange: true, Notification: 2}}); err != nil {
		t.Fatal(err)
	}
	var active sync.WaitGroup
	var calls sync.Map
	tr.OnActiveChange(func(path string, _ cwmp.Notification) { calls.Store(path, true) })
	for g := range 4 {
		active.Add(1)
		go func() {
			defer active.Done()
			for i := range 200 {
				switch g {
				case 0:
					_ = tr.Set("Device.DeviceInfo.Temperature", fmt.Sprint(i%100))
				case 1:
					if _, err := tr.GetParameterValues([]string{"Device."}); err != nil {
						t.Error(err)
						return
					}
				case 2:
					if n, _, err := tr.AddObject("Device.Host.", ""); err == nil {
						_, _ = tr.DeleteObject(fmt.Sprintf("Device.Host.%d.", n), "")
					}
				case 3:
					tr.ClearChanges(tr.Changes())
				}
			}
		}()
	}
	active.Wait()
	if _, ok := calls.Load("Device.DeviceInfo.Temperature"); !ok {
		t.Error("no active change reported")
	}
}

func TestTreeErrorsAreFaults(t *testing.T) {
	tr := NewTree(testModel(t))
	_, err := tr.GetParameterValues([]string{"Device.Nope"})
	var f *cwmp.Fault
	if !errors.As(err, &f) || f.String == "" || !strings.Contains(f.String, "Device.Nope") {
		t.Errorf("fault %v does not name the path", err)
	}
}

// TestTreeStoresOnlyDifferences checks the copy on write: values and
// attributes equal to the defaults, and changes made while notification
// was off, take no room.
func TestTreeStoresOnlyDifferences(t *testing.T) {
	tr := NewTree(testModel(t))
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "60"}}, ""); err != nil {
		t.Fatal(err)
	}
	if len(tr.values) != 1 {
		t.Fatalf("values %v", tr.values)
	}
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "300"}}, ""); err != nil {
		t.Fatal(err)
	}
	mustSet(t, tr, "Device.DeviceInfo.Enable", "true")
	mustSet(t, tr, "Device.DeviceInfo.Enable", "false")
	if len(tr.values) != 0 {
		t.Errorf("defaults stored: %v", tr.values)
	}
	// Enable's notification was off: its changes are not recorded, so
	// turning notification on later does not report them.
	if len(tr.changed) != 0 {
		t.Errorf("changes recorded with notification off: %v", tr.changed)
	}
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: "Device.DeviceInfo.Enable", NotificationChange: true, Notification: 1}}); err != nil {
		t.Fatal(err)
	}
	if c := tr.Changes(); !c.Empty() {
		t.Errorf("a change made while notification was off is reported: %+v", c)
	}
	// A table read is not a table change.
	if _, err := tr.GetParameterValues([]string{"Device.RO."}); err != nil {
		t.Fatal(err)
	}
	if len(tr.tables) != 0 {
		t.Errorf("reading stored tables: %v", tr.tables)
	}
}

func TestTreeReferences(t *testing.T) {
	type pv = cwmp.ParameterValueStruct
	setup := func(t *testing.T, tr *Tree) {
		withHosts(2)(t, tr)
		mustSet(t, tr, "Device.DeviceInfo.SupportedModes", "Fast,Slow")
	}
	for _, c := range []struct {
		name, param, value string
		fault              cwmp.FaultCode
	}{
		{"row", "Device.DeviceInfo.Uplink", "Device.Host.1", 0},
		{"row with dot", "Device.DeviceInfo.Uplink", "Device.Host.2.", 0},
		{"empty", "Device.DeviceInfo.Uplink", "", 0},
		{"missing row", "Device.DeviceInfo.Uplink", "Device.Host.9", cwmp.FaultInvalidParameterValue},
		{"not a row", "Device.DeviceInfo.Uplink", "Device.DeviceInfo.Enable", cwmp.FaultInvalidParameterValue},
		{"table, not a row", "Device.DeviceInfo.Uplink", "Device.Host.", cwmp.FaultInvalidParameterValue},
		{"row of another table", "Device.DeviceInfo.Uplink", "Device.RO.1", cwmp.FaultInvalidParameterValue},
		{"list of rows", "Device.DeviceInfo.Links", "Device.Host.1,Device.RO.2", 0},
		{"list with a missing row", "Device.DeviceInfo.Links", "Device.Host.1,Device.Host.3", cwmp.FaultInvalidParameterValue},
		{"weak may dangle", "Device.DeviceInfo.Weak", "Device.Host.9", 0},
		{"enumerationRef", "Device.DeviceInfo.Mode", "Slow", 0},
		{"enumerationRef null value", "Device.DeviceInfo.Mode", "", 0},
		{"enumerationRef other value", "Device.DeviceInfo.Mode", "Medium", cwmp.FaultInvalidParameterValue},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := NewTree(testModel(t))
			setup(t, tr)
			_, err := tr.SetParameterValues([]pv{{Name: c.param, Value: c.value}}, "")
			if c.fault == 0 {
				wantFault(t, err, 0)
				return
			}
			f := wantFault(t, err, cwmp.FaultInvalidArguments)
			if len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].FaultCode != c.fault {
				t.Errorf("fault %v, want %d", f, c.fault)
			}
		})
	}

	// Deleting a row clears the strong references to it, not the weak ones.
	tr := NewTree(testModel(t))
	setup(t, tr)
	if _, err := tr.SetParameterValues([]pv{
		{Name: "Device.DeviceInfo.Uplink", Value: "Device.Host.1"},
		{Name: "Device.DeviceInfo.Links", Value: "Device.Host.1,Device.Host.2,Device.RO.1"},
		{Name: "Device.DeviceInfo.Weak", Value: "Device.Host.1.Name"},
	}, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.DeleteObject("Device.Host.1.", ""); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"Device.DeviceInfo.Uplink": "",
		"Device.DeviceInfo.Links":  "Device.Host.2,Device.RO.1",
		"Device.DeviceInfo.Weak":   "Device.Host.1.Name",
	} {
		if got, _, _ := tr.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestTreeInstantiate(t *testing.T) {
	for _, c := range []struct{ def, from, concrete, want string }{
		{"Device.DSL.Line.{i}.AllowedProfiles", "Device.DSL.Line.{i}.CurrentProfile", "Device.DSL.Line.3.CurrentProfile", "Device.DSL.Line.3.AllowedProfiles"},
		{"Device.A.{i}.B.{i}.X", "Device.A.{i}.B.{i}.Y", "Device.A.1.B.7.Y", "Device.A.1.B.7.X"},
		{"Device.A.{i}.X", "Device.A.{i}.B.{i}.Y", "Device.A.2.B.7.Y", "Device.A.2.X"},
		{"Device.X.Supported", "Device.Y.{i}.Z", "Device.Y.4.Z", "Device.X.Supported"},
		{"Device.C.{i}.X", "Device.A.{i}.Y", "Device.A.1.Y", ""},
	} {
		got, ok := instantiate(c.def, c.from, c.concrete)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("instantiate(%q, %q, %q) = %q, %v; want %q", c.def, c.from, c.concrete, got, ok, c.want)
		}
	}
}
