#!/usr/bin/env bash
# What akka-router.security.remote-tls costs the cluster: the same build with remoting in plain TCP and over
# mutually authenticated TLS, in alternating rounds (the mode that goes first alternates too). Each round
# starts a seed router and three backend sidecars as processes and measures
#   join      the time from starting the three sidecars to all three on the router's ring (RING.NODES);
#   idle CPU  the CPU the four processes spend per second of an idle cluster over IDLE seconds
#             (gossip, heartbeats, the replicated state: the steady cost of encryption), after SETTLE s;
#   detect    the time from kill -9 of one sidecar to its removal from the router's ring (failure
#             detection, the split-brain resolver's wait and the ring change; heartbeats over TLS).
#
#   tests/AkkaRouter.Benchmarks/remote-tls-cost.sh              # 5 rounds per mode
#   ROUNDS=7 IDLE=20 tests/AkkaRouter.Benchmarks/remote-tls-cost.sh
#   ROUTER_EXE=path/to/akkarouter ...                          # skip the publish
#   tests/AkkaRouter.Benchmarks/remote-tls-cost.sh --smoke     # one round, 2 s idle: checks the script
#
# Needs dotnet, redis-cli and openssl (installed when missing and run as root). Certificates come from
# docker/certs/issue.sh. Prints every round, then per mode the median and min-max of each figure, and
# TLS relative to plain. Timings include process start-up, so compare modes, not absolute numbers.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench=remote-tls-cost
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 17 "$@"
# SETTLE: seconds between the join and the idle window, for start-up work (JIT, first gossip rounds) to end.
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; idle="${IDLE:-2}"; settle="${SETTLE:-1}"
else rounds="${ROUNDS:-5}"; idle="${IDLE:-10}"; settle="${SETTLE:-10}"; fi

require_tools redis-cli:redis-tools openssl
publish_router
bash "$root/docker/certs/issue.sh" "$work/certs" router backend-1 backend-2 backend-3 >/dev/null

now_ms() { date +%s%3N; }

# on_ring PORT ENDPOINT...: every endpoint is on the ring of the router whose RESP port is PORT.
on_ring() {
  local port="$1" nodes e; shift
  nodes="$(redis-cli -p "$port" --raw RING.NODES 2>/dev/null)" || return 1
  for e in "$@"; do grep -qx "$e" <<<"$nodes" || return 1; done
}
off_ring() {
  local nodes
  nodes="$(redis-cli -p "$1" --raw RING.NODES 2>/dev/null)" || return 1
  ! grep -qx "$2" <<<"$nodes"
}

# node_conf MODE NAME REMOTING-PORT SEED-PORT ROLE [SERVICE-PORT]: a node's HOCON (all listeners but the seed's RESP on port 0).
node_conf() {
  local mode="$1" name="$2" port="$3" seed="$4" role="$5" service="${6:-}" scheme=akka.tcp
  [ "$mode" = tls ] && scheme=akka.ssl.tcp
  cat <<CONF
akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = $port }
akka.cluster.seed-nodes = ["$scheme://akkarouter@127.0.0.1:$seed"]
akka.cluster.roles = [$role]
akka-router { http.port = 0, cmd.port = 0, management.port = 0, resp.port = 0 }
akka-router.logging.level = Warning
CONF
  if [ "$role" = backend ]; then
    printf 'akka-router.node { service-endpoint = "127.0.0.1:%s", health-check.type = none }\n' "$service"
  fi
  if [ "$mode" = tls ]; then
    printf 'akka-router.security.remote-tls { enabled = on, certificate = "%s", key = "%s", ca = "%s" }\n' \
      "$work/certs/$name/node.crt" "$work/certs/$name/node.key" "$work/certs/$name/ca.crt"
  fi
}

results="$work/results"
: >"$results"
run_round() {   # MODE ROUND
  local mode="$1" round="$2" seed resp start joined t0 t1 detect c0 c1 cpu i
  local -a round_pids=() backend_ports=()
  seed="$(free_port)"; resp="$(free_port)"
  node_conf "$mode" router "$seed" "$seed" router >"$work/$mode-router.conf"
  echo "akka-router.resp.port = $resp" >>"$work/$mode-router.conf"
  "$router_exe" run --config "$work/$mode-router.conf" >"$work/$mode-$round-router.log" 2>&1 &
  round_pids+=($!); pids+=($!)
  wait_for 60 "$mode router RESP on $resp" redis-cli -p "$resp" PING
  start="$(now_ms)"
  for i in 1 2 3; do
    backend_ports+=("$((19100 + i))")
    node_conf "$mode" "backend-$i" 0 "$seed" backend "${backend_ports[-1]}" >"$work/$mode-backend-$i.conf"
    "$router_exe" run --config "$work/$mode-backend-$i.conf" >"$work/$mode-$round-backend-$i.log" 2>&1 &
    round_pids+=($!); pids+=($!)
  done
  wait_for 90 "$mode: three backends on the ring" on_ring "$resp" 127.0.0.1:19101 127.0.0.1:19102 127.0.0.1:19103
  joined=$(( $(now_ms) - start ))

  sleep "$settle"
  c0="$(cpu_ticks "${round_pids[@]}")"; t0="$(now_ms)"
  sleep "$idle"
  c1="$(cpu_ticks "${round_pids[@]}")"; t1="$(now_ms)"
  cpu="$(awk -v c=$((c1 - c0)) -v hz="$clk_tck" -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f", c / hz * 1000 / (ms / 1000) }')"

  kill -KILL "${round_pids[3]}"
  start="$(now_ms)"
  wait_for 60 "$mode: killed backend off the ring" off_ring "$resp" 127.0.0.1:19103
  detect=$(( $(now_ms) - start ))

  for i in "${round_pids[@]}"; do kill -TERM "$i" 2>/dev/null || true; done
  for i in "${round_pids[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$i" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$i" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  printf '%-6s round %d  join %6d ms  idle CPU %6s ms/s  detect %6d ms\n' "$mode" "$round" "$joined" "$cpu" "$detect"
  echo "$mode $joined $cpu $detect" >>"$results"
}

echo "== $rounds rounds per mode, idle window ${idle}s, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then order=(plain tls); else order=(tls plain); fi
  for mode in "${order[@]}"; do run_round "$mode" "$round"; done
done

# Medians (lower middle for an even count) with min-max per mode and figure, and TLS relative to plain.
echo "== medians (min-max) over $rounds rounds, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  function median(list, n,   a, i, j, t) { split(list, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    lo = a[1]; hi = a[n]; return a[int((n + 1) / 2)] }
  { n[$1]++; join[$1] = join[$1] " " $2; cpu[$1] = cpu[$1] " " $3; det[$1] = det[$1] " " $4 }
  END {
    for (m in n) {
      mj[m] = median(join[m], n[m]); jl = lo; jh = hi
      mc[m] = median(cpu[m], n[m]); cl = lo; ch = hi
      md[m] = median(det[m], n[m]); dl = lo; dh = hi
      printf "%-6s join %d ms (%d-%d)  idle CPU %.1f ms/s (%.1f-%.1f)  detect %d ms (%d-%d)\n", m, mj[m], jl, jh, mc[m], cl, ch, md[m], dl, dh
    }
    if (("tls" in n) && ("plain" in n))
      printf "tls/plain (medians): join %.2fx  idle CPU %.2fx  detect %.2fx\n", mj["tls"] / mj["plain"], mc["tls"] / mc["plain"], md["tls"] / md["plain"]
  }' "$results"
