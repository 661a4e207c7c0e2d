// Package rtc is the WebRTC plumbing onair's WHIP client and local server
// share: one media engine (H.264 constrained baseline with
// packetization-mode=1, VP8, Opus), pion/interceptor's NACK, RTCP reports,
// stats, TWCC and GCC, a UDP socket bound to one address, and an optional
// loss impairment on that socket for tests.
package rtc
