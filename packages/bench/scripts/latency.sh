#!/usr/bin/env bash
# Runs bench scenarios against nginx in a network namespace, reached over a link that delays every packet,
# so that requests cross a real round trip instead of loopback. Needs root (ip, tc). Touches neither the
# loopback interface nor any global setting; the namespace and its link are removed on exit.
#
#   scripts/latency.sh ONE_WAY_DELAY_MS [main.ts arguments...]
#   scripts/latency.sh 1 --full --scenario router-burst-100 \
#     --clients effect-requests-auto,effect-requests-http1,floor-h2 --rounds 3 --out results/tmp/latency-1ms
#
# The round trip is twice ONE_WAY_DELAY_MS. The link is a veth pair with netem on both ends where the
# kernel has netem, else two TUN interfaces joined by scripts/tun-delay.py (a userspace relay; it takes some
# CPU of its own). BENCH_LINK=netem or BENCH_LINK=tun chooses. Only the effect-requests clients and floor-h2
# reach a server in the namespace: they take a lookup, so the origins stay `localhost`, which the test
# certificate covers, resolved to the namespace's address.
set -euo pipefail

delay_ms=${1:?usage: latency.sh ONE_WAY_DELAY_MS [main.ts arguments...]}
shift
ns=${BENCH_NETNS:-erbench}
host_if=${ns}0
ns_if=${ns}1
host_addr=${BENCH_HOST_ADDR:-10.77.0.1}
ns_addr=${BENCH_NS_ADDR:-10.77.0.2}
link=${BENCH_LINK:-auto}
relay_pid=

if ip netns list | grep -qw "$ns"; then
  echo "network namespace $ns exists already; remove it (ip netns del $ns) or set BENCH_NETNS" >&2
  exit 1
fi

cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  if [ -n "$relay_pid" ]; then kill "$relay_pid" 2>/dev/null || true; fi
  # A veth pair goes with the namespace; this only matters if moving one end into it failed.
  ip link del "$host_if" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
if [ "$link" = auto ]; then
  # Probe for netem on the new namespace's own loopback, which nothing else uses, never on a shared one.
  if ip netns exec "$ns" tc qdisc add dev lo root netem delay 1ms 2>/dev/null; then
    link=netem
    ip netns exec "$ns" tc qdisc del dev lo root
  else
    link=tun
  fi
fi
if [ "$link" = netem ]; then
  ip link add "$host_if" type veth peer name "$ns_if"
else
  python3 "$(dirname "$0")/tun-delay.py" "$host_if" "$ns_if" "$delay_ms" > /dev/null &
  relay_pid=$!
  for _ in $(seq 50); do ip link show "$ns_if" > /dev/null 2>&1 && break; sleep 0.1; done
fi
ip link set "$ns_if" netns "$ns"
ip addr add "$host_addr/24" dev "$host_if"
ip link set "$host_if" up
ip netns exec "$ns" ip addr add "$ns_addr/24" dev "$ns_if"
ip netns exec "$ns" ip link set "$ns_if" up
ip netns exec "$ns" ip link set lo up
if [ "$link" = netem ]; then
  tc qdisc add dev "$host_if" root netem delay "${delay_ms}ms"
  ip netns exec "$ns" tc qdisc add dev "$ns_if" root netem delay "${delay_ms}ms"
fi
echo "link $host_addr <-> $ns_addr ($link): ${delay_ms} ms each way" >&2

cd "$(dirname "$0")/.."
npx tsx src/main.ts --server-netns "$ns" --server-address "$ns_addr" "$@"
