// Command viewers measures the built-in server's cost per viewer: it runs
// `onair serve` and `onair publish` (720p30 test pattern over WHIP) as
// processes, connects 1, 4 and 8 WHEP viewers (pion peers in this process,
// each reading every RTP packet), and reads the server process's CPU time
// and RSS from /proc over a fixed window for each count.
//
//	go run ./bench/viewers -onair bench/.bin/onair
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/onair-dev/onair/stream/rtc"
)

func main() {
	bin := flag.String("onair", "bench/.bin/onair", "onair binary")
	window := flag.Duration("window", 10*time.Second, "measuring window per viewer count")
	flag.Parse()
	if err := run(*bin, *window); err != nil {
		fmt.Fprintln(os.Stderr, "viewers:", err)
		os.Exit(1)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func run(bin string, window time.Duration) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	serve := exec.Command(bin, "serve", "--addr", fmt.Sprintf("127.0.0.1:%d", port))
	if err := serve.Start(); err != nil {
		return err
	}
	defer func() { serve.Process.Signal(os.Interrupt); serve.Wait() }()
	if err := waitHTTP(base+"/api/status", 10*time.Second); err != nil {
		return err
	}
	pub := exec.Command(bin, "publish", "--out", base+"/whip")
	if err := pub.Start(); err != nil {
		return err
	}
	defer func() { pub.Process.Signal(os.Interrupt); pub.Wait() }()
	if err := waitLive(base+"/api/status", 15*time.Second); err != nil {
		return err
	}

	fmt.Printf("## built-in server cost per viewer (720p30 H.264 + Opus, %v window each)\n\n", window)
	fmt.Println("| viewers | server CPU % of one core | server RSS MiB | RTP packets received per viewer |")
	fmt.Println("|---:|---:|---:|---:|")
	var viewers []*viewer
	defer func() {
		for _, v := range viewers {
			v.pc.Close()
			v.api.Close()
		}
	}()
	type point struct{ n, cpu, rss float64 }
	var pts []point
	for _, n := range []int{0, 1, 4, 8} {
		for len(viewers) < n {
			v, err := connect(base + "/whep")
			if err != nil {
				return fmt.Errorf("viewer %d: %w", len(viewers)+1, err)
			}
			viewers = append(viewers, v)
		}
		time.Sleep(2 * time.Second) // settle: keyframe, NACK bursts
		c0, _ := procCPU(serve.Process.Pid)
		var p0 []uint64
		for _, v := range viewers {
			p0 = append(p0, v.packets.Load())
		}
		time.Sleep(window)
		c1, rss := procCPU(serve.Process.Pid)
		cpu := 100 * (c1 - c0) / window.Seconds()
		perViewer := 0.0
		for i, v := range viewers {
			perViewer += float64(v.packets.Load() - p0[i])
		}
		if n > 0 {
			perViewer /= float64(n)
		}
		pts = append(pts, point{float64(n), cpu, rss})
		fmt.Printf("| %d | %.1f | %.1f | %.0f |\n", n, cpu, rss, perViewer)
	}
	first, last := pts[0], pts[len(pts)-1]
	fmt.Printf("\n- cost per added viewer: %.2f %% CPU, %.2f MiB RSS (0 → 8 viewers, linear)\n",
		(last.cpu-first.cpu)/last.n, (last.rss-first.rss)/last.n)
	return nil
}

// procCPU returns the process's user+system CPU seconds and RSS in MiB.
func procCPU(pid int) (float64, float64) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// Fields after the ")" of the command name; utime and stime are 14 and 15.
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	const hz = 100 // USER_HZ on Linux
	rss := 0.0
	if fh, err := os.Open(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "VmRSS:") {
				kb, _ := strconv.ParseFloat(strings.Fields(sc.Text())[1], 64)
				rss = kb / 1024
			}
		}
		fh.Close()
	}
	return (ut + st) / hz, rss
}

func waitHTTP(url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer within %v", url, d)
}

func waitLive(url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), `"live":true`) && strings.Contains(string(b), "video") {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return errors.New("the publisher did not go live")
}

// viewer is one WHEP peer with a socket of its own, as each browser tab
// has: peers sharing one socket and one server address could not be told apart.
type viewer struct {
	api     *rtc.API
	pc      *webrtc.PeerConnection
	packets atomicU64
}

func connect(whep string) (*viewer, error) {
	api, err := rtc.NewAPI(rtc.Config{BindIP: "127.0.0.1"})
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		api.Close()
		return nil, err
	}
	v := &viewer{api: api, pc: pc}
	for _, k := range []webrtc.RTPCodecType{webrtc.RTPCodecTypeVideo, webrtc.RTPCodecTypeAudio} {
		if _, err := pc.AddTransceiverFromKind(k, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			return nil, err
		}
	}
	// The caller closes v (and its socket) on every path from here.
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		go func() {
			for {
				if _, _, err := t.ReadRTP(); err != nil {
					return
				}
				v.packets.Add(1)
			}
		}()
	})
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	local, err := rtc.SetLocalComplete(ctx, pc, offer, 5*time.Second)
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, whep, strings.NewReader(local))
	req.Header.Set("Content-Type", "application/sdp")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("WHEP %d: %s", resp.StatusCode, body)
	}
	return v, pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: string(body)})
}
