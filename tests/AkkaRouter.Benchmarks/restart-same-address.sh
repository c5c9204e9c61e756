#!/usr/bin/env bash
# A backend sidecar killed with kill -9 and started again DELAY seconds later on the same remoting
# address, ROUNDS times: how long until its new incarnation is in the cluster and on both routers'
# rings. The endurance run's sidecar-kill fault in isolation (2 routers, 1 sidecar, no load).
#
#   tests/AkkaRouter.Benchmarks/restart-same-address.sh            # 6 restarts, 2 s after each kill
#   ROUNDS=10 DELAY=0.5 tests/AkkaRouter.Benchmarks/restart-same-address.sh
#   BUSY=3 tests/AkkaRouter.Benchmarks/restart-same-address.sh     # with 3 busy loops on the CPUs
#   ROUTER_EXE=path/to/akkarouter ...                              # skip the publish
#
# A restart is in when the sidecar logs one more "Welcome from" (a seed accepted its join) and both
# routers' RING.NODES list its endpoint. Prints each restart's time; exits 1 when one is not in
# within 75 s (the node gives up joining after 60 s and exits 4). Logs stay in $work until exit.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench=restart-same-address
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 13 "$@"
rounds="${ROUNDS:-6}"; delay="${DELAY:-2}"; [ "$smoke" = 1 ] && rounds=1
require_tools redis-cli:redis-tools python3
publish_router

r1="$(free_port)"; r2="$(free_port)"; sidecar_port="$(free_port)"; resp1="$(free_port)"; resp2="$(free_port)"; svc="$(free_port)"
seeds="[\"akka.tcp://akkarouter@127.0.0.1:$r1\",\"akka.tcp://akkarouter@127.0.0.1:$r2\"]"
node_env=(AKKAROUTER__AKKA__CLUSTER__SEED_NODES="$seeds" AKKAROUTER__AKKA_ROUTER__HTTP__PORT=0
  AKKAROUTER__AKKA_ROUTER__MANAGEMENT__PORT=0 AKKAROUTER__AKKA_ROUTER__CMD__PORT=0)
start_router() {   # NAME REMOTING RESP CONF
  env "${node_env[@]}" AKKAROUTER__AKKA__REMOTE__DOT_NETTY__TCP__PORT="$2" AKKAROUTER__AKKA_ROUTER__RESP__PORT="$3" \
    "$router_exe" run --config "$root/hocon/$4" >>"$work/$1.log" 2>&1 &
  pids+=("$!")
}
start_sidecar() {
  env "${node_env[@]}" AKKAROUTER__AKKA__REMOTE__DOT_NETTY__TCP__PORT="$sidecar_port" AKKAROUTER__AKKA_ROUTER__RESP__PORT=0 \
    AKKAROUTER__AKKA_ROUTER__NODE__SERVICE_ENDPOINT="127.0.0.1:$svc" \
    "$router_exe" run --config "$root/hocon/backend-sidecar.conf" >>"$work/sidecar.log" 2>&1 &
  sidecar_pid=$!
  pids+=("$sidecar_pid")
}
for _ in $(seq 1 "${BUSY:-0}"); do (while :; do :; done) & pids+=("$!"); done
start_router router-1 "$r1" "$resp1" seed-router.conf
start_router router-2 "$r2" "$resp2" router.conf
python3 -m http.server "$svc" --bind 127.0.0.1 >/dev/null 2>&1 &
pids+=("$!")
start_sidecar

on_rings() { redis-cli -p "$resp1" RING.NODES 2>/dev/null | grep -qF "127.0.0.1:$svc" && redis-cli -p "$resp2" RING.NODES 2>/dev/null | grep -qF "127.0.0.1:$svc"; }
# in N: the sidecar log has more than N "Welcome from" lines and both rings list its endpoint.
in_cluster() { [ "$(grep -c "Welcome from" "$work/sidecar.log")" -gt "$1" ] && on_rings; }
wait_for 120 "the first sidecar on both rings" in_cluster 0 || { tail -n 20 "$work"/*.log >&2; exit 1; }
echo "== 2 routers and a sidecar up; $rounds restart(s) $delay s after kill -9, same address; $(nproc) cores, ${BUSY:-0} busy loop(s)"
failed=0
for i in $(seq 1 "$rounds"); do
  kill -9 "$sidecar_pid"; wait "$sidecar_pid" 2>/dev/null || true
  sleep "$delay"
  start_sidecar
  started="$(date +%s.%N)"
  if wait_for 75 "restart $i" in_cluster "$i"; then
    echo "restart $i: in the cluster and on both rings $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s after the start"
  else
    failed=1
    echo "restart $i: NOT in within 75 s; sidecar $(kill -0 "$sidecar_pid" 2>/dev/null && echo running || echo exited)"
    tail -n 30 "$work/sidecar.log" >&2
    mkdir -p "$root/artifacts/$bench" && cp "$work"/*.log "$root/artifacts/$bench/"
    echo "logs of the routers and the sidecar: artifacts/$bench/" >&2
    break
  fi
  sleep 2
done
exit "$failed"
