#!/usr/bin/env bash
# Installs the Debian 12 packages onair needs to build, test and run.
# Idempotent: asks dpkg what is missing and installs only that, so a machine
# that has everything returns in well under a second. Works as root (CI) or
# through sudo.
set -euo pipefail

# Build toolchain and the C libraries the Go bindings link against.
BUILD=(gcc g++ make pkg-config git ca-certificates)
FFMPEG_DEV=(libavcodec-dev libavformat-dev libavutil-dev libavfilter-dev
  libavdevice-dev libswscale-dev libswresample-dev)
GST_DEV=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-libav gstreamer1.0-tools)
OPENCV=(libopencv-dev opencv-data)
# Fyne (GLFW) and the X11 screen capture (XShm) need GL and the X11 headers.
FYNE=(libgl1-mesa-dev libx11-dev libxext-dev libxcursor-dev libxrandr-dev libxinerama-dev
  libxi-dev libxxf86vm-dev)
# The window's Chinese needs a CJK font (Fyne falls back to it through
# fontconfig); stream keys go to the Secret Service over D-Bus.
GUI=(fonts-noto-cjk fontconfig dbus)
# Real peers and tools the tests and benchmarks start on loopback (python3-gi
# with gst-rtsp-server runs testdata/rtsp-server.py, a real RTSP server;
# gnome-keyring is the Secret Service the keyring test starts; xdotool
# clicks the real window under Xvfb).
TEST=(ffmpeg nginx libnginx-mod-rtmp chromium chromium-driver xvfb imagemagick xdotool
  python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-rtsp-server-1.0
  gnome-keyring time)

want=("${BUILD[@]}" "${FFMPEG_DEV[@]}" "${GST_DEV[@]}" "${OPENCV[@]}" "${FYNE[@]}" "${GUI[@]}" "${TEST[@]}")

missing=()
for p in "${want[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=()
if ((EUID != 0)); then
  if ! command -v sudo >/dev/null; then
    echo "deps.sh: need root or sudo to install: ${missing[*]}" >&2
    exit 1
  fi
  SUDO=(sudo)
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they are absent or older than a day.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -n1)" ]]; then
  "${SUDO[@]}" apt-get update -q
fi
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"

# Debian enables nginx on install; onair's tests start their own nginx on a
# free loopback port, so the system one must not hold port 80 for nothing.
if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
  "${SUDO[@]}" systemctl stop nginx || true
fi
