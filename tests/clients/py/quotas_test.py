#!/usr/bin/env python3
"""Client quotas with python3-confluent-kafka (librdkafka 2.0.2): AlterClientQuotas/DescribeClientQuotas over a raw
socket (no Python client has them), then a producer held to producer_byte_rate=1048576 and a consumer held to
consumer_byte_rate=1048576, each measured over 11 s within 10 %, and librdkafka's throttle_cb must fire.
Usage: quotas_test.py HOST:PORT TOPIC"""
import socket
import struct
import sys
import time
import uuid

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

MB = 1024 * 1024
DURATION = 11.0


def kstr(s):
    if s is None:
        return struct.pack(">h", -1)
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def call(host, port, api_key, body):
    """One v0 request (header v1, non-flexible) and its raw response body."""
    header = struct.pack(">hhi", api_key, 0, 7) + kstr("quota-admin")
    frame = header + body
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", recv(s, 4))[0]
        data = recv(s, size)
    assert struct.unpack(">i", data[:4])[0] == 7, "correlation id"
    return data[4:]


def recv(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise IOError("connection closed")
        out += chunk
    return out


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v[0]

    def string(self):
        n = self.take(">h")
        if n < 0:
            return None
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s


def alter(host, port, client_id, key, value, remove=False):
    # AlterClientQuotas v0: [entries: [entity: type name] [ops: key value remove]] validate_only
    body = struct.pack(">i", 1)
    body += struct.pack(">i", 1) + kstr("client-id") + kstr(client_id)
    body += struct.pack(">i", 1) + kstr(key) + struct.pack(">d?", value, remove)
    body += struct.pack(">?", False)
    r = Reader(call(host, port, 49, body))
    r.take(">i")  # throttle
    assert r.take(">i") == 1
    code, msg = r.take(">h"), r.string()
    return code, msg


def describe(host, port, client_id):
    # DescribeClientQuotas v0: [components: type match_type match] strict
    body = struct.pack(">i", 1) + kstr("client-id") + struct.pack(">b", 0) + kstr(client_id) + struct.pack(">?", True)
    r = Reader(call(host, port, 48, body))
    r.take(">i")
    code, msg = r.take(">h"), r.string()
    assert code == 0, (code, msg)
    values = {}
    for _ in range(r.take(">i")):
        for _ in range(r.take(">i")):
            r.string(), r.string()
        for _ in range(r.take(">i")):
            k = r.string()
            values[k] = r.take(">d")
    return values


def check_rate(what, nbytes, throttles):
    rate = nbytes / DURATION
    print(f"{what}: {nbytes} bytes in {DURATION} s = {rate / MB:.3f} MB/s, throttle_cb calls {throttles}")
    assert 0.9 * MB <= rate <= 1.1 * MB, f"{what} rate {rate / MB:.3f} MB/s not within 10% of 1 MB/s"
    assert throttles > 0, f"{what}: no throttle_cb"


def main():
    bootstrap, topic = sys.argv[1], sys.argv[2]
    host, port = bootstrap.rsplit(":", 1)
    port = int(port)
    suffix = uuid.uuid4().hex[:6]
    pid, cid = "q-producer-" + suffix, "q-consumer-" + suffix

    code, msg = alter(host, port, pid, "producer_byte_rate", 1.5)
    assert code == 42 and "fractional" in msg, (code, msg)
    code, msg = alter(host, port, pid, "no_such_rate", 10)
    assert code == 42 and "no_such_rate" in msg, (code, msg)
    assert alter(host, port, pid, "producer_byte_rate", MB) == (0, None)
    assert alter(host, port, cid, "consumer_byte_rate", MB) == (0, None)
    assert describe(host, port, pid) == {"producer_byte_rate": float(MB)}, describe(host, port, pid)

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for f in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        f.result(30)

    throttles = {"p": 0, "c": 0}
    delivered = [0]
    value = bytes(8192)
    start = [None]

    def on_delivery(err, msg):
        if err is None and time.monotonic() - start[0] < DURATION:
            delivered[0] += len(msg.value())

    p = Producer({"bootstrap.servers": bootstrap, "client.id": pid, "acks": 1, "linger.ms": 2, "batch.size": 65536,
                  "queue.buffering.max.kbytes": 8192, "compression.type": "none",
                  "throttle_cb": lambda ev: throttles.__setitem__("p", throttles["p"] + 1)})
    start[0] = time.monotonic()
    while time.monotonic() - start[0] < DURATION:
        try:
            p.produce(topic, value, on_delivery=on_delivery)
        except BufferError:
            p.poll(0.005)
        p.poll(0)
    p.poll(0.2)
    check_rate("producer", delivered[0], throttles["p"])
    p.purge()
    p.flush(30)

    # Fill a backlog with an unthrottled producer, then read it with the throttled consumer.
    p = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5, "compression.type": "none"})
    for _ in range(16 * MB // len(value)):
        while True:
            try:
                p.produce(topic, value)
                break
            except BufferError:
                p.poll(0.01)
    assert p.flush(60) == 0
    c = Consumer({"bootstrap.servers": bootstrap, "client.id": cid, "group.id": "unused-" + cid, "enable.auto.commit": False,
                  "max.partition.fetch.bytes": 65536, "fetch.max.bytes": MB,
                  "throttle_cb": lambda ev: throttles.__setitem__("c", throttles["c"] + 1)})
    c.assign([TopicPartition(topic, 0, 0)])
    consumed, first, give_up = 0, None, time.monotonic() + 25
    while time.monotonic() < give_up and (first is None or time.monotonic() - first < DURATION):
        m = c.poll(0.1)
        if m is None or m.error():
            continue
        if first is None:
            first = time.monotonic()
        if time.monotonic() - first < DURATION:
            consumed += len(m.value())
    c.close()
    check_rate("consumer", consumed, throttles["c"])
    print("OK")


if __name__ == "__main__":
    try:
        main()
    except KafkaException as e:
        print("FAIL:", e)
        sys.exit(1)
