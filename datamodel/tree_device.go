package datamodel

import (
	"slices"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Device-side access: what the device's own subsystems (or the simulator)
// do to the tree. Unlike the ACS they may write read-only parameters and
// create instances of read-only tables, and their changes are what
// notification reports.

// Get returns the value of the parameter at path and its type on the wire
// (String for list-valued parameters). Unlike GetParameterValues it
// returns hidden and secured values as they are. Fault 9005 if path does
// not name an existing parameter.
func (t *Tree) Get(path string) (value string, typ BaseType, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, f := t.resolveParam(path)
	if f != nil {
		return "", 0, f
	}
	return t.read(n), wireType(&n.prm.Syntax), nil
}

// Set sets the parameter at path as the device: whatever its access, but
// validated (9007, or 9005 for an unknown path; 9008 for a number-of-entries
// parameter, which counts instances and cannot be set). If the value
// changes and the parameter's Notification is not off, the change is
// recorded for Changes, and for active and active lightweight notification
// the OnActiveChange callback is called, after the tree is unlocked.
func (t *Tree) Set(path, value string) error {
	t.mu.Lock()
	n, f := t.resolveParam(path)
	if f != nil {
		t.mu.Unlock()
		return f
	}
	if numEntriesTable(n.prm) != nil {
		t.mu.Unlock()
		return cwmp.NewFault(cwmp.FaultNotWritable, "%q counts the instances of a table and cannot be set", path)
	}
	v, err := n.prm.Syntax.Validate(value)
	if err != nil {
		t.mu.Unlock()
		return asFault(err, cwmp.FaultInvalidParameterValue)
	}
	if v == t.read(n) {
		t.mu.Unlock()
		return nil
	}
	t.store(n, v)
	t.changedLocked(n)
	return nil
}

// changedLocked records a change the device made to parameter n, unlocks
// the tree, and calls the active-change callback if n's notification is
// active.
func (t *Tree) changedLocked(ns ...tnode) {
	type call struct {
		path string
		n    cwmp.Notification
	}
	var calls []call
	cb := t.onActive
	for _, n := range ns {
		a := t.attrsOf(n)
		if a.notification == cwmp.NotificationOff {
			continue
		}
		t.seq++
		if t.changed == nil {
			t.changed = make(map[string]uint64)
		}
		t.changed[n.path] = t.seq
		if cb != nil && isActive(a.notification) {
			calls = append(calls, call{t.outPath(n.path, t.aliasNames()), a.notification})
		}
	}
	t.mu.Unlock()
	for _, c := range calls {
		cb(c.path, c.n)
	}
}

// Instances returns the instance numbers of the table at path
// ("Device.Hosts.Host."), ascending. Fault 9005 if path does not name an
// existing table.
func (t *Tree) Instances(table string) ([]uint32, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, f := t.resolveTable(table)
	if f != nil {
		return nil, f
	}
	return slices.Clone(t.instances(n.path, n.obj)), nil
}

// AddInstance creates an instance of the table at path as the device (a
// host appearing on the LAN): whatever the table's access, within
// MaxEntries (9004). It returns the new instance's number, chosen as
// AddObject does. A change of the table's number-of-entries parameter is
// recorded as Set records changes.
func (t *Tree) AddInstance(table string) (uint32, error) {
	t.mu.Lock()
	n, f := t.resolveTable(table)
	if f != nil {
		t.mu.Unlock()
		return 0, f
	}
	i, f := t.addInstance(n, "")
	if f != nil {
		t.mu.Unlock()
		return 0, f
	}
	t.changedLocked(t.numEntriesNodes(n.path, n.obj)...)
	return i, nil
}

// DeleteInstance removes the instance at path ("Device.Hosts.Host.4.") as
// the device, whatever the table's access but keeping MinEntries (9001),
// with everything below it. A change of the table's number-of-entries
// parameter, and of each strong reference to the instance the deletion
// clears (TR-106 A.2.3.4), is recorded as Set records changes.
func (t *Tree) DeleteInstance(instance string) error {
	t.mu.Lock()
	n, f := t.resolveInstance(instance)
	if f != nil {
		t.mu.Unlock()
		return f
	}
	refs, f := t.deleteInstance(n)
	if f != nil {
		t.mu.Unlock()
		return f
	}
	tbl, _ := splitInstance(n.path)
	t.changedLocked(append(t.numEntriesNodes(tbl, n.obj), refs...)...)
	return nil
}

// numEntriesNodes returns the number-of-entries parameter of the table at
// path, if it has one.
func (t *Tree) numEntriesNodes(path string, def *Object) []tnode {
	if def.NumEntriesParameter == "" {
		return nil
	}
	p := t.m.params[def.Parent.Path+def.NumEntriesParameter]
	if p == nil || p.Status == Deleted {
		return nil
	}
	obj := path[:len(path)-len(segName(def))-1]
	return []tnode{{kind: kindParam, path: obj + p.Name, obj: def.Parent, prm: p}}
}

// Changes lists the parameters the device changed (Set, AddInstance and
// DeleteInstance for number-of-entries parameters, DeleteInstance for the
// references it clears) since they were last
// cleared, by their current Notification, each once and sorted. The CPE
// reads the values when it builds the Inform, so the latest value is sent
// (TR-069 3.2.1). Parameters whose notification the ACS has since turned
// off, and those of deleted instances, are left out. A parameter with
// Notification 4 or 6 is in two lists.
type Changes struct {
	Passive            []string // Notification 1, 4, 6: in the next Inform, with "4 VALUE CHANGE"
	Active             []string // 2: in an Inform, with "4 VALUE CHANGE", in a session started at once
	PassiveLightweight []string // 3, 4: in the next lightweight notification (TR-069 Annex K)
	ActiveLightweight  []string // 5, 6: in a lightweight notification sent at once
	seq                uint64   // the latest change the lists include
}

// Empty reports whether c lists no change.
func (c Changes) Empty() bool {
	return len(c.Passive)+len(c.Active)+len(c.PassiveLightweight)+len(c.ActiveLightweight) == 0
}

// Changes returns the changes recorded and not yet cleared.
func (t *Tree) Changes() Changes {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := Changes{seq: t.seq}
	aliasNames := t.aliasNames()
	for path := range t.changed {
		n, f := t.resolveParam(path)
		if f != nil {
			continue
		}
		out := t.outPath(path, aliasNames)
		switch t.attrsOf(n).notification {
		case cwmp.NotificationPassive:
			c.Passive = append(c.Passive, out)
		case cwmp.NotificationActive:
			c.Active = append(c.Active, out)
		case cwmp.NotificationPassiveLightweight:
			c.PassiveLightweight = append(c.PassiveLightweight, out)
		case cwmp.NotificationPassiveAndPassiveLightweight:
			c.Passive = append(c.Passive, out)
			c.PassiveLightweight = append(c.PassiveLightweight, out)
		case cwmp.NotificationActiveLightweight:
			c.ActiveLightweight = append(c.ActiveLightweight, out)
		case cwmp.NotificationPassiveAndActiveLightweight:
			c.Passive = append(c.Passive, out)
			c.ActiveLightweight = append(c.ActiveLightweight, out)
		}
	}
	slices.Sort(c.Passive)
	slices.Sort(c.Active)
	slices.Sort(c.PassiveLightweight)
	slices.Sort(c.ActiveLightweight)
	return c
}

// ClearChanges forgets the changes c lists, once they were delivered (the
// Inform carrying them was answered). A parameter changed again after
// Changes returned c stays recorded, so no change is lost between reading
// and clearing.
func (t *Tree) ClearChanges(c Changes) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for path, seq := range t.changed {
		if seq <= c.seq {
			delete(t.changed, path)
		}
	}
}

// OnActiveChange sets the function called with the path and notification
// of each change the device makes to a parameter with active (2) or
// active lightweight (5, 6) notification: the agent starts a session or
// sends a lightweight notification. It is called without the tree locked,
// on the goroutine that made the change, so it may use the tree but
// should not block. nil removes it.
func (t *Tree) OnActiveChange(fn func(path string, n cwmp.Notification)) {
	t.mu.Lock()
	t.onActive = fn
	t.mu.Unlock()
}
