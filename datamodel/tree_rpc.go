package datamodel

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// The CPE methods of TR-069 Annex A.3.2, as a CPE answers them from its
// tree. Each takes the request's arguments and returns the response's, or
// a *cwmp.Fault.

// GetParameterNames answers GetParameterNames (TR-069 A.3.2.3).
//
// With nextLevel false it lists the object or parameter path names and
// everything below it: for "Device.IP." that is "Device.IP." itself, its
// parameters, its child objects and tables, each table's instances and so
// on down. With nextLevel true it lists only what is one level below: an
// object's parameters and child objects, a table's instances. An empty path
// is the root object: with nextLevel true the answer is the root object
// alone, as A.3.2.3 requires. Objects end in "."; see writable for what
// Writable means for each kind.
//
// Instance wildcards are allowed where the device supports them (TR-181
// ManagementServer.InstanceWildcardsSupported: "GPV, GPN and GPA"; see
// Tree). Faults: 9005 for a path that names nothing or uses an
// unsupported wildcard, 9003 for nextLevel true with a parameter name
// (A.3.2.3: "If ParameterPath is a Parameter name, NextLevel MUST be
// false").
func (t *Tree) GetParameterNames(path string, nextLevel bool) ([]cwmp.ParameterInfoStruct, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	nodes, f := t.resolve(path, true)
	if f != nil {
		return nil, f
	}
	if nextLevel && path != "" && !strings.HasSuffix(path, ".") {
		return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "%q is a parameter: NextLevel must be false", path)
	}
	aliasNames := t.aliasNames()
	var out []cwmp.ParameterInfoStruct
	emit := func(n tnode) {
		out = append(out, cwmp.ParameterInfoStruct{Name: t.outPath(n.path, aliasNames), Writable: t.writable(n)})
	}
	for _, n := range nodes {
		switch {
		case !nextLevel:
			t.walk(n, emit)
		case path == "":
			emit(n)
		default:
			t.children(n, emit)
		}
	}
	return out, nil
}

// GetParameterValues answers GetParameterValues (TR-069 A.3.2.2): the
// value of each parameter named, and of every parameter below each partial
// path, in the order asked (a name asked twice is answered twice). Instance
// wildcards are allowed where the device supports them. A name that names
// nothing fails the whole request with 9005.
//
// Type is the value's base type, "string" for list-valued parameters.
// Hidden, secured and command parameters read as the null value of their
// type (cwmp-datamodel-1-14 syntax attributes: "secured" is "hidden" unless
// the protocol lets the controller read it, and CWMP has no such
// permission, so both are hidden from the ACS). Number-of-entries
// parameters count the instances.
func (t *Tree) GetParameterValues(names []string) ([]cwmp.ParameterValueStruct, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	aliasNames := t.aliasNames()
	out := make([]cwmp.ParameterValueStruct, 0, len(names))
	for _, name := range names {
		nodes, f := t.resolve(name, true)
		if f != nil {
			return nil, f
		}
		for _, n := range nodes {
			t.walkParams(n, func(c tnode) {
				s := &c.prm.Syntax
				v := nullValue(s)
				if !s.Hidden && !s.Secured && !s.Command {
					v = t.read(c)
				}
				out = append(out, cwmp.ParameterValueStruct{Name: t.outPath(c.path, aliasNames), Value: v, Type: wireType(s).String()})
			})
		}
	}
	return out, nil
}

// SetParameterValues answers SetParameterValues (TR-069 A.3.2.1): all of
// the values are applied, or none. Each parameter that cannot be set gets
// its own entry in the SetParameterValuesFault list of a 9003 fault:
//
//   - 9005: the name names nothing, names an object, or uses an instance
//     wildcard (wildcards are for GPV, GPN and GPA only; alias references
//     are resolved, and AutoCreateInstances is not implemented: a
//     reference to a missing alias is 9005, as A.3.2.1 says for a CPE not
//     auto-creating);
//   - 9008: readOnly, a number-of-entries parameter, or writeOnceReadOnly
//     already set once by the ACS;
//   - 9006: the xsi:type does not match the parameter's type;
//   - 9007: the value is not valid for the parameter; or is a value only
//     the CPE may set (a readOnly enumeration); or is a strong reference
//     to something that does not exist or is not of the targetType and
//     targetParent required; or is not among the values its
//     enumerationRef allows; or is an Alias another instance of the table
//     has (a unique key); or, with alias-based addressing on, is an Alias
//     not starting with a letter (TR-181 Alias data type) or holding "["
//     or "]".
//
// The same parameter named twice (also once by number and once by alias)
// is a 9003 fault with no list: A.3.2.1 forbids it.
//
// On success each value is stored in canonical form, ManagementServer.
// ParameterKey becomes parameterKey, and the status is 0: every change is
// applied at once. Values the ACS sets are never recorded as changes for
// notification (TR-069 3.2.1, A.3.2.4: only changes by something other than
// the ACS are notified).
func (t *Tree) SetParameterValues(list []cwmp.ParameterValueStruct, parameterKey string) (status int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	type set struct {
		n     tnode
		name  string
		value string
	}
	sets := make([]set, 0, len(list))
	var faults []cwmp.ParameterFault
	seen := make(map[string]bool, len(list))
	fail := func(name string, f *cwmp.Fault) {
		faults = append(faults, cwmp.ParameterFault{ParameterName: name, FaultCode: f.Code, FaultString: f.String})
	}
	for _, pv := range list {
		n, f := t.resolveParam(pv.Name)
		key := pv.Name
		if f == nil {
			key = n.path
		}
		if seen[key] {
			return 0, cwmp.NewFault(cwmp.FaultInvalidArguments, "%q is set more than once", pv.Name)
		}
		seen[key] = true
		if f != nil {
			fail(pv.Name, f)
			continue
		}
		if !t.writable(n) || numEntriesTable(n.prm) != nil {
			why := "read-only"
			if n.prm.Access == WriteOnceReadOnly {
				why = "write-once and already written"
			}
			fail(pv.Name, cwmp.NewFault(cwmp.FaultNotWritable, "%q is %s", pv.Name, why))
			continue
		}
		// 9006 for a type that does not fit, 9007 for a value that does not
		// (including values only the CPE may set, such as "Complete").
		v, err := n.prm.Syntax.ValidateWrite(pv.Type, pv.Value)
		if err != nil {
			fail(pv.Name, asFault(err, cwmp.FaultInvalidParameterValue))
			continue
		}
		if f := t.checkRefs(n, v); f != nil {
			fail(pv.Name, f)
			continue
		}
		sets = append(sets, set{n, pv.Name, v})
	}
	// Aliases are unique keys: check them against the table as it will be
	// once every value of the request is set.
	newAlias := make(map[string]string) // instance path → new Alias
	for _, s := range sets {
		if isAlias(s.n.prm) {
			newAlias[s.n.path[:len(s.n.path)-len(s.n.prm.Name)]] = s.value
		}
	}
	if len(newAlias) > 0 {
		aliasMode := t.aliasAddressing()
		for _, s := range sets {
			if !isAlias(s.n.prm) {
				continue
			}
			inst := s.n.path[:len(s.n.path)-len(s.n.prm.Name)]
			if aliasMode && !aliasValueOK(s.value) {
				fail(s.name, cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%q: an Alias must start with a letter and hold no \"[\" or \"]\"", s.name))
				continue
			}
			tbl, _ := splitInstance(inst)
			for _, i := range t.instances(tbl, s.n.obj) {
				other := tbl + strconv.FormatUint(uint64(i), 10) + "."
				if other == inst {
					continue
				}
				a, ok := newAlias[other]
				if !ok {
					a = t.aliasOf(other, s.n.obj, s.n.prm)
				}
				if a == s.value {
					fail(s.name, cwmp.NewFault(cwmp.FaultInvalidParameterValue, "%q: alias %q is already used by %s", s.name, s.value, other))
					break
				}
			}
		}
	}
	if len(faults) > 0 {
		return 0, &cwmp.Fault{Code: cwmp.FaultInvalidArguments, String: cwmp.FaultInvalidArguments.String(), SetParameterValuesFault: faults}
	}
	for _, s := range sets {
		t.store(s.n, s.value)
		if s.n.prm.Access == WriteOnceReadOnly {
			if t.written == nil {
				t.written = make(map[string]struct{})
			}
			t.written[s.n.path] = struct{}{}
		}
	}
	t.setParameterKey(parameterKey)
	return 0, nil
}

// asFault returns err as a fault, with code def if it is not one.
func asFault(err error, def cwmp.FaultCode) *cwmp.Fault {
	if f, ok := cwmp.AsFault(err); ok {
		return f
	}
	return cwmp.NewFault(def, "%s", err.Error())
}

// aliasValueOK reports whether v may be an Alias while alias-based
// addressing is on: not empty and starting with a letter (TR-181 Alias),
// and without "[" or "]", which would end or nest the "[alias]" of a path
// naming the instance.
func aliasValueOK(v string) bool {
	for _, r := range v {
		return unicode.IsLetter(r) && !strings.ContainsAny(v, "[]")
	}
	return false
}

// aliasOf returns the Alias of the instance at path of table def, whose
// Alias parameter is ap.
func (t *Tree) aliasOf(instance string, def *Object, ap *Parameter) string {
	return t.read(tnode{kind: kindParam, path: instance + ap.Name, obj: def, prm: ap})
}

// setParameterKey sets ManagementServer.ParameterKey after a successful
// SetParameterValues, AddObject or DeleteObject (TR-181 ParameterKey). It
// is stored as the ACS sent it: the ACS, not the CPE, is answerable for its
// length.
func (t *Tree) setParameterKey(key string) {
	path := t.m.Root.Path + "ManagementServer.ParameterKey"
	p := t.m.params[path]
	if p == nil || p.Status == Deleted {
		return
	}
	n := tnode{kind: kindParam, path: path, obj: p.Object, prm: p}
	if key == defaultValue(n) {
		delete(t.values, path)
		return
	}
	if t.values == nil {
		t.values = make(map[string]string)
	}
	t.values[path] = key
}

// AddObject answers AddObject (TR-069 A.3.2.6): it creates an instance of
// the table objectName ("Device.IP.Interface.") and returns its number and
// status 0. The number is one more than the last the table ever had:
// numbers are never reused, also after the instance is deleted and across
// Save and Load. The new instance's parameters have their defaults (an
// Alias "cpe-" and the number, or another unique "cpe-" value if the ACS
// took that one), and its tables MinEntries instances each.
//
// With alias-based addressing on, objectName may end in an alias
// ("Device.IP.Interface.[wan].", TR-069 3.6.1 and A.3.2.6): the instance
// is created with that Alias, which counts as the ACS's one write of a
// writeOnceReadOnly Alias. The alias must start with a letter and hold no
// "[" or "]".
//
// Faults: 9005 when objectName is not an existing table path ending in
// "." (an instance, a single object, a wildcard, a parameter, an unknown
// name), when the table is not readWrite (TR-069 Table 72 ties 9008 to
// SetParameterValues only, so a table the ACS may not add to is an invalid
// name for AddObject, which the GPN Writable flag already told the ACS),
// and when the alias is in use, not valid, or alias-based addressing is
// off; 9004 when the table holds MaxEntries instances or has used every
// instance number.
func (t *Tree) AddObject(objectName, parameterKey string) (instance uint32, status int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tablePath, alias := objectName, ""
	if strings.HasSuffix(objectName, "].") {
		i := strings.LastIndex(objectName, ".[")
		if i < 0 {
			return 0, 0, nameFault(objectName, "not a table path")
		}
		tablePath, alias = objectName[:i+1], objectName[i+2:len(objectName)-2]
	}
	n, f := t.resolveTable(tablePath)
	if f != nil {
		return 0, 0, f
	}
	if n.obj.Access != ReadWrite {
		return 0, 0, nameFault(objectName, "the ACS may not add instances to this table")
	}
	if tablePath != objectName {
		if f := t.checkNewAlias(objectName, n, alias); f != nil {
			return 0, 0, f
		}
	}
	i, f := t.addInstance(n, alias)
	if f != nil {
		return 0, 0, f
	}
	if ap := aliasParam(n.obj); alias != "" && ap.Access == WriteOnceReadOnly {
		// The ACS chose the Alias: that was its one write.
		if t.written == nil {
			t.written = make(map[string]struct{})
		}
		t.written[n.path+strconv.FormatUint(uint64(i), 10)+"."+ap.Name] = struct{}{}
	}
	t.setParameterKey(parameterKey)
	return i, 0, nil
}

// resolveTable resolves path, which must name one table, without
// wildcards.
func (t *Tree) resolveTable(path string) (tnode, *cwmp.Fault) {
	if !strings.HasSuffix(path, ".") {
		return tnode{}, nameFault(path, "a table path ends in \".\"")
	}
	nodes, f := t.resolve(path, false)
	if f != nil {
		return tnode{}, f
	}
	if nodes[0].kind != kindTable {
		return tnode{}, nameFault(path, "not a table")
	}
	return nodes[0], nil
}

// checkNewAlias checks that an instance of table n may be created with the
// given alias.
func (t *Tree) checkNewAlias(objectName string, n tnode, alias string) *cwmp.Fault {
	ap := aliasParam(n.obj)
	if ap == nil || !t.aliasAddressing() {
		return nameFault(objectName, "alias-based addressing is not available for "+n.path)
	}
	if !aliasValueOK(alias) {
		return nameFault(objectName, "an alias must start with a letter and hold no \"[\" or \"]\"")
	}
	if _, err := ap.Syntax.Validate(alias); err != nil {
		return nameFault(objectName, "invalid alias: "+asFault(err, cwmp.FaultInvalidParameterValue).String)
	}
	if _, ok := t.findAlias(n, alias); ok {
		return nameFault(objectName, "alias "+alias+" is already in use")
	}
	return nil
}

// addInstance creates an instance of table n and returns its number. A
// non-empty alias is its Alias; otherwise it gets a unique "cpe-" one.
func (t *Tree) addInstance(n tnode, alias string) (uint32, *cwmp.Fault) {
	cur := t.instances(n.path, n.obj)
	if n.obj.MaxEntries > 0 && len(cur) >= n.obj.MaxEntries {
		return 0, cwmp.NewFault(cwmp.FaultResourcesExceeded, "%s holds its maximum of %d instances", n.path, n.obj.MaxEntries)
	}
	tb := t.mutTable(n.path, n.obj)
	if tb.next == 0 {
		return 0, cwmp.NewFault(cwmp.FaultResourcesExceeded, "%s has used every instance number", n.path)
	}
	i := tb.next
	if i == math.MaxUint32 {
		tb.next = 0
	} else {
		tb.next++
	}
	tb.instances = append(tb.instances, i)
	inst := n.path + strconv.FormatUint(uint64(i), 10) + "."
	if ap := aliasParam(n.obj); ap != nil {
		an := tnode{kind: kindParam, path: inst + ap.Name, obj: n.obj, prm: ap}
		if alias == "" {
			// The default "cpe-<i>" is unique unless the ACS gave it to
			// another instance; then find another "cpe-" value.
			alias = defaultValue(an)
			base := alias
			for k := 2; ; k++ {
				if _, taken := t.findAliasExcept(n, alias, i); !taken {
					break
				}
				alias = base + "-" + strconv.Itoa(k)
			}
		}
		t.store(an, alias)
	}
	return i, nil
}

// findAliasExcept is findAlias ignoring instance except.
func (t *Tree) findAliasExcept(n tnode, alias string, except uint32) (uint32, bool) {
	ap := aliasParam(n.obj)
	for _, i := range t.instances(n.path, n.obj) {
		if i != except && t.aliasOf(n.path+strconv.FormatUint(uint64(i), 10)+".", n.obj, ap) == alias {
			return i, true
		}
	}
	return 0, false
}

// DeleteObject answers DeleteObject (TR-069 A.3.2.7): it removes the
// instance objectName ("Device.IP.Interface.3." or, with alias-based
// addressing, "Device.IP.Interface.[wan].") with everything below it:
// values, attributes, nested tables, pending changes. It returns status 0.
//
// Faults: 9005 when objectName is not an existing instance path ending in
// "." or the table is not readWrite (as for AddObject: 9008 belongs to
// SetParameterValues); 9001 (request denied) when the table would be left
// with fewer than MinEntries instances, which TR-106 forbids the CPE to
// allow and for which Table 72 has no more specific code.
func (t *Tree) DeleteObject(objectName, parameterKey string) (status int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, f := t.resolveInstance(objectName)
	if f != nil {
		return 0, f
	}
	if n.obj.Access != ReadWrite {
		return 0, nameFault(objectName, "the ACS may not delete instances of this table")
	}
	// The references the deletion clears are not notified: like the values
	// the ACS sets, they change because of what the ACS asked for.
	if _, f := t.deleteInstance(n); f != nil {
		return 0, f
	}
	t.setParameterKey(parameterKey)
	return 0, nil
}

// resolveInstance resolves path, which must name one table instance,
// without wildcards.
func (t *Tree) resolveInstance(path string) (tnode, *cwmp.Fault) {
	if !strings.HasSuffix(path, ".") {
		return tnode{}, nameFault(path, "an instance path ends in \".\"")
	}
	nodes, f := t.resolve(path, false)
	if f != nil {
		return tnode{}, f
	}
	if !nodes[0].isInstance() {
		return tnode{}, nameFault(path, "not a table instance")
	}
	return nodes[0], nil
}

// deleteInstance removes instance n and everything below it, and returns
// the parameters elsewhere whose references to it it cleared.
func (t *Tree) deleteInstance(n tnode) ([]tnode, *cwmp.Fault) {
	tblPath, i := splitInstance(n.path)
	if len(t.instances(tblPath, n.obj)) <= n.obj.MinEntries {
		return nil, cwmp.NewFault(cwmp.FaultRequestDenied, "%s must keep at least %d instances", tblPath, n.obj.MinEntries)
	}
	tb := t.mutTable(tblPath, n.obj)
	for k, v := range tb.instances {
		if v == i {
			tb.instances = append(tb.instances[:k], tb.instances[k+1:]...)
			break
		}
	}
	t.purge(n.path)
	return t.dropRefs(n.path), nil
}

// GetParameterAttributes answers GetParameterAttributes (TR-069 A.3.2.5):
// the attributes of each parameter named and of every parameter below each
// partial path, in the order asked. Instance wildcards are allowed where
// the device supports them. A name that names nothing fails the whole
// request with 9005.
func (t *Tree) GetParameterAttributes(names []string) ([]cwmp.ParameterAttributeStruct, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	aliasNames := t.aliasNames()
	var out []cwmp.ParameterAttributeStruct
	for _, name := range names {
		nodes, f := t.resolve(name, true)
		if f != nil {
			return nil, f
		}
		for _, n := range nodes {
			t.walkParams(n, func(c tnode) {
				a := t.attrsOf(c)
				out = append(out, cwmp.ParameterAttributeStruct{Name: t.outPath(c.path, aliasNames), Notification: a.notification, AccessList: a.accessList})
			})
		}
	}
	return out, nil
}

// defaultNotification is a parameter's Notification until the ACS changes
// it: active for forceEnabled and forceDefaultEnabled parameters, off for
// the rest (TR-106 activeNotify).
func defaultNotification(p *Parameter) cwmp.Notification {
	if p.ActiveNotify == ForceEnabled || p.ActiveNotify == ForceDefaultEnabled {
		return cwmp.NotificationActive
	}
	return cwmp.NotificationOff
}

// attributes returns parameter n's attributes.
func (t *Tree) attrsOf(n tnode) paramAttrs {
	if a, ok := t.attrs[n.path]; ok {
		return a
	}
	return paramAttrs{notification: defaultNotification(n.prm)}
}

// isActive reports whether notification n asks the CPE to act at once on
// a change: active (2) or active lightweight (5, 6).
func isActive(n cwmp.Notification) bool {
	return n == cwmp.NotificationActive || n == cwmp.NotificationActiveLightweight || n == cwmp.NotificationPassiveAndActiveLightweight
}

// setAttrs stores a as parameter n's attributes, or forgets them when they
// are the default.
func (t *Tree) setAttrs(n tnode, a paramAttrs) {
	if a.notification == defaultNotification(n.prm) && len(a.accessList) == 0 {
		delete(t.attrs, n.path)
		return
	}
	if t.attrs == nil {
		t.attrs = make(map[string]paramAttrs)
	}
	t.attrs[n.path] = a
}

// notificationAllowed reports whether p's Notification may be set to n:
// a forceEnabled parameter's is always 2, and a canDeny parameter may
// refuse active notification. allowed holds the answers of the
// AllowActiveNotification callback; ok is false when p's answer is needed
// and not there.
func notificationAllowed(p *Parameter, n cwmp.Notification, allowed map[*Parameter]bool) (yes, ok bool) {
	switch p.ActiveNotify {
	case ForceEnabled:
		return n == cwmp.NotificationActive, true
	case CanDeny:
		if !isActive(n) {
			return true, true
		}
		yes, ok = allowed[p]
		return yes, ok
	}
	return true, true
}

// SetParameterAttributes answers SetParameterAttributes (TR-069 A.3.2.4),
// all or nothing. Each struct applies to the parameter named or to every
// parameter below a partial path (and to every match of an instance
// wildcard where the device supports them: TR-181 names only GPV, GPN and
// GPA for wildcards, but an SPA over "Device.Hosts.Host.*.Active" is the
// same operation as over "Device.Hosts.Host." restricted to one parameter,
// so the tree accepts it). NotificationChange and AccessListChange false
// leave that attribute as it is. Later structs win over earlier ones for
// the same parameter.
//
// Notification must be 0 to 6 (9003 otherwise). A forceEnabled parameter's
// Notification stays 2, and a canDeny parameter may refuse active
// notification (see AllowActiveNotification): named by its full name such
// a request is refused with 9009; under a partial path those parameters
// are left as they are and the rest are set, since the ACS asked for a
// subtree, not for them (so that "Device." Notification 2 works on a CPE
// that has any canDeny parameter at all). The AccessList is stored as
// given; TR-069 defines only "Subscriber", and what it grants is the
// device's business. A name that names nothing is 9005.
func (t *Tree) SetParameterAttributes(list []cwmp.SetParameterAttributesStruct) error {
	// The AllowActiveNotification callback may use the tree, so it is
	// asked without the lock: each pass resolves the request under the
	// lock and either applies it or names the canDeny definitions it
	// still needs an answer for; the lock is released to ask, and the
	// next pass resolves again, so what it applies is what the tree holds
	// then. Definitions are finite, so the passes end; usually there are
	// one or two.
	allowed := make(map[*Parameter]bool)
	var gen uint64
	for {
		t.mu.Lock()
		if t.allowGen != gen {
			gen, allowed = t.allowGen, make(map[*Parameter]bool) // a new policy
		}
		allow := t.allowActive
		need, err := t.setParameterAttributes(list, allowed)
		t.mu.Unlock()
		if len(need) == 0 {
			return err
		}
		for _, p := range need {
			allowed[p] = allow != nil && allow(p)
		}
	}
}

// setParameterAttributes does SetParameterAttributes with t locked and the
// answers of the AllowActiveNotification callback in allowed. If it needs
// an answer allowed does not have, it changes nothing and returns the
// definitions to ask about.
func (t *Tree) setParameterAttributes(list []cwmp.SetParameterAttributesStruct, allowed map[*Parameter]bool) (need []*Parameter, err error) {
	type change struct {
		n      tnode
		s      *cwmp.SetParameterAttributesStruct
		notify bool // set the Notification
	}
	var changes []change
	for k := range list {
		s := &list[k]
		if s.NotificationChange && (s.Notification < cwmp.NotificationOff || s.Notification > cwmp.NotificationPassiveAndActiveLightweight) {
			return nil, cwmp.NewFault(cwmp.FaultInvalidArguments, "%q: Notification %d is not 0 to 6", s.Name, s.Notification)
		}
		nodes, f := t.resolve(s.Name, true)
		if f != nil {
			return nil, f
		}
		partial := s.Name == "" || strings.HasSuffix(s.Name, ".")
		var refused *cwmp.Fault
		for _, n := range nodes {
			t.walkParams(n, func(c tnode) {
				if refused != nil {
					return
				}
				notify := s.NotificationChange
				if notify {
					yes, ok := notificationAllowed(c.prm, s.Notification, allowed)
					if !ok {
						if !slices.Contains(need, c.prm) {
							need = append(need, c.prm)
						}
						return
					}
					if !yes {
						if !partial {
							refused = cwmp.NewFault(cwmp.FaultNotificationRejected, "%q: Notification %d is not allowed for this parameter", c.path, s.Notification)
							return
						}
						if !s.AccessListChange {
							return
						}
						notify = false
					}
				}
				changes = append(changes, change{c, s, notify})
			})
		}
		if len(need) > 0 {
			continue // find every answer needed before asking
		}
		if refused != nil {
			return nil, refused
		}
	}
	if len(need) > 0 {
		return need, nil
	}
	for _, c := range changes {
		a := t.attrsOf(c.n)
		if c.notify {
			a.notification = c.s.Notification
		}
		if c.s.AccessListChange {
			a.accessList = nil
			if len(c.s.AccessList) > 0 {
				a.accessList = append([]string(nil), c.s.AccessList...)
			}
		}
		t.setAttrs(c.n, a)
	}
	return nil, nil
}
