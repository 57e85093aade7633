package datamodel

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Trees of the real models: TR-181 Issue 2 (Device:2.17) and TR-098
// (InternetGatewayDevice:1.14).

func builtin(t testing.TB, name string) *Model {
	t.Helper()
	m, err := Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTreeDevice2GetParameterNamesNextLevel(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	got, err := tr.GetParameterNames("Device.", true)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, p := range got {
		have[p.Name] = p.Writable
		rest := strings.TrimSuffix(strings.TrimPrefix(p.Name, "Device."), ".")
		if rest == "" || strings.Contains(rest, ".") {
			t.Errorf("%q is not one level below Device.", p.Name)
		}
	}
	for _, want := range []string{"Device.RootDataModelVersion", "Device.InterfaceStackNumberOfEntries", "Device.DeviceInfo.", "Device.ManagementServer.", "Device.IP.", "Device.InterfaceStack."} {
		if _, ok := have[want]; !ok {
			t.Errorf("GPN Device. true lacks %s", want)
		}
	}
	if have["Device.DeviceInfo."] || have["Device.InterfaceStack."] {
		t.Errorf("a single object or a readOnly table is writable")
	}
	if _, ok := have["Device.DeviceInfo.Manufacturer"]; ok {
		t.Errorf("GPN Device. true lists a grandchild")
	}

	got, err = tr.GetParameterNames("Device.IP.", true)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names(got), "Device.IP.Interface. w") {
		t.Errorf("Device.IP.Interface. is not listed as writable: %q", names(got))
	}
}

func TestTreeDevice2Instances(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	for want := uint32(1); want <= 2; want++ {
		i, status, err := tr.AddObject("Device.IP.Interface.", "add")
		if err != nil || i != want || status != 0 {
			t.Fatalf("AddObject = %d, %d, %v; want %d", i, status, err, want)
		}
	}
	if got := get(t, tr, "Device.IP.InterfaceNumberOfEntries"); got != "2" {
		t.Errorf("InterfaceNumberOfEntries = %s, want 2", got)
	}
	if _, err := tr.DeleteObject("Device.IP.Interface.2.", "del"); err != nil {
		t.Fatal(err)
	}
	if got := get(t, tr, "Device.IP.InterfaceNumberOfEntries"); got != "1" {
		t.Errorf("after DeleteObject InterfaceNumberOfEntries = %s, want 1", got)
	}
	if i, _, err := tr.AddObject("Device.IP.Interface.", "add2"); err != nil || i != 3 {
		t.Errorf("AddObject after delete = %d, %v; want 3", i, err)
	}
	for name, want := range map[string]string{
		"Device.IP.Interface.3.Alias":                      "cpe-3",
		"Device.IP.Interface.1.Alias":                      "cpe-1",
		"Device.ManagementServer.ParameterKey":             "add2",
		"Device.IP.Interface.3.IPv4AddressNumberOfEntries": "0",
		"Device.IP.InterfaceNumberOfEntries":               "2",
	} {
		if got := get(t, tr, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, err := tr.GetParameterNames("Device.IP.Interface.2.", false); err == nil {
		t.Error("deleted instance still named")
	}
	// A readOnly table: the ACS may not add, the device may.
	_, _, err := tr.AddObject("Device.InterfaceStack.", "")
	wantFault(t, err, cwmp.FaultInvalidParameterName)
	if i, err := tr.AddInstance("Device.Hosts.Host."); err != nil || i != 1 {
		t.Errorf("AddInstance Hosts.Host = %d, %v", i, err)
	}
	if got := get(t, tr, "Device.Hosts.HostNumberOfEntries"); got != "1" {
		t.Errorf("HostNumberOfEntries = %s", got)
	}
}

func TestTreeDevice2SetParameterValues(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	_, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "0", Type: "unsignedInt"},
		{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "true", Type: "boolean"},
		{Name: "Device.DeviceInfo.Manufacturer", Value: "X", Type: "string"},
	}, "k")
	f := wantFault(t, err, cwmp.FaultInvalidArguments)
	got := map[string]cwmp.FaultCode{}
	for _, p := range f.SetParameterValuesFault {
		got[p.ParameterName] = p.FaultCode
	}
	want := map[string]cwmp.FaultCode{"Device.ManagementServer.PeriodicInformInterval": cwmp.FaultInvalidParameterValue, "Device.DeviceInfo.Manufacturer": cwmp.FaultNotWritable}
	if !slices.Equal(sortedKeys(got), sortedKeys(want)) || got["Device.ManagementServer.PeriodicInformInterval"] != want["Device.ManagementServer.PeriodicInformInterval"] || got["Device.DeviceInfo.Manufacturer"] != want["Device.DeviceInfo.Manufacturer"] {
		t.Errorf("faults %v, want %v", got, want)
	}
	if v := get(t, tr, "Device.ManagementServer.PeriodicInformEnable"); v != "false" {
		t.Errorf("a failed SPV applied PeriodicInformEnable = %s", v)
	}
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "60", Type: "unsignedInt"}}, "k2"); err != nil {
		t.Fatal(err)
	}
	if v := get(t, tr, "Device.ManagementServer.PeriodicInformInterval"); v != "60" {
		t.Errorf("PeriodicInformInterval = %s", v)
	}
	// ConnectionRequestPassword is hidden.
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.ConnectionRequestPassword", Value: "pw"}}, ""); err != nil {
		t.Fatal(err)
	}
	if v := get(t, tr, "Device.ManagementServer.ConnectionRequestPassword"); v != "" {
		t.Errorf("hidden password reads %q", v)
	}
}

func TestTreeDevice2AliasAddressing(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	mustSet(t, tr, "Device.ManagementServer.AliasBasedAddressing", "true")
	if i, _, err := tr.AddObject("Device.IP.Interface.[wan].", ""); err != nil || i != 1 {
		t.Fatalf("AddObject by alias = %d, %v", i, err)
	}
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.IP.Interface.[wan].Enable", Value: "true"}}, ""); err != nil {
		t.Fatal(err)
	}
	if v := get(t, tr, "Device.IP.Interface.1.Enable"); v != "true" {
		t.Errorf("Enable = %s", v)
	}
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.ManagementServer.InstanceMode", Value: "InstanceAlias"}}, ""); err != nil {
		t.Fatal(err)
	}
	mustSet(t, tr, "Device.ManagementServer.InstanceWildcardsSupported", "true")
	pv, err := tr.GetParameterValues([]string{"Device.IP.Interface.*.Enable"})
	if err != nil || len(pv) != 1 || pv[0].Name != "Device.IP.Interface.[wan].Enable" {
		t.Errorf("GPV in InstanceAlias mode = %v, %v", pv, err)
	}
}

// Device:2.17's Alias is writeOnceReadOnly: naming it in AddObject is the
// ACS's one write, so SetParameterValues cannot change it afterwards and
// GetParameterNames says it is not writable.
func TestTreeDevice2AddObjectAliasIsWritten(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	mustSet(t, tr, "Device.ManagementServer.AliasBasedAddressing", "true")
	if i, _, err := tr.AddObject("Device.IP.Interface.[wan].", ""); err != nil || i != 1 {
		t.Fatalf("AddObject by alias = %d, %v", i, err)
	}
	mustAdd(t, tr, "Device.IP.Interface.") // Alias cpe-2, not written by the ACS
	writable := map[string]bool{}
	ps, err := tr.GetParameterNames("Device.IP.Interface.", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		writable[p.Name] = p.Writable
	}
	if w, ok := writable["Device.IP.Interface.1.Alias"]; !ok || w {
		t.Errorf("GPN: Device.IP.Interface.1.Alias writable %v (listed %v), want false", w, ok)
	}
	if !writable["Device.IP.Interface.2.Alias"] {
		t.Error("GPN: Device.IP.Interface.2.Alias not writable")
	}
	_, err = tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.IP.Interface.[wan].Alias", Value: "wan2"}}, "")
	if f := wantFault(t, err, cwmp.FaultInvalidArguments); len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].FaultCode != cwmp.FaultNotWritable {
		t.Errorf("SPV of the Alias AddObject set: %v, want 9008", f.SetParameterValuesFault)
	}
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "Device.IP.Interface.2.Alias", Value: "lan"}}, ""); err != nil {
		t.Errorf("SPV of an Alias the CPE chose: %v", err)
	}
}

// Device:2.17 has ManagementServer.InstanceWildcardsSupported: wildcards
// are refused (9005) until the device says it supports them.
func TestTreeDevice2InstanceWildcards(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	mustAdd(t, tr, "Device.IP.Interface.")
	const name = "Device.IP.Interface.*.Enable"
	rpcs := func() []error {
		_, gpv := tr.GetParameterValues([]string{name})
		_, gpn := tr.GetParameterNames(name, false)
		_, gpa := tr.GetParameterAttributes([]string{name})
		spa := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: name, NotificationChange: true, Notification: cwmp.NotificationPassive}})
		return []error{gpv, gpn, gpa, spa}
	}
	for i, err := range rpcs() {
		if f, ok := cwmp.AsFault(err); !ok || f.Code != cwmp.FaultInvalidParameterName {
			t.Errorf("RPC %d without wildcard support: %v, want 9005", i, err)
		}
	}
	mustSet(t, tr, "Device.ManagementServer.InstanceWildcardsSupported", "true")
	for i, err := range rpcs() {
		if err != nil {
			t.Errorf("RPC %d with wildcard support: %v", i, err)
		}
	}
	if got := get(t, tr, "Device.IP.Interface.1.Enable"); got != "false" {
		t.Errorf("Enable = %q", got)
	}
}

func TestTreeIGDInstances(t *testing.T) {
	tr := NewTree(builtin(t, "InternetGatewayDevice:1.14"))
	_, _, err := tr.AddObject("InternetGatewayDevice.WANDevice.", "")
	wantFault(t, err, cwmp.FaultInvalidParameterName) // readOnly: only the device creates WAN devices
	if _, err := tr.AddInstance("InternetGatewayDevice.WANDevice."); err != nil {
		t.Fatal(err)
	}
	if i, _, err := tr.AddObject("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.", ""); err != nil || i != 1 {
		t.Fatalf("AddObject WANConnectionDevice = %d, %v", i, err)
	}
	for range 2 {
		if _, _, err := tr.AddObject("InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnection.", "k"); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"InternetGatewayDevice.WANDeviceNumberOfEntries":                                         "1",
		"InternetGatewayDevice.WANDevice.1.WANConnectionNumberOfEntries":                         "1",
		"InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANIPConnectionNumberOfEntries": "2",
		"InternetGatewayDevice.ManagementServer.ParameterKey":                                    "k",
	} {
		if got := get(t, tr, name); got != want {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	_, err = tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: "InternetGatewayDevice.ManagementServer.PeriodicInformInterval", Value: "0"}}, "")
	if f := wantFault(t, err, cwmp.FaultInvalidArguments); len(f.SetParameterValuesFault) != 1 || f.SetParameterValuesFault[0].FaultCode != cwmp.FaultInvalidParameterValue {
		t.Errorf("fault %v, want one 9007", f)
	}
	if _, err := tr.GetParameterNames("Device.", true); err == nil {
		t.Error("Device. is a path of an IGD tree")
	}
	if ns, err := tr.GetParameterNames("", true); err != nil || len(ns) != 1 || ns[0].Name != "InternetGatewayDevice." {
		t.Errorf("GPN \"\" true = %v, %v", ns, err)
	}
}

func TestTreeBuiltinWholeTree(t *testing.T) {
	for _, name := range []string{"Device:2.17", "InternetGatewayDevice:1.14"} {
		t.Run(name, func(t *testing.T) {
			m := builtin(t, name)
			tr := NewTree(m)
			ns, err := tr.GetParameterNames("", false)
			if err != nil {
				t.Fatal(err)
			}
			pv, err := tr.GetParameterValues([]string{""})
			if err != nil {
				t.Fatal(err)
			}
			params := 0
			for _, n := range ns {
				if !strings.HasSuffix(n.Name, ".") {
					params++
				}
			}
			if params != len(pv) || params == 0 {
				t.Errorf("GPN lists %d parameters, GPV %d", params, len(pv))
			}
			// Every forced-inform parameter can be read, as the Inform does.
			var forced []string
			for _, p := range m.ForcedInform() {
				if !strings.Contains(p.Path, "{i}") {
					forced = append(forced, p.Path)
				}
			}
			if _, err := tr.GetParameterValues(forced); err != nil {
				t.Errorf("forced inform parameters: %v", err)
			}
			if _, err := tr.GetParameterAttributes([]string{""}); err != nil {
				t.Error(err)
			}
			var buf bytes.Buffer
			if err := tr.Save(&buf); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadTree(m, &buf); err != nil {
				t.Fatal(err)
			}
			t.Logf("fresh tree: %d names, %d values", len(ns), len(pv))
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// heapAlloc returns the live heap after a collection, signed so that
// differences may be negative: the collector may free more between two
// readings than the code measured allocated.
func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var s runtime.MemStats
	runtime.ReadMemStats(&s)
	return int64(s.HeapAlloc)
}

// TestTreeMemoryPerDevice measures what each further device of one model
// costs: 1,000 fresh trees of Device:2.17, then the same with the values a
// simulator gives each device (identity and a few settings). The aim is at
// most 10 KiB a device until values diverge; the assertion allows for the
// collector's noise but not for a tree that copies the model.
func TestTreeMemoryPerDevice(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 1,000 trees")
	}
	before := heapAlloc()
	m, err := loadBuiltin("Device:2.17") // uncached: what the first device pays for
	if err != nil {
		t.Fatal(err)
	}
	modelBytes := heapAlloc() - before

	const n = 1000
	trees := make([]*Tree, n)
	before = heapAlloc()
	for i := range trees {
		trees[i] = NewTree(m)
	}
	fresh := float64(heapAlloc()-before) / n

	before = heapAlloc()
	for i, tr := range trees {
		serial := "SN" + strings.Repeat("0", 8) + string(rune('a'+i%26))
		mustSet(t, tr, "Device.DeviceInfo.SerialNumber", serial)
		mustSet(t, tr, "Device.DeviceInfo.SoftwareVersion", "1.2.3")
		mustSet(t, tr, "Device.ManagementServer.URL", "http://acs.example:7547/")
		mustSet(t, tr, "Device.ManagementServer.PeriodicInformEnable", "true")
		mustSet(t, tr, "Device.ManagementServer.ConnectionRequestURL", "http://127.0.0.1:30005/")
		if _, err := tr.AddInstance("Device.IP.Interface."); err != nil {
			t.Fatal(err)
		}
	}
	configured := float64(heapAlloc()-before)/n + fresh
	runtime.KeepAlive(trees)
	runtime.KeepAlive(m)

	t.Logf("model Device:2.17: %d KiB; fresh tree: %.0f B; tree with 5 values and 1 instance: %.0f B", modelBytes/1024, fresh, configured)
	if fresh > 10*1024 || configured > 10*1024 {
		t.Errorf("a tree costs %.0f B fresh, %.0f B configured; want at most 10 KiB", fresh, configured)
	}
}

func BenchmarkNewTreeDevice2(b *testing.B) {
	m := builtin(b, "Device:2.17")
	b.ReportAllocs()
	for b.Loop() {
		treeSink = NewTree(m)
	}
}

// treeSink keeps BenchmarkNewTreeDevice2's trees on the heap, as a
// simulator's are.
var treeSink *Tree

// BenchmarkAddObjectDevice2 adds an IP interface (with its defaults, its
// Alias and its nested tables) to a fresh tree.
func BenchmarkAddObjectDevice2(b *testing.B) {
	m := builtin(b, "Device:2.17")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := NewTree(m).AddObject("Device.IP.Interface.", "k"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGPVAllDevice2(b *testing.B) {
	tr := NewTree(builtin(b, "Device:2.17"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.GetParameterValues([]string{"Device."}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGPNAllDevice2(b *testing.B) {
	tr := NewTree(builtin(b, "Device:2.17"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.GetParameterNames("", false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSPVDevice2(b *testing.B) {
	tr := NewTree(builtin(b, "Device:2.17"))
	list := []cwmp.ParameterValueStruct{
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "600", Type: "unsignedInt"},
		{Name: "Device.ManagementServer.PeriodicInformEnable", Value: "true", Type: "boolean"},
		{Name: "Device.DeviceInfo.ProvisioningCode", Value: "ABC", Type: "string"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.SetParameterValues(list, "k"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkInformValuesDevice2(b *testing.B) {
	m := builtin(b, "Device:2.17")
	tr := NewTree(m)
	var forced []string
	for _, p := range m.ForcedInform() {
		if !strings.Contains(p.Path, "{i}") {
			forced = append(forced, p.Path)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tr.GetParameterValues(forced); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTreeDevice2References checks strong references of the real model:
// a route's Interface must name an IP interface, and loses it when the
// interface is deleted.
func TestTreeDevice2References(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	mustAdd(t, tr, "Device.IP.Interface.")
	mustAdd(t, tr, "Device.Routing.Router.")
	mustAdd(t, tr, "Device.Routing.Router.1.IPv4Forwarding.")
	mustAdd(t, tr, "Device.Ethernet.Link.")
	const route = "Device.Routing.Router.1.IPv4Forwarding.1.Interface"
	for value, want := range map[string]cwmp.FaultCode{
		"Device.IP.Interface.2":  cwmp.FaultInvalidParameterValue, // no such interface
		"Device.Ethernet.Link.1": cwmp.FaultInvalidParameterValue, // not an IP interface
		"Device.IP.Interface.1.": 0,
		"Device.IP.Interface.1":  0,
	} {
		_, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: route, Value: value}}, "")
		if want == 0 {
			wantFault(t, err, 0)
			continue
		}
		if f := wantFault(t, err, cwmp.FaultInvalidArguments); f.SetParameterValuesFault[0].FaultCode != want {
			t.Errorf("%s = %s: %v", route, value, f)
		}
	}
	if _, err := tr.DeleteObject("Device.IP.Interface.1.", ""); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := tr.Get(route); v != "" {
		t.Errorf("%s = %q after its interface was deleted", route, v)
	}
}

// When the device deletes an interface, the LowerLayers that named it lose
// it, and that is a change the device made: notified (TR-106 A.2.3.4).
func TestTreeDevice2DeleteInstanceNotifiesLowerLayers(t *testing.T) {
	tr := NewTree(builtin(t, "Device:2.17"))
	e, err := tr.AddInstance("Device.Ethernet.Interface.")
	if err != nil {
		t.Fatal(err)
	}
	ip := mustAdd(t, tr, "Device.IP.Interface.")
	ll := fmt.Sprintf("Device.IP.Interface.%d.LowerLayers", ip)
	eth := fmt.Sprintf("Device.Ethernet.Interface.%d", e)
	if _, err := tr.SetParameterValues([]cwmp.ParameterValueStruct{{Name: ll, Value: eth}}, ""); err != nil {
		t.Fatal(err)
	}
	if err := tr.SetParameterAttributes([]cwmp.SetParameterAttributesStruct{{Name: ll, NotificationChange: true, Notification: cwmp.NotificationActive}}); err != nil {
		t.Fatal(err)
	}
	var calls []string
	tr.OnActiveChange(func(path string, _ cwmp.Notification) { calls = append(calls, path) })
	if err := tr.DeleteInstance(eth + "."); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := tr.Get(ll); v != "" {
		t.Errorf("%s = %q after its lower layer was deleted", ll, v)
	}
	if c := tr.Changes(); !slices.Equal(c.Active, []string{ll}) {
		t.Errorf("Changes() = %+v, want %s active", c, ll)
	}
	if !slices.Equal(calls, []string{ll}) {
		t.Errorf("active-change calls %q, want %s", calls, ll)
	}
}
