// Package locale settles the process's language before Fyne's lang package
// reads it. It imports nothing but the standard library, so Go initialises
// it before golang.org/x/text and therefore before fyne.io/fyne/v2/lang,
// whose init would otherwise log "Error parsing user locale C" for the
// LANG=C.UTF-8 of containers and CI.
package locale

import (
	"os"
	"strings"
)

// decisive is the variable gettext (and Fyne's go-locale) takes the
// language from: the first set of LC_ALL, LC_MESSAGES, LANG.
func decisive() (name, value string) {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := os.Getenv(v); s != "" {
			return v, s
		}
	}
	return "", ""
}

// IsNeutral reports whether value names no language: C, POSIX, C.UTF-8, ….
func IsNeutral(value string) bool {
	base, _, _ := strings.Cut(value, ".")
	base, _, _ = strings.Cut(base, "@")
	return value == "" || base == "C" || base == "POSIX"
}

func init() {
	// A neutral locale means English; say so in the words go-locale parses.
	if _, v := decisive(); v != "C" && v != "POSIX" && IsNeutral(v) && os.Getenv("LANGUAGE") == "" {
		os.Setenv("LANGUAGE", "en")
	}
}

// Override makes tag ("en", "zh-CN") the language for translations loaded
// from now on; "" keeps the system's. Call before loading translations.
func Override(tag string) {
	if tag == "" {
		return
	}
	posix := strings.ReplaceAll(tag, "-", "_")
	os.Setenv("LANGUAGE", posix)
	// go-locale stops at a plain C/POSIX before it looks at LANGUAGE.
	if name, v := decisive(); name != "" && IsNeutral(v) {
		os.Setenv(name, posix+".UTF-8")
	}
}
