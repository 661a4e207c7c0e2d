package ui

import (
	"embed"
	"fmt"

	"fyne.io/fyne/v2/lang"

	"github.com/onair-dev/onair/ui/graph"
	"github.com/onair-dev/onair/ui/locale"
	"github.com/onair-dev/onair/ui/preview"
)

// The window's words: English is the key; other languages translate it.
//
//go:embed translations
var translations embed.FS

// Languages the settings offer ("" follows the system).
var Languages = []struct{ Tag, Name string }{{"", "System"}, {"en", "English"}, {"zh-CN", "简体中文"}}

// loadLanguage picks tag ("" = the system's, a neutral C locale = English)
// and loads onair's words. Call once, before building widgets.
func loadLanguage(tag string) error {
	locale.Override(tag)
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		return fmt.Errorf("translations: %w", err)
	}
	preview.TextOff, preview.TextNotLive, graph.TextNoData = T("Preview off"), T("Not live"), T("no data yet")
	return nil
}

// T translates an English phrase; with data, {{.Name}} fields fill in.
func T(s string, data ...any) string { return lang.L(s, data...) }
