package cpe

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cwmpkit/cwmpkit/cwmp"
	"github.com/cwmpkit/cwmpkit/datamodel"
)

// The three operations of ChangeDUState against the tree, and the
// simulated execution environment they install into.

// The simulated execution environment, created in a fresh tree.
const (
	simExecEnvName    = "Linux"
	simExecEnvType    = "Linux"
	simExecEnvVendor  = "cwmpkit"
	simExecEnvVersion = "1.0"
)

// Argument lengths of the operation structs (cwmp-1-2.xsd).
const (
	maxOpURLLen        = 1024
	maxOpCredentialLen = 256
	maxOpVersionLen    = 32
	maxOpExecEnvRefLen = 256
)

// base is the SoftwareModules object's path: "Device.SoftwareModules.".
func (s *softwareModules) base() string {
	return s.h.tree().Model().Root.Path + "SoftwareModules."
}

// rowWriter sets parameters below one object, skipping those the model
// does not define (older models lack some), and keeps the first error.
type rowWriter struct {
	t      *datamodel.Tree
	prefix string
	err    error
}

func (w *rowWriter) set(name, value string) {
	if w.err != nil {
		return
	}
	p := w.t.Model().Parameter(w.prefix + name)
	if p == nil || p.Status == datamodel.Deleted {
		return
	}
	if err := w.t.Set(w.prefix+name, value); err != nil {
		w.err = fmt.Errorf("set %s%s: %w", w.prefix, name, err)
	}
}

// readParam reads a parameter, "" if it does not exist.
func readParam(t *datamodel.Tree, path string) string {
	v, _, err := t.Get(path)
	if err != nil {
		return ""
	}
	return v
}

// timeValue formats t as a dateTime parameter value.
func timeValue(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ensureExecEnv gives a tree without execution environment (a new device,
// or one just factory reset) the simulated one, enabled, and the factory
// policy for reporting autonomous changes: all of them (TR-181
// ManagementServer.DUStateChangeComplPolicy, which otherwise starts
// disabled).
func (s *softwareModules) ensureExecEnv() {
	s.eeMu.Lock()
	defer s.eeMu.Unlock()
	t := s.h.tree()
	table := s.base() + "ExecEnv."
	ids, err := t.Instances(table)
	if err != nil || len(ids) > 0 {
		return // no SoftwareModules in this model, or already set up
	}
	i, err := t.AddInstance(table)
	if err != nil {
		s.h.log().Error("create the simulated execution environment", "err", err)
		return
	}
	w := &rowWriter{t: t, prefix: table + strconv.FormatUint(uint64(i), 10) + "."}
	w.set("Enable", "true")
	w.set("Status", "Up")
	w.set("Name", simExecEnvName)
	w.set("Type", simExecEnvType)
	w.set("Vendor", simExecEnvVendor)
	w.set("Version", simExecEnvVersion)
	w.set("CreatedAt", timeValue(s.h.now()))
	w.prefix = t.Model().Root.Path + "ManagementServer.DUStateChangeComplPolicy."
	w.set("Enable", "true")
	w.set("OperationTypeFilter", "Install,Update,Uninstall")
	w.set("ResultTypeFilter", "Both")
	w.set("FaultCodeFilter", "9001,9003,9012,9013,9015,9016,9017,9018,9022,9023,9024,9025,9026,9027,9028,9029,9030,9031,9032")
	if w.err != nil {
		s.h.log().Error("set up the simulated execution environment", "err", w.err)
	}
}

// execEnv is an ExecEnv row.
type execEnv struct {
	ref     string // "Device.SoftwareModules.ExecEnv.1", the form references take
	name    string
	typ     string
	enabled bool
}

// resolveExecEnv finds the execution environment ref names: the first one
// when ref is empty, else the row named by its full path, by the relative
// form of the cwmp-1-2.xsd examples (".SoftwareModules.ExecEnv.1."), with
// or without the final dot, by number or by "[alias]". 9023 when there is
// no such row.
func (s *softwareModules) resolveExecEnv(t *datamodel.Tree, ref string) (execEnv, *cwmp.Fault) {
	table := s.base() + "ExecEnv."
	ids, _ := t.Instances(table)
	if len(ref) > maxOpExecEnvRefLen {
		return execEnv{}, cwmp.NewFault(cwmp.FaultInvalidArguments, "ExecutionEnvRef is longer than %d bytes", maxOpExecEnvRefLen)
	}
	var id uint32
	switch {
	case ref == "":
		if len(ids) == 0 {
			return execEnv{}, cwmp.NewFault(cwmp.FaultUnknownExecutionEnv, "the device has no execution environment")
		}
		id = ids[0]
	default:
		p := strings.TrimSuffix(ref, ".")
		if strings.HasPrefix(p, ".") {
			p = strings.TrimSuffix(t.Model().Root.Path, ".") + p
		}
		key, ok := strings.CutPrefix(p, table)
		if ok && strings.HasPrefix(key, "[") && strings.HasSuffix(key, "]") {
			for _, i := range ids {
				if readParam(t, table+strconv.FormatUint(uint64(i), 10)+".Alias") == key[1:len(key)-1] {
					id = i
				}
			}
		} else if ok {
			n, err := strconv.ParseUint(key, 10, 32)
			if err == nil && slices.Contains(ids, uint32(n)) {
				id = uint32(n)
			}
		}
		if id == 0 {
			return execEnv{}, cwmp.NewFault(cwmp.FaultUnknownExecutionEnv, "ExecutionEnvRef %q names no execution environment (%s<n>)", clip(ref, 80), table)
		}
	}
	path := table + strconv.FormatUint(uint64(id), 10)
	enabled, _ := strconv.ParseBool(readParam(t, path+".Enable"))
	return execEnv{ref: path, name: readParam(t, path+".Name"), typ: readParam(t, path+".Type"), enabled: enabled}, nil
}

// duRow is a DeploymentUnit row.
type duRow struct {
	ref     string // "Device.SoftwareModules.DeploymentUnit.3"
	uuid    string
	version string
	url     string
	ee      string   // ExecutionEnvRef
	units   []string // ExecutionUnitList
}

// deploymentUnits lists the DeploymentUnit rows in instance order.
func (s *softwareModules) deploymentUnits(t *datamodel.Tree) []duRow {
	table := s.base() + "DeploymentUnit."
	ids, _ := t.Instances(table)
	rows := make([]duRow, 0, len(ids))
	for _, i := range ids {
		ref := table + strconv.FormatUint(uint64(i), 10)
		rows = append(rows, duRow{
			ref:     ref,
			uuid:    readParam(t, ref+".UUID"),
			version: readParam(t, ref+".Version"),
			url:     readParam(t, ref+".URL"),
			ee:      strings.TrimSuffix(readParam(t, ref+".ExecutionEnvRef"), "."),
			units:   datamodel.SplitList(readParam(t, ref+".ExecutionUnitList")),
		})
	}
	return rows
}

// maxDUFaultString bounds a result's FaultString, as transfers bound
// TransferComplete's (the XSD sets no limit here; ACS databases do).
const maxDUFaultString = 256

// duFault turns a fault into the DeploymentUnitFaultStruct of a result.
func duFault(f *cwmp.Fault) cwmp.DeploymentUnitFaultStruct {
	return cwmp.DeploymentUnitFaultStruct{FaultCode: f.Code, FaultString: clip(f.String, maxDUFaultString-3)}
}

// resultVersion is the Version a failed operation reports: the one it
// asked for, unless that is too long for OpResultStruct (32, cwmp-1-2.xsd).
func resultVersion(v string) string {
	if len(v) > maxOpVersionLen {
		return ""
	}
	return v
}

// checkOpStrings checks the lengths cwmp-1-2.xsd gives an operation's
// string arguments (9003).
func checkOpStrings(url, username, password, version string) *cwmp.Fault {
	switch {
	case len(url) > maxOpURLLen:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "URL is longer than %d bytes", maxOpURLLen)
	case len(username) > maxOpCredentialLen || len(password) > maxOpCredentialLen:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "Username or Password is longer than %d bytes", maxOpCredentialLen)
	case len(version) > maxOpVersionLen:
		return cwmp.NewFault(cwmp.FaultInvalidArguments, "Version is longer than %d bytes", maxOpVersionLen)
	}
	return nil
}

// fetch downloads and parses a package; 9018 when it is not one.
func (s *softwareModules) fetch(ctx context.Context, url, username, password string) (*duPackage, *cwmp.Fault) {
	ctx, cancel := context.WithTimeout(ctx, s.fetchTimeout)
	defer cancel()
	data, f := fetchDeploymentUnit(ctx, s.client, url, username, password)
	if f != nil {
		return nil, f
	}
	pkg, err := parseDeploymentUnit(data)
	if err != nil {
		return nil, cwmp.NewFault(cwmp.FaultFileCorrupted, "%s: %v", clip(url, 80), err)
	}
	return pkg, nil
}

// install applies an InstallOpStruct. A failed install leaves no row
// behind and reports CurrentState Failed (cwmp-1-2.xsd DeploymentUnitState:
// "the DU instance could not be created").
func (s *softwareModules) install(ctx context.Context, op *cwmp.InstallOpStruct) cwmp.OpResultStruct {
	t := s.h.tree()
	res := cwmp.OpResultStruct{UUID: nilUUID, CurrentState: cwmp.DUFailed, StartTime: s.h.now()}
	fail := func(f *cwmp.Fault) cwmp.OpResultStruct {
		res.CompleteTime = s.h.now()
		res.Fault = duFault(f)
		return res
	}
	if op.UUID != "" {
		if !validUUID(op.UUID) {
			return fail(cwmp.NewFault(cwmp.FaultInvalidUUID, "UUID %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", clip(op.UUID, 40)))
		}
		res.UUID = op.UUID
	}
	if op.URL == "" {
		return fail(cwmp.NewFault(cwmp.FaultInvalidArguments, "Install needs a URL"))
	}
	if f := checkOpStrings(op.URL, op.Username, op.Password, ""); f != nil {
		return fail(f)
	}
	ee, f := s.resolveExecEnv(t, op.ExecutionEnvRef)
	if f != nil {
		return fail(f)
	}
	if !ee.enabled {
		return fail(cwmp.NewFault(cwmp.FaultDisabledExecutionEnv, "execution environment %s is disabled", ee.ref))
	}
	pkg, f := s.fetch(ctx, op.URL, op.Username, op.Password)
	if f != nil {
		return fail(f)
	}
	res.Version = pkg.Version
	// TR-181 DeploymentUnit.UUID: the ACS's, or one the device generates
	// per Annex C; a package may carry its own, standing for a UUID
	// generated by whoever built it.
	uuid := op.UUID
	if uuid == "" {
		uuid = pkg.UUID
	}
	if uuid == "" {
		uuid = duUUID(pkg.Name, pkg.Vendor)
	}
	res.UUID = uuid
	if pkg.ExecEnvType != "" && !strings.EqualFold(pkg.ExecEnvType, ee.typ) {
		return fail(cwmp.NewFault(cwmp.FaultDUExecutionEnvMismatch, "the package is for a %q execution environment; %s is %q", pkg.ExecEnvType, ee.ref, ee.typ))
	}
	dus := s.deploymentUnits(t)
	for _, d := range dus {
		// TR-181 Annex C.1: a DU on a device is identified by UUID,
		// version and execution environment (the table's unique key).
		if strings.EqualFold(d.uuid, uuid) && d.version == pkg.Version && d.ee == ee.ref {
			return fail(cwmp.NewFault(cwmp.FaultDuplicateDU, "version %s of DU %s is already installed on %s as %s", pkg.Version, uuid, ee.ref, d.ref))
		}
	}
	if len(dus) >= maxDeploymentUnits {
		return fail(cwmp.NewFault(cwmp.FaultSystemResourcesExceeded, "the device holds its maximum of %d deployment units", maxDeploymentUnits))
	}
	ref, units, f := s.createDU(t, ee, uuid, op.URL, pkg)
	if f != nil {
		return fail(f)
	}
	res.DeploymentUnitRef = ref
	res.CurrentState = cwmp.DUInstalled
	res.Resolved = true
	res.ExecutionUnitRefList = strings.Join(units, ",")
	res.CompleteTime = s.h.now()
	return res
}

// rowFault maps a failure to create or set rows to a result fault:
// a full table is 9027, anything else 9001 (DeploymentUnitFaultStruct
// does not allow 9002).
func rowFault(err error) *cwmp.Fault {
	if f, ok := cwmp.AsFault(err); ok && f.Code == cwmp.FaultResourcesExceeded {
		return cwmp.NewFault(cwmp.FaultSystemResourcesExceeded, "%s", f.String)
	}
	return cwmp.NewFault(cwmp.FaultRequestDenied, "%v", err)
}

// createDU creates the DeploymentUnit row and one ExecutionUnit row per
// unit, or on failure nothing.
func (s *softwareModules) createDU(t *datamodel.Tree, ee execEnv, uuid, url string, pkg *duPackage) (string, []string, *cwmp.Fault) {
	table := s.base() + "DeploymentUnit."
	i, err := t.AddInstance(table)
	if err != nil {
		return "", nil, rowFault(err)
	}
	ref := table + strconv.FormatUint(uint64(i), 10)
	duid := fmt.Sprintf("%s-DU-%d", ee.name, i)
	units, err := s.syncUnits(t, ref, duid, ee, nil, pkg)
	w := &rowWriter{t: t, prefix: ref + ".", err: err}
	w.set("UUID", uuid)
	w.set("DUID", duid)
	w.set("Name", pkg.Name)
	w.set("Status", "Installed")
	w.set("Resolved", "true")
	w.set("URL", url)
	w.set("Description", pkg.Description)
	w.set("Vendor", pkg.Vendor)
	w.set("Version", pkg.Version)
	w.set("ExecutionUnitList", strings.Join(units, ","))
	w.set("ExecutionEnvRef", ee.ref)
	w.set("Installed", timeValue(s.h.now()))
	if w.err != nil {
		for _, u := range units {
			_ = t.DeleteInstance(u + ".")
		}
		_ = t.DeleteInstance(ref + ".")
		return "", nil, rowFault(w.err)
	}
	return ref, units, nil
}

// syncUnits makes the ExecutionUnit rows of DU ref those of pkg: rows in
// have whose Name is still a unit of pkg are kept and updated, the others
// deleted, and a row is created for each new unit. It returns the rows in
// package order. On an error the rows it created are deleted again.
func (s *softwareModules) syncUnits(t *datamodel.Tree, ref, duid string, ee execEnv, have []string, pkg *duPackage) ([]string, error) {
	table := s.base() + "ExecutionUnit."
	byName := make(map[string]string, len(have))
	for _, u := range have {
		byName[readParam(t, u+".Name")] = u
	}
	var out, created []string
	undo := func(err error) ([]string, error) {
		for _, u := range created {
			_ = t.DeleteInstance(u + ".")
		}
		return nil, err
	}
	for _, name := range pkg.Units {
		u, ok := byName[name]
		if ok {
			delete(byName, name)
		} else {
			j, err := t.AddInstance(table)
			if err != nil {
				return undo(err)
			}
			u = table + strconv.FormatUint(uint64(j), 10)
			created = append(created, u)
			w := &rowWriter{t: t, prefix: u + "."}
			// TR-181 EUID: unique across execution environments, so the
			// EE's name with a number local to it.
			w.set("EUID", fmt.Sprintf("%s-EU-%d", ee.name, j))
			w.set("Name", name)
			w.set("ExecEnvLabel", duid+"/"+name)
			w.set("Status", "Idle")
			w.set("ExecutionFaultCode", "NoFault")
			w.set("ExecutionEnvRef", ee.ref)
			if w.err != nil {
				return undo(w.err)
			}
		}
		w := &rowWriter{t: t, prefix: u + "."}
		w.set("Vendor", pkg.Vendor)
		w.set("Version", pkg.Version)
		w.set("Description", pkg.Description)
		if w.err != nil {
			return undo(w.err)
		}
		out = append(out, u)
	}
	for _, u := range byName {
		_ = t.DeleteInstance(u + ".")
	}
	return out, nil
}

// update applies an UpdateOpStruct: to the DU with UUID (and Version, which
// is needed when several versions are installed: 9031), else to the DUs
// installed from URL, else to every DU, each from URL when given or else
// from the URL it was installed from. Each DU updated gives a result, in
// instance order; no DU matching gives one 9028 result. A DU that fails to
// update stays as it was: CurrentState Installed.
func (s *softwareModules) update(ctx context.Context, op *cwmp.UpdateOpStruct) []cwmp.OpResultStruct {
	t := s.h.tree()
	start := s.h.now()
	// A failure here touched no DU: CurrentState is Installed when DUs
	// with the UUID are (and stay) installed, else Failed.
	fail := func(uuid string, f *cwmp.Fault) []cwmp.OpResultStruct {
		state := cwmp.DUFailed
		if !validUUID(uuid) {
			uuid = nilUUID
		}
		for _, d := range s.deploymentUnits(t) {
			if strings.EqualFold(d.uuid, uuid) {
				state = cwmp.DUInstalled
			}
		}
		return []cwmp.OpResultStruct{{UUID: uuid, Version: resultVersion(op.Version), CurrentState: state,
			StartTime: start, CompleteTime: s.h.now(), Fault: duFault(f)}}
	}
	if op.UUID != "" && !validUUID(op.UUID) {
		return fail("", cwmp.NewFault(cwmp.FaultInvalidUUID, "UUID %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", clip(op.UUID, 40)))
	}
	if f := checkOpStrings(op.URL, op.Username, op.Password, op.Version); f != nil {
		return fail(op.UUID, f)
	}
	var targets []duRow
	versions := make(map[string]bool)
	for _, d := range s.deploymentUnits(t) {
		switch {
		case op.UUID != "":
			if !strings.EqualFold(d.uuid, op.UUID) || op.Version != "" && d.version != op.Version {
				continue
			}
		case op.URL != "":
			if d.url != op.URL {
				continue
			}
		}
		targets = append(targets, d)
		versions[d.version] = true
	}
	switch {
	case len(targets) == 0 && op.UUID != "":
		what := op.UUID
		if op.Version != "" {
			what += " version " + op.Version
		}
		return fail(op.UUID, cwmp.NewFault(cwmp.FaultUnknownDU, "no deployment unit %s is installed", what))
	case len(targets) == 0 && op.URL != "":
		return fail("", cwmp.NewFault(cwmp.FaultUnknownDU, "no deployment unit was installed from %s", clip(op.URL, 80)))
	case len(targets) == 0:
		return fail("", cwmp.NewFault(cwmp.FaultUnknownDU, "no deployment unit is installed"))
	case op.UUID != "" && op.Version == "" && len(versions) > 1:
		return fail(op.UUID, cwmp.NewFault(cwmp.FaultDUVersionNotSpecified, "versions %s of DU %s are installed; say which to update", strings.Join(slices.Sorted(maps.Keys(versions)), ", "), op.UUID))
	}
	results := make([]cwmp.OpResultStruct, 0, len(targets))
	for _, d := range targets {
		results = append(results, s.updateDU(ctx, t, d, op))
	}
	return results
}

// updateDU updates one DU.
func (s *softwareModules) updateDU(ctx context.Context, t *datamodel.Tree, d duRow, op *cwmp.UpdateOpStruct) cwmp.OpResultStruct {
	res := cwmp.OpResultStruct{UUID: d.uuid, DeploymentUnitRef: d.ref, Version: d.version, CurrentState: cwmp.DUInstalled,
		Resolved: readParam(t, d.ref+".Resolved") == "true", ExecutionUnitRefList: strings.Join(d.units, ","), StartTime: s.h.now()}
	fail := func(f *cwmp.Fault) cwmp.OpResultStruct {
		res.CompleteTime = s.h.now()
		res.Fault = duFault(f)
		return res
	}
	ee, f := s.resolveExecEnv(t, d.ee)
	if f != nil {
		return fail(f)
	}
	if !ee.enabled {
		return fail(cwmp.NewFault(cwmp.FaultDisabledExecutionEnv, "execution environment %s is disabled", ee.ref))
	}
	url := op.URL
	if url == "" {
		url = d.url
	}
	_ = t.Set(d.ref+".Status", "Updating")
	pkg, f := s.fetch(ctx, url, op.Username, op.Password)
	if f == nil {
		f = s.checkUpdate(t, d, ee, pkg)
	}
	if f != nil {
		_ = t.Set(d.ref+".Status", "Installed")
		return fail(f)
	}
	units, err := s.syncUnits(t, d.ref, readParam(t, d.ref+".DUID"), ee, d.units, pkg)
	w := &rowWriter{t: t, prefix: d.ref + ".", err: err}
	w.set("Name", pkg.Name)
	w.set("Description", pkg.Description)
	w.set("Vendor", pkg.Vendor)
	w.set("Version", pkg.Version)
	w.set("URL", url)
	w.set("Resolved", "true")
	w.set("ExecutionUnitList", strings.Join(units, ","))
	w.set("LastUpdate", timeValue(s.h.now()))
	_ = t.Set(d.ref+".Status", "Installed")
	if w.err != nil {
		return fail(rowFault(w.err))
	}
	res.Version = pkg.Version
	res.Resolved = true
	res.ExecutionUnitRefList = strings.Join(units, ",")
	res.CompleteTime = s.h.now()
	return res
}

// checkUpdate checks that pkg may replace DU d. The simulated execution
// environment does not downgrade (9030) and does not install a version
// that is this DU's or another installed DU's of the same UUID on the same
// environment (9032, which would break the table's unique key). A package
// carrying a UUID must carry d's (9018: it is another DU).
func (s *softwareModules) checkUpdate(t *datamodel.Tree, d duRow, ee execEnv, pkg *duPackage) *cwmp.Fault {
	if pkg.UUID != "" && !strings.EqualFold(pkg.UUID, d.uuid) {
		return cwmp.NewFault(cwmp.FaultFileCorrupted, "the package is DU %s, not %s", pkg.UUID, d.uuid)
	}
	if pkg.ExecEnvType != "" && !strings.EqualFold(pkg.ExecEnvType, ee.typ) {
		return cwmp.NewFault(cwmp.FaultDUExecutionEnvMismatch, "the package is for a %q execution environment; %s is %q", pkg.ExecEnvType, ee.ref, ee.typ)
	}
	switch c := compareVersions(pkg.Version, d.version); {
	case c == 0:
		return cwmp.NewFault(cwmp.FaultDUVersionExists, "%s already is version %s", d.ref, d.version)
	case c < 0:
		return cwmp.NewFault(cwmp.FaultDUDowngradeNotPermitted, "version %s is older than the installed %s; the execution environment does not downgrade", pkg.Version, d.version)
	}
	for _, o := range s.deploymentUnits(t) {
		if o.ref != d.ref && strings.EqualFold(o.uuid, d.uuid) && o.ee == d.ee && compareVersions(o.version, pkg.Version) == 0 {
			return cwmp.NewFault(cwmp.FaultDUVersionExists, "version %s of DU %s is already installed as %s", pkg.Version, d.uuid, o.ref)
		}
	}
	return nil
}

// uninstall applies an UninstallOpStruct: every DU with UUID, of Version
// when given (else all versions, cwmp-1-2.xsd), on ExecutionEnvRef when
// given. Each DU removed gives a result, in instance order, whose
// DeploymentUnitRef and ExecutionUnitRefList name the rows removed
// (cwmp-1-2.xsd: "the execution units are those removed"); instance
// numbers are never reused, so they cannot be mistaken for new rows. No
// DU matching gives one 9028 result with CurrentState Uninstalled: no such
// DU is installed.
func (s *softwareModules) uninstall(op *cwmp.UninstallOpStruct) []cwmp.OpResultStruct {
	t := s.h.tree()
	start := s.h.now()
	fail := func(state string, f *cwmp.Fault) []cwmp.OpResultStruct {
		uuid := op.UUID
		if !validUUID(uuid) {
			uuid = nilUUID
		}
		return []cwmp.OpResultStruct{{UUID: uuid, Version: resultVersion(op.Version), CurrentState: state,
			StartTime: start, CompleteTime: s.h.now(), Fault: duFault(f)}}
	}
	switch {
	case op.UUID == "":
		return fail(cwmp.DUFailed, cwmp.NewFault(cwmp.FaultInvalidArguments, "Uninstall needs the UUID of the deployment unit"))
	case !validUUID(op.UUID):
		return fail(cwmp.DUFailed, cwmp.NewFault(cwmp.FaultInvalidUUID, "UUID %q is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", clip(op.UUID, 40)))
	}
	if f := checkOpStrings("", "", "", op.Version); f != nil {
		return fail(cwmp.DUFailed, f)
	}
	eeRef := ""
	if op.ExecutionEnvRef != "" {
		ee, f := s.resolveExecEnv(t, op.ExecutionEnvRef)
		if f != nil {
			return fail(cwmp.DUFailed, f)
		}
		eeRef = ee.ref
	}
	var results []cwmp.OpResultStruct
	for _, d := range s.deploymentUnits(t) {
		if !strings.EqualFold(d.uuid, op.UUID) || op.Version != "" && d.version != op.Version || eeRef != "" && d.ee != eeRef {
			continue
		}
		results = append(results, s.uninstallDU(t, d))
	}
	if len(results) == 0 {
		what := op.UUID
		if op.Version != "" {
			what += " version " + op.Version
		}
		if eeRef != "" {
			what += " on " + eeRef
		}
		return fail(cwmp.DUUninstalled, cwmp.NewFault(cwmp.FaultUnknownDU, "no deployment unit %s is installed", what))
	}
	return results
}

// uninstallDU removes DU d and its execution units.
func (s *softwareModules) uninstallDU(t *datamodel.Tree, d duRow) cwmp.OpResultStruct {
	res := cwmp.OpResultStruct{UUID: d.uuid, DeploymentUnitRef: d.ref, Version: d.version, CurrentState: cwmp.DUInstalled,
		Resolved: readParam(t, d.ref+".Resolved") == "true", ExecutionUnitRefList: strings.Join(d.units, ","), StartTime: s.h.now()}
	ee, f := s.resolveExecEnv(t, d.ee)
	if f == nil && !ee.enabled {
		f = cwmp.NewFault(cwmp.FaultDisabledExecutionEnv, "execution environment %s is disabled", ee.ref)
	}
	if f != nil {
		res.CompleteTime = s.h.now()
		res.Fault = duFault(f)
		return res
	}
	_ = t.Set(d.ref+".Status", "Uninstalling")
	for _, u := range d.units {
		_ = t.DeleteInstance(u + ".")
	}
	if err := t.DeleteInstance(d.ref + "."); err != nil {
		_ = t.Set(d.ref+".Status", "Installed")
		res.CompleteTime = s.h.now()
		res.Fault = duFault(rowFault(err))
		return res
	}
	res.CurrentState = cwmp.DUUninstalled
	res.Resolved = false
	res.CompleteTime = s.h.now()
	return res
}

// policyAllows reports whether the ManagementServer.DUStateChangeComplPolicy
// of the tree lets an autonomous result be reported (TR-181): Enable, the
// operation in OperationTypeFilter, and by ResultTypeFilter a success, or a
// failure whose code is in FaultCodeFilter. A model without the object
// reports everything.
func (s *softwareModules) policyAllows(r cwmp.AutonOpResultStruct) bool {
	t := s.h.tree()
	p := t.Model().Root.Path + "ManagementServer.DUStateChangeComplPolicy."
	if t.Model().Object(p) == nil {
		return true
	}
	if on, _ := strconv.ParseBool(readParam(t, p+"Enable")); !on {
		return false
	}
	if !slices.Contains(datamodel.SplitList(readParam(t, p+"OperationTypeFilter")), r.OperationPerformed) {
		return false
	}
	rt := readParam(t, p+"ResultTypeFilter")
	if r.Fault.FaultCode == 0 {
		return rt == "Success" || rt == "Both"
	}
	if rt != "Failure" && rt != "Both" {
		return false
	}
	return slices.Contains(datamodel.SplitList(readParam(t, p+"FaultCodeFilter")), strconv.FormatUint(uint64(r.Fault.FaultCode), 10))
}
