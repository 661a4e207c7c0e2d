// onair viewer: WHEP (POST an offer to /whep), play, and show live stats.
// window.onair exposes the numbers for tests and for people in DevTools.
"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  const video = document.getElementById("video");
  const status = document.getElementById("status");
  const onair = window.onair = { state: "connecting", frames: [], latencies: [], stats: {}, errors: [] };
  const WALL_MOD = 2 ** 40;

  function show(id, text) { document.getElementById(id).textContent = text; }
  function setStatus(s, text) { onair.state = s; status.textContent = text; }

  async function connect() {
    const pc = new RTCPeerConnection();
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    const stream = new MediaStream();
    pc.ontrack = (e) => { stream.addTrack(e.track); video.srcObject = stream; };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "connected") setStatus("playing", "live");
      if (pc.connectionState === "failed" || pc.connectionState === "closed" || pc.connectionState === "disconnected") {
        setStatus("waiting", "stream ended; waiting for it to come back…");
        pc.close();
        setTimeout(connect, 1000);
      }
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    await new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && resolve();
      setTimeout(resolve, 2000);
    });
    const headers = { "Content-Type": "application/sdp" };
    if (token) headers.Authorization = "Bearer " + token;
    let resp;
    try {
      resp = await fetch("whep", { method: "POST", headers, body: pc.localDescription.sdp });
    } catch (e) {
      pc.close(); setStatus("waiting", "server unreachable; retrying…"); setTimeout(connect, 1000); return;
    }
    if (resp.status !== 201) {
      const text = (await resp.text()).trim();
      onair.errors.push(resp.status + " " + text);
      pc.close();
      setStatus("waiting", text || ("HTTP " + resp.status));
      setTimeout(connect, 1000);
      return;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: await resp.text() });
    onair.pc = pc;
    pollStats(pc);
  }

  let last = null;
  async function pollStats(pc) {
    if (pc.connectionState === "closed") return;
    const report = await pc.getStats();
    const s = {};
    report.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") {
        Object.assign(s, { framesDecoded: r.framesDecoded, frameWidth: r.frameWidth, frameHeight: r.frameHeight,
          fps: r.framesPerSecond, videoPacketsLost: r.packetsLost, videoPacketsReceived: r.packetsReceived,
          jitter: r.jitter, videoBytes: r.bytesReceived, nackCount: r.nackCount, pliCount: r.pliCount });
      }
      if (r.type === "inbound-rtp" && r.kind === "audio") {
        Object.assign(s, { audioPacketsReceived: r.packetsReceived, audioPacketsLost: r.packetsLost, audioBytes: r.bytesReceived });
      }
      if (r.type === "candidate-pair" && r.nominated && r.currentRoundTripTime !== undefined) s.rtt = r.currentRoundTripTime;
    });
    const now = performance.now();
    const bytes = (s.videoBytes || 0) + (s.audioBytes || 0);
    if (last) s.bitrate = (bytes - last.bytes) * 8 / ((now - last.t) / 1000);
    last = { t: now, bytes };
    onair.stats = s;
    if (s.bitrate !== undefined) show("s-bitrate", (s.bitrate / 1e6).toFixed(2) + " Mbit/s");
    if (s.fps !== undefined) show("s-fps", s.fps);
    if (s.frameWidth) show("s-size", s.frameWidth + "×" + s.frameHeight);
    const lost = s.videoPacketsLost || 0, recv = s.videoPacketsReceived || 0;
    if (recv) show("s-loss", (100 * lost / (lost + recv)).toFixed(2) + " %");
    if (s.rtt !== undefined) show("s-rtt", (s.rtt * 1000).toFixed(0) + " ms");
    if (s.jitter !== undefined) show("s-jitter", (s.jitter * 1000).toFixed(1) + " ms");
    setTimeout(() => pollStats(pc), 1000);
  }

  // Read the barcode of every presented frame: frame number and the wall
  // clock when it was made, against this page's clock (same machine or
  // synchronised clocks) = glass-to-glass latency.
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  function onFrame() {
    if (video.videoWidth > 0) {
      const w = video.videoWidth, h = video.videoHeight, sh = Math.max(16, Math.floor(h / 22));
      if (canvas.width !== w || canvas.height !== sh) { canvas.width = w; canvas.height = sh; }
      ctx.drawImage(video, 0, h - sh, w, sh, 0, 0, w, sh);
      const px = ctx.getImageData(0, 0, w, sh).data;
      const b = Barcode.decode(px, w, sh);
      if (b) {
        const lat = ((Date.now() % WALL_MOD) - b.wallMs + WALL_MOD) % WALL_MOD;
        if (onair.frames.length === 0 || onair.frames[onair.frames.length - 1] !== b.frame) {
          onair.frames.push(b.frame);
          onair.latencies.push(lat);
          if (onair.frames.length > 100000) { onair.frames.splice(0, 50000); onair.latencies.splice(0, 50000); }
          show("s-latency", lat + " ms");
        }
      }
    }
    if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onFrame);
    else requestAnimationFrame(onFrame);
  }
  if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(onFrame);
  else requestAnimationFrame(onFrame);

  connect();
})();
