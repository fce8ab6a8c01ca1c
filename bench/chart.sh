#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/chart.sh RESULTS OUT.png - bar chart (gnuplot) of a bench/vhost.sh
# run: median Mpps per switch and frame size.
set -eu
in=$1
out=$2
dat=$(mktemp)
trap 'rm -f "$dat"' EXIT
python3 - "$in" >"$dat" <<'PY'
import json, sys, statistics
rows = []
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith('{'):
        rows.append(json.loads(line))
sws = ['vnet', 'ovs-dpdk', 'testpmd-loop']

for size in sorted({r['size'] for r in rows}):
    # A switch not measured (not installed, failed) is missing ("?" to
    # gnuplot), not a zero bar.
    med = [[r['mpps'] for r in rows if r['size'] == size and r['switch'] == s
            and r['mpps'] is not None] for s in sws]
    print(f'"{size} B" ' + ' '.join(f'{statistics.median(m):.3f}' if m else '?'
                                     for m in med))
PY
gnuplot <<GP
set terminal pngcairo size 800,450 font "sans,11"
set output "$out"
set title "vhost-user reference scenario: Mpps forwarded by one core (median)"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set ylabel "Mpps"
set yrange [0:*]
set key top right
set grid ytics
plot "$dat" using 2:xtic(1) title "vnet", '' using 3 title "OVS-DPDK 3.1", '' using 4 title "testpmd vhost loop"
GP
echo "chart: $out"
