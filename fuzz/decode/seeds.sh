#!/usr/bin/env bash
# fuzz/decode/seeds.sh DIR - fills DIR with seeds for the decode fuzzer:
# the empty input, all-zero inputs (one per spec and mode: the first byte
# picks them, so 0..8 followed by zeros), and random inputs of 16 to 2048
# bytes from a fixed seed (the same files every run). Prints the seed
# files written.
set -eu
dir=${1:?usage: seeds.sh DIR}
mkdir -p "$dir"

: >"$dir/empty"
echo "$dir/empty"
for pick in 0 1 2 3 4 5 6 7 8; do
    { printf "\\$(printf %03o "$pick")"; head -c 64 /dev/zero; } \
        >"$dir/zero_$pick"
    echo "$dir/zero_$pick"
done
python3 - "$dir" <<'PY'
import os, random, sys
rng = random.Random(20240613)
for k in range(24):
    n = rng.choice([16, 64, 256, 1024, 2048])
    data = bytes([k % 9]) + bytes(rng.getrandbits(8) for _ in range(n))
    path = os.path.join(sys.argv[1], "random_%02d" % k)
    with open(path, "wb") as f:
        f.write(data)
    print(path)
PY
