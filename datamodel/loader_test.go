package datamodel

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// The embedded models: counts verified by parsing the BBF files
// independently (every definition, of any status).
func TestBuiltinCounts(t *testing.T) {
	tests := []struct {
		name             string
		objects, params  int
		status           [4]int // objects: current, deprecated, obsoleted, deleted
		root             string
		profiles         int
		canDeny, fde, fe int // parameters by activeNotify (forceDefaultEnabled, forceEnabled)
	}{
		{"Device:2.17", 790, 6483, [4]int{773, 5, 11, 1}, "Device.", 235, 950, 8, 2},
		{"InternetGatewayDevice:1.14", 192, 1801, [4]int{190, 0, 2, 0}, "InternetGatewayDevice.", 92, 473, 7, 2},
		{"Device:1.14", 120, 848, [4]int{120, 0, 0, 0}, "Device.", 66, 122, 7, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := builtinModel(t, tt.name)
			if m.Name != tt.name {
				t.Errorf("Name = %q", m.Name)
			}
			if len(m.Objects) != tt.objects || len(m.Params) != tt.params {
				t.Errorf("%d objects, %d parameters; want %d, %d", len(m.Objects), len(m.Params), tt.objects, tt.params)
			}
			var status [4]int
			for _, o := range m.Objects {
				status[o.Status]++
			}
			if status != tt.status {
				t.Errorf("objects by status %v, want %v", status, tt.status)
			}
			if m.Root == nil || m.Root.Path != tt.root || m.Root.Parent != nil {
				t.Errorf("Root = %+v, want %s", m.Root, tt.root)
			}
			if len(m.Profiles) != tt.profiles {
				t.Errorf("%d profiles, want %d", len(m.Profiles), tt.profiles)
			}
			var notify [4]int
			for _, p := range m.Params {
				notify[p.ActiveNotify]++
			}
			if want := [4]int{tt.params - tt.canDeny - tt.fde - tt.fe, tt.fe, tt.fde, tt.canDeny}; notify != want {
				t.Errorf("parameters by activeNotify (normal, forceEnabled, forceDefaultEnabled, canDeny) %v, want %v", notify, want)
			}
			if len(m.UnsupportedPatterns) != 0 {
				t.Errorf("UnsupportedPatterns = %q", m.UnsupportedPatterns)
			}
			// The links: every object but the root has a parent that lists
			// it, every parameter points back to its object, every lookup
			// by definition path finds the same definition.
			n := 0
			for _, o := range m.Objects {
				if o != m.Root && (o.Parent == nil || !slices.Contains(o.Parent.Children, o) || o.Parent.Child(o.Name()) != o) {
					t.Fatalf("%s: parent %v does not link it", o.Path, o.Parent)
				}
				if m.Object(o.Path) != o {
					t.Fatalf("Object(%q) is not the object", o.Path)
				}
				for _, p := range o.Parameters {
					if p.Object != o || p.Path != o.Path+p.Name || m.Parameter(p.Path) != p || m.Params[n] != p {
						t.Fatalf("%s: parameter links wrong", p.Path)
					}
					n++
				}
			}
		})
	}
}

func TestBuiltinNames(t *testing.T) {
	want := []string{"Device:1.14", "Device:2.17", "InternetGatewayDevice:1.14"}
	if got := BuiltinNames(); !slices.Equal(got, want) {
		t.Errorf("BuiltinNames() = %q, want %q", got, want)
	}
	_, err := Builtin("Device:2.99")
	if err == nil || err.Error() != `datamodel: no built-in model "Device:2.99" (there are Device:1.14, Device:2.17, InternetGatewayDevice:1.14)` {
		t.Errorf("Builtin(unknown) error = %v", err)
	}
}

// Builtin loads each model once, however many goroutines ask (run with
// -race).
func TestBuiltinConcurrent(t *testing.T) {
	const n = 8
	got := make([]*Model, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := BuiltinNames()[i%3]
			m, err := Builtin(name)
			if err != nil {
				t.Error(err)
			}
			got[i] = m
		})
	}
	wg.Wait()
	for i := range n {
		if got[i] != got[i%3] {
			t.Errorf("Builtin(%s) returned two models", got[i].Name)
		}
	}
}

func TestBuiltinDefinitions(t *testing.T) {
	m := builtinModel(t, "Device:2.17")

	oui := mustParam(t, m, "Device.DeviceInfo.ManufacturerOUI")
	if oui.Access != ReadOnly || oui.Writable() || oui.Syntax.Base != String ||
		!rangesEqual(oui.Syntax.Sizes, oneRange(6, 6)) || !slices.Equal(oui.Syntax.Patterns, []string{"[0-9A-F]{6}"}) {
		t.Errorf("ManufacturerOUI = %+v", oui)
	}
	if re := compilePattern(oui.Syntax.Patterns[0]); re == nil || !re.MatchString("00D09E") || re.MatchString("00d09e") || re.MatchString("00D09E0") {
		t.Errorf("ManufacturerOUI pattern compiles to %v", re)
	}

	pii := mustParam(t, m, "Device.ManagementServer.PeriodicInformInterval")
	if pii.Access != ReadWrite || !pii.Writable() || pii.Syntax.Base != UnsignedInt ||
		len(pii.Syntax.Ranges) != 1 || *pii.Syntax.Ranges[0].Min != 1 || pii.Syntax.Ranges[0].Max != nil || pii.Syntax.Units != "seconds" {
		t.Errorf("PeriodicInformInterval = %+v", pii)
	}

	ip := m.Object("Device.IP.Interface.{i}.")
	switch {
	case ip == nil:
		t.Fatal("no Device.IP.Interface.{i}.")
	case !ip.IsTable() || ip.Access != ReadWrite || ip.MinEntries != 0 || ip.MaxEntries != -1,
		ip.NumEntriesParameter != "InterfaceNumberOfEntries" || ip.EnableParameter != "Enable",
		!slices.EqualFunc(ip.UniqueKeys, [][]string{{"Alias"}, {"Name"}}, slices.Equal[[]string]),
		!slices.Equal(ip.FunctionalKeys, []bool{false, false}),
		ip.Version != "2.0" || ip.Parent != m.Object("Device.IP.") || m.Object("Device.IP.").Child("Interface") != ip:
		t.Errorf("Device.IP.Interface.{i}. = %+v", ip)
	case ip.Parameters[0].Name != "Enable" || *ip.Parameters[0].Syntax.Default != "false":
		t.Errorf("Device.IP.Interface.{i}.Enable = %+v", ip.Parameters[0])
	}
	if m.Object("Device.DeviceInfo.").IsTable() {
		t.Error("Device.DeviceInfo. is a table")
	}
	if keys := m.Object("Device.IP.Interface.{i}.IPv4Address.{i}.").FunctionalKeys; !slices.Contains(keys, true) {
		t.Errorf("IPv4Address has no functional key: %v", keys)
	}

	// A named data type, resolved through its base (IPv4Address refines
	// IPAddress: size 45 becomes 15, patterns added).
	addr := mustParam(t, m, "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress")
	octet := "(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])"
	if s := addr.Syntax; s.Base != String || s.DataType != "IPv4Address" || !rangesEqual(s.Sizes, oneRange(-1, 15)) ||
		!slices.Equal(s.Patterns, []string{"", "(" + octet + `\.){3}` + octet}) {
		t.Errorf("IPAddress syntax = %+v", s)
	}
	if dt := m.DataTypes["IPv4Address"]; dt == nil || dt.Base != "IPAddress" || dt.Syntax.DataType != "IPv4Address" || !rangesEqual(dt.Syntax.Sizes, oneRange(-1, 15)) {
		t.Errorf("DataTypes[IPv4Address] = %+v", dt)
	}

	// A list of a named type.
	dns := mustParam(t, m, "Device.DHCPv4.Server.Pool.{i}.DNSServers")
	if s := dns.Syntax; s.List == nil || s.List.MaxItems != 4 || s.List.MinItems != 0 || s.DataType != "IPv4Address" || !rangesEqual(s.Sizes, oneRange(-1, 15)) {
		t.Errorf("DNSServers syntax = %+v, list %+v", s, s.List)
	}
	// A list whose data type is a list.
	if s := mustParam(t, m, "Device.MoCA.Interface.{i}.Band").Syntax; s.List == nil || s.List.MaxItems != -1 || len(s.Enumerations) != 8 || !slices.Equal(s.ReadOnlyEnumerations, []string{"reserved"}) {
		t.Errorf("MoCA Band syntax = %+v", s)
	}

	// pathRefs, relative ones resolved.
	for path, want := range map[string]PathRef{
		"Device.IP.Interface.{i}.LowerLayers":               {TargetType: "row", RefType: "strong"},
		"Device.Time.Client.{i}.Interface":                  {TargetParent: []string{"Device.IP.Interface."}, TargetType: "row", RefType: "strong"},
		"Device.ManagementServer.ManageableDevice.{i}.Host": {TargetParent: []string{"Device.Hosts.Host."}, TargetType: "row", RefType: "strong"},
		"Device.Firewall.Chain.{i}.Rule.{i}.TargetChain":    {TargetParent: []string{"Device.Firewall.Chain."}, TargetType: "row", RefType: "strong"},
		"Device.DeviceInfo.ActiveFirmwareImage":             {TargetParent: []string{"Device.DeviceInfo.FirmwareImage."}, TargetType: "row", RefType: "strong"},
	} {
		pr := mustParam(t, m, path).Syntax.PathRef
		if pr == nil || !slices.Equal(pr.TargetParent, want.TargetParent) || pr.TargetType != want.TargetType || pr.RefType != want.RefType {
			t.Errorf("%s PathRef = %+v, want %+v", path, pr, want)
		}
	}
	if s := mustParam(t, m, "Device.IP.Interface.{i}.LowerLayers").Syntax; s.List == nil || !rangesEqual(s.List.Sizes, oneRange(-1, 1024)) || s.Default == nil || *s.Default != "" {
		t.Errorf("LowerLayers syntax = %+v", s)
	}

	// enumerationRefs.
	if er := mustParam(t, m, "Device.DSL.Line.{i}.CurrentProfile").Syntax.EnumerationRef; er == nil || er.TargetParam != "Device.DSL.Line.{i}.AllowedProfiles" || er.NullValue == nil || *er.NullValue != "" {
		t.Errorf("CurrentProfile EnumerationRef = %+v", er)
	}
	if er := mustParam(t, m, "Device.BulkData.Profile.{i}.EncodingType").Syntax.EnumerationRef; er == nil || er.TargetParam != "Device.BulkData.EncodingTypes" || er.NullValue != nil {
		t.Errorf("EncodingType EnumerationRef = %+v", er)
	}

	// Hidden, and an enumeration with values only the CPE sets.
	if pw := mustParam(t, m, "Device.ManagementServer.Password"); !pw.Syntax.Hidden || !pw.Writable() {
		t.Errorf("ManagementServer.Password = %+v", pw)
	}
	if s := mustParam(t, m, "Device.IP.Diagnostics.IPPing.DiagnosticsState").Syntax; s.DataType != "DiagnosticsState" ||
		!slices.Equal(s.Enumerations, []string{"None", "Requested", "Canceled", "Complete", "Error"}) ||
		!slices.Equal(s.ReadOnlyEnumerations, []string{"None", "Complete", "Error"}) {
		t.Errorf("DiagnosticsState syntax = %+v", s)
	}

	// Access, activeNotify and the other parameter attributes.
	for path, want := range map[string]struct {
		access Access
		notify ActiveNotify
		status Status
		typ    BaseType
	}{
		"Device.DeviceInfo.SoftwareVersion":            {ReadOnly, ForceEnabled, Current, String},
		"Device.DeviceInfo.ProvisioningCode":           {ReadWrite, ForceEnabled, Current, String},
		"Device.ManagementServer.ConnectionRequestURL": {ReadOnly, ForceDefaultEnabled, Current, String},
		"Device.DeviceInfo.UpTime":                     {ReadOnly, CanDeny, Current, UnsignedInt},
		"Device.IP.Interface.{i}.Stats.BytesSent":      {ReadOnly, CanDeny, Current, UnsignedLong},
		"Device.IP.Interface.{i}.Alias":                {WriteOnceReadOnly, Normal, Current, String},
		"Device.DeviceInfo.FirstUseDate":               {ReadOnly, Normal, Current, DateTime},
	} {
		p := mustParam(t, m, path)
		if p.Access != want.access || p.ActiveNotify != want.notify || p.Status != want.status || p.Syntax.Base != want.typ {
			t.Errorf("%s: access %v notify %v status %v type %v, want %+v", path, p.Access, p.ActiveNotify, p.Status, p.Syntax.Base, want)
		}
	}
	if v := mustParam(t, m, "Device.RootDataModelVersion").Version; v != "2.4" {
		t.Errorf("RootDataModelVersion version %q", v)
	}
	if d := mustParam(t, m, "Device.DeviceInfo.ManufacturerOUI").Description; !strings.HasPrefix(d, "Organizationally unique identifier of the device manufacturer.") || strings.TrimSpace(d) != d {
		t.Errorf("ManufacturerOUI description %q", d)
	}
	// Profiles, as written.
	profiles := make(map[string]*Profile)
	for _, p := range m.Profiles {
		profiles[p.Name] = p
	}
	if p := profiles["Baseline:3"]; p == nil || p.Base != "Baseline:2" || !slices.Equal(p.Extends, []string{"_Baseline:3"}) || p.Status != Deleted || p.Version != "2.4" || len(p.Objects) != 0 {
		t.Errorf("Baseline:3 = %+v", p)
	}
	p := profiles["Baseline:4"]
	if p == nil || p.Status != Current || len(p.Objects) != 1 || p.Objects[0].Path != "Device.ManagementServer." || p.Objects[0].Requirement != "present" ||
		len(p.Objects[0].Parameters) != 11 || p.Objects[0].Parameters[6] != (ProfileParameter{Name: "ParameterKey", Requirement: ReadOnly}) {
		t.Errorf("Baseline:4 = %+v", p)
	}
}

func TestBuiltinForcedInform(t *testing.T) {
	tests := map[string][]string{
		"Device:2.17": {
			"Device.RootDataModelVersion",
			"Device.DeviceInfo.HardwareVersion",
			"Device.DeviceInfo.SoftwareVersion",
			"Device.DeviceInfo.ProvisioningCode",
			"Device.ManagementServer.ParameterKey",
			"Device.ManagementServer.ConnectionRequestURL",
			"Device.ManagementServer.AliasBasedAddressing",
		},
		"InternetGatewayDevice:1.14": {
			"InternetGatewayDevice.DeviceSummary", // deprecated
			"InternetGatewayDevice.DeviceInfo.HardwareVersion",
			"InternetGatewayDevice.DeviceInfo.SoftwareVersion",
			"InternetGatewayDevice.DeviceInfo.SpecVersion", // deprecated
			"InternetGatewayDevice.DeviceInfo.ProvisioningCode",
			"InternetGatewayDevice.ManagementServer.ParameterKey",
			"InternetGatewayDevice.ManagementServer.ConnectionRequestURL",
			"InternetGatewayDevice.ManagementServer.AliasBasedAddressing",
			"InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANIPConnection.{i}.ExternalIPAddress",
			"InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANPPPConnection.{i}.ExternalIPAddress",
		},
		"Device:1.14": {
			"Device.DeviceSummary", // deprecated
			"Device.DeviceInfo.HardwareVersion",
			"Device.DeviceInfo.SoftwareVersion",
			"Device.ManagementServer.ParameterKey",
			"Device.ManagementServer.ConnectionRequestURL",
			"Device.ManagementServer.AliasBasedAddressing",
			"Device.LAN.IPAddress",
		},
	}
	for name, want := range tests {
		m := builtinModel(t, name)
		var got []string
		for _, p := range m.ForcedInform() {
			got = append(got, p.Path)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s ForcedInform:\n got %q\nwant %q", name, got, want)
		}
		if p := m.Parameter(want[0]); p.Status == Deleted || !p.ForcedInform {
			t.Errorf("%s: %+v", want[0], p)
		}
	}
	igd := builtinModel(t, "InternetGatewayDevice:1.14")
	if p := igd.Parameter("InternetGatewayDevice.DeviceInfo.SpecVersion"); p.Status != Deprecated {
		t.Errorf("SpecVersion status %v", p.Status)
	}
	// Parameters carry a trailing space in their names in TR-098; the
	// loader trims names.
	if igd.Parameter("InternetGatewayDevice.UPnP.Device.UPnPQoSDevice") == nil {
		t.Error("TR-098 UPnPQoSDevice (named \"UPnPQoSDevice \" in the file) not found")
	}
}

func TestLookupDefinitionPath(t *testing.T) {
	m := builtinModel(t, "Device:2.17")
	tests := []struct{ path, want string }{
		// Definition paths give themselves.
		{"Device.", "Device."},
		{"Device.IP.Interface.{i}.", "Device.IP.Interface.{i}."},
		{"Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress", "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress"},
		// Instance numbers, aliases (which may hold dots) and wildcards.
		{"Device.IP.Interface.3.IPv4Address.1.IPAddress", "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress"},
		{"Device.IP.Interface.[wan].IPv4Address.[cpe-1].IPAddress", "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress"},
		{"Device.IP.Interface.[a.b].Enable", "Device.IP.Interface.{i}.Enable"},
		{"Device.IP.Interface.*.Enable", "Device.IP.Interface.{i}.Enable"},
		{"Device.IP.Interface.*.IPv4Address.*.", "Device.IP.Interface.{i}.IPv4Address.{i}."},
		{"Device.IP.Interface.12.IPv4Address.{i}.", "Device.IP.Interface.{i}.IPv4Address.{i}."},
		{"Device.IP.Interface.1.Stats.", "Device.IP.Interface.{i}.Stats."},
		{"Device.IP.Interface.1.Stats.BytesSent", "Device.IP.Interface.{i}.Stats.BytesSent"},
		{"Device.DeviceInfo.SoftwareVersion", "Device.DeviceInfo.SoftwareVersion"},
		{"Device.WiFi.MultiAP.APDevice.1.Radio.2.AP.3.AssociatedDevice.4.SteeringSummaryStats.", "Device.WiFi.MultiAP.APDevice.{i}.Radio.{i}.AP.{i}.AssociatedDevice.{i}.SteeringSummaryStats."},
		// Nothing the model defines.
		{"Device.IP.Interface.", ""},  // a table's own path
		{"Device.IP.Interface.3", ""}, // an instance without its "."
		{"Device.IP.Interface.Enable", ""},
		{"Device.IP.3.Enable", ""}, // an instance after a single object
		{"Device.IP.Interface.0.Enable", ""},
		{"Device.IP.Interface.01.Enable", ""},
		{"Device.IP.Interface.[].Enable", ""},
		{"Device.IP.Interface.[wan.Enable", ""},
		{"Device.IP.Interface.[wan]x.Enable", ""},
		{"Device.IP.Interface.1.Nope", ""},
		{"Device.Nope.", ""},
		{"Device..IP.", ""},
		{"Device.IP..", ""},
		{".Device.", ""},
		{"Device", ""},
		{"", ""},
		{"InternetGatewayDevice.DeviceInfo.", ""},
	}
	for _, tt := range tests {
		if got := m.DefinitionPath(tt.path); got != tt.want {
			t.Errorf("DefinitionPath(%q) = %q, want %q", tt.path, got, tt.want)
		}
		o, p := m.Object(tt.path), m.Parameter(tt.path)
		switch {
		case tt.want == "":
			if o != nil || p != nil {
				t.Errorf("%q: Object %v, Parameter %v; want nil", tt.path, o, p)
			}
		case strings.HasSuffix(tt.want, "."):
			if o == nil || o.Path != tt.want || p != nil {
				t.Errorf("%q: Object %v, Parameter %v", tt.path, o, p)
			}
		default:
			if p == nil || p.Path != tt.want || o != nil {
				t.Errorf("%q: Object %v, Parameter %v", tt.path, o, p)
			}
		}
	}
}

// Trees look definitions up on every RPC: no allocations.
func TestLookupAllocations(t *testing.T) {
	m := builtinModel(t, "Device:2.17")
	allocs := testing.AllocsPerRun(100, func() {
		m.Parameter("Device.IP.Interface.3.IPv4Address.[wan].IPAddress")
		m.Object("Device.IP.Interface.*.IPv4Address.2.")
		m.Parameter("Device.DeviceInfo.SoftwareVersion")
		m.Object("Device.Nope.1.")
	})
	if allocs != 0 {
		t.Errorf("lookups allocate %v times", allocs)
	}
}

// The synthetic files exercise what the embedded models do not: imports
// with renames, components, model, object and parameter refinement.
func TestLoadSynthetic(t *testing.T) {
	doc, err := LoadDocument(os.DirFS("testdata"), "main.xml")
	if err != nil {
		t.Fatal(err)
	}
	if doc.File != "main.xml" || doc.Spec != "urn:example-com:test-main" || len(doc.Models) != 1 {
		t.Fatalf("Document = %+v", doc)
	}
	m := doc.Model("Base:1.1")
	if m == nil {
		t.Fatal("no model Base:1.1")
	}
	// Data types: the renaming import hides the original name.
	for name, base := range map[string]string{"IPv4": "Text", "LoopAddress": "Address", "State": "", "Pair": "", "Gateway": "IPv4"} {
		if dt := doc.DataTypes[name]; dt == nil || dt.Name != name || dt.Base != base || dt.Syntax.DataType != name {
			t.Errorf("DataTypes[%s] = %+v, want base %q", name, dt, base)
		}
	}
	if doc.DataTypes["Address"] != nil || doc.DataTypes["Text"] != nil {
		t.Error("names main.xml did not import are visible")
	}
	// One pattern RE2 cannot express: recorded, and the load goes on.
	if len(doc.UnsupportedPatterns) != 1 || doc.UnsupportedPatterns[0] != `types.xml:60: dataType "Latin": pattern "\\p{IsBasicLatin}*"` ||
		!slices.Equal(m.UnsupportedPatterns, doc.UnsupportedPatterns) {
		t.Errorf("UnsupportedPatterns = %q, model's %q", doc.UnsupportedPatterns, m.UnsupportedPatterns)
	}

	var paths []string
	for _, o := range m.Objects {
		paths = append(paths, o.Path)
	}
	wantObjects := []string{"Base.", "Base.Box.", "Base.Box.Item.{i}.", "Base.Diagnostics.", "Base.Diagnostics.Stats.", "Base.Box.Item.{i}.Part.{i}."}
	if !slices.Equal(paths, wantObjects) {
		t.Errorf("objects %q, want %q", paths, wantObjects)
	}
	var names []string
	for _, p := range m.Object("Base.Box.Item.{i}.").Parameters {
		names = append(names, p.Name)
	}
	if want := []string{"Enable", "Alias", "Address", "Gateway", "Loop", "Coords", "Tags", "Mode", "PartNumberOfEntries"}; !slices.Equal(names, want) {
		t.Errorf("Item parameters %q, want %q", names, want)
	}

	// Model base=: inherited definitions, refined.
	box := m.Object("Base.Box.")
	if box.Description != "A box.\nNow with a size." || box.Version != "1.0" {
		t.Errorf("Base.Box. = %+v", box)
	}
	color := m.Parameter("Base.Box.Color")
	if color.Access != ReadWrite || color.Description != "The colour." ||
		!slices.Equal(color.Syntax.Enumerations, []string{"Red", "Green", "Blue"}) || *color.Syntax.Default != "Red" {
		t.Errorf("Base.Box.Color = %+v", color)
	}
	if lvl := m.Parameter("Base.Box.Level").Syntax; lvl.Base != UnsignedInt || lvl.DataType != "Percent" || !rangesEqual(lvl.Ranges, oneRange(0, 100)) || lvl.Units != "percent" {
		t.Errorf("Base.Box.Level syntax = %+v", lvl)
	}
	size := m.Parameter("Base.Box.Size")
	if s := size.Syntax; size.ActiveNotify != ForceDefaultEnabled || s.Base != Int || len(s.Ranges) != 1 || *s.Ranges[0].Min != -10 || *s.Ranges[0].Max != 10 || s.Ranges[0].Step != 2 || *s.Default != "0" {
		t.Errorf("Base.Box.Size = %+v", size)
	}
	if s := m.Parameter("Base.Box.Secret").Syntax; !s.Secured || s.Hidden || s.Default != nil {
		t.Errorf("Base.Box.Secret syntax = %+v (implementation defaults are not kept)", s)
	}
	// The base model itself is unchanged.
	base := baseModel(t)
	if c := base.Parameter("Base.Box.Color"); c.Access != ReadOnly || len(c.Syntax.Enumerations) != 2 || c.Syntax.Default != nil || c.Description != "The color." {
		t.Errorf("base model's Color changed: %+v", c)
	}
	if base.Object("Base.Box.").Description != "A box." || base.Parameter("Base.Box.Size") != nil || len(base.Objects) != 3 || len(base.Object("Base.Box.Item.{i}.").UniqueKeys) != 1 {
		t.Error("base model changed")
	}

	// Object base= on a table; components in it, one with a version clamp.
	item := m.Object("Base.Box.Item.{i}.")
	if item.MaxEntries != 8 || item.MinEntries != 0 || item.Access != ReadWrite || item.NumEntriesParameter != "ItemNumberOfEntries" || item.EnableParameter != "Enable" ||
		!slices.EqualFunc(item.UniqueKeys, [][]string{{"Alias"}, {"Address"}}, slices.Equal[[]string]) || !slices.Equal(item.FunctionalKeys, []bool{false, true}) {
		t.Errorf("Base.Box.Item.{i}. = %+v", item)
	}
	if p := m.Parameter("Base.Box.Item.{i}.Enable"); p.Access != ReadWrite || p.Syntax.Base != Boolean || *p.Syntax.Default != "false" {
		t.Errorf("Enable (from a component) = %+v", p)
	}
	if p := m.Parameter("Base.Box.Item.{i}.Alias"); p.Version != "1.2" || p.Syntax.DataType != "Text" || !rangesEqual(p.Syntax.Sizes, oneRange(-1, 64)) {
		t.Errorf("Alias (component with version=1.2) = %+v", p)
	}

	// dataType chains, across the renaming import.
	quad := `((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])`
	for path, want := range map[string]struct {
		dataType string
		patterns []string
	}{
		"Base.Box.Item.{i}.Address": {"Address", []string{"", quad}}, // entities expanded; named as in types.xml
		"Base.Box.Item.{i}.Gateway": {"Gateway", []string{"", quad}},
		"Base.Box.Item.{i}.Loop":    {"LoopAddress", []string{`127\..*`}}, // its own patterns replace its base's
	} {
		s := m.Parameter(path).Syntax
		if s.Base != String || s.DataType != want.dataType || !rangesEqual(s.Sizes, oneRange(-1, 15)) || !slices.Equal(s.Patterns, want.patterns) {
			t.Errorf("%s syntax = %+v, want %+v", path, s, want)
		}
	}
	if s := m.Parameter("Base.Box.Item.{i}.Coords").Syntax; s.Base != Int || s.List == nil || s.List.MinItems != 2 || s.List.MaxItems != 2 {
		t.Errorf("Coords syntax = %+v", s)
	}
	if s := m.Parameter("Base.Box.Item.{i}.Tags").Syntax; s.List == nil || s.List.MaxItems != 4 || !rangesEqual(s.List.Sizes, oneRange(-1, 64)) || !rangesEqual(s.Sizes, oneRange(-1, 16)) {
		t.Errorf("Tags syntax = %+v", s)
	}
	if er := m.Parameter("Base.Box.Item.{i}.Mode").Syntax.EnumerationRef; er == nil || er.TargetParam != "Base.SupportedModes" || er.NullValue == nil || *er.NullValue != "" {
		t.Errorf("Mode EnumerationRef = %+v", er)
	}

	// A component referenced in an object, with a nested one at path=.
	diag := m.Object("Base.Diagnostics.")
	if diag == nil || diag.Parent != m.Root || diag.Version != "1.1" {
		t.Fatalf("Base.Diagnostics. = %+v", diag)
	}
	if s := m.Parameter("Base.Diagnostics.DiagnosticsState").Syntax; !slices.Equal(s.Enumerations, []string{"None", "Requested", "Complete"}) || !slices.Equal(s.ReadOnlyEnumerations, []string{"None", "Complete"}) {
		t.Errorf("DiagnosticsState syntax = %+v (deleted values dropped)", s)
	}
	if pr := m.Parameter("Base.Diagnostics.Interface").Syntax.PathRef; pr == nil || !slices.Equal(pr.TargetParent, []string{"Base.Box.Item."}) {
		t.Errorf("Interface PathRef = %+v", pr)
	}
	// Its range's bound is beyond int64: left open, so no range at all.
	if p := m.Parameter("Base.Diagnostics.Stats.Bytes"); p == nil || p.ActiveNotify != CanDeny || p.Syntax.Base != UnsignedLong || p.Syntax.Ranges != nil {
		t.Errorf("Base.Diagnostics.Stats.Bytes = %+v", p)
	}

	// Profiles: inherited and new, kept as written.
	if len(m.Profiles) != 2 || m.Profiles[0].Name != "Box:1" {
		t.Fatalf("profiles %+v", m.Profiles)
	}
	p := m.Profiles[1]
	if p.Name != "Box:2" || p.Base != "Box:1" || !slices.Equal(p.Extends, []string{"Other:1"}) || p.Version != "1.1" ||
		len(p.Objects) != 1 || p.Objects[0].Path != "Base.Box." || p.Objects[0].Requirement != "present" ||
		len(p.Objects[0].Parameters) != 1 || p.Objects[0].Parameters[0] != (ProfileParameter{Name: "Size", Requirement: ReadWrite}) {
		t.Errorf("profile Box:2 = %+v", p)
	}

	if got := m.ForcedInform(); len(got) != 1 || got[0].Path != "Base.Version" {
		t.Errorf("ForcedInform() = %v", got)
	}
	if got := m.DefinitionPath("Base.Box.Item.[x].Part.7.Name"); got != "Base.Box.Item.{i}.Part.{i}.Name" {
		t.Errorf("DefinitionPath = %q", got)
	}
}

// A parameter refinement drops the default it deletes, and keeps the list,
// pathRef and units it does not restate when it restates the dataType or
// the base type (refine.xml).
func TestLoadRefinementSyntax(t *testing.T) {
	doc, err := LoadDocument(os.DirFS("testdata"), "refine.xml")
	if err != nil {
		t.Fatal(err)
	}
	base, m := doc.Model("R:1.0"), doc.Model("R:1.1")
	if base == nil || m == nil {
		t.Fatalf("models %v", doc.Models)
	}
	if s := m.Parameter("R.Mode").Syntax; s.Default != nil || !slices.Equal(s.Enumerations, []string{"A", "B", "C"}) {
		t.Errorf("R.Mode syntax = %+v, want no default", s)
	}
	if s := base.Parameter("R.Mode").Syntax; s.Default == nil || *s.Default != "A" {
		t.Errorf("base model's R.Mode syntax = %+v, want default A", s)
	}
	if s := m.Parameter("R.Names").Syntax; s.DataType != "Name" || s.List == nil || s.List.MaxItems != 4 || !rangesEqual(s.Sizes, oneRange(-1, 64)) {
		t.Errorf("R.Names syntax = %+v, want a list of at most 4 Names", s)
	}
	if s := m.Parameter("R.Peers").Syntax; s.DataType != "" || s.List == nil || s.List.MaxItems != 8 || !rangesEqual(s.Sizes, oneRange(-1, 32)) ||
		s.PathRef == nil || s.PathRef.RefType != "strong" || !slices.Equal(s.PathRef.TargetParent, []string{"R.Item."}) {
		t.Errorf("R.Peers syntax = %+v (pathRef %+v), want a list of at most 8 strong references to R.Item.", s, s.PathRef)
	}
	if s := m.Parameter("R.Speed").Syntax; s.Base != UnsignedInt || s.Units != "Mbps" || !rangesEqual(s.Ranges, oneRange(-1, 1000)) {
		t.Errorf("R.Speed syntax = %+v, want Mbps up to 1000", s)
	}
	if s := m.Parameter("R.Rate").Syntax; s.DataType != "Count" || s.Units != "Mbps" {
		t.Errorf("R.Rate syntax = %+v, want a Count in Mbps", s)
	}
	if s := base.Parameter("R.Rate").Syntax; s.Units != "Kbps" {
		t.Errorf("base model's R.Rate syntax = %+v, want Kbps", s)
	}
}

// baseModel loads types.xml's model through main.xml's import, as main.xml
// saw it.
func baseModel(t *testing.T) *Model {
	t.Helper()
	l := &loader{fsys: os.DirFS("testdata"), docs: make(map[string]*doc)}
	if _, err := l.load("main.xml"); err != nil {
		t.Fatal(err)
	}
	return l.docs["types.xml"].models["Base:1.0"]
}

// Imports find compressed files, as the embedded models are.
func TestLoadGzip(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, name := range []string{"main.xml", "types.xml"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		fsys["dir/"+name+".gz"] = &fstest.MapFile{Data: b.Bytes()}
	}
	doc, err := LoadDocument(fsys, "dir/main.xml")
	if err != nil {
		t.Fatal(err)
	}
	if m := doc.Model("Base:1.1"); m == nil || len(m.Objects) != 6 {
		t.Fatalf("models %v", doc.Models)
	}
	fsys["dir/bad.xml.gz"] = &fstest.MapFile{Data: []byte("<not gzip>")}
	if _, err := LoadDocument(fsys, "dir/bad.xml"); err == nil || err.Error() != "datamodel: gunzip dir/bad.xml.gz: gzip: invalid header" {
		t.Errorf("bad gzip: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"err-missing-import.xml", `datamodel: err-missing-import.xml:5: import "nowhere.xml": open nowhere.xml: `},
		{"err-base-object.xml", `datamodel: err-base-object.xml:8: object "Device.Foo.": base object not found`},
		{"err-malformed.xml", `datamodel: err-malformed.xml:7: malformed XML: element <object> closed by </model>`},
		{"err-cycle-a.xml", `datamodel: err-cycle-b.xml:5: import "err-cycle-a.xml": import cycle err-cycle-a.xml → err-cycle-b.xml → err-cycle-a.xml`},
		{"err-datatype-cycle.xml", `datamodel: err-datatype-cycle.xml:5: dataType "A": base cycle A → C → B → A`},
		{"err-component-cycle.xml", `datamodel: err-component-cycle.xml:9: component "Ping": component cycle Ping → Pong → Ping`},
		{"err-duplicate.xml", `datamodel: err-duplicate.xml:8: object "Device.Box.": defined twice`},
		{"nowhere.xml", `datamodel: open nowhere.xml: `},
	}
	for _, tt := range tests {
		_, err := LoadDocument(os.DirFS("testdata"), tt.file)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %s", tt.file, err, tt.want)
		}
	}
	_, err := LoadDocument(os.DirFS("testdata"), "err-missing-import.xml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing import: %v is not fs.ErrNotExist", err)
	}
}

// More error cases, small enough to write inline.
func TestLoadErrorsInline(t *testing.T) {
	const head = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="x">
`
	model := func(body string) string {
		return head + `<model name="T:1.0">
<object name="T." access="readOnly" minEntries="1" maxEntries="1" version="1.0">
` + body + `
</object>
</model>
</dm:document>`
	}
	tests := []struct{ name, xml, want string }{
		{"not a data model", `<?xml version="1.0"?><html/>`, `datamodel: t.xml:1: not a BBF data-model document (root element <html> in namespace "")`},
		{"empty", ``, `datamodel: t.xml:1: malformed XML: no root element`},
		{"unknown entity", head + `<dataType name="X"><string><pattern value="&nope;"/></string></dataType></dm:document>`,
			`datamodel: t.xml:3: malformed XML: invalid character entity &nope;`},
		{"DOCTYPE entity unknown", `<?xml version="1.0"?><!DOCTYPE x [ <!ENTITY a "&b;"> ]>` + head[len(`<?xml version="1.0"?>`):] + `</dm:document>`,
			`datamodel: t.xml:1: DOCTYPE: ENTITY a: undeclared entity &b;`},
		{"base parameter", model(`<parameter base="Nope" access="readWrite"/>`), `datamodel: t.xml:5: parameter "T.Nope": base parameter not found`},
		{"duplicate parameter", model(`<parameter name="A"><syntax><int/></syntax></parameter><parameter name="A"><syntax><int/></syntax></parameter>`),
			`datamodel: t.xml:5: parameter "T.A": defined twice`},
		{"unknown dataType", model(`<parameter name="A"><syntax><dataType ref="Nope"/></syntax></parameter>`), `datamodel: t.xml:5: parameter "T.A": dataType "Nope" not found`},
		{"no type", model(`<parameter name="A"><syntax/></parameter>`), `datamodel: t.xml:5: parameter "T.A": syntax without a type`},
		{"unknown access", model(`<parameter name="A" access="sometimes"><syntax><int/></syntax></parameter>`), `datamodel: t.xml:5: parameter "T.A": unknown access "sometimes"`},
		{"bad range", model(`<parameter name="A"><syntax><int><range minInclusive="one"/></int></syntax></parameter>`), `datamodel: t.xml:5: parameter "T.A": range minInclusive="one" is not a number`},
		{"bad maxEntries", model(`</object><object name="T.X.{i}." maxEntries="many" version="1.0">`), `datamodel: t.xml:5: object "T.X.{i}.": maxEntries="many" is not a count`},
		{"no parent", model(`</object><object name="T.X.Y." version="1.0">`), `datamodel: t.xml:3: model "T:1.0": model T:1.0: object "T.X.Y." has no parent object "T.X."`},
		{"bad object path", model(`</object><object name="T.X" version="1.0">`), `datamodel: t.xml:5: object "T.X": not an object path`},
		{"unknown component", model(`<component ref="Nope"/>`), `datamodel: t.xml:5: component "Nope": component not found`},
		{"parameter outside objects", head + `<model name="T:1.0"><parameter name="A"/></model></dm:document>`, `datamodel: t.xml:3: parameter "A": not inside an object`},
		{"base model", head + `<model name="T:1.1" base="T:1.0"/></dm:document>`, `datamodel: t.xml:3: model "T:1.1": base model "T:1.0" not found`},
		{"base dataType", head + `<dataType name="X" base="Y"/></dm:document>`, `datamodel: t.xml:3: dataType "X": base dataType "Y" not found`},
		{"duplicate dataType", head + `<dataType name="X"><int/></dataType><dataType name="X"><int/></dataType></dm:document>`, `datamodel: t.xml:3: dataType "X": defined twice (or both defined and imported)`},
		{"duplicate model", head + `<model name="T:1.0"><object name="T." version="1.0"/></model><model name="T:1.0"/></dm:document>`, `datamodel: t.xml:3: model "T:1.0": defined twice (or both defined and imported)`},
		{"import what is not there", head + `<import file="u.xml"><dataType name="Nope"/></import></dm:document>`, `datamodel: t.xml:3: import "u.xml": dataType "Nope": no dataType "Nope" in u.xml`},
	}
	for _, tt := range tests {
		fsys := fstest.MapFS{
			"t.xml": &fstest.MapFile{Data: []byte(tt.xml)},
			"u.xml": &fstest.MapFile{Data: []byte(head + `</dm:document>`)},
		}
		_, err := LoadDocument(fsys, "t.xml")
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s: error\n  %v\nwant\n  %s", tt.name, err, tt.want)
		}
	}
}

// An object or parameter name= of a definition inherited from a base model
// redefines it (BBF delta files do so); it keeps its place and children.
func TestLoadRedefinition(t *testing.T) {
	const head = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="x">
<model name="T:1.0">
<object name="T." access="readOnly" minEntries="1" maxEntries="1" version="1.0">
<parameter name="A" access="readOnly"><syntax><int/></syntax></parameter>
<parameter name="B" access="readOnly"><syntax><int/></syntax></parameter>
</object>
<object name="T.X." access="readOnly" version="1.0"/>
</model>
<model name="T:1.1" base="T:1.0">
<object name="T." access="readOnly" minEntries="1" maxEntries="1" version="1.1">
<parameter name="A" access="readWrite"><syntax><string/></syntax></parameter>
</object>
</model>
</dm:document>`
	doc, err := LoadDocument(fstest.MapFS{"t.xml": &fstest.MapFile{Data: []byte(head)}}, "t.xml")
	if err != nil {
		t.Fatal(err)
	}
	m := doc.Model("T:1.1")
	if root := m.Object("T."); root.Version != "1.1" || len(root.Parameters) != 2 || root.Parameters[0].Name != "A" || len(root.Children) != 1 {
		t.Errorf("T. = %+v", root)
	}
	if a := m.Parameter("T.A"); a.Access != ReadWrite || a.Syntax.Base != String {
		t.Errorf("T.A = %+v", a)
	}
	if a := doc.Model("T:1.0").Parameter("T.A"); a.Access != ReadOnly || a.Syntax.Base != Int {
		t.Errorf("T:1.0's T.A changed: %+v", a)
	}
}

// A virtual component stands for the component of the same name of the
// file whose model is being built (tr-106-types.xml's "Alias", which a CWMP
// file maps to "_AliasCWMP").
func TestLoadVirtualComponent(t *testing.T) {
	const head = `<?xml version="1.0"?>
<dm:document xmlns:dm="urn:broadband-forum-org:cwmp:datamodel-1-14" spec="x">
`
	fsys := fstest.MapFS{
		"lib.xml": &fstest.MapFile{Data: []byte(head + `
<component name="Alias" virtual="true"><parameter name="Alias" access="writeOnceReadOnly"><syntax><string/></syntax></parameter></component>
<component name="_AliasCWMP"><parameter name="Alias" access="readWrite"><syntax><string/></syntax></parameter></component>
<component name="Row"><component ref="Alias"/></component>
</dm:document>`)},
		"main.xml": &fstest.MapFile{Data: []byte(head + `
<import file="lib.xml"><component name="Alias" ref="_AliasCWMP"/><component name="Row"/></import>
<model name="T:1.0"><object name="T." version="1.0"><component ref="Row"/></object></model>
</dm:document>`)},
		"plain.xml": &fstest.MapFile{Data: []byte(head + `
<import file="lib.xml"><component name="Row"/></import>
<model name="T:1.0"><object name="T." version="1.0"><component ref="Row"/></object></model>
</dm:document>`)},
	}
	for file, want := range map[string]Access{"main.xml": ReadWrite, "plain.xml": WriteOnceReadOnly} {
		doc, err := LoadDocument(fsys, file)
		if err != nil {
			t.Fatal(err)
		}
		if p := doc.Model("T:1.0").Parameter("T.Alias"); p == nil || p.Access != want {
			t.Errorf("%s: T.Alias = %+v, want access %v", file, p, want)
		}
	}
}

func BenchmarkLoadDevice2(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := loadBuiltin("Device:2.17"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupParameter(b *testing.B) {
	m, err := Builtin("Device:2.17")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m.Parameter("Device.IP.Interface.3.IPv4Address.1.IPAddress")
	}
}

func builtinModel(t *testing.T, name string) *Model {
	t.Helper()
	m, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustParam(t *testing.T, m *Model, path string) *Parameter {
	t.Helper()
	p := m.Parameter(path)
	if p == nil {
		t.Fatalf("%s: no such parameter", path)
	}
	return p
}

// oneRange is a one-range slice; -1 leaves a bound open.
func oneRange(lo, hi int64) []Range {
	var r Range
	if lo >= 0 {
		r.Min = &lo
	}
	if hi >= 0 {
		r.Max = &hi
	}
	return []Range{r}
}

func rangesEqual(a, b []Range) bool {
	return slices.EqualFunc(a, b, func(x, y Range) bool {
		eq := func(p, q *int64) bool { return p == nil && q == nil || p != nil && q != nil && *p == *q }
		return eq(x.Min, y.Min) && eq(x.Max, y.Max) && x.Step == y.Step
	})
}
