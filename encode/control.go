package encode

// The two back-channels DESIGN.md allows, from a sink to its encoder. Sinks
// see only these interfaces, never the encoder's type.

// KeyframeRequester is asked for a keyframe when a receiver lost its
// reference picture (PLI/FIR) or a late viewer joins.
type KeyframeRequester interface {
	RequestKeyframe()
}

// BitrateSetter receives a target bitrate from congestion control.
type BitrateSetter interface {
	SetTargetBitrate(bitsPerSecond int)
}
