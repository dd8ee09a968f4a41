"""Print the compression codec of every record batch in a Kafka segment file (.log), as
"codec:count" pairs. Codec ids: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
--min-records N: leave out batches of fewer than N records (librdkafka sends a batch uncompressed
when compressing it would make it larger, which happens to tiny batches)."""
import struct, sys
from collections import Counter
args = sys.argv[1:]
min_records = 0
if args[:1] == ["--min-records"]:
    min_records, args = int(args[1]), args[2:]
seen = Counter()
for path in args:
    d = open(path, "rb").read()
    pos = 0
    while pos + 61 <= len(d):
        _base, blen = struct.unpack(">qi", d[pos:pos + 12])
        if blen < 49 or pos + 12 + blen > len(d):
            break
        records = struct.unpack(">i", d[pos + 57:pos + 61])[0]
        if records >= min_records:
            seen[struct.unpack(">h", d[pos + 21:pos + 23])[0] & 7] += 1
        pos += 12 + blen
print(" ".join(f"{c}:{n}" for c, n in sorted(seen.items())))
