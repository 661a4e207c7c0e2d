package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Every phrase the window translates has its 简体中文 words.
func TestEveryPhraseIsTranslated(t *testing.T) {
	var zh, en map[string]string
	for name, into := range map[string]*map[string]string{"onair.zh_Hans.json": &zh, "onair.en.json": &en} {
		raw, err := os.ReadFile(filepath.Join("translations", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	files, _ := filepath.Glob("*.go")
	call := regexp.MustCompile(`\bT\(("(?:[^"\\]|\\.)*")`)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllSubmatch(src, -1) {
			key, err := strconv.Unquote(string(m[1]))
			if err != nil {
				t.Fatalf("%s: %s: %v", f, m[1], err)
			}
			n++
			if zh[key] == "" {
				t.Errorf("%s: %q has no Chinese translation", f, key)
			}
			if en[key] != key {
				t.Errorf("%s: %q missing from the English file", f, key)
			}
		}
	}
	// Phrases translated through a variable: output states and language names.
	for _, key := range []string{"connecting", "live", "failed", "closed"} {
		if zh[key] == "" {
			t.Errorf("output state %q has no Chinese translation", key)
		}
	}
	for _, l := range Languages {
		if zh[l.Name] == "" {
			t.Errorf("language name %q has no Chinese translation", l.Name)
		}
	}
	if n < 50 {
		t.Errorf("found only %d phrases: the scan is broken", n)
	}
}

func TestLanguageSwitchesWords(t *testing.T) {
	t.Cleanup(func() {
		if err := loadLanguage("en"); err != nil {
			t.Error(err)
		}
	})
	if err := loadLanguage("zh-CN"); err != nil {
		t.Fatal(err)
	}
	if got := T("Go Live"); got != "开始直播" {
		t.Errorf(`T("Go Live") = %q in zh-CN`, got)
	}
	got := T("frames {{.Captured}} · encoded {{.Encoded}} · dropped {{.Dropped}}", map[string]any{"Captured": 3, "Encoded": 2, "Dropped": 1})
	if got != "帧 3 · 已编码 2 · 丢帧 1" {
		t.Errorf("templated phrase = %q", got)
	}
	if err := loadLanguage("en"); err != nil {
		t.Fatal(err)
	}
	if got := T("Go Live"); got != "Go Live" {
		t.Errorf(`T("Go Live") = %q back in English`, got)
	}
}
