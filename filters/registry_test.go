package filters

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseUnknownFilterListsNames(t *testing.T) {
	_, err := Parse("sepia:amount=3")
	if !errors.Is(err, ErrUnknownFilter) {
		t.Fatalf("err = %v, want ErrUnknownFilter", err)
	}
	for _, n := range Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("message %q does not list %q", err, n)
		}
	}
	if !strings.Contains(err.Error(), `"sepia"`) {
		t.Errorf("message %q does not name the unknown filter", err)
	}
	if _, err := Parse(""); !errors.Is(err, ErrUnknownFilter) {
		t.Errorf("empty spec: %v, want ErrUnknownFilter", err)
	}
}

func TestParseBadParams(t *testing.T) {
	cases := []struct{ spec, param, value string }{
		{"blur:k=-3", "k", "-3"},
		{"blur:k=8", "k", "8"},
		{"blur:k=0", "k", "0"},
		{"blur:k=101", "k", "101"},
		{"blur:k=nine", "k", "nine"},
		{"blur:k=3.5", "k", "3.5"},
		{"blur:sigma=-1", "sigma", "-1"},
		{"blur:size=3", "size", "3"}, // unknown parameter
		{"blur:k=3,k=5", "k", "5"},   // duplicate
		{"blur:k", "k", "k"},         // no value
		{"gray:strength=1", "strength", "1"},
		{"canny:low=-1", "low", "-1"},
		{"canny:high=256", "high", "256"},
		{"canny:low=150,high=100", "low", "150"},
		{"canny:low=100,high=100", "low", "100"},
		{"canny:lo=10", "lo", "10"},
		{"chroma:color=zzzzzz", "color", "zzzzzz"},
		{"chroma:color=12345", "color", "12345"},
		{"chroma:color=#1234567", "color", "#1234567"},
		{"chroma:bgcolor=GG0000", "bgcolor", "GG0000"},
		{"chroma:tol=300", "tol", "300"},
		{"chroma:tol=-1", "tol", "-1"},
		{"chroma:bg=../testdata/astronaut.jpg,bgcolor=ff0000", "bgcolor", "ff0000"},
		{"flip:mode=x", "mode", "x"},
		{"flip:mode=H", "mode", "H"},
		{"adjust:brightness=101", "brightness", "101"},
		{"adjust:brightness=-100.5", "brightness", "-100.5"},
		{"adjust:contrast=0", "contrast", "0"},
		{"adjust:contrast=3.1", "contrast", "3.1"},
		{"adjust:saturation=-1", "saturation", "-1"},
		{"adjust:saturation=NaN", "saturation", "NaN"},
		{"pixelate:block=1", "block", "1"},
		{"pixelate:block=129", "block", "129"},
		{"face:mode=mask", "mode", "mask"},
		{"face:scale=0", "scale", "0"},
		{"face:scale=1.5", "scale", "1.5"},
		{"face:neighbors=0", "neighbors", "0"},
		{"face:every=0", "every", "0"},
		{"overlay:text=hi,scale=0", "scale", "0"},
		{"face:color=red", "color", "red"},
		{"overlay:text=hi,scale=10", "scale", "10"},
		{"overlay:text=hi,pos=middle", "pos", "middle"},
		{"overlay:time=maybe", "time", "maybe"},
		{"overlay", "text", ""}, // nothing to draw
	}
	for _, c := range cases {
		f, err := Parse(c.spec)
		if err == nil {
			f.Close()
			t.Errorf("Parse(%q) succeeded, want ErrBadParam", c.spec)
			continue
		}
		if !errors.Is(err, ErrBadParam) {
			t.Errorf("Parse(%q) = %v, want ErrBadParam", c.spec, err)
			continue
		}
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q): %T is not a *ParamError", c.spec, err)
			continue
		}
		name, _, _ := strings.Cut(c.spec, ":")
		if pe.Filter != name || pe.Param != c.param || pe.Value != c.value || pe.Allowed == "" {
			t.Errorf("Parse(%q): ParamError%+v, want filter=%s param=%s value=%q and an allowed range", c.spec, *pe, name, c.param, c.value)
		}
		msg := err.Error()
		for _, s := range []string{name, c.param, c.value} {
			if !strings.Contains(msg, s) {
				t.Errorf("Parse(%q): message %q lacks %q", c.spec, msg, s)
			}
		}
	}
	// The message carries the allowed range.
	_, err := Parse("blur:k=8")
	if !strings.Contains(err.Error(), "odd") || !strings.Contains(err.Error(), "1..99") {
		t.Errorf("blur:k=8 message %q lacks the allowed range", err)
	}
	_, err = Parse("canny:high=300")
	if !strings.Contains(err.Error(), "0..255") {
		t.Errorf("canny:high=300 message %q lacks the allowed range", err)
	}
	_, err = Parse("blur:size=3")
	if !strings.Contains(err.Error(), "k, sigma") {
		t.Errorf("unknown-param message %q does not list blur's parameters", err)
	}
}

func TestConstructorsValidate(t *testing.T) {
	if _, err := NewBlur(-1, 0); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewBlur(-1): %v", err)
	}
	if _, err := NewBlur(4, 0); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewBlur(4): %v", err)
	}
	if _, err := NewCanny(10, 5); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewCanny(10,5): %v", err)
	}
	if _, err := NewPixelate(0); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewPixelate(0): %v", err)
	}
	if _, err := NewFlip("diag"); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewFlip(diag): %v", err)
	}
	if _, err := NewAdjust(0, 5, 1); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewAdjust contrast 5: %v", err)
	}
	if _, err := NewChroma(ChromaOptions{Tol: 256}); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewChroma tol 256: %v", err)
	}
	if _, err := NewFace(FaceOptions{Mode: "box", Scale: 2, Neighbors: 5, Every: 1}); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewFace scale 2: %v", err)
	}
	if _, err := NewOverlay(DefaultOverlayOptions()); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewOverlay without text: %v", err)
	}
	if _, err := NewFace(FaceOptions{}); !errors.Is(err, ErrBadParam) {
		t.Errorf("NewFace zero options: %v", err)
	}
	o := DefaultOverlayOptions()
	o.Text = "hi"
	if f, err := NewOverlay(o); err != nil {
		t.Errorf("NewOverlay defaults+text: %v", err)
	} else {
		f.Close()
	}
	if f, err := NewFace(DefaultFaceOptions()); err != nil {
		t.Errorf("NewFace defaults: %v", err)
	} else {
		f.Close()
	}
}

func TestParseBadImage(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "bg.png")
	if err := os.WriteFile(garbage, []byte("this is not a PNG"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, "missing.png"), garbage, dir} {
		_, err := Parse("chroma:bg=" + p)
		if !errors.Is(err, ErrBadImage) {
			t.Errorf("bg=%s: %v, want ErrBadImage", p, err)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("bg=%s: message %q does not name the file", p, err)
		}
	}
	if _, err := NewChroma(ChromaOptions{BgPath: garbage}); !errors.Is(err, ErrBadImage) {
		t.Errorf("NewChroma garbage: %v", err)
	}
}

func TestCascadeMissing(t *testing.T) {
	empty := t.TempDir()
	t.Setenv(HaarDirEnv, empty)
	if d := DefaultCascadeDirs(); d[0] != empty {
		t.Fatalf("DefaultCascadeDirs() = %v, want $%s first", d, HaarDirEnv)
	}
	for _, mode := range []string{"box", "blur", "pixelate"} {
		_, err := ParseWith("face:mode="+mode, Options{CascadeDirs: []string{empty}})
		if !errors.Is(err, ErrCascadeMissing) {
			t.Fatalf("mode=%s: %v, want ErrCascadeMissing", mode, err)
		}
		for _, s := range []string{CascadeFile, empty, "apt-get install opencv-data", "make deps", HaarDirEnv} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("message %q lacks %q", err, s)
			}
		}
	}
	if _, err := NewFace(FaceOptions{Mode: "box", Scale: 0.5, Neighbors: 5, Every: 1, CascadeDirs: []string{empty}}); !errors.Is(err, ErrCascadeMissing) {
		t.Errorf("NewFace: %v", err)
	}
	// $ONAIR_HAAR_DIR pointing at a directory that has the file is used first.
	src, err := os.ReadFile("/usr/share/opencv4/haarcascades/" + CascadeFile)
	if err != nil {
		t.Fatalf("opencv-data is not installed: %v", err)
	}
	own := t.TempDir()
	if err := os.WriteFile(filepath.Join(own, CascadeFile), src, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(HaarDirEnv, own)
	f, err := Parse("face")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.(*Face).CascadePath(); got != filepath.Join(own, CascadeFile) {
		t.Errorf("cascade loaded from %s, want the $%s copy", got, HaarDirEnv)
	}
}

// allSpecs has every filter with non-default values, plus awkward values.
var allSpecs = []string{
	"gray",
	"blur:k=5,sigma=1.5",
	"canny:low=20,high=200",
	"face:mode=pixelate,scale=0.5,neighbors=4,every=3,color=ff00ff",
	"chroma:color=0000ff,tol=10,bgcolor=102030",
	"chroma:color=00ff00,bg=../testdata/astronaut.jpg",
	"flip:mode=both",
	"adjust:brightness=-12.5,contrast=1.5,saturation=0",
	"pixelate:block=7",
	`overlay:text=Live\, from \=space\\,time=true,pos=br,scale=1.5,color=ffff00,box=false`,
}

func TestSpecRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range allSpecs {
		f := mustParse(t, s)
		spec := f.Spec()
		g := mustParse(t, spec)
		if g.Spec() != spec || g.Name() != f.Name() {
			t.Errorf("%q: Spec %q re-parses to %q (%s)", s, spec, g.Spec(), g.Name())
		}
		if !strings.HasPrefix(spec, f.Name()) {
			t.Errorf("Spec %q does not start with the name %q", spec, f.Name())
		}
		seen[f.Name()] = true
		f.Close()
		g.Close()
	}
	// Defaults round-trip too, and equal what the parameters say.
	for _, in := range List() {
		spec := in.Name
		if in.Name == "overlay" {
			spec = "overlay:text=x"
		}
		f := mustParse(t, spec)
		g := mustParse(t, f.Spec())
		if g.Spec() != f.Spec() {
			t.Errorf("default %s: %q -> %q", in.Name, f.Spec(), g.Spec())
		}
		f.Close()
		g.Close()
	}
	for _, n := range Names() {
		if !seen[n] {
			t.Errorf("filter %s missing from allSpecs", n)
		}
	}
	// Escapes decode to the literal text.
	f := mustParse(t, `overlay:text=a\,b\=c\\d`)
	defer f.Close()
	if got := f.(*Overlay).opt.Text; got != `a,b=c\d` {
		t.Errorf("text = %q", got)
	}
}

func TestListCoversRegistry(t *testing.T) {
	list := List()
	want := []string{"adjust", "blur", "canny", "chroma", "face", "flip", "gray", "overlay", "pixelate"}
	var names []string
	for _, in := range list {
		names = append(names, in.Name)
		if in.Summary == "" {
			t.Errorf("%s has no summary", in.Name)
		}
	}
	if got := strings.Join(Names(), ","); got != strings.Join(want, ",") {
		t.Errorf("Names() = %s, want %s", got, strings.Join(want, ","))
	}
	if len(names) != len(want) {
		t.Errorf("List() has %d filters, want %d", len(names), len(want))
	}
	wantParams := map[string]string{
		"gray": "", "blur": "k,sigma", "canny": "low,high",
		"face": "mode,scale,neighbors,every,color", "chroma": "color,tol,bg,bgcolor",
		"flip": "mode", "adjust": "brightness,contrast,saturation", "pixelate": "block",
		"overlay": "text,time,pos,scale,color,box",
	}
	for _, in := range list {
		var ps []string
		for _, p := range in.Params {
			ps = append(ps, p.Name)
			switch p.Kind {
			case KindInt, KindFloat:
				if p.Min == "" || p.Max == "" || p.Default == "" {
					t.Errorf("%s.%s: numeric param without default/min/max", in.Name, p.Name)
				}
			case KindColor, KindBool, KindPath, KindString:
			default:
				t.Errorf("%s.%s: kind %q", in.Name, p.Name, p.Kind)
			}
			if p.Help == "" {
				t.Errorf("%s.%s has no help", in.Name, p.Name)
			}
			// Every non-empty default is itself valid.
			if p.Default != "" {
				spec := in.Name + ":" + p.Name + "=" + escapeValue(p.Default)
				if in.Name == "overlay" {
					spec += ",text=x"
				}
				f, err := Parse(spec)
				if err != nil {
					t.Errorf("default %s: %v", spec, err)
				} else {
					f.Close()
				}
			}
		}
		if got := strings.Join(ps, ","); got != wantParams[in.Name] {
			t.Errorf("%s params = %q, want %q", in.Name, got, wantParams[in.Name])
		}
	}
	// List returns a copy.
	list[0].Params = nil
	list[1].Params[0].Default = "changed"
	if l := List(); l[1].Params[0].Default == "changed" {
		t.Error("List() exposes the registry")
	}
	if in, ok := Lookup("blur"); !ok || in.Name != "blur" {
		t.Error("Lookup(blur)")
	}
}
