#!/usr/bin/env bash
# A defragment of a large store under write load, on real processes: a 3-member DiskFirst cluster
# (the presets `npm start` uses), ~1 GiB of values written with etcd's benchmark tool, every key
# deleted and compacted, then `etcdctl defrag` of each member while 10 clients write 1,000 puts/s.
# Prints each member's term, leader and kv.db size before and after, the defragment's time, and the
# leader changes the members logged (an election during the defragment would show as a new term).
# Numbers only, never a pass/fail.
#
#   bash scripts/bench-defrag-cluster.sh BENCHMARK_TOOL [--mib 1024] [--base-port 27700]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:?usage: bash scripts/bench-defrag-cluster.sh BENCHMARK_TOOL [--mib N] [--base-port P] (../shared/tools/etcd-benchmark.sh prints it)}
shift
MIB=1024; BASE=27700
while [ $# -gt 0 ]; do case "$1" in --mib) MIB=$2; shift 2;; --base-port) BASE=$2; shift 2;; *) echo "unknown flag $1" >&2; exit 2;; esac; done
BUN=node_modules/.bin/bun
dir=$(mktemp -d /tmp/trireme-bench-defrag-cluster-XXXXXX)
log=$dir/cluster.log
$BUN scripts/cluster.ts --nodes 3 --strategy disk --base-port "$BASE" --dir "$dir/data" --clean > "$log" 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null; wait $launcher 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 60); do sleep 0.5; grep -q "leader is now" "$log" && break; done
EP=127.0.0.1:$BASE,127.0.0.1:$((BASE + 10)),127.0.0.1:$((BASE + 20))
status() {
  etcdctl --endpoints="$EP" endpoint status -w json | $BUN -e '
    const d = JSON.parse(await Bun.stdin.text());
    console.log(d.map((e) => `${e.Endpoint}: term ${e.Status.raft_term ?? e.Status.raftTerm}, leader ${Number(e.Status.leader).toString(16)}, kv.db ${Math.round(e.Status.dbSize / 1048576)} MiB`).join("; "));'
}
revision() { etcdctl --endpoints="127.0.0.1:$BASE" endpoint status -w json | $BUN -e 'console.log(JSON.parse(await Bun.stdin.text())[0].Status.header.revision)'; }
puts=$((MIB * 16))
echo "writing $puts values of 64 KiB: $("$B" --endpoints="$EP" --conns=10 --clients=50 put --key-size=16 --val-size=65536 --total=$puts --sequential-keys --key-space-size=$puts 2>&1 | grep -E 'Requests/sec' | tr -s ' \t' ' ')"
etcdctl --endpoints="127.0.0.1:$BASE" del "" --from-key > /dev/null
etcdctl --endpoints="127.0.0.1:$BASE" compact "$(revision)" --physical > /dev/null
before=$(status)
"$B" --endpoints="$EP" --conns=2 --clients=10 put --key-size=8 --val-size=256 --total=100000000 --rate=1000 > "$dir/load.log" 2>&1 &
load=$!
sleep 2
t0=$(date +%s%N)
etcdctl --endpoints="$EP" --command-timeout=600s defrag > /dev/null
t1=$(date +%s%N)
sleep 2
kill $load 2>/dev/null || true
echo "defragment of the 3 members, one after another: $(( (t1 - t0) / 1000000 )) ms (uptime: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "before: $before"
echo "after:  $(status)"
echo "leader changes logged: $(grep -c 'leader is now' "$log") (one line per member for the first election)"
