package datamodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// savedTree is the serialised form of a Tree: only what differs from its
// model, as the Tree holds it. It is JSON rather than gob because a device's
// state outlives the program that wrote it: JSON stays readable across Go
// and cwmpkit versions, can be read and mended by hand in a data
// directory, and, as only the differences are stored, is small anyway
// (a fresh tree is about 30 bytes).
type savedTree struct {
	Model      string                    `json:"model"`
	Tables     map[string]savedTable     `json:"tables,omitempty"`
	Values     map[string]string         `json:"values,omitempty"`
	Attributes map[string]savedAttribute `json:"attributes,omitempty"`
	Written    []string                  `json:"written,omitempty"` // writeOnceReadOnly parameters the ACS has set
	Changed    []string                  `json:"changed,omitempty"` // changes not yet delivered
}

type savedTable struct {
	Instances []uint32 `json:"instances"`
	Next      uint32   `json:"next"` // 0: every number used
}

type savedAttribute struct {
	Notification cwmp.Notification `json:"notification"`
	AccessList   []string          `json:"accessList,omitempty"`
}

// Save writes the tree to w: the model's name, the instances and the
// next instance number of every table that changed, the values and
// attributes that differ from the defaults, which writeOnceReadOnly
// parameters were written, and the changes not yet cleared. The output is
// deterministic (JSON with sorted keys).
func (t *Tree) Save(w io.Writer) error {
	t.mu.Lock()
	s := savedTree{Model: t.m.Name, Values: t.values}
	if len(t.tables) > 0 {
		s.Tables = make(map[string]savedTable, len(t.tables))
		for p, tb := range t.tables {
			s.Tables[p] = savedTable{Instances: tb.instances, Next: tb.next}
		}
	}
	if len(t.attrs) > 0 {
		s.Attributes = make(map[string]savedAttribute, len(t.attrs))
		for p, a := range t.attrs {
			s.Attributes[p] = savedAttribute{Notification: a.notification, AccessList: a.accessList}
		}
	}
	for p := range t.written {
		s.Written = append(s.Written, p)
	}
	for p := range t.changed {
		s.Changed = append(s.Changed, p)
	}
	slices.Sort(s.Written)
	slices.Sort(s.Changed)
	b, err := json.Marshal(&s) // under the lock: s shares the tree's maps and slices
	t.mu.Unlock()
	if err != nil {
		return fmt.Errorf("datamodel: save tree: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("datamodel: save tree: %w", err)
	}
	return nil
}

// LoadTree reads a tree Save wrote and checks it against m: r must hold
// one JSON object and nothing after it, the model's name must be m.Name,
// every path must be in instance-number form, as Save writes them, and
// name an existing table or parameter of m, every value be valid, every
// table's Alias values unique, every table's instances ascending, below
// its next number and within MinEntries and MaxEntries.
//
// An active notification on a canDeny parameter is restored as saved: the
// device's policy (AllowActiveNotification) is not known until after
// LoadTree returns, and setting it turns off those it denies.
func LoadTree(m *Model, r io.Reader) (*Tree, error) {
	var s savedTree
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("datamodel: load tree: %w", err)
	}
	if err := dec.Decode(&json.RawMessage{}); err != io.EOF {
		if err == nil {
			err = errors.New("more than one JSON value")
		}
		return nil, fmt.Errorf("datamodel: load tree: data after the tree: %w", err)
	}
	if s.Model != m.Name {
		return nil, fmt.Errorf("datamodel: load tree: saved from model %q, not %q", s.Model, m.Name)
	}
	t := NewTree(m)
	bad := func(what, path string, err error) error {
		return fmt.Errorf("datamodel: load tree of %s: %s %q: %w", m.Name, what, path, err)
	}
	// Save writes paths in instance-number form; an alias or a wildcard
	// would resolve against a tree only partly loaded, and be stored
	// under a key no lookup finds.
	errNotNumbered := errors.New("not in instance-number form")
	numbered := func(p string) bool { return !strings.ContainsAny(p, "[*") }
	// Sorted, a table comes after the tables it is nested in, whose
	// instances its path must name.
	paths := make([]string, 0, len(s.Tables))
	for p := range s.Tables {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		st := s.Tables[p]
		if !numbered(p) {
			return nil, bad("table", p, errNotNumbered)
		}
		n, f := t.resolveTable(p)
		if f != nil {
			return nil, bad("table", p, f)
		}
		for k, i := range st.Instances {
			if i == 0 || k > 0 && i <= st.Instances[k-1] || st.Next != 0 && i >= st.Next {
				return nil, bad("table", p, fmt.Errorf("instances %v are not ascending and below next %d", st.Instances, st.Next))
			}
		}
		if len(st.Instances) < n.obj.MinEntries || n.obj.MaxEntries > 0 && len(st.Instances) > n.obj.MaxEntries {
			return nil, bad("table", p, fmt.Errorf("%d instances, not within %d to %d", len(st.Instances), n.obj.MinEntries, n.obj.MaxEntries))
		}
		if t.tables == nil {
			t.tables = make(map[string]*instTable, len(s.Tables))
		}
		t.tables[p] = &instTable{instances: slices.Clone(st.Instances), next: st.Next}
	}
	var aliasTables []string // tables with a stored Alias
	for p, v := range s.Values {
		if !numbered(p) {
			return nil, bad("value of", p, errNotNumbered)
		}
		n, f := t.resolveParam(p)
		if f != nil {
			return nil, bad("value of", p, f)
		}
		if numEntriesTable(n.prm) != nil {
			return nil, bad("value of", p, fmt.Errorf("a number of entries is counted, not stored"))
		}
		if isKey := p == m.Root.Path+"ManagementServer.ParameterKey"; !isKey {
			c, err := n.prm.Syntax.Validate(v)
			if err != nil {
				return nil, bad("value of", p, err)
			}
			v = c
		}
		if t.values == nil {
			t.values = make(map[string]string, len(s.Values))
		}
		t.values[p] = v
		if isAlias(n.prm) {
			tbl, _ := splitInstance(p[:len(p)-len(n.prm.Name)])
			aliasTables = append(aliasTables, tbl)
		}
	}
	slices.Sort(aliasTables)
	for _, tbl := range slices.Compact(aliasTables) {
		n, _ := t.resolveTable(tbl) // the Alias's own table: it resolved above
		if err := t.uniqueAliases(n); err != nil {
			return nil, bad("table", tbl, err)
		}
	}
	for p, a := range s.Attributes {
		if !numbered(p) {
			return nil, bad("attributes of", p, errNotNumbered)
		}
		n, f := t.resolveParam(p)
		if f != nil {
			return nil, bad("attributes of", p, f)
		}
		if a.Notification < cwmp.NotificationOff || a.Notification > cwmp.NotificationPassiveAndActiveLightweight ||
			n.prm.ActiveNotify == ForceEnabled && a.Notification != cwmp.NotificationActive {
			return nil, bad("attributes of", p, fmt.Errorf("notification %d is not allowed", a.Notification))
		}
		if t.attrs == nil {
			t.attrs = make(map[string]paramAttrs, len(s.Attributes))
		}
		t.attrs[p] = paramAttrs{notification: a.Notification, accessList: a.AccessList}
	}
	for _, p := range s.Written {
		if !numbered(p) {
			return nil, bad("written parameter", p, errNotNumbered)
		}
		n, f := t.resolveParam(p)
		if f != nil {
			return nil, bad("written parameter", p, f)
		}
		if n.prm.Access != WriteOnceReadOnly {
			return nil, bad("written parameter", p, fmt.Errorf("not writeOnceReadOnly"))
		}
		if t.written == nil {
			t.written = make(map[string]struct{}, len(s.Written))
		}
		t.written[p] = struct{}{}
	}
	for _, p := range s.Changed {
		if !numbered(p) {
			return nil, bad("changed parameter", p, errNotNumbered)
		}
		if _, f := t.resolveParam(p); f != nil {
			return nil, bad("changed parameter", p, f)
		}
		if t.changed == nil {
			t.changed = make(map[string]uint64, len(s.Changed))
		}
		t.seq++
		t.changed[p] = t.seq
	}
	return t, nil
}

// uniqueAliases checks that no two instances of table n have the same
// Alias.
func (t *Tree) uniqueAliases(n tnode) error {
	ap := aliasParam(n.obj)
	if ap == nil {
		return nil
	}
	seen := make(map[string]uint32)
	for _, i := range t.instances(n.path, n.obj) {
		a := t.aliasOf(n.path+strconv.FormatUint(uint64(i), 10)+".", n.obj, ap)
		if j, dup := seen[a]; dup {
			return fmt.Errorf("instances %d and %d have the same Alias %q", j, i, a)
		}
		seen[a] = i
	}
	return nil
}
