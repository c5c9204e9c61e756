#!/usr/bin/env bash
# Side-by-side HTTP forwarding benchmark: AkkaRouter's HTTP edge against nginx doing the same job
# (consistent hash on the request URI over the same 3 backends, keep-alive to them), with the same
# client (wrk), the same load, in alternating rounds, so both see the same machine conditions.
#
#   tests/AkkaRouter.Benchmarks/http-vs-nginx.sh            # 5 rounds of 10 s per front (~2 minutes)
#   tests/AkkaRouter.Benchmarks/http-vs-nginx.sh --smoke    # 1 s runs, one round: checks the script
#   ROUNDS=7 DURATION=20s tests/AkkaRouter.Benchmarks/http-vs-nginx.sh
#   ROUTER_EXE=path/to/akkarouter tests/AkkaRouter.Benchmarks/http-vs-nginx.sh   # skip the publish
#   ROUTER_ENV="DOTNET_gcServer=1" tests/AkkaRouter.Benchmarks/http-vs-nginx.sh  # runtime knobs for the router
#
# Needs: dotnet, nginx, wrk, curl, redis-cli (the script installs the Debian packages when missing and
# it runs as root).
#
# What it does:
#   1. publishes src/AkkaRouter in Release (the executable that ships);
#   2. starts 3 backends: nginx processes (1 worker each) answering every request with a fixed
#      200 body naming the backend, so the backends are as cheap as they can be;
#   3. starts the front nginx as its users run it: `worker_processes auto`, upstream { hash
#      $request_uri consistent; 3 servers; keepalive 64; keepalive_requests without a cap },
#      HTTP/1.1 to the upstream;
#   4. starts an akkarouter router node whose ring holds the 3 backends as static backends;
#   5. checks the bytes: 30 paths through each front must return exactly the response of the backend
#      whose name the body carries (headers but Date and the default Connection: keep-alive, and
#      body), every backend at least once; the router's choice must be its RESP `GET` answer;
#   6. runs `wrk -t1 -c50 -d10s --latency -s keys.lua` (10,000 distinct paths) against both fronts,
#      ROUNDS rounds, the order alternating from round to round; errors (non-2xx, socket errors) are
#      counted and any error fails the run; prints every run, then per front the median and min-max
#      of req/s, p50, p99 and the front's CPU per request (nginx: master and workers), and the
#      router/nginx ratios of the medians. Everything stops on exit.
#
# On 2 cores wrk, the front and the backends share the CPU: the comparison is fair (same
# conditions), the absolute numbers are not what either front does on a bigger machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench=http-vs-nginx
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 34 "$@"
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; duration="${DURATION:-1s}"; warmup=1s
else rounds="${ROUNDS:-5}"; duration="${DURATION:-10s}"; warmup=5s; fi
connections="${CONNECTIONS:-50}"

require_tools nginx wrk curl redis-cli:redis-tools
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

# --- 1. publish ---------------------------------------------------------------------------------
publish_router

# --- 2. three backends --------------------------------------------------------------------------
backend_ports=()
servers=""
static=""
for i in 1 2 3; do
  port="$(free_port)"; backend_ports+=("$port")
  pids+=("$(start_nginx "backend-$i" 1 "  server { listen 127.0.0.1:$port; location / { return 200 \"backend-$i\\n\"; } }")")
  servers+="    server 127.0.0.1:$port;"$'\n'
  static+="    { endpoint = \"127.0.0.1:$port\" }"$'\n'
done
for port in "${backend_ports[@]}"; do wait_for 10 "backend on $port" curl -sf "http://127.0.0.1:$port/"; done

# --- 3. front nginx -----------------------------------------------------------------------------
nginx_port="$(free_port)"
nginx_pid="$(start_nginx front auto "  upstream backends {
    hash \$request_uri consistent;
$servers    keepalive 64;
    keepalive_requests 1000000000;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }")"
pids+=("$nginx_pid")
wait_for 10 "front nginx on $nginx_port" curl -sf "http://127.0.0.1:$nginx_port/documents/1"
nginx_procs=("$nginx_pid")
while IFS= read -r child; do nginx_procs+=("$child"); done < <(pgrep -P "$nginx_pid")

# --- 4. akkarouter router node ------------------------------------------------------------------
router_port="$(free_port)"
resp_port="$(free_port)"
cat >"$work/router.conf" <<CONF
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = $resp_port
  http.port = $router_port
  cmd.enabled = off
  management.enabled = off
  logging.level = Warning
  static-backends = [
$static  ]
}
CONF
# shellcheck disable=SC2086
env ${ROUTER_ENV:-} "$router_exe" run --config "$work/router.conf" >"$work/router.log" 2>&1 &
router_pid=$!
pids+=("$router_pid")
wait_for 60 "the router's HTTP edge on $router_port" curl -sf "http://127.0.0.1:$router_port/documents/1" \
  || { cat "$work/router.log" >&2; exit 1; }

# --- 5. the same bytes ----------------------------------------------------------------------------
normalize() { tr -d '\r' | grep -v -e '^Date:' -e '^Connection: keep-alive$' | sort; }
check_bytes() {   # NAME PORT
  local name="$1" port="$2" i response body n direct owner seen=""
  for i in $(seq 1 30); do
    response="$(curl -si "http://127.0.0.1:$port/documents/$i" | normalize)"
    body="$(curl -s "http://127.0.0.1:$port/documents/$i")"
    n="${body#backend-}"
    if ! [[ "$n" =~ ^[123]$ ]]; then echo "$bench: $name answered /documents/$i with '$body', not a backend's body" >&2; exit 1; fi
    direct="$(curl -si "http://127.0.0.1:${backend_ports[$((n - 1))]}/documents/$i" | normalize)"
    if [ "$response" != "$direct" ]; then
      echo "$bench: $name's response to /documents/$i differs from backend-$n's own:" >&2
      diff <(echo "$direct") <(echo "$response") >&2 || true
      exit 1
    fi
    if [ "$name" = router ]; then
      owner="$(redis-cli -p "$resp_port" --raw GET "/documents/$i")"
      if [ "$owner" != "127.0.0.1:${backend_ports[$((n - 1))]}" ]; then
        echo "$bench: the router sent /documents/$i to backend-$n, but RESP GET answers $owner" >&2; exit 1
      fi
    fi
    seen+="$n"
  done
  for n in 1 2 3; do
    [[ "$seen" == *"$n"* ]] || { echo "$bench: $name sent none of 30 paths to backend-$n" >&2; exit 1; }
  done
  echo "   $name: 30 paths, each the owning backend's exact response (all 3 backends used)"
}
check_bytes nginx "$nginx_port"
check_bytes router "$router_port"

echo "== nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///') front pid $nginx_pid port $nginx_port; akkarouter pid $router_pid port $router_port ${ROUTER_ENV:+($ROUTER_ENV)}"
echo "== $(nproc) cores; wrk -t1 -c$connections -d$duration --latency -s keys.lua; $rounds round(s), order alternating; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 6. alternating rounds -------------------------------------------------------------------------
results="$work/results.tsv"
: >"$results"
failed=0
wrk_args=(-t1 -c"$connections" -d"$warmup" -s "$here/keys.lua")
wrk "${wrk_args[@]}" "http://127.0.0.1:$nginx_port" >/dev/null
wrk "${wrk_args[@]}" "http://127.0.0.1:$router_port" >/dev/null
wrk_args=(-t1 -c"$connections" -d"$duration" -s "$here/keys.lua")
for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then
    wrk_round nginx "$round" "http://127.0.0.1:$nginx_port" "${nginx_procs[@]}"
    wrk_round router "$round" "http://127.0.0.1:$router_port" "$router_pid"
  else
    wrk_round router "$round" "http://127.0.0.1:$router_port" "$router_pid"
    wrk_round nginx "$round" "http://127.0.0.1:$nginx_port" "${nginx_procs[@]}"
  fi
done

echo
print_medians "nginx router" "router,nginx,router/nginx"
