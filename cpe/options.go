package cpe

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Options enabled by vouchers: SetVouchers (TR-069 A.4.1.3) and GetOptions
// (A.4.1.4). Both are deprecated in later CWMP amendments but still
// defined, so the agent answers them.
//
// A real voucher is an XML document signed with XML-DSig by the option
// vendor. The simulated device accepts an unsigned simple form instead and
// verifies nothing but its content; cpe/SOFTWARE.md describes it:
//
//	<Voucher>
//	  <VoucherSN>42</VoucherSN>                      unsignedInt, required
//	  <OptionIdent>FastPath</OptionIdent>            1 to 64 bytes, required
//	  <Mode>1</Mode>                                 OptionStruct Mode: 0 disable, 1 enable with expiration, 2 enable without, required
//	  <StartDate>2026-01-01T00:00:00Z</StartDate>    optional, default: when SetVouchers arrives
//	  <Duration>86400</Duration>                     seconds, required with Mode 1 and only then
//	  <Transferable>0</Transferable>                 optional, 0 or 1
//	  <SerialNumber>SN123</SerialNumber>             optional; if given, must be the device's
//	</Voucher>

// Bounds on SetVouchers.
const (
	maxVouchers      = 32       // vouchers in one SetVouchers; more is 9004
	maxVoucherSize   = 16 << 10 // bytes of one voucher
	maxOptionNameLen = 64       // OptionStruct OptionName, cwmp-1-2.xsd
	maxOptions       = 256      // options the device keeps; more is 9004
	maxVoucherDur    = 100 * 365 * 24 * time.Hour
)

// Option modes (OptionStruct Mode, cwmp-1-2.xsd).
const (
	optionDisabled          = 0
	optionEnabledExpiring   = 1
	optionEnabledNoExpiring = 2
)

// options is the agent's option subsystem.
type options struct {
	h host

	mu   sync.Mutex
	opts map[string]option // by name
}

// option is one option as its latest voucher set it.
type option struct {
	Name         string    `json:"name"`
	VoucherSN    uint32    `json:"voucherSN"`
	Mode         int32     `json:"mode"`
	Start        time.Time `json:"start"`
	Expires      time.Time `json:"expires,omitzero"` // Mode 1 only
	Transferable bool      `json:"transferable,omitempty"`
}

func newOptions(h host) *options {
	return &options{h: h, opts: make(map[string]option)}
}

var _ subsystem = (*options)(nil)

func (o *options) register(mux *cwmp.ServeMux) {
	mux.HandleFunc("SetVouchers", o.handleSetVouchers)
	mux.HandleFunc("GetOptions", o.handleGetOptions)
}

// BuildVoucher returns a voucher in the simulated device's unsigned form
// (see cpe/SOFTWARE.md) for option name: mode 0 disables it, 1 enables it
// for duration from start, 2 enables it for good. A zero start leaves the
// StartDate out (the device then uses the time the voucher arrives).
func BuildVoucher(serial uint32, name string, mode int32, start time.Time, duration time.Duration) []byte {
	var b bytes.Buffer
	b.WriteString("<Voucher>")
	fmt.Fprintf(&b, "<VoucherSN>%d</VoucherSN>", serial)
	b.WriteString("<OptionIdent>")
	_ = xml.EscapeText(&b, []byte(name))
	b.WriteString("</OptionIdent>")
	fmt.Fprintf(&b, "<Mode>%d</Mode>", mode)
	if !start.IsZero() {
		fmt.Fprintf(&b, "<StartDate>%s</StartDate>", start.UTC().Format(time.RFC3339))
	}
	if mode == optionEnabledExpiring {
		fmt.Fprintf(&b, "<Duration>%d</Duration>", int64(duration/time.Second))
	}
	b.WriteString("</Voucher>")
	return b.Bytes()
}

// voucherXML catches every child element of a Voucher, so unknown and
// repeated ones are errors rather than silently ignored.
type voucherXML struct {
	XMLName xml.Name
	Fields  []struct {
		XMLName xml.Name
		Value   string `xml:",chardata"`
	} `xml:",any"`
}

// parseVoucher parses one voucher as of now; serial is the device's
// SerialNumber.
func parseVoucher(data []byte, now time.Time, serial string) (option, error) {
	var v voucherXML
	if len(data) > maxVoucherSize {
		return option{}, fmt.Errorf("longer than %d bytes", maxVoucherSize)
	}
	if err := xml.Unmarshal(data, &v); err != nil {
		return option{}, fmt.Errorf("not XML: %v", err)
	}
	if v.XMLName.Local != "Voucher" {
		return option{}, fmt.Errorf("root element is <%s>, want <Voucher> (signed vouchers are not supported)", v.XMLName.Local)
	}
	f := make(map[string]string)
	for _, e := range v.Fields {
		name := e.XMLName.Local
		if _, dup := f[name]; dup {
			return option{}, fmt.Errorf("<%s> given twice", name)
		}
		f[name] = strings.TrimSpace(e.Value)
	}
	var o option
	for name, val := range f {
		var err error
		switch name {
		case "VoucherSN":
			var n uint64
			n, err = strconv.ParseUint(val, 10, 32)
			o.VoucherSN = uint32(n)
		case "OptionIdent":
			o.Name = val
			if val == "" || len(val) > maxOptionNameLen {
				err = fmt.Errorf("must be 1 to %d bytes", maxOptionNameLen)
			}
		case "Mode":
			var n int64
			n, err = strconv.ParseInt(val, 10, 32)
			o.Mode = int32(n)
			if err == nil && (n < optionDisabled || n > optionEnabledNoExpiring) {
				err = fmt.Errorf("must be 0, 1 or 2")
			}
		case "StartDate":
			o.Start, err = time.Parse(time.RFC3339, val)
		case "Duration", "SerialNumber":
			// checked below, once Mode is known
		case "Transferable":
			switch val {
			case "0", "false":
			case "1", "true":
				o.Transferable = true
			default:
				err = fmt.Errorf("must be 0 or 1")
			}
		default:
			return option{}, fmt.Errorf("unknown element <%s>", name)
		}
		if err != nil {
			return option{}, fmt.Errorf("<%s>%s</%s>: %v", name, clip(val, 40), name, err)
		}
	}
	for _, req := range []string{"VoucherSN", "OptionIdent", "Mode"} {
		if _, ok := f[req]; !ok {
			return option{}, fmt.Errorf("no <%s>", req)
		}
	}
	if sn, ok := f["SerialNumber"]; ok && sn != serial {
		return option{}, fmt.Errorf("issued for device %q, not this one (%q)", clip(sn, 64), serial)
	}
	if o.Start.IsZero() {
		o.Start = now
	}
	o.Start = o.Start.UTC().Truncate(time.Second)
	d, hasDur := f["Duration"]
	switch {
	case o.Mode == optionEnabledExpiring && !hasDur:
		return option{}, fmt.Errorf("Mode 1 (enabled with expiration) needs a <Duration>")
	case o.Mode != optionEnabledExpiring && hasDur:
		return option{}, fmt.Errorf("<Duration> goes only with Mode 1 (enabled with expiration)")
	case hasDur:
		secs, err := strconv.ParseUint(d, 10, 64)
		if err != nil || secs == 0 || secs > uint64(maxVoucherDur/time.Second) {
			return option{}, fmt.Errorf("<Duration>%s</Duration>: must be 1 to %d seconds", clip(d, 40), uint64(maxVoucherDur/time.Second))
		}
		o.Expires = o.Start.Add(time.Duration(secs) * time.Second)
	}
	return o, nil
}

// handleSetVouchers answers SetVouchers. It applies all vouchers or, if
// any is invalid, none: 9003 naming the first bad one. A voucher replaces
// the option's earlier one unless its VoucherSN is lower than the
// applied one's (a replayed old voucher); the same VoucherSN applies again.
func (o *options) handleSetVouchers(ctx context.Context, req cwmp.Message) (cwmp.Message, error) {
	r, ok := req.(*cwmp.SetVouchers)
	if !ok {
		return nil, fmt.Errorf("cpe: SetVouchers handler got %T", req)
	}
	switch {
	case len(r.VoucherList) == 0:
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "VoucherList is empty")
	case len(r.VoucherList) > maxVouchers:
		return nil, cwmp.NewFault(cwmp.FaultResourcesExceeded, "%d vouchers; this CPE accepts at most %d in one request", len(r.VoucherList), maxVouchers)
	}
	now := o.h.now()
	serial := readParam(o.h.tree(), o.h.tree().Model().Root.Path+"DeviceInfo.SerialNumber")
	o.mu.Lock()
	defer o.mu.Unlock()
	next := maps.Clone(o.opts)
	for i, data := range r.VoucherList {
		v, err := parseVoucher(data, now, serial)
		if err != nil {
			return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "voucher %d: %v", i+1, err)
		}
		if old, ok := next[v.Name]; ok && v.VoucherSN < old.VoucherSN {
			return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "voucher %d: VoucherSN %d for option %q is older than the applied %d", i+1, v.VoucherSN, v.Name, old.VoucherSN)
		}
		next[v.Name] = v
	}
	if len(next) > maxOptions {
		return nil, cwmp.NewFault(cwmp.FaultResourcesExceeded, "the device keeps at most %d options", maxOptions)
	}
	o.opts = next
	o.h.changed()
	return &cwmp.SetVouchersResponse{}, nil
}

// state is OptionStruct State at now: bit 0 enabled, bit 1 set up. The
// simulated device needs no set-up step, so an option a voucher enabled is
// set up; it is enabled while now is within its dates. A voucher of Mode 0
// leaves the option disabled and not set up.
func (op option) state(now time.Time) uint32 {
	switch {
	case op.Mode == optionDisabled:
		return 0
	case now.Before(op.Start), op.Mode == optionEnabledExpiring && !now.Before(op.Expires):
		return 2
	}
	return 3
}

func (op option) wire(now time.Time) cwmp.OptionStruct {
	s := cwmp.OptionStruct{OptionName: op.Name, VoucherSN: op.VoucherSN, State: op.state(now), Mode: op.Mode,
		StartDate: op.Start, ExpirationDate: op.Expires}
	if op.Transferable {
		s.IsTransferable = 1
	}
	return s
}

// handleGetOptions answers GetOptions: every option, by name, for ""; else
// the one named. A name no voucher ever set is 9003: TR-069 has no more
// specific code, and an empty list would not tell a typo from an option
// never bought.
func (o *options) handleGetOptions(ctx context.Context, req cwmp.Message) (cwmp.Message, error) {
	r, ok := req.(*cwmp.GetOptions)
	if !ok {
		return nil, fmt.Errorf("cpe: GetOptions handler got %T", req)
	}
	if len(r.OptionName) > maxOptionNameLen {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "OptionName is longer than %d bytes", maxOptionNameLen)
	}
	now := o.h.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	resp := &cwmp.GetOptionsResponse{OptionList: []cwmp.OptionStruct{}}
	if r.OptionName != "" {
		op, ok := o.opts[r.OptionName]
		if !ok {
			return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "no option %q: no voucher has set it", r.OptionName)
		}
		resp.OptionList = append(resp.OptionList, op.wire(now))
		return resp, nil
	}
	for _, name := range slices.Sorted(maps.Keys(o.opts)) {
		resp.OptionList = append(resp.OptionList, o.opts[name].wire(now))
	}
	return resp, nil
}

// optionsState is what saveState saves.
type optionsState struct {
	Options []option `json:"options"`
}

// saveState saves the options, by name; nil when there are none.
func (o *options) saveState() (json.RawMessage, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.opts) == 0 {
		return nil, nil
	}
	st := optionsState{Options: make([]option, 0, len(o.opts))}
	for _, name := range slices.Sorted(maps.Keys(o.opts)) {
		st.Options = append(st.Options, o.opts[name])
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("save options: %w", err)
	}
	return b, nil
}

func (o *options) restoreState(data json.RawMessage) error {
	var st optionsState
	if len(data) > 0 {
		if err := json.Unmarshal(data, &st); err != nil {
			return fmt.Errorf("restore options: %w", err)
		}
	}
	opts := make(map[string]option, len(st.Options))
	for i, op := range st.Options {
		if op.Name == "" || op.Mode < optionDisabled || op.Mode > optionEnabledNoExpiring {
			return fmt.Errorf("restore options: option %d is malformed", i)
		}
		opts[op.Name] = op
	}
	o.mu.Lock()
	o.opts = opts
	o.mu.Unlock()
	return nil
}

// factoryReset forgets every option: vouchers are the device's
// configuration, which a factory reset erases.
func (o *options) factoryReset() {
	o.mu.Lock()
	o.opts = make(map[string]option)
	o.mu.Unlock()
}
