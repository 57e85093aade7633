package cpe

import (
	"context"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// The CPE methods the agent answers itself: the parameter methods of
// TR-069 A.3.2.1-A.3.2.7, answered by the tree with their exact semantics
// and faults (datamodel.Tree), Reboot (A.3.2.9), FactoryReset (A.4.1.6)
// and ScheduleInform (A.4.1.2). GetRPCMethods is the mux's, so its list is
// always the methods registered. Transfers and software modules register
// theirs (transfer*.go, du*.go).

// register adds the agent's own methods to a session's mux.
func (a *Agent) register(mux *cwmp.ServeMux) {
	handle := func(method string, f func(cwmp.Message) (cwmp.Message, error)) {
		mux.HandleFunc(method, func(_ context.Context, req cwmp.Message) (cwmp.Message, error) { return f(req) })
	}
	handle("GetParameterValues", func(req cwmp.Message) (cwmp.Message, error) {
		list, err := a.tree().GetParameterValues(req.(*cwmp.GetParameterValues).ParameterNames)
		if err != nil {
			return nil, err
		}
		return &cwmp.GetParameterValuesResponse{ParameterList: list}, nil
	})
	handle("SetParameterValues", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.SetParameterValues)
		status, err := a.tree().SetParameterValues(r.ParameterList, r.ParameterKey)
		if err != nil {
			return nil, err
		}
		a.changed()
		return &cwmp.SetParameterValuesResponse{Status: status}, nil
	})
	handle("GetParameterNames", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.GetParameterNames)
		list, err := a.tree().GetParameterNames(r.ParameterPath, r.NextLevel)
		if err != nil {
			return nil, err
		}
		return &cwmp.GetParameterNamesResponse{ParameterList: list}, nil
	})
	handle("GetParameterAttributes", func(req cwmp.Message) (cwmp.Message, error) {
		list, err := a.tree().GetParameterAttributes(req.(*cwmp.GetParameterAttributes).ParameterNames)
		if err != nil {
			return nil, err
		}
		return &cwmp.GetParameterAttributesResponse{ParameterList: list}, nil
	})
	handle("SetParameterAttributes", func(req cwmp.Message) (cwmp.Message, error) {
		if err := a.tree().SetParameterAttributes(req.(*cwmp.SetParameterAttributes).ParameterList); err != nil {
			return nil, err
		}
		a.changed()
		return &cwmp.SetParameterAttributesResponse{}, nil
	})
	handle("AddObject", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.AddObject)
		n, status, err := a.tree().AddObject(r.ObjectName, r.ParameterKey)
		if err != nil {
			return nil, err
		}
		a.changed()
		return &cwmp.AddObjectResponse{InstanceNumber: n, Status: status}, nil
	})
	handle("DeleteObject", func(req cwmp.Message) (cwmp.Message, error) {
		r := req.(*cwmp.DeleteObject)
		status, err := a.tree().DeleteObject(r.ObjectName, r.ParameterKey)
		if err != nil {
			return nil, err
		}
		a.changed()
		return &cwmp.DeleteObjectResponse{Status: status}, nil
	})
	// Reboot: the CPE finishes the session, then reboots; the boot Inform
	// carries 1 BOOT and M Reboot with the CommandKey (A.3.2.9). The
	// reboot is recorded as pending and saved before it is acknowledged,
	// so that if the agent stops before the session ends (when the reboot
	// happens and is saved), its next start is that reboot (New). The
	// cost is one more write of the state file per Reboot.
	handle("Reboot", func(req cwmp.Message) (cwmp.Message, error) {
		key := req.(*cwmp.Reboot).CommandKey
		a.mu.Lock()
		a.reboots = append(a.reboots, key)
		a.dirty = true
		a.mu.Unlock()
		if err := a.Save(); err != nil {
			a.logger.Error("save state", "err", err)
		}
		a.afterSession(func() { a.reboot(&key) })
		return &cwmp.RebootResponse{}, nil
	})
	// FactoryReset: after the session (A.4.1.6); see Agent.factoryReset.
	handle("FactoryReset", func(cwmp.Message) (cwmp.Message, error) {
		a.afterSession(a.factoryReset)
		return &cwmp.FactoryResetResponse{}, nil
	})
	handle("ScheduleInform", func(req cwmp.Message) (cwmp.Message, error) {
		return a.scheduleInform(req.(*cwmp.ScheduleInform))
	})
}

// scheduleInform answers ScheduleInform (TR-069 A.4.1.2): a one-time
// Inform DelaySeconds from now, with 3 SCHEDULED and M ScheduleInform
// carrying the CommandKey. Each call schedules its own Inform; they do not
// replace one another. DelaySeconds must be at least 1 (cwmp-1-2.xsd
// unsignedInt[1:]), else 9003.
func (a *Agent) scheduleInform(r *cwmp.ScheduleInform) (cwmp.Message, error) {
	if r.DelaySeconds == 0 {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "DelaySeconds must be at least 1")
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.sched.informs) >= maxScheduledInforms {
		return nil, cwmp.NewFault(cwmp.FaultResourcesExceeded, "%d scheduled informs are pending already", len(a.sched.informs))
	}
	at := a.now().Add(time.Duration(r.DelaySeconds) * time.Second)
	a.sched.informs = append(a.sched.informs, scheduledInform{at: at, key: r.CommandKey})
	a.dirty = true
	return &cwmp.ScheduleInformResponse{}, nil
}
