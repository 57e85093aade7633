package cwmp

import "time"

// Reboot restarts the CPE; after it the CPE informs with 1 BOOT and M Reboot
// carrying CommandKey.
type Reboot struct {
	cpeReq
	CommandKey string
}

// RebootResponse acknowledges Reboot.
type RebootResponse struct{ cpeResp }

// FactoryReset returns the CPE to its factory state; it then informs with
// 0 BOOTSTRAP.
type FactoryReset struct{ cpeReq }

// FactoryResetResponse acknowledges FactoryReset.
type FactoryResetResponse struct{ cpeResp }

// ScheduleInform asks for an Inform DelaySeconds from now, with 3 SCHEDULED
// and M ScheduleInform carrying CommandKey.
type ScheduleInform struct {
	cpeReq
	DelaySeconds uint32
	CommandKey   string
}

// ScheduleInformResponse acknowledges ScheduleInform.
type ScheduleInformResponse struct{ cpeResp }

// SetVouchers installs option vouchers (signed XML, base64 on the wire).
type SetVouchers struct {
	cpeReq
	VoucherList [][]byte `cwmp:"VoucherList,array=base64"`
}

// SetVouchersResponse acknowledges SetVouchers.
type SetVouchersResponse struct{ cpeResp }

// GetOptions reads the options enabled by vouchers; "" means all.
type GetOptions struct {
	cpeReq
	OptionName string
}

// OptionStruct describes one option.
type OptionStruct struct {
	OptionName     string
	VoucherSN      uint32
	State          uint32
	Mode           int32
	StartDate      time.Time
	ExpirationDate time.Time `cwmp:",omitempty"`
	IsTransferable int32
}

// GetOptionsResponse carries the options.
type GetOptionsResponse struct {
	cpeResp
	OptionList []OptionStruct `cwmp:"OptionList,array=OptionStruct"`
}

func init() {
	register(
		(*Reboot)(nil), (*RebootResponse)(nil),
		(*FactoryReset)(nil), (*FactoryResetResponse)(nil),
		(*ScheduleInform)(nil), (*ScheduleInformResponse)(nil),
		(*SetVouchers)(nil), (*SetVouchersResponse)(nil),
		(*GetOptions)(nil), (*GetOptionsResponse)(nil),
	)
}

func (*Reboot) MethodName() string                 { return "Reboot" }
func (*RebootResponse) MethodName() string         { return "RebootResponse" }
func (*FactoryReset) MethodName() string           { return "FactoryReset" }
func (*FactoryResetResponse) MethodName() string   { return "FactoryResetResponse" }
func (*ScheduleInform) MethodName() string         { return "ScheduleInform" }
func (*ScheduleInformResponse) MethodName() string { return "ScheduleInformResponse" }
func (*SetVouchers) MethodName() string            { return "SetVouchers" }
func (*SetVouchersResponse) MethodName() string    { return "SetVouchersResponse" }
func (*GetOptions) MethodName() string             { return "GetOptions" }
func (*GetOptionsResponse) MethodName() string     { return "GetOptionsResponse" }
