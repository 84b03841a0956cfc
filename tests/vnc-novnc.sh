#!/bin/sh
# noVNC in front of vgfb-vnc (TAP): websockify (Debian's 0.10) serves
# noVNC's page and carries RFB over a WebSocket to vgfb-vnc's UNIX socket.
#   1: a WebSocket client does the RFB handshake through it and gets
#      vgfb-vnc's ServerInit with the guest's size;
#   2: a real browser, headless Chromium, opens noVNC's vnc.html, which
#      connects; a screenshot (taken through the DevTools protocol until
#      the frame is there) holds the sim guest's 640x480 frame 1, pixel
#      for pixel (noVNC draws 1:1 into a larger window).
# Skips what cannot run here: tests/install-deps.sh installs websockify,
# novnc, python3 and chromium.
# VNC_NOVNC_SHOT=FILE keeps the last screenshot there, to look at.
top_builddir=${top_builddir:-.}
vnc="$top_builddir/tools/vgfb-vnc/vgfb-vnc"
novnc=/usr/share/novnc
if [ ! -x "$vnc" ]; then
	echo "1..0 # SKIP vgfb-vnc not built (configure found no neatvnc 0.5)"
	exit 0
fi
for p in websockify python3; do
	if ! command -v $p >/dev/null 2>&1; then
		echo "1..0 # SKIP $p missing (tests/install-deps.sh)"
		exit 0
	fi
done
if [ ! -f "$novnc/vnc.html" ]; then
	echo "1..0 # SKIP noVNC missing (package novnc, tests/install-deps.sh)"
	exit 0
fi
echo "1..2"
dir=$(mktemp -d "${TMPDIR:-/tmp}/vgfb-novnc.XXXXXX") || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$dir"
}
trap cleanup EXIT

"$vnc" --target sim:mode=640x480 --listen "unix:$dir/vnc.sock" \
	>"$dir/vnc.out" 2>"$dir/vnc.err" &
pids="$!"
# a free port: bound by the kernel, then handed to websockify
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for _ in $(seq 1 200); do
	grep -q "listening on" "$dir/vnc.out" && break
	sleep 0.05
done
websockify --web "$novnc" --unix-target="$dir/vnc.sock" "127.0.0.1:$port" \
	>"$dir/ws.log" 2>&1 &
pids="$pids $!"

if python3 - "$port" >"$dir/ws-client.log" 2>&1 <<'PY'
import base64, os, socket, struct, sys, time

port = int(sys.argv[1])

def connect():
    for _ in range(400):
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            time.sleep(0.05)
    sys.exit("websockify does not listen")

def recv_exact(s, n):
    data = b""
    while len(data) < n:
        d = s.recv(n - len(data))
        if not d:
            sys.exit("connection closed")
        data += d
    return data

def send_ws(s, payload):
    # a client's frames are masked (RFC 6455 5.3); binary opcode
    mask = os.urandom(4)
    s.sendall(bytes([0x82, 0x80 | len(payload)]) + mask +
              bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

buf = b""
def recv_rfb(s, n):
    # RFB bytes out of the server's frames (unmasked)
    global buf
    while len(buf) < n:
        b0, b1 = recv_exact(s, 2)
        ln = b1 & 0x7f
        if ln == 126:
            ln = struct.unpack(">H", recv_exact(s, 2))[0]
        elif ln == 127:
            ln = struct.unpack(">Q", recv_exact(s, 8))[0]
        payload = recv_exact(s, ln)
        if b0 & 0x0f == 8:
            sys.exit("websockify closed the WebSocket")
        buf += payload
    out, buf = buf[:n], buf[n:]
    return out

s = connect()
s.sendall(b"GET /vnc.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
page = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    page += d
if b" 200 " not in page.split(b"\r\n", 1)[0] or b"noVNC" not in page:
    sys.exit("noVNC's page not served: %r" % page[:80])

s = connect()
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET /websockify HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: binary\r\n\r\n"
           % key).encode())
resp = b""
while b"\r\n\r\n" not in resp:
    d = s.recv(4096)
    if not d:
        sys.exit("no WebSocket upgrade")
    resp += d
head, buf = resp.split(b"\r\n\r\n", 1)
if b" 101 " not in head.split(b"\r\n", 1)[0]:
    sys.exit("upgrade refused: %r" % head[:80])
if recv_rfb(s, 12) != b"RFB 003.008\n":
    sys.exit("not vgfb-vnc's version")
send_ws(s, b"RFB 003.008\n")
types = recv_rfb(s, recv_rfb(s, 1)[0])
if 1 not in types:
    sys.exit("security types %r" % types)
send_ws(s, b"\x01")
if recv_rfb(s, 4) != b"\0\0\0\0":
    sys.exit("security refused")
send_ws(s, b"\x01")
w, h = struct.unpack(">HH", recv_rfb(s, 4))
if (w, h) != (640, 480):
    sys.exit("ServerInit %dx%d, want 640x480" % (w, h))
print("ServerInit %dx%d through websockify" % (w, h))
PY
then
	echo "ok 1 - RFB through websockify: $(tail -1 "$dir/ws-client.log")"
else
	echo "not ok 1 - RFB through websockify: $(tail -1 "$dir/ws-client.log")"
fi

browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
	echo "ok 2 # SKIP chromium missing (tests/install-deps.sh)"
	exit 0
fi
# --no-sandbox: the sandbox refuses to run as root; nothing but noVNC's
# page on loopback is loaded.  The browser is driven through its DevTools
# protocol: screenshots are taken until noVNC shows the frame (a deadline
# only turns a hang into a failure), so a slow machine does not fail it.
"$browser" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$dir/profile" --window-size=800,700 \
	--remote-debugging-port=0 \
	"http://127.0.0.1:$port/vnc.html?autoconnect=true&reconnect=false" \
	>"$dir/browser.log" 2>&1 &
pids="$! $pids"
if python3 - "$dir/browser.log" >"$dir/check.log" 2>&1 <<'PY'
import base64, json, os, re, socket, struct, sys, time, zlib
from urllib.parse import urlparse

def png_rgb(d):
    # enough of PNG for a browser's screenshot: 8-bit RGB or RGBA
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit("not a PNG")
    pos, idat = 8, b""
    while pos < len(d):
        ln, typ = struct.unpack(">I4s", d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + ln]
        pos += 12 + ln
        if typ == b"IHDR":
            w, h, depth, ct, _, _, il = struct.unpack(">IIBBBBB", body)
            if depth != 8 or ct not in (2, 6) or il:
                sys.exit("PNG kind %d/%d/%d" % (depth, ct, il))
        elif typ == b"IDAT":
            idat += body
    bpp = 3 if ct == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    out, prev, i = bytearray(), bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        out += line
        prev = line
    return w, h, bpp, out

def pattern(n, x, y):
    # docs/test-pattern.md
    b = 0xC0 if ((x >> 5) ^ (y >> 5)) & 1 else 0x40
    return ((x + 8 * n) % 256, (y + 2 * n) % 256, b + n % 64)

def find_frame(png):
    w, h, bpp, px = png_rgb(png)
    at = lambda x, y: tuple(px[(y * w + x) * bpp:(y * w + x) * bpp + 3])
    # noVNC centres the canvas: find frame 1's first two pixels
    origin = next(((x, y) for y in range(h - 479) for x in range(w - 639)
                   if at(x, y) == pattern(1, 0, 0) and
                   at(x + 1, y) == pattern(1, 1, 0)), None)
    if not origin:
        return None, None
    ox, oy = origin
    bad = sum(at(ox + x, oy + y) != pattern(1, x, y)
              for y in range(480) for x in range(640))
    return origin, bad

# ---- a DevTools client over a minimal WebSocket ----
def ws_connect(url):
    u = urlparse(url)
    s = socket.create_connection((u.hostname, u.port), timeout=60)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n"
               % (u.path, u.hostname, u.port, key)).encode())
    resp = b""
    while b"\r\n\r\n" not in resp:
        d = s.recv(4096)
        if not d:
            sys.exit("DevTools refused the WebSocket")
        resp += d
    return s, resp.split(b"\r\n\r\n", 1)[1]

class DevTools:
    def __init__(self, url):
        self.s, self.buf = ws_connect(url)
        self.id = 0
    def _exact(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 20)
            if not d:
                sys.exit("DevTools closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out
    def _message(self):
        data = b""
        while True:
            b0, b1 = self._exact(2)
            ln = b1 & 0x7f
            if ln == 126:
                ln = struct.unpack(">H", self._exact(2))[0]
            elif ln == 127:
                ln = struct.unpack(">Q", self._exact(8))[0]
            data += self._exact(ln)
            if b0 & 0x80:
                return json.loads(data)
    def call(self, method, **params):
        self.id += 1
        msg = json.dumps({"id": self.id, "method": method,
                          "params": params}).encode()
        mask = os.urandom(4)
        n = len(msg)
        head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                bytes([0x80 | 126]) + struct.pack(">H", n))
        self.s.sendall(head + mask +
                       bytes(b ^ mask[i % 4] for i, b in enumerate(msg)))
        while True:
            m = self._message()
            if m.get("id") == self.id:
                if "error" in m:
                    sys.exit("DevTools: %s" % m["error"])
                return m["result"]

deadline = time.time() + 120
port = None
while time.time() < deadline and not port:
    m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/",
                  open(sys.argv[1]).read())
    port = m and int(m.group(1))
    time.sleep(0.1)
if not port:
    sys.exit("the browser did not start: " + open(sys.argv[1]).read()[-300:])
page = None
while time.time() < deadline and not page:
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        # DevTools answers only a Host that is an IP address or localhost,
        # and keeps the connection open: read Content-Length bytes
        s.sendall(("GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                   "\r\n" % port).encode())
        body = b""
        while b"\r\n\r\n" not in body:
            body += s.recv(65536)
        head, body = body.split(b"\r\n\r\n", 1)
        n = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
        while len(body) < n:
            body += s.recv(65536)
        s.close()
        targets = json.loads(body)
        page = next((t["webSocketDebuggerUrl"] for t in targets
                     if t.get("type") == "page" and "vnc.html" in t.get("url", "")),
                    None)
    except (OSError, ValueError, AttributeError):
        pass	# not up yet
    time.sleep(0.2)
if not page:
    sys.exit("noVNC's page did not open")
dt = DevTools(page)
# the window's size is not the page's (the browser's own bars): set the
# page's, 1:1, larger than the guest's screen
dt.call("Emulation.setDeviceMetricsOverride", width=800, height=600,
        deviceScaleFactor=1, mobile=False)
shots = 0
while time.time() < deadline:
    png = base64.b64decode(dt.call("Page.captureScreenshot", format="png")["data"])
    shots += 1
    if os.environ.get("VNC_NOVNC_SHOT"):
        open(os.environ["VNC_NOVNC_SHOT"], "wb").write(png)
    origin, bad = find_frame(png)
    if origin and bad == 0:
        print("640x480 at %d,%d, every pixel frame 1 (screenshot %d)"
              % (origin + (shots,)))
        sys.exit(0)
    if origin:
        # the frame is there but differs: noVNC may still be drawing it
        last = "%d of 640x480 pixels differ from frame 1" % bad
    else:
        last = "the guest's frame is not in the screenshot"
    time.sleep(0.5)
sys.exit(last + " (%d screenshots)" % shots)
PY
then
	echo "ok 2 - headless Chromium through noVNC: $(tail -1 "$dir/check.log")"
else
	echo "not ok 2 - headless Chromium through noVNC: $(tail -1 "$dir/check.log")"
	sed 's/^/# /' "$dir/check.log" "$dir/browser.log" | tail -20
fi
