package rtc

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/cc"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/stats"
	"github.com/pion/webrtc/v4"
)

// Config shapes one API: one socket, one set of interceptors.
type Config struct {
	// BindIP is the address the single UDP socket binds to; 127.0.0.1 keeps
	// media on loopback. Empty: pion's default gathering on all interfaces.
	BindIP string
	// Port 0 picks a free one.
	Port int
	// Congestion control (sender side). Zero MaxBitrate disables GCC.
	MinBitrate, InitialBitrate, MaxBitrate int
	// OnEstimator hears each new peer connection's bandwidth estimator.
	OnEstimator func(cc.BandwidthEstimator)
	// OnStats hears each new peer connection's stats getter.
	OnStats func(stats.Getter)
	// DropRate > 0 drops that fraction of outgoing RTP (tests only).
	DropRate float64
}

// API is a configured pion API and the UDP socket it owns.
type API struct {
	*webrtc.API
	conn  net.PacketConn
	lossy *lossyConn
	mux   ice.UDPMux
	// resent counts RTP retransmissions (NACK responses) on every peer
	// connection of this API.
	resent atomic.Uint64
}

// Retransmissions is how many RTP packets were sent again after a NACK.
func (a *API) Retransmissions() uint64 { return a.resent.Load() }

// NewAPI builds the media engine, interceptors and socket. Close releases
// the socket after the peer connections using it are closed.
func NewAPI(cfg Config) (*API, error) {
	m := &webrtc.MediaEngine{}
	if err := registerCodecs(m); err != nil {
		return nil, err
	}
	if err := registerPlayoutDelay(m); err != nil {
		return nil, err
	}
	reg := &interceptor.Registry{}
	a := &API{}
	reg.Add(resendFactory{count: &a.resent}) // first: innermost, sees retransmissions
	if cfg.MaxBitrate > 0 {
		ccf, err := cc.NewInterceptor(func() (cc.BandwidthEstimator, error) {
			return gcc.NewSendSideBWE(
				gcc.SendSideBWEInitialBitrate(max(cfg.InitialBitrate, cfg.MinBitrate)),
				gcc.SendSideBWEMinBitrate(cfg.MinBitrate),
				gcc.SendSideBWEMaxBitrate(cfg.MaxBitrate),
			)
		})
		if err != nil {
			return nil, err
		}
		ccf.OnNewPeerConnection(func(_ string, e cc.BandwidthEstimator) {
			if cfg.OnEstimator != nil {
				cfg.OnEstimator(e)
			}
		})
		reg.Add(ccf)
		if err := webrtc.ConfigureTWCCHeaderExtensionSender(m, reg); err != nil {
			return nil, err
		}
	}
	// NACK generator and responder (with its send buffer), sender and
	// receiver reports, TWCC feedback for incoming streams.
	if err := webrtc.ConfigureNack(m, reg); err != nil {
		return nil, err
	}
	// Stats inside the report interceptors: it must see the sender reports
	// they write, or it can never match a receiver report's LSR/DLSR (RTT).
	// Still outside the NACK responder: PacketsSent counts originals only.
	sf, err := stats.NewInterceptor()
	if err != nil {
		return nil, err
	}
	sf.OnNewPeerConnection(func(_ string, g stats.Getter) {
		if cfg.OnStats != nil {
			cfg.OnStats(g)
		}
	})
	reg.Add(sf)
	reg.Add(playoutDelayFactory{})
	if err := webrtc.ConfigureRTCPReports(reg); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSender(m, reg); err != nil {
		return nil, err
	}

	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	// Notice a lost path in 2 s (then try an ICE restart), give up after 8 s;
	// pion's defaults (5 s, 25 s) leave a viewer staring at a frozen frame.
	se.SetICETimeouts(2*time.Second, 8*time.Second, 500*time.Millisecond)
	if cfg.BindIP != "" || cfg.DropRate > 0 {
		// One socket on one address: media stays where it is told (loopback
		// for the local server and tests), and the loss layer can wrap it.
		ip := cfg.BindIP
		if ip == "" {
			ip = "127.0.0.1"
		}
		conn, err := net.ListenPacket("udp4", net.JoinHostPort(ip, strconv.Itoa(cfg.Port)))
		if err != nil {
			return nil, fmt.Errorf("webrtc: UDP socket on %s: %w", ip, err)
		}
		a.conn = conn
		var pc net.PacketConn = conn
		if cfg.DropRate > 0 {
			a.lossy = newLossyConn(conn, cfg.DropRate, 1)
			pc = a.lossy
		}
		a.mux = webrtc.NewICEUDPMux(nil, pc)
		se.SetICEUDPMux(a.mux)
		se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
		if parsed := net.ParseIP(ip); parsed != nil && parsed.IsLoopback() {
			se.SetIncludeLoopbackCandidate(true)
		}
	}
	// Otherwise pion gathers on every interface with a socket per peer
	// connection, as for any remote WHIP endpoint; closing the peer
	// connection closes them.
	a.API = webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(se))
	return a, nil
}

// LocalAddr is the UDP address media flows through (nil without one socket).
func (a *API) LocalAddr() net.Addr {
	if a.conn == nil {
		return nil
	}
	return a.conn.LocalAddr()
}

// Blackhole drops everything sent and received while on (tests only;
// needs DropRate > 0).
func (a *API) Blackhole(on bool) {
	if a.lossy != nil {
		a.lossy.hole.Store(on)
	}
}

// Impairment reports RTP packets seen and dropped by the loss layer.
func (a *API) Impairment() (sent, dropped uint64) {
	if a.lossy == nil {
		return 0, 0
	}
	return a.lossy.sent.Load(), a.lossy.dropped.Load()
}

// Close releases the mux and the socket.
func (a *API) Close() error {
	if a.conn == nil {
		return nil
	}
	a.mux.Close() // may close the socket itself
	if err := a.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
