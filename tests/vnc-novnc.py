#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""noVNC's path to vgfb-vnc, for tests/vnc-novnc.sh.

  vnc-novnc.py rfb PORT         websockify on PORT serves noVNC's page, and
                                RFB through its WebSocket reaches ServerInit
  vnc-novnc.py browser LOGFILE  the headless Chromium that wrote LOGFILE
                                shows frame 1 of the guest, pixel for pixel

Prints one line on success; exits non-zero with the reason otherwise.
VNC_NOVNC_SHOT=FILE keeps the last screenshot there.
"""
import base64, json, os, re, socket, struct, sys, time, zlib

DEADLINE = time.time() + 120    # turns a hang into a failure, nothing more


def connect(port):
    while True:
        try:
            return socket.create_connection(("127.0.0.1", port), timeout=60)
        except OSError:
            if time.time() > DEADLINE:
                sys.exit("nothing listens on port %d" % port)
            time.sleep(0.05)


def http_get(port, path):
    """Status line and body; Content-Length bytes (DevTools keeps the
    connection open), else up to the end."""
    s = connect(port)
    # DevTools answers only a Host that is an IP address or localhost
    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n"
               % (path, port)).encode())
    data = b""
    while b"\r\n\r\n" not in data:
        d = s.recv(65536)
        if not d:
            break
        data += d
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    while True:
        if m and len(body) >= int(m.group(1)):
            break
        d = s.recv(65536)
        if not d:
            break
        body += d
    s.close()
    return head.split(b"\r\n", 1)[0], body


class WebSocket:
    """A client of RFC 6455, as much as these tests need."""

    def __init__(self, port, path, protocol=None):
        self.s = connect(port)
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "Sec-WebSocket-Protocol: %s\r\n" % protocol if protocol else ""
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                        "%s\r\n" % (path, port, key, extra)).encode())
        resp = b""
        while b"\r\n\r\n" not in resp:
            d = self.s.recv(4096)
            if not d:
                sys.exit("no WebSocket upgrade on %s" % path)
            resp += d
        head, self.buf = resp.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            sys.exit("upgrade refused: %r" % head[:80])
        self.stream = b""

    def _exact(self, n):
        while len(self.buf) < n:
            d = self.s.recv(1 << 20)
            if not d:
                sys.exit("the WebSocket was closed")
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, payload, opcode=2):
        # a client's frames are masked (RFC 6455 5.3)
        mask, n = os.urandom(4), len(payload)
        head = bytes([0x80 | opcode])
        head += (bytes([0x80 | n]) if n < 126 else
                 bytes([0x80 | 126]) + struct.pack(">H", n))
        self.s.sendall(head + mask +
                       bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def message(self):
        """One whole message (fragments joined) from the server."""
        data = b""
        while True:
            b0, b1 = self._exact(2)
            ln = b1 & 0x7f
            if ln == 126:
                ln = struct.unpack(">H", self._exact(2))[0]
            elif ln == 127:
                ln = struct.unpack(">Q", self._exact(8))[0]
            if b0 & 0x0f == 8:
                sys.exit("the server closed the WebSocket")
            data += self._exact(ln)
            if b0 & 0x80:
                return data

    def read(self, n):
        """n bytes of the stream the messages carry (RFB)."""
        while len(self.stream) < n:
            self.stream += self.message()
        out, self.stream = self.stream[:n], self.stream[n:]
        return out


def rfb(port):
    status, page = http_get(port, "/vnc.html")
    if b" 200 " not in status or b"noVNC" not in page:
        sys.exit("noVNC's page not served: %r" % status)
    ws = WebSocket(port, "/websockify", "binary")
    if ws.read(12) != b"RFB 003.008\n":
        sys.exit("not vgfb-vnc's version")
    ws.send(b"RFB 003.008\n")
    types = ws.read(ws.read(1)[0])
    if 1 not in types:
        sys.exit("security types %r" % types)
    ws.send(b"\x01")
    if ws.read(4) != b"\0\0\0\0":
        sys.exit("security refused")
    ws.send(b"\x01")
    w, h = struct.unpack(">HH", ws.read(4))
    if (w, h) != (640, 480):
        sys.exit("ServerInit %dx%d, want 640x480" % (w, h))
    print("ServerInit %dx%d through websockify" % (w, h))


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


class DevTools:
    def __init__(self, port, path):
        self.ws = WebSocket(port, path)
        self.id = 0

    def call(self, method, **params):
        self.id += 1
        self.ws.send(json.dumps({"id": self.id, "method": method,
                                 "params": params}).encode(), opcode=1)
        while True:
            m = json.loads(self.ws.message())
            if m.get("id") == self.id:
                if "error" in m:
                    sys.exit("DevTools: %s" % m["error"])
                return m["result"]


def browser(log):
    port = None
    while not port:
        m = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/",
                      open(log).read())
        port = m and int(m.group(1))
        if time.time() > DEADLINE:
            sys.exit("the browser did not start: " + open(log).read()[-300:])
        time.sleep(0.1)
    page = None
    while not page:
        try:
            page = next((t["webSocketDebuggerUrl"]
                         for t in json.loads(http_get(port, "/json/list")[1])
                         if t.get("type") == "page" and
                         "vnc.html" in t.get("url", "")), None)
        except ValueError:
            pass    # not up yet
        if time.time() > DEADLINE:
            sys.exit("noVNC's page did not open")
        time.sleep(0.2)
    dt = DevTools(port, re.sub(r"^ws://[^/]*", "", page))
    # the window's size is not the page's (the browser's own bars): set
    # the page's, 1:1, larger than the guest's screen
    dt.call("Emulation.setDeviceMetricsOverride", width=800, height=600,
            deviceScaleFactor=1, mobile=False)
    shots, last = 0, ""
    while time.time() < DEADLINE:
        png = base64.b64decode(dt.call("Page.captureScreenshot",
                                       format="png")["data"])
        shots += 1
        if os.environ.get("VNC_NOVNC_SHOT"):
            open(os.environ["VNC_NOVNC_SHOT"], "wb").write(png)
        origin, bad = find_frame(png)
        if origin and bad == 0:
            print("640x480 at %d,%d, every pixel frame 1 (screenshot %d)"
                  % (origin + (shots,)))
            return
        # not connected yet, or still drawing
        last = ("%d of 640x480 pixels differ from frame 1" % bad if origin
                else "the guest's frame is not in the screenshot")
        time.sleep(0.5)
    sys.exit(last + " (%d screenshots)" % shots)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "rfb":
        rfb(int(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "browser":
        browser(sys.argv[2])
    else:
        sys.exit(__doc__)
