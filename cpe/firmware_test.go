package cpe

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/cwmpkit/cwmpkit/cwmp"
)

// verifyFirmware runs an image through the verifier in chunks of n bytes,
// as a download delivers it.
func verifyFirmware(img []byte, n int) (*firmwareHeader, error) {
	v := newFirmwareVerifier()
	for len(img) > 0 {
		c := min(n, len(img))
		if _, err := v.Write(img[:c]); err != nil {
			return nil, err
		}
		img = img[c:]
	}
	return v.finish()
}

func TestFirmwareRoundTrip(t *testing.T) {
	payload := bytes.Repeat([]byte("firmware\n\n"), 1000)
	images := map[string]FirmwareImage{
		"BuildFirmware": {Version: "3.1.4-rc1", Payload: payload},
		"product class": {Version: "1.0", ProductClass: "HG100", Payload: payload},
		"empty payload": {Version: "0.0.1"},
	}
	for name, img := range images {
		b := img.Bytes()
		if name == "BuildFirmware" {
			b = BuildFirmware(img.Version, img.Payload)
		}
		for _, n := range []int{1, 2, 3, 7, 64, len(b)} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				h, err := verifyFirmware(b, n)
				if err != nil {
					t.Fatal(err)
				}
				if h.version != img.Version || h.productClass != img.ProductClass || h.size != int64(len(img.Payload)) || h.sum != sha256.Sum256(img.Payload) {
					t.Fatalf("header %+v, want %+v", h, img)
				}
			})
		}
	}
}

func TestFirmwareFormat(t *testing.T) {
	b := BuildFirmware("2.0", []byte("hello"))
	want := "CWMPKIT-FW1\nVersion: 2.0\nPayload-Size: 5\n" +
		"Payload-SHA256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\n\nhello"
	if string(b) != want {
		t.Fatalf("BuildFirmware:\n%q\nwant\n%q", b, want)
	}
	// What FIRMWARE.md says a hand-made image may do: CRLF, any case, no
	// size, unknown keys.
	hand := "CWMPKIT-FW1\r\nversion:2.0\r\nX-Built-By: make\r\npayload-sha256: 2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824\r\n\r\nhello"
	h, err := verifyFirmware([]byte(hand), 4)
	if err != nil || h.version != "2.0" || h.size != -1 {
		t.Fatalf("hand-made image: %+v, %v", h, err)
	}
}

func TestFirmwareRejected(t *testing.T) {
	sum := fmt.Sprintf("%x", sha256.Sum256([]byte("hello")))
	image := func(header string) string { return "CWMPKIT-FW1\n" + header + "\n\nhello" }
	tests := []struct {
		name, image string
		want        cwmp.FaultCode
	}{
		{"empty", "", cwmp.FaultFileCorrupted},
		{"short", "CWMP", cwmp.FaultFileCorrupted},
		{"other magic", "CWMPKIT-FW2\nVersion: 1\n\n", cwmp.FaultFileCorrupted},
		{"a zip", "PK\x03\x04 not firmware", cwmp.FaultFileCorrupted},
		{"no blank line", "CWMPKIT-FW1\nVersion: 1\nPayload-SHA256: " + sum + "\n", cwmp.FaultFileCorrupted},
		{"huge header", "CWMPKIT-FW1\n" + strings.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaa\n", 400), cwmp.FaultFileCorrupted},
		{"no version", image("Payload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"empty version", image("Version:\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"long version", image("Version: " + strings.Repeat("9", 65) + "\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"control in version", image("Version: 1\x00\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"no sum", image("Version: 1"), cwmp.FaultFileCorrupted},
		{"short sum", image("Version: 1\nPayload-SHA256: abcd"), cwmp.FaultFileCorrupted},
		{"no colon", image("Version 1\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"twice", image("Version: 1\nversion: 2\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"bad size", image("Version: 1\nPayload-Size: -5\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"wrong size", image("Version: 1\nPayload-Size: 6\nPayload-SHA256: " + sum), cwmp.FaultFileCorrupted},
		{"wrong sum", image("Version: 1\nPayload-SHA256: " + strings.Repeat("0", 64)), cwmp.FaultFileAuthentication},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{1, 5, len(tt.image) + 1} {
				_, err := verifyFirmware([]byte(tt.image), n)
				f, ok := cwmp.AsFault(err)
				if !ok || f.Code != tt.want {
					t.Fatalf("chunks of %d: %v, want fault %d", n, err, tt.want)
				}
			}
		})
	}
}
