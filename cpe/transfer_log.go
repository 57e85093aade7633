package cpe

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The vendor log file that Upload of FileType "2 Vendor Log File" sends
// (TR-069 Amendment 6 A.4.1.5): the agent's most recent log records, as
// text, one per line. It lives in memory only, bounded by vendorLogLines
// lines of at most vendorLogLineMax bytes each (about 64 KiB), and is lost
// on restart, as a small device's RAM log is.

const (
	vendorLogLines   = 256
	vendorLogLineMax = 256
)

// vendorLog is a ring of the most recent log lines. It is safe for
// concurrent use.
type vendorLog struct {
	mu    sync.Mutex
	lines []string // ring buffer, oldest at next once full
	next  int
}

// add appends a line, dropping the oldest once the ring is full.
func (l *vendorLog) add(line string) {
	if len(line) > vendorLogLineMax {
		line = line[:vendorLogLineMax]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) < vendorLogLines {
		l.lines = append(l.lines, line)
		return
	}
	l.lines[l.next] = line
	l.next = (l.next + 1) % vendorLogLines
}

// bytes returns the log, oldest line first, each ending in a newline.
func (l *vendorLog) bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b bytes.Buffer
	for i := range l.lines {
		b.WriteString(l.lines[(l.next+i)%len(l.lines)])
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// reset forgets every line (FactoryReset).
func (l *vendorLog) reset() {
	l.mu.Lock()
	l.lines, l.next = nil, 0
	l.mu.Unlock()
}

// vendorLogHandler is an slog.Handler that copies every record it handles
// into a vendorLog before passing it on, so that the uploaded log holds
// what the agent logged: its sessions, events and transfers.
type vendorLogHandler struct {
	log    *vendorLog
	next   slog.Handler
	prefix string // attributes and groups added with WithAttrs and WithGroup, formatted
	group  string // current group, "" or "a.b."
}

// Enabled copies records at Info and above whatever next wants, so the
// vendor log does not depend on the agent's log level.
func (h *vendorLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.next.Enabled(ctx, l)
}

func (h *vendorLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelInfo {
		h.log.add(formatRecord(r, h.prefix, h.group))
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *vendorLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.prefix)
	for _, a := range as {
		appendAttr(&b, h.group, a)
	}
	return &vendorLogHandler{log: h.log, next: h.next.WithAttrs(as), prefix: b.String(), group: h.group}
}

func (h *vendorLogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return &vendorLogHandler{log: h.log, next: h.next.WithGroup(name), prefix: h.prefix, group: h.group + name + "."}
}

// formatRecord is a record as a line of the vendor log: time, level,
// message, then key=value attributes (prefix holds those added with
// WithAttrs, group the current group).
func formatRecord(r slog.Record, prefix, group string) string {
	var b strings.Builder
	b.WriteString(r.Time.UTC().Format(time.RFC3339))
	b.WriteByte(' ')
	b.WriteString(r.Level.String())
	b.WriteByte(' ')
	b.WriteString(r.Message)
	b.WriteString(prefix)
	r.Attrs(func(a slog.Attr) bool {
		appendAttr(&b, group, a)
		return true
	})
	return b.String()
}

// appendAttr writes " key=value", groups flattened into dotted keys.
func appendAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		g := group
		if a.Key != "" {
			g += a.Key + "."
		}
		for _, ga := range a.Value.Group() {
			appendAttr(b, g, ga)
		}
		return
	}
	v := a.Value.String()
	if v == "" || strings.ContainsAny(v, " \t\r\n\"=") {
		v = strconv.Quote(v)
	}
	fmt.Fprintf(b, " %s%s=%s", group, a.Key, v)
}

// logHandler wraps the agent's log handler so that what the agent logs
// goes into the vendor log too. The Agent builds its logger with it.
func (t *transfers) logHandler(next slog.Handler) slog.Handler {
	t.teed.Store(true)
	return &vendorLogHandler{log: &t.vlog, next: next}
}

// info logs a transfer's progress. Until the agent's logger goes through
// logHandler, the line is also put into the vendor log directly, so that
// the uploaded log tells of the device's transfers in any case.
func (t *transfers) info(msg string, args ...any) {
	t.h.log().Info(msg, args...)
	if t.teed.Load() {
		return
	}
	r := slog.NewRecord(t.h.now(), slog.LevelInfo, msg, 0)
	r.Add(args...)
	t.vlog.add(formatRecord(r, "", ""))
}
