#!/usr/bin/env bash
# The welcome packs of issue 15: `gebieden welkom` making N (default 500, a year's new residents)
# PDFs from addresses of the register, beside a baseline measured in the same run on the same
# addresses: `gebieden geocode` of the same list (loading the register and boundaries, placing
# every address, writing a CSV). Prints both wall times, the time of the packs alone (after
# loading, from the command's own summary) and the ratio.
#
#   bench/bench_welkom.sh [BUILD_DIR=build] [N=500] [JOBS=cores]
#
# The addresses: every k-th address of ../shared/data/synthetic/bag_leeuwarden_synthetic.csv
# (deterministic), as a CSV with the columns straat, huisnummer, postcode, woonplaats.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
N=${2:-500}
JOBS=${3:-$(nproc)}
GEBIEDEN=$BUILD/app/gebieden
[ -x "$GEBIEDEN" ] || { echo "error: $GEBIEDEN is missing: build first (cmake --build $BUILD)" >&2; exit 1; }
REGISTER=../shared/data/synthetic/bag_leeuwarden_synthetic.csv
[ -f "$REGISTER" ] || { echo "error: $REGISTER is missing (the shared data)" >&2; exit 1; }
TMP=$(mktemp -d /tmp/gebieden-bench-welkom.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

python3 - "$REGISTER" "$N" >"$TMP/adressen.csv" <<'PY'
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")) if not r["toevoeging"]]
n = int(sys.argv[2])
step = max(1, len(rows) // n)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["straat", "huisnummer", "postcode", "woonplaats"])
for r in rows[::step][:n]:
    w.writerow([r["openbare_ruimte_naam"], r["huisnummer"] + r["huisletter"], r["postcode"],
                r["woonplaats_naam"]])
PY
count=$(($(wc -l <"$TMP/adressen.csv") - 1))

# The store is created from its source on first use: once, untimed.
head -2 "$TMP/adressen.csv" >"$TMP/one.csv"
"$GEBIEDEN" welkom -c data/leeuwarden.json --store "$TMP/store.gpkg" --adressen "$TMP/one.csv" \
  -o "$TMP/warm" >/dev/null

# Both commands timed by wall clock and by CPU (user + system of the child): the machines are
# shared, and the CPU time says what the work costs whatever else runs.
python3 - "$GEBIEDEN" "$TMP" "$count" "$JOBS" <<'PY'
import os, re, resource, subprocess, sys, time
gebieden, tmp, count, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def run(args, out):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(out, "w") as f:
        rc = subprocess.call(args, stdout=f, stderr=subprocess.STDOUT)
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return rc, wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
config = "data/leeuwarden.json"
_, g_wall, g_cpu = run([gebieden, "geocode", "-c", config, f"{tmp}/adressen.csv", "-o",
                        f"{tmp}/geocoded.csv", "--no-progress"], f"{tmp}/geocode.out")
_, w_wall, w_cpu = run([gebieden, "welkom", "-c", config, "--store", f"{tmp}/store.gpkg",
                        "--adressen", f"{tmp}/adressen.csv", "-o", f"{tmp}/packs", "--jobs", jobs],
                       f"{tmp}/welkom.out")
pdfs = len([n for n in os.listdir(f"{tmp}/packs") if n.endswith(".pdf")])
if pdfs == 0:
    sys.exit("error: no PDF was made:\n" + open(f"{tmp}/welkom.out").read())
m = re.search(r" in ([0-9.]+) s with ", open(f"{tmp}/welkom.out").read())
packs = float(m.group(1)) if m else float("nan")
print(f"addresses: {count}; PDFs made: {pdfs}; workers: {jobs}; cores: {os.cpu_count()}; "
      f"load average: {os.getloadavg()[0]:.1f}")
print(f"baseline  gebieden geocode (load + place + CSV):  wall {g_wall:6.2f} s  cpu {g_cpu:6.2f} s")
print(f"          gebieden welkom  (load + packs + PDFs): wall {w_wall:6.2f} s  cpu {w_cpu:6.2f} s")
print(f"          of which the packs alone (wall):        {packs:6.2f} s  "
      f"({1000 * packs / max(pdfs, 1):.1f} ms per PDF)")
print(f"ratio welkom / geocode: wall {w_wall / g_wall:.2f}, cpu {w_cpu / g_cpu:.2f}")
PY
