#!/usr/bin/python3
# A real RTSP server for onair's tests (GStreamer's gst-rtsp-server through
# Debian's python3-gi): serves a live 320x240 30 fps VP8 test picture at
# rtsp://127.0.0.1:PORT/test. Usage: rtsp-server.py PORT
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1])
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    "( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1"
    " ! vp8enc deadline=1 ! rtpvp8pay name=pay0 pt=96 )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/test", factory)
server.attach(None)
print("ready", flush=True)
GLib.MainLoop().run()
