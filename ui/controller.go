package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/onair-dev/onair/media"
	"github.com/onair-dev/onair/pipeline"
	"github.com/onair-dev/onair/ui/settings"
)

// Controller is the window's logic without widgets: it keeps the settings,
// turns them into a pipeline.Plan, goes live and stops, and reports what
// happens. Every widget talks to it; it talks only to pipeline (and, for
// series, telemetry through the session).
type Controller struct {
	prefs   fyne.Preferences
	secrets *settings.Secrets
	log     *slog.Logger
	// ServerAddr is where the built-in server listens.
	ServerAddr string
	// OnChange is told (from any goroutine) that state changed; the window
	// wraps it in fyne.Do.
	OnChange func()

	secretMu   sync.Mutex     // one keyring write at a time
	writes     sync.WaitGroup // keyring writes in flight; Close waits
	mu         sync.Mutex
	typed      map[string]string // secrets set this session, by output ID
	run        runOverrides      // command-line choices, not saved
	set        settings.Settings
	server     *pipeline.LocalServer
	live       *pipeline.Prepared
	starting   *pipeline.Prepared // between Prepare and a successful Start
	busy       bool               // a GoLive is running
	stopWanted bool               // Stop came while busy
	starts     sync.WaitGroup     // GoLive calls in flight; Close waits
	liveIDs    []string           // output IDs in the plan's order
	since      time.Time
	lastErr    error
	errField   string            // what the last error is about: "source", "encoder", an output ID
	notice     string            // what onair changed on its own (an encoder fallback)
	outErr     map[string]error  // per output ID
	outState   map[string]string // per output ID
	rates      map[string]*rateMeter
	bitrates   *seriesSet
	sampled    time.Time // when the bitrate series last grew
}

// NewController loads the settings from prefs (nil: defaults, nothing saved).
func NewController(prefs fyne.Preferences, secrets *settings.Secrets, log *slog.Logger) *Controller {
	if log == nil {
		log = slog.Default()
	}
	c := &Controller{prefs: prefs, secrets: secrets, log: log, ServerAddr: pipeline.DefaultServerAddr,
		outErr: map[string]error{}, outState: map[string]string{}, typed: map[string]string{}, rates: map[string]*rateMeter{}, bitrates: newSeriesSet(600)}
	c.set = settings.Defaults()
	if prefs != nil {
		c.set = settings.Load(prefs)
	}
	return c
}

// Settings returns a copy of the settings in force.
func (c *Controller) Settings() settings.Settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.set
	s.Outputs = append([]settings.Output(nil), c.set.Outputs...)
	s.Filters = append([]string(nil), c.set.Filters...)
	return s
}

// Update changes the settings and saves them. While live, a change of
// filters goes to the running session; other changes apply at the next
// go-live (as in OBS, the encoder is fixed while streaming).
func (c *Controller) Update(edit func(*settings.Settings)) {
	c.mu.Lock()
	edit(&c.set)
	s := c.set
	c.mu.Unlock()
	c.save(s)
	c.changed()
}

func (c *Controller) save(s settings.Settings) {
	if c.prefs == nil {
		return
	}
	// What the command line chose is for this run: the saved values stay.
	c.mu.Lock()
	if c.run.outputs {
		s.Outputs = c.run.savedOutputs
	}
	if c.run.preview {
		s.Preview = c.run.savedPreview
	}
	if c.run.previewFPS {
		s.PreviewFPS = c.run.savedPreviewFPS
	}
	if c.run.source {
		s.Source, s.Input = c.run.savedSource, c.run.savedInput
	}
	c.mu.Unlock()
	if err := settings.Save(c.prefs, s); err != nil {
		c.setError("", fmt.Errorf("settings not saved: %w", err))
	}
}

func (c *Controller) changed() {
	if c.OnChange != nil {
		c.OnChange()
	}
}

// SetSecret keeps an output's stream key or token in the keyring (or, with
// no keyring, for this session only). The keyring is written in the
// background, latest value wins, so typing never waits on D-Bus.
func (c *Controller) SetSecret(outputID, secret string) error {
	if c.secrets == nil {
		return errors.New("no secret store")
	}
	c.mu.Lock()
	c.typed[outputID] = secret
	c.mu.Unlock()
	c.writes.Add(1)
	go func() {
		defer c.writes.Done()
		c.secretMu.Lock()
		defer c.secretMu.Unlock()
		c.mu.Lock()
		latest := c.typed[outputID]
		c.mu.Unlock()
		if err := settings.SaveOutputSecret(c.secrets, outputID, latest); err != nil {
			c.setError(outputID, err)
		}
	}()
	c.Update(func(s *settings.Settings) {
		for i := range s.Outputs {
			if s.Outputs[i].ID == outputID {
				s.Outputs[i].HasSecret = secret != ""
			}
		}
	})
	return nil
}

// Secret reads an output's stream key or token ("" when none).
func (c *Controller) Secret(outputID string) string {
	if c.secrets == nil {
		return ""
	}
	c.mu.Lock()
	v, ok := c.typed[outputID]
	c.mu.Unlock()
	if ok {
		return v
	}
	v, err := settings.OutputSecret(c.secrets, outputID)
	if err != nil {
		return ""
	}
	return v
}

// Plan turns the settings into a go-live; the error names the field.
func (c *Controller) Plan() (pipeline.Plan, []string, error) {
	s := c.Settings()
	p := pipeline.Plan{Source: s.Source, Device: s.Device, Microphone: s.Microphone, Log: c.log,
		FilterStage: true, Filters: s.Filters, ServerAddr: c.ServerAddr}
	if s.Source == SourceInput {
		p.Source = strings.TrimSpace(s.Input)
		// The input's own size and rate, as OBS's media source keeps them.
		p.KeepInputSize, p.KeepInputRate = true, true
		if p.Source == "" {
			return p, nil, &pipeline.SettingError{Field: "source", Err: errors.New("no input: type a URL or pick a file")}
		}
	}
	v := pipeline.DefaultVideo()
	if s.Encoder != "" {
		v.Encoder = s.Encoder
	}
	if s.Preset != "" {
		v.Preset = s.Preset
	}
	var err error
	if v.Width, v.Height, err = pipeline.ParseSize(s.Size); err != nil {
		return p, nil, err
	}
	if v.Bitrate, err = pipeline.ParseBitrate(s.Bitrate); err != nil {
		return p, nil, err
	}
	if s.FPS > 0 {
		v.FPS = s.FPS
	}
	if s.KeyframeSec > 0 {
		v.KeyframeInterval = time.Duration(s.KeyframeSec * float64(time.Second))
	}
	p.Video, p.Audio = v, pipeline.DefaultAudio()
	var ids []string
	for _, o := range s.Outputs {
		if !o.Enabled {
			continue
		}
		spec, token := "", ""
		switch o.Kind {
		case OutputLocal:
			spec = "local"
		case OutputWHIP:
			spec = strings.TrimSpace(o.URL)
			if o.HasSecret {
				token = c.Secret(o.ID)
			}
		case OutputRTMP:
			key := ""
			if o.HasSecret {
				key = c.Secret(o.ID)
			}
			spec = settings.JoinRTMP(strings.TrimSpace(o.URL), key)
		case OutputRecord:
			if strings.TrimSpace(o.Path) == "" {
				return p, nil, &pipeline.SettingError{Field: o.ID, Err: errors.New("recording: choose a file (.mkv or .mp4)")}
			}
			spec = "record:" + strings.TrimSpace(o.Path)
		default:
			return p, nil, &pipeline.SettingError{Field: o.ID, Err: fmt.Errorf("unknown output kind %q", o.Kind)}
		}
		p.Outputs = append(p.Outputs, spec)
		p.OutputTokens = append(p.OutputTokens, token)
		ids = append(ids, o.ID)
	}
	if len(ids) == 0 {
		return p, nil, &pipeline.SettingError{Field: "outputs", Err: errors.New("no output switched on: add the local server, WHIP, RTMP or a recording")}
	}
	return p, ids, nil
}

// runOverrides remembers the saved values the command line replaced.
type runOverrides struct {
	outputs, preview, source, previewFPS bool
	savedOutputs                         []settings.Output
	savedPreview                         bool
	savedPreviewFPS                      int
	savedSource, savedInput              string
}

// Sources the source picker offers.
const (
	SourceTestPattern = "testpattern"
	SourceCamera      = "camera"
	SourceScreen      = "screen"
	SourceInput       = "input" // Settings.Input: a URL or a file
)

// Output kinds.
const (
	OutputLocal  = "local"
	OutputWHIP   = "whip"
	OutputRTMP   = "rtmp"
	OutputRecord = "record"
)

// Live reports whether a go-live runs.
func (c *Controller) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live != nil
}

// GoLive plans and starts; on failure the error is also the status.
func (c *Controller) GoLive() error {
	c.mu.Lock()
	if c.live != nil || c.busy {
		c.mu.Unlock()
		return nil // one go-live at a time, however fast the clicks
	}
	c.busy = true
	c.starts.Add(1)
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.busy, c.stopWanted = false, false
		c.mu.Unlock()
		c.starts.Done()
	}()
	plan, ids, err := c.Plan()
	if err != nil {
		return c.fail(err, ids)
	}
	for _, spec := range plan.Outputs {
		if spec == "local" {
			srv, err := c.Server()
			if err != nil {
				return c.fail(err, ids)
			}
			plan.Server = srv
		}
	}
	plan.OnEvent = c.onEvent
	pr, notice, err := c.start(plan, ids)
	if err != nil {
		return c.fail(err, ids)
	}
	c.mu.Lock()
	c.notice = notice
	srv := c.server
	stop := c.stopWanted // Stop was asked while this was starting
	c.mu.Unlock()
	if stop {
		return c.Stop()
	}
	if srv != nil {
		srv.HandleControl("filters", pipeline.FiltersControl(pr.Session))
	}
	go c.watch(pr)
	c.changed()
	return nil
}

// detach takes the built-in server's filter control off a session that ended.
func (c *Controller) detach() {
	c.mu.Lock()
	srv := c.server
	c.mu.Unlock()
	if srv != nil {
		srv.HandleControl("filters", pipeline.FiltersControl(nil))
	}
}

// start prepares and starts plan. An encoder that cannot open here (a GPU
// encoder without its device) falls back to libx264, and says so.
func (c *Controller) start(plan pipeline.Plan, ids []string) (*pipeline.Prepared, string, error) {
	notice := ""
	for {
		pr, err := pipeline.Prepare(plan)
		if err != nil {
			return nil, "", err
		}
		c.mu.Lock()
		// Events during Start map to outputs through starting; the session
		// is shown (and its filters changed) only once it runs.
		c.starting, c.liveIDs, c.since = pr, ids, time.Now()
		c.lastErr, c.errField, c.notice = nil, "", ""
		clear(c.outErr)
		clear(c.outState)
		clear(c.rates)
		c.bitrates = newSeriesSet(600)
		c.mu.Unlock()
		err = pr.Start(context.Background())
		c.mu.Lock()
		c.starting = nil
		if err == nil {
			c.live = pr
		}
		c.mu.Unlock()
		if err == nil {
			return pr, notice, nil
		}
		pr.Close()
		if !errors.Is(err, pipeline.ErrEncoderUnusable) || plan.Video.Encoder == "libx264" {
			return nil, "", err
		}
		notice = T("{{.Encoder}} is not usable here ({{.Why}}): streaming with libx264 instead",
			map[string]any{"Encoder": plan.Video.Encoder, "Why": oneLine(err.Error())})
		c.log.Warn("encoder fallback", "from", plan.Video.Encoder, "err", err)
		plan.Video.Encoder = "libx264"
	}
}

// watch notices a go-live that ends by itself (source ended, every output failed).
func (c *Controller) watch(pr *pipeline.Prepared) {
	<-pr.Session.Done()
	err := pr.Session.Wait()
	c.mu.Lock()
	mine := c.live == pr
	if mine {
		c.live = nil
		if err != nil {
			c.lastErr = err
		}
	}
	c.mu.Unlock()
	if mine {
		pr.Close()
		c.detach()
		c.changed()
	}
}

// Stop ends the go-live and waits for it (bounded by the session's grace).
func (c *Controller) Stop() error {
	c.mu.Lock()
	pr := c.live
	c.live = nil
	if pr == nil && c.busy {
		c.stopWanted = true // GoLive stops it as soon as it runs
	}
	c.mu.Unlock()
	if pr == nil {
		return nil
	}
	err := pr.Session.Stop()
	pr.Close()
	c.detach()
	if err != nil {
		c.setError("", err)
	}
	c.changed()
	return err
}

// Toggle goes live or stops.
func (c *Controller) Toggle() error {
	if c.Live() {
		return c.Stop()
	}
	return c.GoLive()
}

func (c *Controller) fail(err error, ids []string) error {
	field := ""
	var se *pipeline.SettingError
	if errors.As(err, &se) {
		field = se.Field
		// Prepare names outputs by position among the switched-on ones.
		var n int
		if _, e := fmt.Sscanf(se.Field, "output %d", &n); e == nil && n >= 1 && n <= len(ids) {
			field = ids[n-1]
		}
	}
	c.setError(field, err)
	return err
}

func (c *Controller) setError(field string, err error) {
	c.mu.Lock()
	c.lastErr, c.errField = err, field
	for _, o := range c.set.Outputs {
		if o.ID == field {
			c.outErr[field] = err
		}
	}
	c.mu.Unlock()
	c.log.Warn("ui", "err", err)
	c.changed()
}

func (c *Controller) onEvent(e pipeline.Event) {
	c.mu.Lock()
	id := ""
	pr := c.live
	if pr == nil {
		pr = c.starting
	}
	if pr != nil && e.Output != "" {
		for i, name := range pr.Outputs {
			if name == e.Output && i < len(c.liveIDs) {
				id = c.liveIDs[i]
			}
		}
	}
	if id != "" {
		c.outState[id] = e.State
		if e.Err != nil {
			c.outErr[id] = e.Err
		}
	}
	if e.Err != nil && !errors.Is(e.Err, context.Canceled) {
		c.lastErr, c.errField = e.Err, id
	}
	c.mu.Unlock()
	c.changed()
}

// Server starts the built-in server on first use and keeps it for the
// app's life, so the viewer URL stays the same between go-lives.
func (c *Controller) Server() (*pipeline.LocalServer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server != nil {
		return c.server, nil
	}
	srv, err := pipeline.StartLocalServer(c.ServerAddr, "", c.log)
	if err != nil {
		return nil, err
	}
	c.server = srv
	c.log.Info("built-in server: watch at " + srv.URL())
	return srv, nil
}

// ViewerURL is where a browser watches the built-in server ("" before it runs).
func (c *Controller) ViewerURL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.viewerURLLocked()
}

func (c *Controller) viewerURLLocked() string {
	if c.server == nil {
		return ""
	}
	u := c.server.URL()
	if tok, generated := c.server.Token(); generated {
		u += "?token=" + tok
	}
	return u
}

// SetFilters changes the chain: saved, and applied live when streaming.
func (c *Controller) SetFilters(specs []string) error {
	for _, s := range specs {
		if err := pipeline.CheckFilter(s); err != nil {
			c.setError("filters", err)
			return err
		}
	}
	c.mu.Lock()
	pr := c.live
	c.mu.Unlock()
	if pr != nil {
		if err := pr.Session.SetFilters(specs); err != nil {
			c.setError("filters", err)
			return err
		}
	}
	c.Update(func(s *settings.Settings) { s.Filters = append([]string(nil), specs...) })
	return nil
}

// LatestFrame is the preview's source: the newest filtered frame, or nil.
func (c *Controller) LatestFrame() *media.VideoFrame {
	c.mu.Lock()
	pr := c.live
	c.mu.Unlock()
	if pr == nil {
		return nil
	}
	return pr.Session.LatestFrame()
}

// Session is the running session, or nil.
func (c *Controller) Session() *pipeline.Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == nil {
		return nil
	}
	return c.live.Session
}

// Close stops everything, the built-in server too, and lets the keyring
// writes finish.
func (c *Controller) Close() {
	c.Stop()
	c.starts.Wait() // a go-live still starting stops itself (stopWanted)
	c.Stop()
	c.writes.Wait()
	c.mu.Lock()
	srv := c.server
	c.server = nil
	c.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}
