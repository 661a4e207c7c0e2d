package filters

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"gocv.io/x/gocv"
)

// Kind is the type of a filter parameter, for CLIs and GUIs.
type Kind string

const (
	KindInt    Kind = "int"
	KindFloat  Kind = "float"
	KindColor  Kind = "color" // hex RRGGBB, e.g. 00ff00 (a leading # is accepted)
	KindPath   Kind = "path"
	KindString Kind = "string"
	KindBool   Kind = "bool"
)

// Param describes one parameter of a filter. Min and Max are set for int and
// float parameters (inclusive bounds, as text); Choices, when set, lists the
// only accepted values of a string parameter. Default is the value used when
// the spec omits the parameter ("" = unset for path and string parameters).
type Param struct {
	Name    string
	Kind    Kind
	Default string
	Min     string
	Max     string
	Choices []string
	Help    string
}

// Info describes a registered filter.
type Info struct {
	Name    string
	Summary string
	Params  []Param
}

// Param returns the named parameter of the filter, if it has one.
func (in Info) Param(name string) (Param, bool) {
	for _, p := range in.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Allowed is a human-readable description of the values the parameter accepts.
func (p Param) Allowed() string {
	switch p.Kind {
	case KindInt:
		return fmt.Sprintf("integer in %s..%s", p.Min, p.Max)
	case KindFloat:
		return fmt.Sprintf("number in %s..%s", p.Min, p.Max)
	case KindColor:
		return "hex colour RRGGBB, e.g. 00ff00"
	case KindBool:
		return "true or false"
	case KindPath:
		return "path to a readable file"
	}
	if len(p.Choices) > 0 {
		return "one of " + strings.Join(p.Choices, "|")
	}
	return "any text"
}

// ---- spec syntax ----
//
//	spec   = name [ ":" pair { "," pair } ]
//	pair   = key "=" value
//
// In values a backslash escapes the next character, so "\," "\=" and "\\"
// stand for a literal comma, equals sign and backslash. Spec() escapes the
// same way, so Parse(f.Spec()) always round-trips.

// splitSpec splits a spec into its name and its raw key/value pairs.
func splitSpec(spec string) (name string, keys []string, vals map[string]string, err error) {
	spec = strings.TrimSpace(spec)
	name, rest, hasParams := strings.Cut(spec, ":")
	name = strings.ToLower(strings.TrimSpace(name))
	vals = map[string]string{}
	if !hasParams || strings.TrimSpace(rest) == "" {
		return name, nil, vals, nil
	}
	var pairs []string
	var cur strings.Builder
	escaped := false
	for _, r := range rest {
		switch {
		case escaped:
			if r != ',' && r != '=' && r != '\\' {
				cur.WriteByte('\\')
			}
			cur.WriteRune(r)
			escaped = false
			continue
		case r == '\\':
			escaped = true
			continue
		case r == ',':
			pairs = append(pairs, cur.String())
			cur.Reset()
			continue
		case r == '=':
			// Mark the first unescaped '=' of a pair with a NUL so that an
			// escaped '=' stays part of the key or value.
			cur.WriteByte(0)
			continue
		}
		cur.WriteRune(r)
	}
	if escaped {
		cur.WriteByte('\\')
	}
	pairs = append(pairs, cur.String())
	for _, p := range pairs {
		if strings.TrimSpace(p) == "" {
			continue
		}
		k, v, ok := strings.Cut(p, "\x00")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			return name, nil, nil, &ParamError{Filter: name, Param: strings.ReplaceAll(k, "\x00", "="), Value: strings.ReplaceAll(p, "\x00", "="), Allowed: "key=value pairs separated by commas"}
		}
		v = strings.ReplaceAll(v, "\x00", "=") // further '=' belong to the value
		if _, dup := vals[k]; dup {
			return name, nil, nil, &ParamError{Filter: name, Param: k, Value: v, Allowed: "each parameter at most once"}
		}
		keys = append(keys, k)
		vals[k] = strings.TrimSpace(v)
	}
	return name, keys, vals, nil
}

func escapeValue(v string) string {
	if !strings.ContainsAny(v, ",=\\") {
		return v
	}
	var b strings.Builder
	for _, r := range v {
		if r == ',' || r == '=' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// formatSpec builds "name:k1=v1,k2=v2" from alternating keys and values;
// pairs with an empty value are left out.
func formatSpec(name string, kv ...string) string {
	var b strings.Builder
	b.WriteString(name)
	sep := ":"
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(escapeValue(kv[i+1]))
		sep = ","
	}
	return b.String()
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
func fmtInt(i int) string       { return strconv.Itoa(i) }
func fmtBool(b bool) string     { return strconv.FormatBool(b) }

// ---- typed access to the parsed parameters ----

// args are the parameters of one spec, checked against the filter's Info.
type args struct {
	info *Info
	vals map[string]string
}

func newArgs(info *Info, keys []string, vals map[string]string) (*args, error) {
	for _, k := range keys {
		if _, ok := info.Param(k); !ok {
			names := make([]string, len(info.Params))
			for i, p := range info.Params {
				names[i] = p.Name
			}
			allowed := "no parameters"
			if len(names) > 0 {
				allowed = "parameters " + strings.Join(names, ", ")
			}
			return nil, &ParamError{Filter: info.Name, Param: k, Value: vals[k], Allowed: "unknown parameter; " + info.Name + " takes " + allowed}
		}
	}
	return &args{info: info, vals: vals}, nil
}

func (a *args) param(name string) Param {
	p, ok := a.info.Param(name)
	if !ok {
		panic("filters: " + a.info.Name + " reads undeclared parameter " + name)
	}
	return p
}

// raw is the given value or the default.
func (a *args) raw(name string) (string, Param) {
	p := a.param(name)
	if v, ok := a.vals[name]; ok {
		return v, p
	}
	return p.Default, p
}

// given reports whether the spec set the parameter explicitly.
func (a *args) given(name string) bool { _, ok := a.vals[name]; return ok }

func (a *args) bad(p Param, v string) error {
	return &ParamError{Filter: a.info.Name, Param: p.Name, Value: v, Allowed: p.Allowed()}
}

func (a *args) int(name string) (int, error) {
	v, p := a.raw(name)
	i, err := strconv.Atoi(v)
	if err != nil {
		return 0, a.bad(p, v)
	}
	return i, nil
}

func (a *args) float(name string) (float64, error) {
	v, p := a.raw(name)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, a.bad(p, v)
	}
	return f, nil
}

func (a *args) bool(name string) (bool, error) {
	v, p := a.raw(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, a.bad(p, v)
	}
	return b, nil
}

func (a *args) color(name string) (color.RGBA, error) {
	v, p := a.raw(name)
	c, ok := parseHexColor(v)
	if !ok {
		return color.RGBA{}, a.bad(p, v)
	}
	return c, nil
}

func (a *args) str(name string) string { v, _ := a.raw(name); return v }

// parseHexColor parses RRGGBB (optionally prefixed by # or 0x).
func parseHexColor(s string) (color.RGBA, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "#"), "0x")
	if len(s) != 6 {
		return color.RGBA{}, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{R: uint8(n >> 16), G: uint8(n >> 8), B: uint8(n), A: 255}, true
}

func hexColor(c color.RGBA) string { return fmt.Sprintf("%02x%02x%02x", c.R, c.G, c.B) }

// ---- range checks used by the constructors (the single source of the
// bounds is the filter's Info, so List() and validation cannot disagree) ----

func paramOf(info *Info, name string) Param {
	p, ok := info.Param(name)
	if !ok {
		panic("filters: " + info.Name + " has no parameter " + name)
	}
	return p
}

func checkInt(info *Info, name string, v int) error {
	p := paramOf(info, name)
	lo, _ := strconv.Atoi(p.Min)
	hi, _ := strconv.Atoi(p.Max)
	if v < lo || v > hi {
		return &ParamError{Filter: info.Name, Param: name, Value: fmtInt(v), Allowed: p.Allowed()}
	}
	return nil
}

func checkFloat(info *Info, name string, v float64) error {
	p := paramOf(info, name)
	lo, _ := strconv.ParseFloat(p.Min, 64)
	hi, _ := strconv.ParseFloat(p.Max, 64)
	if math.IsNaN(v) || v < lo || v > hi {
		return &ParamError{Filter: info.Name, Param: name, Value: fmtFloat(v), Allowed: p.Allowed()}
	}
	return nil
}

func checkChoice(info *Info, name, v string) error {
	p := paramOf(info, name)
	for _, c := range p.Choices {
		if v == c {
			return nil
		}
	}
	return &ParamError{Filter: info.Name, Param: name, Value: v, Allowed: p.Allowed()}
}

// ---- shared filter plumbing ----

// liveMats counts the Mats the filters of this package hold (scratch Mats
// and temporary ROI headers). Tests use it to prove that Close frees
// everything without needing gocv's matprofile build tag.
var liveMats atomic.Int64

// LiveMats is the number of OpenCV Mats currently held by filters of this
// package (scratch buffers of open filters, plus ROI headers during Apply).
func LiveMats() int64 { return liveMats.Load() }

// base holds what every filter shares: a lock that serialises Apply and
// Close (so closing while a frame is in flight cannot free a scratch Mat
// under OpenCV's feet), the closed flag, and the scratch Mats.
type base struct {
	mu      sync.Mutex
	closed  bool
	scratch []*gocv.Mat
}

// newMat allocates a tracked scratch Mat, freed by closeBase.
func (b *base) newMat() *gocv.Mat {
	m := gocv.NewMat()
	liveMats.Add(1)
	b.scratch = append(b.scratch, &m)
	return &m
}

// begin locks the filter and checks it and the frame; on nil error the
// caller must unlock b.mu.
func (b *base) begin(img *gocv.Mat) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrFilterClosed
	}
	if img == nil || img.Ptr() == nil || img.Empty() || img.Type() != gocv.MatTypeCV8UC3 {
		b.mu.Unlock()
		return ErrBadFrame
	}
	return nil
}

// closeBase frees the scratch Mats once; extra (may be nil) frees the
// filter's other native resources. Later calls are no-ops.
func (b *base) closeBase(extra func()) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil
	}
	b.closed = true
	for _, m := range b.scratch {
		m.Close()
		liveMats.Add(-1)
	}
	b.scratch = nil
	if extra != nil {
		extra()
	}
	return nil
}

// roi returns a tracked ROI header sharing img's pixels; release it with
// closeROI. r must lie inside img.
func roi(img *gocv.Mat, r image.Rectangle) gocv.Mat {
	liveMats.Add(1)
	return img.Region(r)
}

func closeROI(m *gocv.Mat) {
	m.Close()
	liveMats.Add(-1)
}
