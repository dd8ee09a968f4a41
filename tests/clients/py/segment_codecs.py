"""Print the compression codec of every record batch in a Kafka segment file (.log), as
"codec:count" pairs. Codec ids: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd."""
import struct, sys
from collections import Counter
seen = Counter()
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    pos = 0
    while pos + 61 <= len(d):
        _base, blen = struct.unpack(">qi", d[pos:pos + 12])
        if blen < 49 or pos + 12 + blen > len(d):
            break
        seen[struct.unpack(">h", d[pos + 21:pos + 23])[0] & 7] += 1
        pos += 12 + blen
print(" ".join(f"{c}:{n}" for c, n in sorted(seen.items())))
