package datamodel

import (
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
)

// The BBF's full data-model files, gzipped and unmodified (models/README.md
// says where each comes from). About 0.7 MB compressed for 6 MB of XML.
//
//go:embed models/*.xml.gz
var modelFiles embed.FS

// builtinFiles maps each built-in model to its file in models/ (without
// ".gz").
var builtinFiles = map[string]string{
	"Device:2.17":                "tr-181-2-17-0-cwmp-full.xml",
	"InternetGatewayDevice:1.14": "tr-098-1-8-0-full.xml",
	"Device:1.14":                "tr-181-1-7-0-full.xml",
}

// builtins loads each built-in model on first use, once.
var builtins = func() map[string]func() (*Model, error) {
	m := make(map[string]func() (*Model, error), len(builtinFiles))
	for name := range builtinFiles {
		m[name] = sync.OnceValues(func() (*Model, error) { return loadBuiltin(name) })
	}
	return m
}()

// Builtin returns one of the embedded models (see BuiltinNames): TR-181
// Issue 2 "Device:2.17", TR-098 "InternetGatewayDevice:1.14" or TR-181
// Issue 1 "Device:1.14". The first call for a model loads it (Device:2.17:
// about 130 ms and 33 MB allocated, 6 MB of which it keeps; see
// BenchmarkLoadDevice2); later calls return the same *Model. Safe for
// concurrent use.
func Builtin(name string) (*Model, error) {
	load := builtins[name]
	if load == nil {
		return nil, fmt.Errorf("datamodel: no built-in model %q (there are %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return load()
}

// BuiltinNames returns the names of the embedded models, sorted.
func BuiltinNames() []string {
	return slices.Sorted(maps.Keys(builtinFiles))
}

// loadBuiltin loads an embedded model from its compressed file, uncached.
func loadBuiltin(name string) (*Model, error) {
	dir, err := fs.Sub(modelFiles, "models")
	if err != nil {
		return nil, err
	}
	doc, err := LoadDocument(dir, builtinFiles[name])
	if err != nil {
		return nil, err
	}
	m := doc.Model(name)
	if m == nil {
		return nil, fmt.Errorf("datamodel: %s defines no model %q", doc.File, name)
	}
	return m, nil
}
