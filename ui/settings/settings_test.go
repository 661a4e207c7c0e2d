package settings

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"fyne.io/fyne/v2/test"

	// Settles a neutral locale (LANG=C.UTF-8) before Fyne logs about it.
	_ "github.com/onair-dev/onair/ui/locale"
)

func TestDefaults(t *testing.T) {
	d := Defaults()
	if d.Source != "testpattern" || d.Encoder != "libx264" || d.Bitrate != "2500k" ||
		d.KeyframeSec != 2 || d.Preset != "veryfast" || d.Size != "1280x720" || d.FPS != 30 || !d.Preview {
		t.Fatalf("Defaults() = %+v", d)
	}
	want := []Output{{ID: "local", Kind: KindLocal, Enabled: true}}
	if !reflect.DeepEqual(d.Outputs, want) {
		t.Fatalf("default outputs = %+v, want %+v", d.Outputs, want)
	}
	// Each call must hand out its own slices: the GUI edits them.
	d.Outputs[0].Enabled = false
	if !Defaults().Outputs[0].Enabled {
		t.Fatal("Defaults() shares its Outputs slice between calls")
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	p := test.NewTempApp(t).Preferences()
	s := Settings{
		Source: "camera", Device: "HD Webcam", Microphone: "default", Input: "rtmp://in.example/live/x",
		Encoder: "h264_nvenc", Bitrate: "6000k", KeyframeSec: 1.5, Preset: "p4", Size: "1920x1080", FPS: 60,
		Outputs: []Output{
			{ID: "o1", Kind: KindRTMP, URL: "rtmp://a.example/app", Enabled: true, HasSecret: true},
			{ID: "o2", Kind: KindWHIP, URL: "https://w.example/whip", HasSecret: true},
			{ID: "o3", Kind: KindRecord, Path: "/tmp/out.mkv", Enabled: true},
		},
		Filters:   []string{"blur:5", "edges"},
		FilterOff: []string{"gray"},
		Preview:   false,
		Language:  "zh-CN",
	}
	if err := Save(p, s); err != nil {
		t.Fatal(err)
	}
	raw := p.String(PrefKey)
	if !json.Valid([]byte(raw)) {
		t.Fatalf("%s holds %q, not JSON", PrefKey, raw)
	}
	if got := Load(p); !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, s)
	}
}

func TestLoadMissingGivesDefaults(t *testing.T) {
	p := test.NewTempApp(t).Preferences()
	if got := Load(p); !reflect.DeepEqual(got, Defaults()) {
		t.Fatalf("Load(empty) = %+v", got)
	}
}

func TestLoadCorruptGivesDefaults(t *testing.T) {
	for _, raw := range []string{
		"{not json",
		`{"source":"camera","fps":"thirty"}`, // valid JSON, wrong type after a good field
		`[1,2,3]`,
		`{"outputs":[{"id":"x"},`,
	} {
		p := test.NewTempApp(t).Preferences()
		p.SetString(PrefKey, raw)
		if got := Load(p); !reflect.DeepEqual(got, Defaults()) {
			t.Errorf("Load(%q) = %+v, want defaults", raw, got)
		}
	}
}

// An older blob without newer fields keeps the defaults for them.
func TestLoadPartialKeepsDefaults(t *testing.T) {
	p := test.NewTempApp(t).Preferences()
	p.SetString(PrefKey, `{"source":"screen","fps":25}`)
	want := Defaults()
	want.Source, want.FPS = "screen", 25
	if got := Load(p); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// Stored outputs replace the default ones whole: nothing of the default
// local output may bleed into the first stored one.
func TestLoadOutputsReplaceDefaults(t *testing.T) {
	p := test.NewTempApp(t).Preferences()
	p.SetString(PrefKey, `{"outputs":[{"id":"r","kind":"rtmp","url":"rtmp://h/app"}]}`)
	got := Load(p).Outputs
	want := []Output{{ID: "r", Kind: KindRTMP, URL: "rtmp://h/app"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outputs = %+v, want %+v", got, want)
	}

	p.SetString(PrefKey, `{"outputs":[]}`)
	if got := Load(p).Outputs; len(got) != 0 {
		t.Fatalf("an empty stored list came back as %+v", got)
	}
}

func TestSaveReportsUnencodable(t *testing.T) {
	p := test.NewTempApp(t).Preferences()
	s := Defaults()
	s.KeyframeSec = math.NaN()
	if err := Save(p, s); err == nil {
		t.Fatal("Save with NaN succeeded")
	}
	if raw := p.String(PrefKey); raw != "" {
		t.Fatalf("a failed Save stored %q", raw)
	}
}
