package cwmp

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzRoundTrip feeds arbitrary bytes to Decode. Whatever decodes must encode,
// decode again, and encode to the same bytes: decoding never loses what it
// accepted, and encoding writes only what decoding reads back. Decode must
// never panic. The seed corpus is the golden messages, the device envelopes
// and testdata/fuzz/FuzzRoundTrip (committed, partly from earlier fuzz runs).
func FuzzRoundTrip(f *testing.F) {
	for _, dir := range []string{"golden", "devices"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.xml"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Decode(data)
		if err != nil {
			return
		}
		if _, unknown := env.Body.(*UnknownMessage); unknown {
			return
		}
		if env.Namespace == "" {
			env.Namespace = NS12
		}
		b1, err := Encode(env)
		if err != nil {
			t.Fatalf("decoded envelope does not encode: %v", err)
		}
		env2, err := Decode(b1)
		if err != nil {
			t.Fatalf("encoded envelope does not decode: %v\n%s", err, b1)
		}
		if env2.Namespace != env.Namespace {
			// Only an envelope without a single CWMP element (a SOAP-level
			// fault and no header) has no namespace to carry.
			if f, ok := env2.Body.(*Fault); !ok || f.Code != 0 || !reflect.DeepEqual(env2.Header, Header{}) || env2.Namespace != "" {
				t.Fatalf("namespace changed from %q to %q", env.Namespace, env2.Namespace)
			}
			env2.Namespace = env.Namespace
		}
		b2, err := Encode(env2)
		if err != nil {
			t.Fatalf("second encode: %v", err)
		}
		if !bytes.Equal(b1, b2) {
			t.Fatalf("round trip is not stable:\nfirst  %s\nsecond %s", b1, b2)
		}
	})
}
