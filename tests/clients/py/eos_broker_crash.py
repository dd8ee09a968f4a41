"""Helpers for eos-broker-kill9.sh (confluent-kafka transactions).

  loop BROKER TOPIC TXNID SIZE LOGFILE   transactions of SIZE records (value "TXNID:j:s") spread over
                                         the partitions, flushed before the commit so they sit in the
                                         log while open; "TXNID:j" is appended to LOGFILE once its
                                         commit returned. Runs until killed.
  reinit BROKER TXNID                    init_transactions (fences and aborts an open transaction)
  final BROKER TOPIC TXNID SIZE          one committed transaction "TXNID:final:s"
  check BROKER TOPIC SIZE LOGFILE...     read_committed: every transaction all or nothing; every
                                         logged commit complete; the "final" ones present
"""
import sys, time, random, collections
from confluent_kafka import Producer
import importlib.util, os
spec = importlib.util.spec_from_file_location("eos_common", os.path.join(os.path.dirname(__file__), "eos_ctp.py"))

cmd, broker = sys.argv[1], sys.argv[2]

def producer(txnid):
    return Producer({"bootstrap.servers": broker, "transactional.id": txnid, "linger.ms": 5,
                     "transaction.timeout.ms": 10000, "message.timeout.ms": 10000})

def one_txn(p, topic, tag, size):
    p.begin_transaction()
    for s in range(size):
        p.produce(topic, key=f"{tag}:{s}".encode(), value=f"{tag}:{s}".encode(), partition=s % 3)
        p.poll(0)
    p.flush(30)

if cmd == "loop":
    topic, txnid, size, logf = sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
    p = producer(txnid)
    p.init_transactions(30)
    out = open(logf, "a", buffering=1)
    for j in range(1000000):
        one_txn(p, topic, f"{txnid}:{j}", size)
        time.sleep(random.random() * 0.3)      # stay open for a while
        p.commit_transaction(30)
        out.write(f"{txnid}:{j}\n"); out.flush()

elif cmd == "reinit":
    p = producer(sys.argv[3]); p.init_transactions(60)

elif cmd == "final":
    topic, txnid, size = sys.argv[3], sys.argv[4], int(sys.argv[5])
    p = producer(txnid); p.init_transactions(60)
    one_txn(p, topic, f"{txnid}:final", size)
    p.commit_transaction(60)

elif cmd == "check":
    topic, size, logs = sys.argv[3], int(sys.argv[4]), sys.argv[5:]

    mod = importlib.util.module_from_spec(spec)
    sys.argv = ["eos_ctp.py", "none", broker]
    spec.loader.exec_module(mod)
    def count(iso):
        c = collections.Counter()
        recs = mod.read_all(topic, iso, 90)
        for _, _, k, v in recs:
            c[v.rsplit(":", 1)[0]] += 1
        return c, len(recs)
    rc, nrc = count("read_committed")
    ru, nru = count("read_uncommitted")
    committed = {l.strip() for f in logs for l in open(f) if l.strip()}
    bad = []
    partial = {t: n for t, n in rc.items() if n != size}
    if partial: bad.append(f"{len(partial)} transactions partly visible: {list(partial.items())[:5]}")
    lost = [t for t in committed if rc.get(t, 0) != size]
    if lost: bad.append(f"{len(lost)} acknowledged commits not fully visible: {lost[:5]}")
    finals = [t for t in rc if t.endswith(":final")]
    if len(finals) != len(logs): bad.append(f"{len(finals)} final transactions visible, expected {len(logs)}")
    open_at_crash = [t for t in ru if t not in committed and not t.endswith(":final")]
    print(f"read_committed {nrc} records / {len(rc)} transactions ({len(finals)} final); "
          f"read_uncommitted {nru} records / {len(ru)} transactions; acknowledged commits {len(committed)}; "
          f"unacknowledged at crash {len(open_at_crash)}: committed {sum(1 for t in open_at_crash if t in rc)}, "
          f"aborted {sum(1 for t in open_at_crash if t not in rc)}")
    if bad:
        print("FAIL: " + "; ".join(bad)); sys.exit(1)
