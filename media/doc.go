// Package media is onair's shared vocabulary: raw video and audio frames,
// encoded packets, their formats, and the session clock every timestamp is
// measured on. It depends on nothing else in onair and on no native library.
package media
