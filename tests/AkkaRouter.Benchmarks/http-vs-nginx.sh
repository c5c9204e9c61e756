#!/usr/bin/env bash
# Side-by-side HTTP forwarding benchmark: AkkaRouter's HTTP edge against nginx doing the same job
# (consistent hash on the request URI over the same 3 backends, keep-alive to them), with the same
# client (wrk), the same load and alternating runs, so both see the same machine conditions.
#
#   tests/AkkaRouter.Benchmarks/http-vs-nginx.sh            # full run (~1.5 minutes)
#   tests/AkkaRouter.Benchmarks/http-vs-nginx.sh --smoke    # 1 s runs, one round: checks the script
#   ROUNDS=3 DURATION=20s tests/AkkaRouter.Benchmarks/http-vs-nginx.sh
#   ROUTER_EXE=path/to/akkarouter tests/AkkaRouter.Benchmarks/http-vs-nginx.sh   # skip the publish
#   ROUTER_ENV="DOTNET_gcServer=1" tests/AkkaRouter.Benchmarks/http-vs-nginx.sh  # runtime knobs for the router
#
# Needs: dotnet, nginx, wrk (Debian: apt-get install nginx wrk; the script installs them when
# missing and it runs as root).
#
# What it does:
#   1. publishes src/AkkaRouter in Release (the executable that ships);
#   2. starts 3 backends: nginx processes (1 worker each) answering every request with a fixed
#      200 body, so the backends are as cheap as they can be;
#   3. starts the front nginx (1 worker): upstream { hash $request_uri consistent; 3 servers;
#      keepalive 64 }, HTTP/1.1 to the upstream;
#   4. starts an akkarouter router node whose ring holds the 3 backends as static backends;
#   5. runs `wrk -t1 -c50 -d10s --latency -s keys.lua` (10,000 distinct paths) against nginx,
#      router, nginx, router ... (ROUNDS each), recording req/s, p50, p99 and the front's CPU time
#      per request; prints a table and the router/nginx ratios. Everything stops on exit.
#
# On 2 cores wrk, the front and the backends share the CPU: the comparison is fair (same
# conditions), the absolute numbers are not what either front does on a bigger machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench=http-vs-nginx
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 27 "$@"
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; duration="${DURATION:-1s}"; warmup=1s
else rounds="${ROUNDS:-2}"; duration="${DURATION:-10s}"; warmup=5s; fi
connections="${CONNECTIONS:-50}"

require_tools nginx wrk
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
nginx_pid="$(start_nginx front 1 "  upstream backends {
    hash \$request_uri consistent;
$servers    keepalive 64;
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
cat >"$work/router.conf" <<CONF
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = 0
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
for path in /documents/1 /documents/2 /documents/3 /documents/42; do
  a="$(curl -s "http://127.0.0.1:$nginx_port$path")"; b="$(curl -s "http://127.0.0.1:$router_port$path")"
  echo "   $path: nginx -> $a, router -> $b"
done

echo "== nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///') front pid $nginx_pid port $nginx_port; akkarouter pid $router_pid port $router_port ${ROUTER_ENV:+($ROUTER_ENV)}"
echo "== $(nproc) cores; wrk -t1 -c$connections -d$duration --latency -s keys.lua; $rounds round(s) each; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 5. alternating runs ------------------------------------------------------------------------
results="$work/results.tsv"
: >"$results"
run_one() {   # NAME PORT ROUND PIDS...
  local name="$1" port="$2" round="$3"; shift 3
  local before after out rps p50 p99 total errors cpu
  before="$(cpu_ticks "$@")"
  out="$(wrk -t1 -c"$connections" -d"$duration" --latency -s "$here/keys.lua" "http://127.0.0.1:$port")"
  after="$(cpu_ticks "$@")"
  rps="$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')"
  p50="$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")"
  p99="$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")"
  total="$(echo "$out" | awk '/requests in/ { print $1 }')"
  errors="$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')"
  cpu="$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$p50" "$p99" "$cpu" >>"$results"
  printf '%-7s round %s  %10s req/s  p50 %6s ms  p99 %6s ms  front cpu %6s us/req  %s\n' "$name" "$round" "$rps" "$p50" "$p99" "$cpu" "$errors"
}

wrk -t1 -c"$connections" -d"$warmup" -s "$here/keys.lua" "http://127.0.0.1:$nginx_port" >/dev/null
wrk -t1 -c"$connections" -d"$warmup" -s "$here/keys.lua" "http://127.0.0.1:$router_port" >/dev/null
for round in $(seq 1 "$rounds"); do
  run_one nginx "$nginx_port" "$round" "${nginx_procs[@]}"
  run_one router "$router_port" "$round" "$router_pid"
done

echo
awk -F'\t' '
  { rps[$1] += $3; p50[$1] += $4; p99[$1] += $5; cpu[$1] += $6; n[$1]++ }
  END {
    printf "%-8s %12s %9s %9s %14s\n", "front", "req/s", "p50 ms", "p99 ms", "cpu us/req"
    for (s in n) printf "%-8s %12.0f %9.2f %9.2f %14.1f\n", s, rps[s]/n[s], p50[s]/n[s], p99[s]/n[s], cpu[s]/n[s]
    if (n["nginx"] && n["router"])
      printf "router/nginx: throughput %.2fx, p50 %.2fx, p99 %.2fx, cpu per request %.2fx\n",
        rps["router"]/rps["nginx"], p50["router"]/p50["nginx"], p99["router"]/p99["nginx"], cpu["router"]/cpu["nginx"]
  }' "$results"
