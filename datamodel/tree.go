package datamodel

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// Tree is one device's parameter tree: the instances of each table, the
// parameter values and the parameter attributes (TR-069 A.3.2.4), made from
// a Model and answering the parameter RPCs of TR-069 Annex A.3.2 with their
// exact semantics and faults.
//
// A Tree stores only what differs from its Model (copy on write): a value
// equal to the model's default, an attribute equal to the parameter's
// default notification, a table holding the MinEntries instances every
// table starts with — none of these are stored. A fresh Tree is 80 bytes
// (amd64), so one process can hold very many devices of one model; each
// value set, attribute changed or table touched adds only that entry
// (TestTreeMemoryPerDevice: about 1.2 KiB for a device with five values
// and one interface). The price is paid in time where it is cheap:
// reading a subtree walks the model's definitions, and deleting an
// instance scans the stored entries for what was below it.
//
// Paths come in the forms TR-069 uses: a full parameter name
// ("Device.DeviceInfo.SoftwareVersion"), a partial path naming an object
// and ending in "." ("Device.IP.Interface.1."), and "" for the whole tree.
// Instances are named by number, by "*" (instance wildcards, TR-069
// A.2.2.1, where the method allows them and the device supports them: while
// its ManagementServer.InstanceWildcardsSupported is true, or always in a
// model without that parameter) or by "[alias]" (alias-based addressing,
// TR-069 3.6.1 and Appendix II, while the device's
// ManagementServer.AliasBasedAddressing is true and the table has an Alias
// parameter).
//
// Every error a Tree method returns is a *cwmp.Fault with the code TR-069
// gives the cause, so a CPE can send it as it is.
//
// A Tree is safe for concurrent use: one mutex guards all of it, held for
// the whole of each method, so an RPC sees and makes an atomic change even
// while the device's own subsystems call Set. The active-change and
// active-notification callbacks are called without the lock held, so they
// may use the tree.
type Tree struct {
	m *Model

	mu sync.Mutex
	// values holds each parameter value that differs from the model's
	// default, by concrete path in instance-number form
	// ("Device.IP.Interface.3.Enable"), in canonical form.
	values map[string]string
	// attrs holds each parameter's attributes that differ from the default
	// (Notification from the parameter's activeNotify, empty AccessList).
	attrs map[string]paramAttrs
	// written holds the writeOnceReadOnly parameters the ACS has set.
	written map[string]struct{}
	// tables holds the instances of each table that has changed since the
	// tree was made, by concrete path ("Device.IP.Interface."). A table
	// absent here holds instances 1 to MinEntries.
	tables map[string]*instTable
	// changed holds the parameters the device changed (Set,
	// number-of-entries parameters through AddInstance and DeleteInstance,
	// references DeleteInstance cleared)
	// while their Notification was not off, with the sequence number of the
	// latest change, until ClearChanges.
	changed map[string]uint64
	seq     uint64
	// onActive is called for each change to a parameter with active or
	// active lightweight notification.
	onActive func(path string, n cwmp.Notification)
	// allowActive says whether a canDeny parameter accepts active
	// notification; nil denies them all. allowGen counts the calls to
	// AllowActiveNotification, so that a method that asked allowActive
	// without the lock can tell whether the policy changed meanwhile.
	allowActive func(*Parameter) bool
	allowGen    uint64
}

type paramAttrs struct {
	notification cwmp.Notification
	accessList   []string
}

type instTable struct {
	instances []uint32 // ascending
	next      uint32   // the number the next instance gets; 0 when all are used
}

// NewTree returns the tree of a device freshly made from m: every single
// object exists, every table holds MinEntries instances (numbered from 1,
// and recursively for the tables inside them), and every parameter has its
// default value and attributes. It costs 80 bytes until something is
// changed.
func NewTree(m *Model) *Tree {
	return &Tree{m: m}
}

// Model returns the model the tree was made from.
func (t *Tree) Model() *Model { return t.m }

// AllowActiveNotification sets which parameters marked activeNotify
// "canDeny" accept active notification (Notification 2, 5 or 6) when the
// ACS asks for it; the others are refused with fault 9009 (TR-069 A.3.2.4).
// Until it is called, or with nil, all of them are refused: canDeny marks
// values that change too often for a session per change (counters,
// UpTime), which is why TR-106 lets a CPE refuse.
//
// The policy also applies to what the tree already holds: an active
// notification on a canDeny parameter allow denies (one LoadTree restored,
// or one an earlier, more permissive policy allowed) is turned off.
//
// allow is called without the tree's lock held, so it may read the tree
// (a device consulting its configuration); it is called with the
// parameter's definition, so its answer should depend on that alone.
func (t *Tree) AllowActiveNotification(allow func(p *Parameter) bool) {
	t.mu.Lock()
	t.allowActive = allow
	t.allowGen++
	gen := t.allowGen
	var active []*Parameter // the canDeny definitions with an active notification
	for path, a := range t.attrs {
		if !isActive(a.notification) {
			continue
		}
		if n, f := t.resolveParam(path); f == nil && n.prm.ActiveNotify == CanDeny && !slices.Contains(active, n.prm) {
			active = append(active, n.prm)
		}
	}
	t.mu.Unlock()
	if len(active) == 0 {
		return
	}
	denied := make(map[*Parameter]bool)
	for _, p := range active {
		if allow == nil || !allow(p) {
			denied[p] = true
		}
	}
	if len(denied) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.allowGen != gen {
		return // a later policy has applied itself
	}
	for path, a := range t.attrs {
		if !isActive(a.notification) {
			continue
		}
		if n, f := t.resolveParam(path); f == nil && denied[n.prm] {
			t.setAttrs(n, paramAttrs{notification: cwmp.NotificationOff, accessList: a.accessList})
		}
	}
}

// tkind tells the three kinds of thing a path can name.
type tkind uint8

const (
	kindObject tkind = iota // a single object or a table instance: "Device.DeviceInfo.", "Device.IP.Interface.3."
	kindTable               // a table itself: "Device.IP.Interface."
	kindParam               // a parameter: "Device.IP.Interface.3.Enable"
)

// tnode is one existing object, table or parameter of the tree, by its
// concrete path in instance-number form.
type tnode struct {
	kind tkind
	path string
	obj  *Object    // its object; for a table and its instances, the table ("...{i}.")
	prm  *Parameter // kindParam only
}

// isInstance reports whether n is an instance of a table.
func (n tnode) isInstance() bool { return n.kind == kindObject && n.obj.IsTable() }

func nameFault(path, why string) *cwmp.Fault {
	return cwmp.NewFault(cwmp.FaultInvalidParameterName, "%q: %s", path, why)
}

// resolve returns the nodes path names: one, or for an instance wildcard
// any number (none when a wildcarded table is empty). An unknown name, an
// instance that does not exist, or a wildcard where wildcard is false, gives
// fault 9005. Alias references are resolved while alias-based addressing is
// on.
func (t *Tree) resolve(path string, wildcard bool) ([]tnode, *cwmp.Fault) {
	root := t.m.Root
	cur := []tnode{{kind: kindObject, path: root.Path, obj: root}}
	if path == "" {
		return cur, nil
	}
	if !strings.HasPrefix(path, root.Path) {
		return nil, nameFault(path, "not in the "+root.Path+" tree")
	}
	aliasMode := -1    // unknown until an alias is met
	wildcardMode := -1 // unknown until a wildcard is met
	rest := path[len(root.Path):]
	for rest != "" {
		var seg string
		dot := true
		if rest[0] == '[' {
			end := strings.Index(rest, "].")
			if end < 0 {
				return nil, nameFault(path, "an instance alias must be written [alias] and followed by \".\"")
			}
			seg, rest = rest[:end+1], rest[end+2:]
		} else if i := strings.IndexByte(rest, '.'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			seg, rest, dot = rest, "", false
		}
		if seg == "" {
			return nil, nameFault(path, "empty name segment")
		}
		var next []tnode
		for _, n := range cur {
			switch n.kind {
			case kindTable:
				if !dot {
					return nil, nameFault(path, "an instance is an object: its path ends in \".\"")
				}
				switch {
				case seg == "*":
					if !wildcard {
						return nil, nameFault(path, "instance wildcards are not allowed here")
					}
					if wildcardMode < 0 {
						wildcardMode = 0
						if t.wildcards() {
							wildcardMode = 1
						}
					}
					if wildcardMode == 0 {
						return nil, nameFault(path, "instance wildcards are not supported (ManagementServer.InstanceWildcardsSupported is false)")
					}
					for _, i := range t.instances(n.path, n.obj) {
						next = append(next, tnode{kind: kindObject, path: n.path + strconv.FormatUint(uint64(i), 10) + ".", obj: n.obj})
					}
				case seg[0] == '[':
					if aliasMode < 0 {
						aliasMode = 0
						if t.aliasAddressing() {
							aliasMode = 1
						}
					}
					if aliasMode == 0 || aliasParam(n.obj) == nil {
						return nil, nameFault(path, "alias-based addressing is not available for "+n.path)
					}
					i, ok := t.findAlias(n, seg[1:len(seg)-1])
					if !ok {
						return nil, nameFault(path, "no instance of "+n.path+" has alias "+seg)
					}
					next = append(next, tnode{kind: kindObject, path: n.path + strconv.FormatUint(uint64(i), 10) + ".", obj: n.obj})
				default:
					i, err := strconv.ParseUint(seg, 10, 32)
					if err != nil || strconv.FormatUint(i, 10) != seg {
						return nil, nameFault(path, seg+" is not an instance number")
					}
					if _, ok := slices.BinarySearch(t.instances(n.path, n.obj), uint32(i)); !ok {
						return nil, nameFault(path, "no instance "+seg+" of "+n.path)
					}
					next = append(next, tnode{kind: kindObject, path: n.path + seg + ".", obj: n.obj})
				}
			case kindObject:
				if dot {
					c := childObject(t.m, n.obj, seg)
					if c == nil {
						return nil, nameFault(path, "no object "+seg+" in "+n.obj.Path)
					}
					next = append(next, childNode(n, c))
				} else {
					p := t.m.params[n.obj.Path+seg]
					if p == nil || p.Status == Deleted {
						return nil, nameFault(path, "no parameter "+seg+" in "+n.obj.Path)
					}
					next = append(next, tnode{kind: kindParam, path: n.path + seg, obj: n.obj, prm: p})
				}
			default: // a parameter has no children; unreachable, since a parameter segment is the last
				return nil, nameFault(path, "a parameter has no children")
			}
		}
		cur = next
	}
	return cur, nil
}

// resolveParam resolves path, which must name one parameter, without
// wildcards.
func (t *Tree) resolveParam(path string) (tnode, *cwmp.Fault) {
	ns, f := t.resolve(path, false)
	if f != nil {
		return tnode{}, f
	}
	if ns[0].kind != kindParam {
		return tnode{}, nameFault(path, "an object, not a parameter")
	}
	return ns[0], nil
}

// child returns o's child object named seg, single or table.
func childObject(m *Model, o *Object, seg string) *Object {
	if strings.ContainsAny(seg, "{}") {
		return nil
	}
	c := m.objects[o.Path+seg+"."]
	if c == nil {
		c = m.objects[o.Path+seg+".{i}."]
	}
	if c == nil || c.Status == Deleted {
		return nil
	}
	return c
}

// segment returns the name an object has in its parent: "Interface" for
// "Device.IP.Interface.{i}.".
func segName(o *Object) string {
	s := o.Path[len(o.Parent.Path):]
	if o.IsTable() {
		return s[:len(s)-len(".{i}.")]
	}
	return s[:len(s)-1]
}

// childNode returns the node of parent's child object c.
func childNode(parent tnode, c *Object) tnode {
	n := tnode{kind: kindObject, path: parent.path + segName(c) + ".", obj: c}
	if c.IsTable() {
		n.kind = kindTable
	}
	return n
}

// firstInstances backs the instance lists of tables still at their
// default, 1 to MinEntries, so that reading them allocates nothing.
var firstInstances = func() []uint32 {
	s := make([]uint32, 64)
	for i := range s {
		s[i] = uint32(i + 1)
	}
	return s
}()

// instances returns the instance numbers of the table at path (which must
// exist), ascending. The result must not be modified.
func (t *Tree) instances(path string, def *Object) []uint32 {
	if tb := t.tables[path]; tb != nil {
		return tb.instances
	}
	n := max(def.MinEntries, 0)
	if n <= len(firstInstances) {
		return firstInstances[:n:n]
	}
	s := make([]uint32, n)
	for i := range s {
		s[i] = uint32(i + 1)
	}
	return s
}

// table returns the table at path for changing, storing it first if it is
// still at its default.
func (t *Tree) mutTable(path string, def *Object) *instTable {
	if tb := t.tables[path]; tb != nil {
		return tb
	}
	inst := slices.Clone(t.instances(path, def))
	tb := &instTable{instances: inst, next: uint32(len(inst)) + 1}
	if t.tables == nil {
		t.tables = make(map[string]*instTable)
	}
	t.tables[path] = tb
	return tb
}

// walk calls fn for n and then for everything below it, in document order:
// an object, its parameters, then its child objects; a table, then each of
// its instances.
func (t *Tree) walk(n tnode, fn func(tnode)) {
	fn(n)
	t.children(n, func(c tnode) {
		if c.kind == kindParam {
			fn(c)
		} else {
			t.walk(c, fn)
		}
	})
}

// walkParams calls fn for every parameter at or below n.
func (t *Tree) walkParams(n tnode, fn func(tnode)) {
	t.walk(n, func(c tnode) {
		if c.kind == kindParam {
			fn(c)
		}
	})
}

// children calls fn for each node one level below the object or table n:
// an object's parameters and child objects, a table's instances.
func (t *Tree) children(n tnode, fn func(tnode)) {
	switch n.kind {
	case kindObject:
		for _, p := range n.obj.Parameters {
			if p.Status != Deleted {
				fn(tnode{kind: kindParam, path: n.path + p.Name, obj: n.obj, prm: p})
			}
		}
		for _, c := range n.obj.Children {
			if c.Status != Deleted {
				fn(childNode(n, c))
			}
		}
	case kindTable:
		for _, i := range t.instances(n.path, n.obj) {
			fn(tnode{kind: kindObject, path: n.path + strconv.FormatUint(uint64(i), 10) + ".", obj: n.obj})
		}
	}
}

// numEntriesTable returns the table whose number of entries parameter p
// is, or nil. Those values are derived from the instances, never stored, so
// they are always right.
func numEntriesTable(p *Parameter) *Object {
	if !strings.HasSuffix(p.Name, "NumberOfEntries") {
		return nil
	}
	for _, c := range p.Object.Children {
		if c.NumEntriesParameter == p.Name && c.IsTable() && c.Status != Deleted {
			return c
		}
	}
	return nil
}

// aliasParam returns the Alias parameter of table o, or nil.
func aliasParam(o *Object) *Parameter {
	for _, p := range o.Parameters {
		if p.Name == "Alias" && p.Status != Deleted {
			return p
		}
	}
	return nil
}

// isAlias reports whether p is the Alias parameter of a table: the handle
// that alias-based addressing resolves, unique within its table.
func isAlias(p *Parameter) bool {
	return p.Name == "Alias" && p.Object.IsTable()
}

// splitInstance splits a concrete instance path: "Device.IP.Interface.3."
// gives "Device.IP.Interface." and 3.
func splitInstance(path string) (table string, instance uint32) {
	p := path[:len(path)-1]
	i := strings.LastIndexByte(p, '.')
	n, _ := strconv.ParseUint(p[i+1:], 10, 32)
	return p[:i+1], uint32(n)
}

// defaultValue returns what parameter n holds when nothing was set: the
// model's default, or for an Alias "cpe-" and the instance number (TR-181
// Alias: a value the CPE assigns starts with "cpe-"), unique in its table.
func defaultValue(n tnode) string {
	if isAlias(n.prm) {
		_, i := splitInstance(n.path[:len(n.path)-len(n.prm.Name)])
		return "cpe-" + strconv.FormatUint(uint64(i), 10)
	}
	return n.prm.Syntax.Zero()
}

// read returns parameter n's actual value (not hiding hidden ones).
func (t *Tree) read(n tnode) string {
	if tbl := numEntriesTable(n.prm); tbl != nil {
		obj := n.path[:len(n.path)-len(n.prm.Name)]
		return strconv.Itoa(len(t.instances(obj+segName(tbl)+".", tbl)))
	}
	if v, ok := t.values[n.path]; ok {
		return v
	}
	return defaultValue(n)
}

// store sets parameter n to the canonical value v, storing it only when it
// differs from the default.
func (t *Tree) store(n tnode, v string) {
	if v == defaultValue(n) {
		delete(t.values, n.path)
		return
	}
	if t.values == nil {
		t.values = make(map[string]string)
	}
	t.values[n.path] = v
}

// readManagementServer returns the value of the parameter name of the
// root's ManagementServer object, if the model has it: the parameters that
// change how the tree answers the ACS.
func (t *Tree) readManagementServer(name string) (string, bool) {
	o := t.m.Root.Path + "ManagementServer."
	p := t.m.params[o+name]
	if p == nil || p.Status == Deleted {
		return "", false
	}
	return t.read(tnode{kind: kindParam, path: o + name, obj: p.Object, prm: p}), true
}

// aliasAddressing reports whether alias-based addressing is on: the device
// says it supports it in ManagementServer.AliasBasedAddressing (TR-069
// 3.6.1).
func (t *Tree) aliasAddressing() bool {
	v, _ := t.readManagementServer("AliasBasedAddressing")
	return v == "true" || v == "1"
}

// wildcards reports whether the device supports instance wildcards: its
// ManagementServer.InstanceWildcardsSupported is true (TR-181, TR-069
// A.2.2.1). A model without that parameter predates it (TR-098, TR-181
// Device:1 and Device:2 before 2.12) and cannot say; for those the tree
// accepts wildcards, since they name nothing a numbered path cannot and
// refusing them would only fail an ACS that tries.
func (t *Tree) wildcards() bool {
	v, ok := t.readManagementServer("InstanceWildcardsSupported")
	return !ok || v == "true" || v == "1"
}

// aliasNames reports whether returned path names use instance aliases:
// alias-based addressing is on and the ACS set ManagementServer.InstanceMode
// to InstanceAlias (TR-069 3.6.1).
func (t *Tree) aliasNames() bool {
	if !t.aliasAddressing() {
		return false
	}
	v, _ := t.readManagementServer("InstanceMode")
	return v == "InstanceAlias"
}

// findAlias returns the instance of table n whose Alias is alias.
func (t *Tree) findAlias(n tnode, alias string) (uint32, bool) {
	return t.findAliasExcept(n, alias, 0)
}

// outPath returns path as returned to the ACS: as it is, or with instance
// aliases in place of the numbers when aliasNames.
func (t *Tree) outPath(path string, aliasNames bool) string {
	if !aliasNames {
		return path
	}
	var b strings.Builder
	o := t.m.Root
	pos := len(o.Path)
	b.WriteString(o.Path)
	for pos < len(path) {
		i := strings.IndexByte(path[pos:], '.')
		if i < 0 {
			b.WriteString(path[pos:])
			break
		}
		seg := path[pos : pos+i+1]
		pos += i + 1
		b.WriteString(seg)
		c := childObject(t.m, o, seg[:len(seg)-1])
		if c == nil {
			b.WriteString(path[pos:]) // not a path of this tree; leave it alone
			break
		}
		o = c
		if !c.IsTable() || pos >= len(path) {
			continue
		}
		j := strings.IndexByte(path[pos:], '.')
		if j < 0 {
			b.WriteString(path[pos:])
			break
		}
		num := path[pos : pos+j]
		pos += j + 1
		if ap := aliasParam(c); ap != nil {
			inst := path[:pos]
			b.WriteString("[" + t.read(tnode{kind: kindParam, path: inst + ap.Name, obj: c, prm: ap}) + "].")
		} else {
			b.WriteString(num + ".")
		}
	}
	return b.String()
}

// writable reports whether n is writable in the sense of TR-069 A.3.2.3's
// ParameterInfoStruct: a parameter SetParameterValues may set (readWrite,
// or writeOnceReadOnly not yet written by the ACS); a table the ACS may
// AddObject to and an instance it may DeleteObject (a readWrite table);
// never a single object.
func (t *Tree) writable(n tnode) bool {
	switch n.kind {
	case kindParam:
		switch n.prm.Access {
		case ReadWrite:
			return true
		case WriteOnceReadOnly:
			_, done := t.written[n.path]
			return !done
		}
		return false
	case kindTable:
		return n.obj.Access == ReadWrite
	}
	return n.isInstance() && n.obj.Access == ReadWrite
}

// nullValue is what a hidden, secured or command parameter reads as: the
// null value of its base type (TR-106 A.2.3.5; cwmp-datamodel "hidden").
func nullValue(s *Syntax) string {
	if s.List != nil {
		return ""
	}
	switch s.Base {
	case Int, UnsignedInt, Long, UnsignedLong, Decimal:
		return "0"
	case Boolean:
		return "false"
	case DateTime:
		return cwmp.UnknownTime
	}
	return ""
}

// wireType is the type of p's values on the wire: lists are strings.
func wireType(s *Syntax) BaseType {
	if s.List != nil {
		return String
	}
	return s.Base
}

// purge forgets everything stored at or below the instance path prefix.
func (t *Tree) purge(prefix string) {
	deletePrefix(t.values, prefix)
	deletePrefix(t.attrs, prefix)
	deletePrefix(t.written, prefix)
	deletePrefix(t.tables, prefix)
	deletePrefix(t.changed, prefix)
}

// deletePrefix deletes the keys of m that start with prefix.
func deletePrefix[V any](m map[string]V, prefix string) {
	for k := range m {
		if strings.HasPrefix(k, prefix) {
			delete(m, k)
		}
	}
}
