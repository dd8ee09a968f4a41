#!/usr/bin/env python3
"""Recording TCP proxy: forwards 127.0.0.1:LISTEN to 127.0.0.1:UPSTREAM and saves every request frame a
client sends as OUTDIR/<prefix>-k<api>-v<version>-<n>.bin (the frame without its 4-byte size). Used once to
capture golden request bytes from real clients; stops after --seconds."""
import argparse, os, socket, struct, threading, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", type=int, required=True)
    ap.add_argument("--upstream", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    counter = [0]
    lock = threading.Lock()
    seen = {}

    def pump_requests(src, dst):
        buf = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
                buf += data
                while len(buf) >= 4:
                    size = struct.unpack(">i", buf[:4])[0]
                    if len(buf) < 4 + size:
                        break
                    frame, buf = buf[4:4 + size], buf[4 + size:]
                    key, ver = struct.unpack(">hh", frame[:4])
                    with lock:
                        n = seen.get((key, ver), 0)
                        seen[(key, ver)] = n + 1
                        if n < 3:
                            with open(os.path.join(a.out, f"{a.prefix}-k{key}-v{ver}-{n}.bin"), "wb") as f:
                                f.write(frame)
        except OSError:
            pass
        finally:
            try: dst.shutdown(socket.SHUT_WR)
            except OSError: pass

    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try: dst.shutdown(socket.SHUT_WR)
            except OSError: pass

    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", a.listen))
    srv.listen(16)
    srv.settimeout(0.5)
    end = time.time() + a.seconds
    while time.time() < end:
        try:
            c, _ = srv.accept()
        except socket.timeout:
            continue
        c.settimeout(None)
        u = socket.create_connection(("127.0.0.1", a.upstream))
        threading.Thread(target=pump_requests, args=(c, u), daemon=True).start()
        threading.Thread(target=pump, args=(u, c), daemon=True).start()

if __name__ == "__main__":
    main()
