package testpattern

import (
	"math"
	"time"

	"github.com/onair-dev/onair/media"
)

// Audio format and sync-beep shape.
const (
	SampleRate    = 48000
	Channels      = 2
	ChunkSamples  = 960  // 20 ms per AudioFrame
	BeepSamples   = 4800 // 100 ms
	BeepHz        = 1000
	FlashInterval = 2 * time.Second
	beepPeriod    = SampleRate / BeepHz
)

// beepWave is one period of the tone. It is a cosine so the beep's first
// sample is phase 0 at full amplitude: the onset is the first non-zero
// sample, exactly BeepStart. 16384 is about -6 dBFS.
var beepWave = func() (w [beepPeriod]int16) {
	for i := range w {
		w[i] = int16(math.Round(16384 * math.Cos(2*math.Pi*float64(i)/beepPeriod)))
	}
	return w
}()

// FlashTime is when flash k (and, at zero offset, beep k) is shown.
func FlashTime(k int) time.Duration { return time.Duration(k) * FlashInterval }

// BeepStart is the sample index where beep k begins for an av offset
// (positive = audio leads): round((2k s - offset) * 48000). It may be
// negative, in which case the beep is not played.
func BeepStart(k int, offset time.Duration) int64 {
	return durationToSamples(FlashTime(k) - offset)
}

// durationToSamples rounds d to the nearest sample (half away from zero)
// without overflowing for long sessions.
func durationToSamples(d time.Duration) int64 {
	sec, rem := int64(d/time.Second), int64(d%time.Second)
	frac := rem * SampleRate
	half := int64(time.Second) / 2
	if frac >= 0 {
		frac = (frac + half) / int64(time.Second)
	} else {
		frac = (frac - half) / int64(time.Second)
	}
	return sec*SampleRate + frac
}

// audio renders samples [start, start+samples) of S16 stereo: silence plus
// the beeps that overlap the range.
func audio(start int64, samples int, offset time.Duration) *media.AudioFrame {
	f := media.NewAudioFrame(media.SampleS16, SampleRate, Channels, samples, start)
	end := start + int64(samples)
	// |offset| <= 1 s < FlashInterval, so beeps before k0 ended long ago.
	k0 := int((media.SamplesToDuration(start, SampleRate)+offset)/FlashInterval) - 1
	for k := max(k0, 0); ; k++ {
		bs := BeepStart(k, offset)
		if bs >= end {
			break
		}
		if bs < 0 || bs+BeepSamples <= start {
			continue
		}
		for i := max(bs, start); i < min(bs+BeepSamples, end); i++ {
			v := uint16(beepWave[(i-bs)%beepPeriod])
			o := int(i-start) * Channels * 2
			for c := 0; c < Channels; c++ {
				f.Data[o+2*c] = byte(v)
				f.Data[o+2*c+1] = byte(v >> 8)
			}
		}
	}
	return f
}
