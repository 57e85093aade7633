package cwmptest

import (
	"context"
	"slices"
	"testing"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// call sends req to the fake CPE's handler, as a session would.
func call(t *testing.T, c *CPE, req cwmp.CPERequest) cwmp.Message {
	t.Helper()
	return cwmp.Serve(context.Background(), c.Handler, cwmp.RoleCPE, req)
}

func faultCode(m cwmp.Message) cwmp.FaultCode {
	if f, ok := m.(*cwmp.Fault); ok {
		return f.Code
	}
	return 0
}

func infoNames(list []cwmp.ParameterInfoStruct) []string {
	var out []string
	for _, p := range list {
		out = append(out, p.Name)
	}
	return out
}

func TestGetParameterNames(t *testing.T) {
	c := NewCPE("http://acs.invalid/", testID(1))
	for _, tc := range []struct {
		path      string
		nextLevel bool
		want      []string
		fault     cwmp.FaultCode
	}{
		{path: "", nextLevel: true, want: []string{"Device."}},
		{path: "Device.", nextLevel: true, want: []string{"Device.DeviceInfo.", "Device.IP.", "Device.ManagementServer.", "Device.RootDataModelVersion"}},
		{path: "Device.IP.", nextLevel: true, want: []string{"Device.IP.Interface."}},
		{path: "Device.IP.Interface.", nextLevel: true, want: []string{"Device.IP.Interface.1."}},
		{path: "Device.IP.", nextLevel: false, want: []string{"Device.IP.", "Device.IP.Interface.", "Device.IP.Interface.1.", "Device.IP.Interface.1.Enable", "Device.IP.Interface.1.Name", "Device.IP.Interface.1.Status"}},
		{path: "Device.DeviceInfo.SerialNumber", nextLevel: false, want: []string{"Device.DeviceInfo.SerialNumber"}},
		{path: "Device.DeviceInfo.SerialNumber", nextLevel: true, fault: cwmp.FaultInvalidArguments},
		{path: "Device.Nope.", nextLevel: false, fault: cwmp.FaultInvalidParameterName},
		{path: "Device.Nope", nextLevel: false, fault: cwmp.FaultInvalidParameterName},
	} {
		resp := call(t, c, &cwmp.GetParameterNames{ParameterPath: tc.path, NextLevel: tc.nextLevel})
		if tc.fault != 0 {
			if faultCode(resp) != tc.fault {
				t.Errorf("GPN %q %v: %#v, want fault %d", tc.path, tc.nextLevel, resp, tc.fault)
			}
			continue
		}
		gpn, ok := resp.(*cwmp.GetParameterNamesResponse)
		if !ok {
			t.Errorf("GPN %q %v: %v", tc.path, tc.nextLevel, resp)
			continue
		}
		if got := infoNames(gpn.ParameterList); !slices.Equal(got, tc.want) {
			t.Errorf("GPN %q %v:\n got %q\nwant %q", tc.path, tc.nextLevel, got, tc.want)
		}
	}

	// Writability: tables and instances can be added to and deleted, other
	// objects not; parameters as stored.
	resp := call(t, c, &cwmp.GetParameterNames{ParameterPath: "Device.", NextLevel: false}).(*cwmp.GetParameterNamesResponse)
	want := map[string]bool{
		"Device.":                           false,
		"Device.IP.Interface.":              true,
		"Device.IP.Interface.1.":            true,
		"Device.IP.Interface.1.Status":      false,
		"Device.IP.Interface.1.Enable":      true,
		"Device.DeviceInfo.SoftwareVersion": false,
	}
	for _, p := range resp.ParameterList {
		if w, ok := want[p.Name]; ok && w != p.Writable {
			t.Errorf("%s: Writable %v, want %v", p.Name, p.Writable, w)
		}
	}
}

func TestAddDeleteObject(t *testing.T) {
	c := NewCPE("http://acs.invalid/", testID(1))
	add, ok := call(t, c, &cwmp.AddObject{ObjectName: "Device.IP.Interface.", ParameterKey: "add"}).(*cwmp.AddObjectResponse)
	if !ok || add.InstanceNumber != 2 || add.Status != 0 {
		t.Fatalf("AddObject answered %#v, want instance 2", add)
	}
	if p, ok := c.Params.Get("Device.IP.Interface.2.Enable"); !ok || p.Value != "false" || p.Type != "boolean" || !p.Writable {
		t.Errorf("new instance's Enable: %+v %v, want the template's", p, ok)
	}
	if k := c.Params.Value("Device.ManagementServer.ParameterKey"); k != "add" {
		t.Errorf("ParameterKey %q after AddObject, want add", k)
	}

	if _, ok := call(t, c, &cwmp.DeleteObject{ObjectName: "Device.IP.Interface.1.", ParameterKey: "del"}).(*cwmp.DeleteObjectResponse); !ok {
		t.Fatal("DeleteObject of instance 1 failed")
	}
	if _, ok := c.Params.Get("Device.IP.Interface.1.Name"); ok {
		t.Error("Device.IP.Interface.1.Name still exists after DeleteObject")
	}
	gpn := call(t, c, &cwmp.GetParameterNames{ParameterPath: "Device.IP.Interface.", NextLevel: true}).(*cwmp.GetParameterNamesResponse)
	if got := infoNames(gpn.ParameterList); !slices.Equal(got, []string{"Device.IP.Interface.2."}) {
		t.Errorf("instances after delete: %q", got)
	}
	if k := c.Params.Value("Device.ManagementServer.ParameterKey"); k != "del" {
		t.Errorf("ParameterKey %q after DeleteObject, want del", k)
	}

	// Numbers are not reused; a deleted instance is gone; only tables grow.
	if add := call(t, c, &cwmp.AddObject{ObjectName: "Device.IP.Interface."}).(*cwmp.AddObjectResponse); add.InstanceNumber != 3 {
		t.Errorf("next instance %d, want 3", add.InstanceNumber)
	}
	for _, req := range []cwmp.CPERequest{
		&cwmp.DeleteObject{ObjectName: "Device.IP.Interface.1."},
		&cwmp.DeleteObject{ObjectName: "Device.IP.Interface."},
		&cwmp.DeleteObject{ObjectName: "Device.DeviceInfo."},
		&cwmp.AddObject{ObjectName: "Device.DeviceInfo."},
		&cwmp.AddObject{ObjectName: "Device.IP.Interface.2."},
	} {
		if code := faultCode(call(t, c, req)); code != cwmp.FaultInvalidParameterName {
			t.Errorf("%#v: fault %d, want 9005", req, code)
		}
	}
}

func TestGetParameterValuesPaths(t *testing.T) {
	c := NewCPE("http://acs.invalid/", testID(1))
	resp := call(t, c, &cwmp.GetParameterValues{ParameterNames: []string{"Device.IP.Interface.1.", "Device.DeviceInfo.SerialNumber"}})
	gpv, ok := resp.(*cwmp.GetParameterValuesResponse)
	if !ok {
		t.Fatalf("GPV answered %v", resp)
	}
	want := []cwmp.ParameterValueStruct{
		{Name: "Device.IP.Interface.1.Enable", Value: "false", Type: "boolean"},
		{Name: "Device.IP.Interface.1.Name", Value: "", Type: "string"},
		{Name: "Device.IP.Interface.1.Status", Value: "Down", Type: "string"},
		{Name: "Device.DeviceInfo.SerialNumber", Value: "SN0001", Type: "string"},
	}
	if !slices.Equal(gpv.ParameterList, want) {
		t.Errorf("GPV:\n got %v\nwant %v", gpv.ParameterList, want)
	}
	all := call(t, c, &cwmp.GetParameterValues{ParameterNames: []string{""}}).(*cwmp.GetParameterValuesResponse)
	if len(all.ParameterList) != len(c.Params.Names()) {
		t.Errorf(`GPV "" returned %d parameters, the store holds %d`, len(all.ParameterList), len(c.Params.Names()))
	}
	for _, name := range []string{"Device.Nope.", "Device.DeviceInfo.Nope", "Device.DeviceInfo"} {
		if code := faultCode(call(t, c, &cwmp.GetParameterValues{ParameterNames: []string{"Device.DeviceInfo.SerialNumber", name}})); code != cwmp.FaultInvalidParameterName {
			t.Errorf("GPV %q: fault %d, want 9005", name, code)
		}
	}
}

func TestSetParameterValuesChecks(t *testing.T) {
	c := NewCPE("http://acs.invalid/", testID(1))
	resp := call(t, c, &cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.IP.Interface.1.Enable", Value: "yes"},
		{Name: "Device.ManagementServer.PeriodicInformInterval", Value: "-5"},
		{Name: "Device.IP.Interface.1.Name", Value: "wan"},
	}})
	f, ok := resp.(*cwmp.Fault)
	if !ok || f.Code != cwmp.FaultInvalidArguments || len(f.SetParameterValuesFault) != 2 {
		t.Fatalf("SPV of bad values answered %v, want 9003 with two entries", resp)
	}
	for _, p := range f.SetParameterValuesFault {
		if p.FaultCode != cwmp.FaultInvalidParameterValue {
			t.Errorf("%s: %d, want 9007", p.ParameterName, p.FaultCode)
		}
	}
	if v := c.Params.Value("Device.IP.Interface.1.Name"); v != "" {
		t.Errorf("Name set to %q by a failed SPV", v)
	}
	dup := call(t, c, &cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.IP.Interface.1.Name", Value: "a"}, {Name: "Device.IP.Interface.1.Name", Value: "b"},
	}})
	if f, ok := dup.(*cwmp.Fault); !ok || f.Code != cwmp.FaultInvalidArguments || len(f.SetParameterValuesFault) != 0 {
		t.Errorf("SPV of a name twice answered %v, want a plain 9003", dup)
	}
	ok2 := call(t, c, &cwmp.SetParameterValues{ParameterList: []cwmp.ParameterValueStruct{
		{Name: "Device.IP.Interface.1.Enable", Value: "true"}, {Name: "Device.IP.Interface.1.Name", Value: "wan"},
	}, ParameterKey: "k"})
	if _, ok := ok2.(*cwmp.SetParameterValuesResponse); !ok || c.Params.Value("Device.IP.Interface.1.Name") != "wan" {
		t.Errorf("valid SPV answered %v", ok2)
	}
}

func TestParameterAttributes(t *testing.T) {
	c := NewCPE("http://acs.invalid/", testID(1))
	resp := call(t, c, &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
		{Name: "Device.IP.Interface.1.", NotificationChange: true, Notification: cwmp.NotificationActive},
		{Name: "Device.DeviceInfo.SoftwareVersion", AccessListChange: true, AccessList: []string{"Subscriber"}},
	}})
	if _, ok := resp.(*cwmp.SetParameterAttributesResponse); !ok {
		t.Fatalf("SPA answered %v", resp)
	}
	gpa := call(t, c, &cwmp.GetParameterAttributes{ParameterNames: []string{"Device.IP.Interface.1.", "Device.DeviceInfo.SoftwareVersion"}}).(*cwmp.GetParameterAttributesResponse)
	if len(gpa.ParameterList) != 4 {
		t.Fatalf("GPA returned %d entries, want 4", len(gpa.ParameterList))
	}
	for _, p := range gpa.ParameterList[:3] {
		if p.Notification != cwmp.NotificationActive {
			t.Errorf("%s: notification %d, want 2", p.Name, p.Notification)
		}
	}
	if p := gpa.ParameterList[3]; p.Notification != cwmp.NotificationOff || !slices.Equal(p.AccessList, []string{"Subscriber"}) {
		t.Errorf("SoftwareVersion attributes %+v", p)
	}

	// All or nothing: one unknown name, nothing changes.
	bad := call(t, c, &cwmp.SetParameterAttributes{ParameterList: []cwmp.SetParameterAttributesStruct{
		{Name: "Device.DeviceInfo.SerialNumber", NotificationChange: true, Notification: cwmp.NotificationPassive},
		{Name: "Device.Nope", NotificationChange: true, Notification: cwmp.NotificationPassive},
	}})
	if faultCode(bad) != cwmp.FaultInvalidParameterName {
		t.Errorf("SPA with an unknown name answered %v, want 9005", bad)
	}
	if p, _ := c.Params.Get("Device.DeviceInfo.SerialNumber"); p.Notification != cwmp.NotificationOff {
		t.Errorf("a failed SPA changed SerialNumber's notification to %d", p.Notification)
	}
}

func TestCPEMethods(t *testing.T) {
	c := NewCPE("http://acs.invalid/", testID(1))
	m, ok := call(t, c, &cwmp.GetRPCMethods{}).(*cwmp.GetRPCMethodsResponse)
	if !ok {
		t.Fatal("GetRPCMethods failed")
	}
	for _, name := range []string{"GetParameterValues", "Reboot", "Download", "GetRPCMethods"} {
		if !slices.Contains(m.MethodList, name) {
			t.Errorf("GetRPCMethods lacks %s: %v", name, m.MethodList)
		}
	}
	if slices.Contains(m.MethodList, "GetOptions") {
		t.Errorf("GetRPCMethods lists GetOptions, which the fake does not answer")
	}
	if d, ok := call(t, c, &cwmp.Download{CommandKey: "d"}).(*cwmp.DownloadResponse); !ok || d.Status != 1 {
		t.Errorf("Download answered %#v, want Status 1", d)
	}
}
