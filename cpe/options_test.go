package cpe

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

func setVouchers(o *options, vouchers ...[]byte) error {
	_, err := o.handleSetVouchers(context.Background(), &cwmp.SetVouchers{VoucherList: vouchers})
	return err
}

func getOptions(t *testing.T, o *options, name string) ([]cwmp.OptionStruct, error) {
	t.Helper()
	resp, err := o.handleGetOptions(context.Background(), &cwmp.GetOptions{OptionName: name})
	if err != nil {
		return nil, err
	}
	return resp.(*cwmp.GetOptionsResponse).OptionList, nil
}

func optWantFault(t *testing.T, err error, code cwmp.FaultCode) {
	t.Helper()
	if f, ok := cwmp.AsFault(err); !ok || f.Code != code {
		t.Errorf("error %v, want fault %d", err, code)
	}
}

func TestOptionsVoucherRoundTrip(t *testing.T) {
	h := newFakeHost(t)
	o := newOptions(h)
	now := h.now()
	start := now.Add(-time.Hour)
	if err := setVouchers(o,
		BuildVoucher(7, "FastPath", 1, start, 24*time.Hour),
		BuildVoucher(3, "Guest<WiFi>", 2, time.Time{}, 0),
		BuildVoucher(1, "Later", 2, now.Add(time.Hour), 0),
		BuildVoucher(2, "Off", 0, time.Time{}, 0),
	); err != nil {
		t.Fatalf("SetVouchers: %v", err)
	}
	if h.changes == 0 {
		t.Error("SetVouchers did not mark the state changed")
	}
	list, err := getOptions(t, o, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []cwmp.OptionStruct{
		{OptionName: "FastPath", VoucherSN: 7, State: 3, Mode: 1, StartDate: start, ExpirationDate: start.Add(24 * time.Hour)},
		{OptionName: "Guest<WiFi>", VoucherSN: 3, State: 3, Mode: 2, StartDate: now},
		{OptionName: "Later", VoucherSN: 1, State: 2, Mode: 2, StartDate: now.Add(time.Hour)},
		{OptionName: "Off", VoucherSN: 2, State: 0, Mode: 0, StartDate: now},
	}
	if !slices.Equal(list, want) {
		t.Errorf("GetOptions(\"\") =\n%+v\nwant\n%+v", list, want)
	}
	one, err := getOptions(t, o, "FastPath")
	if err != nil || len(one) != 1 || one[0] != want[0] {
		t.Errorf("GetOptions(FastPath) = %+v, %v", one, err)
	}

	// Past its expiration the option is disabled (but still set up).
	h.advance(24 * time.Hour)
	one, _ = getOptions(t, o, "FastPath")
	if one[0].State != 2 {
		t.Errorf("State %d after expiry, want 2", one[0].State)
	}

	// A newer voucher replaces the option; a replayed older one is refused.
	if err := setVouchers(o, BuildVoucher(8, "FastPath", 2, time.Time{}, 0)); err != nil {
		t.Fatal(err)
	}
	optWantFault(t, setVouchers(o, BuildVoucher(6, "FastPath", 0, time.Time{}, 0)), cwmp.FaultInvalidArguments)
	one, _ = getOptions(t, o, "FastPath")
	if one[0].VoucherSN != 8 || one[0].State != 3 || !one[0].ExpirationDate.IsZero() {
		t.Errorf("after voucher 8: %+v", one[0])
	}

	// Save, restore, factory reset.
	data, err := o.saveState()
	if err != nil || data == nil {
		t.Fatalf("saveState: %s, %v", data, err)
	}
	o2 := newOptions(h)
	if err := o2.restoreState(data); err != nil {
		t.Fatal(err)
	}
	all1, _ := getOptions(t, o, "")
	all2, _ := getOptions(t, o2, "")
	if !slices.Equal(all1, all2) {
		t.Errorf("restored options differ:\n%+v\n%+v", all1, all2)
	}
	o2.factoryReset()
	if list, _ := getOptions(t, o2, ""); len(list) != 0 {
		t.Errorf("options after factory reset: %+v", list)
	}
	if data, _ := o2.saveState(); data != nil {
		t.Errorf("state after factory reset: %s", data)
	}
	for _, bad := range []string{`{"options":[{"name":""}]}`, `{"options":[{"name":"x","mode":5}]}`, `{`} {
		if err := newOptions(h).restoreState([]byte(bad)); err == nil {
			t.Errorf("restoreState(%s) succeeded", bad)
		}
	}
}

func TestOptionsFaults(t *testing.T) {
	h := newFakeHost(t)
	if err := h.tr.Set("Device.DeviceInfo.SerialNumber", "SN1"); err != nil {
		t.Fatal(err)
	}
	o := newOptions(h)
	good := BuildVoucher(1, "A", 2, time.Time{}, 0)
	for _, tc := range []struct {
		name    string
		voucher string
	}{
		{"not XML", "voucher"},
		{"signed or other root", "<Signature><VoucherSN>1</VoucherSN></Signature>"},
		{"no serial", "<Voucher><OptionIdent>A</OptionIdent><Mode>2</Mode></Voucher>"},
		{"bad serial", "<Voucher><VoucherSN>-1</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode></Voucher>"},
		{"no option", "<Voucher><VoucherSN>1</VoucherSN><Mode>2</Mode></Voucher>"},
		{"long option", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>" + strings.Repeat("o", 65) + "</OptionIdent><Mode>2</Mode></Voucher>"},
		{"bad mode", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>3</Mode></Voucher>"},
		{"mode 1 without duration", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>1</Mode></Voucher>"},
		{"duration without mode 1", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode><Duration>5</Duration></Voucher>"},
		{"zero duration", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>1</Mode><Duration>0</Duration></Voucher>"},
		{"bad date", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode><StartDate>yesterday</StartDate></Voucher>"},
		{"unknown element", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode><Price>9</Price></Voucher>"},
		{"repeated element", "<Voucher><VoucherSN>1</VoucherSN><VoucherSN>2</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode></Voucher>"},
		{"other device", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode><SerialNumber>SN2</SerialNumber></Voucher>"},
		{"bad transferable", "<Voucher><VoucherSN>1</VoucherSN><OptionIdent>A</OptionIdent><Mode>2</Mode><Transferable>2</Transferable></Voucher>"},
	} {
		// A bad voucher anywhere applies none of the list.
		err := setVouchers(o, good, []byte(tc.voucher))
		optWantFault(t, err, cwmp.FaultInvalidArguments)
		if err != nil && !strings.Contains(err.Error(), "voucher 2") {
			t.Errorf("%s: %v does not name the voucher", tc.name, err)
		}
	}
	if list, _ := getOptions(t, o, ""); len(list) != 0 {
		t.Errorf("options after rejected lists: %+v", list)
	}
	optWantFault(t, setVouchers(o), cwmp.FaultInvalidArguments)
	many := make([][]byte, maxVouchers+1)
	for i := range many {
		many[i] = good
	}
	optWantFault(t, setVouchers(o, many...), cwmp.FaultResourcesExceeded)

	ok := "<Voucher><VoucherSN>4</VoucherSN><OptionIdent>B</OptionIdent><Mode>2</Mode><SerialNumber>SN1</SerialNumber><Transferable>1</Transferable></Voucher>"
	if err := setVouchers(o, []byte(ok)); err != nil {
		t.Fatalf("voucher for this device: %v", err)
	}
	if list, _ := getOptions(t, o, "B"); len(list) != 1 || list[0].IsTransferable != 1 {
		t.Errorf("GetOptions(B) = %+v", list)
	}
	_, err := getOptions(t, o, "Unknown")
	optWantFault(t, err, cwmp.FaultInvalidArguments)
	_, err = getOptions(t, o, strings.Repeat("x", 65))
	optWantFault(t, err, cwmp.FaultInvalidArguments)

	mux := cwmp.NewServeMux(cwmp.RoleCPE)
	o.register(mux)
	if m := mux.Methods(); !slices.Contains(m, "SetVouchers") || !slices.Contains(m, "GetOptions") {
		t.Errorf("GetRPCMethods %v", m)
	}
}

func TestOptionsXSD(t *testing.T) {
	h := newFakeHost(t)
	o := newOptions(h)
	if err := setVouchers(o, BuildVoucher(1, "A", 1, h.now(), time.Hour), BuildVoucher(2, "B", 2, time.Time{}, 0)); err != nil {
		t.Fatal(err)
	}
	resp, err := o.handleGetOptions(context.Background(), &cwmp.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	duValidateXSD(t, resp)
	duValidateXSD(t, &cwmp.GetOptionsResponse{OptionList: []cwmp.OptionStruct{}})
}
