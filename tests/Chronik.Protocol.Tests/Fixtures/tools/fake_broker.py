#!/usr/bin/env python3
"""Minimal single-broker Kafka fake that records Produce "records" fields to files.

Serves just enough for a librdkafka producer: ApiVersions (v0-v3), Metadata (v0-v4, this broker
leads partition 0 of every topic asked for) and Produce (v0-v7). Each Produce partition's records
bytes are written to OUT_DIR/<prefix>-<n>.bin. Used to capture the fixtures in ../batches/.

usage: fake_broker.py PORT OUT_DIR PREFIX
"""
import socket, struct, sys, threading

PORT, OUT, PREFIX = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# FindCoordinator is never called by a producer, but librdkafka enables lz4 only when a broker offers it.
APIS = {0: (0, 7), 1: (0, 11), 3: (0, 4), 10: (0, 2), 18: (0, 3)}
count = [0]


class R:
    def __init__(self, b): self.b, self.p = b, 0
    def take(self, n): v = self.b[self.p:self.p + n]; self.p += n; return v
    def i8(self): return struct.unpack('>b', self.take(1))[0]
    def i16(self): return struct.unpack('>h', self.take(2))[0]
    def i32(self): return struct.unpack('>i', self.take(4))[0]
    def s(self):
        n = self.i16()
        return None if n < 0 else self.take(n).decode()
    def bytes_(self):
        n = self.i32()
        return None if n < 0 else self.take(n)


def s(v): return struct.pack('>h', -1) if v is None else struct.pack('>h', len(v)) + v.encode()


def api_versions(ver):
    if ver >= 3:
        body = struct.pack('>h', 0) + bytes([len(APIS) + 1])
        for k, (lo, hi) in APIS.items(): body += struct.pack('>hhh', k, lo, hi) + b'\0'
        return body + struct.pack('>i', 0) + b'\0'
    body = struct.pack('>hi', 0, len(APIS))
    for k, (lo, hi) in APIS.items(): body += struct.pack('>hhh', k, lo, hi)
    return body + (struct.pack('>i', 0) if ver >= 1 else b'')


def metadata(ver, r):
    n = r.i32()
    topics = [r.s() for _ in range(max(n, 0))] or ['chronik']
    body = struct.pack('>i', 0) if ver >= 3 else b''
    body += struct.pack('>i', 1) + struct.pack('>i', 1) + s('127.0.0.1') + struct.pack('>i', PORT)
    if ver >= 1: body += s(None)
    if ver >= 2: body += s('fake')
    if ver >= 1: body += struct.pack('>i', 1)
    body += struct.pack('>i', len(topics))
    for t in topics:
        body += struct.pack('>h', 0) + s(t) + (b'\0' if ver >= 1 else b'')
        body += struct.pack('>i', 1) + struct.pack('>hii', 0, 0, 1) + struct.pack('>ii', 1, 1) + struct.pack('>ii', 1, 1)
    return body


def produce(ver, r):
    if ver >= 3: r.s()
    acks = r.i16(); r.i32()
    out = b''
    nt = r.i32()
    out += struct.pack('>i', nt)
    for _ in range(nt):
        name = r.s(); np_ = r.i32()
        out += s(name) + struct.pack('>i', np_)
        for _ in range(np_):
            idx = r.i32(); rec = r.bytes_() or b''
            count[0] += 1
            with open(f'{OUT}/{PREFIX}-{count[0]}.bin', 'wb') as f: f.write(rec)
            out += struct.pack('>ihq', idx, 0, 0)
            if ver >= 2: out += struct.pack('>q', -1)
            if ver >= 5: out += struct.pack('>q', 0)
    if ver >= 1: out += struct.pack('>i', 0)
    return None if acks == 0 else out


def serve(c):
    f = c.makefile('rb')
    while True:
        hdr = f.read(4)
        if len(hdr) < 4: return
        r = R(f.read(struct.unpack('>i', hdr)[0]))
        key, ver, corr = r.i16(), r.i16(), r.i32()
        r.s()
        if key == 18: body = api_versions(ver)
        elif key == 3: body = metadata(ver, r)
        elif key == 0: body = produce(ver, r)
        else: return
        if body is not None:
            c.sendall(struct.pack('>ii', len(body) + 4, corr) + body)


srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', PORT)); srv.listen()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
