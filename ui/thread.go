package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// uiDo hands fn to the Fyne goroutine, where every widget lives. It is a
// variable because Fyne's test driver runs fyne.Do inline on the caller's
// goroutine; the tests put one serial loop behind it instead.
var uiDo = fyne.Do

// do hands fn to the Fyne goroutine unless the window is closing: once
// Fyne stops its loop, fyne.Do runs functions on the caller's goroutine,
// and the window's tickers must not touch widgets from there.
func (w *Window) do(fn func()) {
	if w.closing.Load() {
		return
	}
	uiDo(func() {
		if !w.closing.Load() {
			fn()
		}
	})
}

// setLabel changes a label only when its text differs (a refresh repaints
// the window).
func setLabel(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}
