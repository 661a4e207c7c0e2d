package ui

import "fyne.io/fyne/v2"

// uiDo hands fn to the Fyne goroutine, where every widget lives. It is a
// variable because Fyne's test driver runs fyne.Do inline on the caller's
// goroutine; the tests put one serial loop behind it instead.
var uiDo = fyne.Do
