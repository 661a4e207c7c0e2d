package e2e

import (
	"encoding/json"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/onair-dev/onair/internal/testenv"
)

// readyKey is the status bar's text before any go-live, in English; the
// translations use it as the key.
const readyKey = "Ready: pick a source and outputs, then Go Live"

// fontHint is what to run when no CJK font is installed.
const fontHint = "install: apt-get install fontconfig fonts-noto-cjk"

// minChanged is how many pixels must differ between the English and the
// Chinese window in each labelled area.
const minChanged = 200

// TestLanguagesRender: the window opened with --lang en and --lang zh-CN
// shows its labels in that language (menus, tabs, button, status bar), and
// the Chinese one draws real glyphs, not the missing-glyph mark. A run with
// the CJK fonts hidden proves the glyph check fails when it should.
func TestLanguagesRender(t *testing.T) {
	start := time.Now()
	cjk := requireCJKFont(t)
	disp := startXvfb(t)
	zhReady := translation(t, "zh_Hans", readyKey)

	en := openLanguage(t, disp, "en", "lang-en", "")
	zh := openLanguage(t, disp, "zh-CN", "lang-zh-CN", "")
	if en.stats.Status != readyKey {
		t.Errorf("en status %q, want %q", en.stats.Status, readyKey)
	}
	if zh.stats.Status != zhReady {
		t.Errorf("zh-CN status %q, want %q", zh.stats.Status, zhReady)
	}

	// The labelled areas differ between the two: the menu and tab bars
	// (the window's top, above the preview), the Go Live button, the
	// status bar.
	areas := map[string]image.Rectangle{
		"menu and tabs": image.Rect(en.origin.X, en.origin.Y, en.origin.X+en.size.X, en.rect["preview"].Min.Y),
		"golive":        en.rect["golive"].Union(zh.rect["golive"]),
		"status":        en.rect["status"].Union(zh.rect["status"]),
	}
	names := make([]string, 0, len(areas))
	for n := range areas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := areas[n]
		changed := changedPixels(crop(t, en.img, r), crop(t, zh.img, r), 48)
		t.Logf("%s %s: %d pixels differ between en and zh-CN", n, describe(r), changed)
		if changed < minChanged {
			t.Errorf("%s looks the same in en and zh-CN: %d pixels differ, want >= %d", n, changed, minChanged)
		}
	}

	// No missing glyphs: the status bar's distinct characters give distinct
	// shapes.
	g := glyphs(crop(t, zh.img, zh.rect["status"]))
	t.Logf("zh-CN status %q: %+v (fonts: %s)", zh.stats.Status, g, cjk)
	if looksLikeTofu(g) {
		t.Errorf("zh-CN status bar shows missing-glyph marks: %+v, want >= %d distinct shapes, none for half the line; see %s",
			g, minDistinct, zh.path)
	}

	negativeControl(t, disp, zhReady)
	t.Logf("test body %.1f s", time.Since(start).Seconds())
}

// negativeControl opens the Chinese window with the CJK font folders
// hidden (a private mount namespace with an empty tmpfs over each), and
// checks the glyph check sees the missing-glyph marks. It needs unshare
// to make a mount namespace (root, or unprivileged user namespaces); where
// the kernel refuses, it says so and does not run.
func negativeControl(t *testing.T, disp, zhReady string) {
	t.Helper()
	dirs := cjkFontDirs(t)
	script := ""
	for _, d := range dirs {
		script += "mount -t tmpfs none '" + strings.ReplaceAll(d, "'", `'\''`) + "' && "
	}
	script += `exec "$@"`
	wrap := []string{"unshare", "-m", "--map-root-user", "sh", "-c", script, "sh"}
	if _, err := runTool(nil, toolTimeout, wrap[0], append(wrap[1:], "true")...); err != nil {
		t.Fatalf("the tofu check's negative control needs an unprivileged mount namespace (util-linux unshare, kernel user namespaces) to hide %v: %v", dirs, err)
	}
	no := openLanguageWrapped(t, disp, "zh-CN", "lang-zh-CN-without-cjk-fonts", t.TempDir(), wrap)
	g := glyphs(crop(t, no.img, no.rect["status"]))
	t.Logf("negative control, %v hidden: status %q: %+v", dirs, no.stats.Status, g)
	if no.stats.Status != zhReady {
		t.Errorf("negative control: status %q, want %q", no.stats.Status, zhReady)
	}
	if !looksLikeTofu(g) {
		t.Errorf("negative control: with %v hidden the status bar still shows %+v distinct shapes: the glyph check "+
			"cannot fail (or Fyne found another CJK font); see %s", dirs, g, no.path)
	}
}

// shown is one language's window, screenshotted.
type shown struct {
	stats  uiStats
	img    *image.RGBA
	path   string
	origin image.Point
	size   image.Point
	rect   map[string]image.Rectangle // widgets on the screen
}

func openLanguage(t *testing.T, disp, lang, name, cache string) shown {
	t.Helper()
	return openLanguageWrapped(t, disp, lang, name, cache, nil)
}

// openLanguageWrapped opens the window in lang (not live), waits for a
// second stats write (the window has been on screen for a second),
// screenshots it as name.png, and quits it.
func openLanguageWrapped(t *testing.T, disp, lang, name, cache string, wrap []string) shown {
	t.Helper()
	a := startApp(t, disp, appConfig{name: name, wrap: wrap, cache: cache, args: []string{
		"--source", "testpattern", "--out", "local", "--server-addr", testenv.ClosedAddr(t), "--lang", lang, "--preview", "on"}})
	first, _ := a.readStats()
	st := a.waitStats(5*time.Second, "a second stats write", func(s uiStats) bool { return s.At.After(first.At) })
	img, path := a.screenshot(name)
	s := shown{stats: st, img: img, path: path, origin: a.origin, size: a.size, rect: map[string]image.Rectangle{}}
	for n := range st.Widgets {
		s.rect[n] = a.widget(st, n)
	}
	for _, n := range []string{"preview", "golive", "status"} {
		if _, ok := s.rect[n]; !ok {
			t.Fatalf("%s: no %s widget in the stats %+v", name, n, st.Widgets)
		}
	}
	took := a.quit()
	t.Logf("%s: quit in %.2f s", name, took.Seconds())
	return s
}

// requireCJKFont fails the test unless fontconfig knows a Noto CJK font
// for Simplified Chinese (Debian's fonts-noto-cjk, which onair depends
// on). fc-match is no check: it always answers, with DejaVu at worst.
// It returns the families found.
func requireCJKFont(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("fc-list"); err != nil {
		t.Fatalf("fc-list not found: %s", fontHint)
	}
	out, err := runTool(nil, toolTimeout, "fc-list", ":lang=zh-cn", "family")
	if err != nil {
		t.Fatal(err)
	}
	var noto []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "Noto Sans CJK SC") || strings.Contains(l, "Noto Serif CJK SC") {
			noto = append(noto, strings.TrimSpace(l))
		}
	}
	if len(noto) == 0 {
		t.Fatalf("no Noto CJK font for zh-CN (fc-list :lang=zh-cn gave %q): %s", out, fontHint)
	}
	sort.Strings(noto)
	return strings.Join(noto[:min(2, len(noto))], "; ")
}

// cjkFontDirs are the folders of every font that covers Simplified Chinese.
func cjkFontDirs(t *testing.T) []string {
	t.Helper()
	out, err := runTool(nil, toolTimeout, "fc-list", ":lang=zh-cn", "file")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var dirs []string
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.TrimSuffix(strings.TrimSpace(l), ":")
		if f == "" {
			continue
		}
		if d := filepath.Dir(f); !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	return dirs
}

// translation is the text the window shows for key in the language file
// ui/translations/onair.<file>.json.
func translation(t *testing.T, file, key string) string {
	t.Helper()
	p := filepath.Join(testenv.RepoRoot(), "ui", "translations", "onair."+file+".json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	v, ok := m[key]
	if !ok || v == "" {
		t.Fatalf("%s has no translation of %q", p, key)
	}
	return v
}
