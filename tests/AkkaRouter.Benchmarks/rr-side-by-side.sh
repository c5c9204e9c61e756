#!/usr/bin/env bash
# Round-robin side by side: AkkaRouter's HTTP edge (a route with `policy = round-robin`) against
# HAProxy (`balance roundrobin`) and nginx (the default round-robin upstream), each in front of the
# same three backends, driven by the same client (wrk) at high concurrency: the founding document's
# load-balancer benchmark shape, scaled to one machine.
#
#   tests/AkkaRouter.Benchmarks/rr-side-by-side.sh            # 5 rounds of 10 s per front (~4 minutes)
#   tests/AkkaRouter.Benchmarks/rr-side-by-side.sh --smoke    # 1 round of 1 s: checks the script
#   ROUNDS=7 DURATION=20s CONNECTIONS=1000 tests/AkkaRouter.Benchmarks/rr-side-by-side.sh
#   ROUTER_EXE=path/to/akkarouter tests/AkkaRouter.Benchmarks/rr-side-by-side.sh   # skip the publish
#
# How it keeps the comparison honest:
#   - every round runs all three fronts, and the order rotates from round to round (who goes first
#     alternates), so drift in machine conditions spreads over all of them;
#   - results are medians over the rounds with min-max; errors (wrk's non-2xx responses and socket
#     errors) are counted and any error fails the run;
#   - the peers run as their users run them: nginx with `worker_processes auto` and upstream
#     keep-alive without a request cap, HAProxy with its default thread count and connection reuse;
#   - before measuring, 30 requests through each front must return exactly the backends' bytes,
#     each backend at least 5 times (the same response bytes from every front).
#
# Needs: dotnet, nginx, haproxy, wrk, curl (the script installs the Debian packages when missing and it runs as root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench=rr-side-by-side
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 22 "$@"
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; duration="${DURATION:-1s}"; warmup=1s
else rounds="${ROUNDS:-5}"; duration="${DURATION:-10s}"; warmup=5s; fi
connections="${CONNECTIONS:-1000}"
[ "$smoke" = 1 ] && connections="${CONNECTIONS:-100}"

require_tools nginx haproxy wrk curl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
haproxy_bin="$(command -v haproxy || echo /usr/sbin/haproxy)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

publish_router

# --- three backends: nginx answering a fixed body naming itself ---------------------------------
backend_ports=()
servers=""
haproxy_servers=""
static=""
for i in 1 2 3; do
  port="$(free_port)"; backend_ports+=("$port")
  pids+=("$(start_nginx "backend-$i" 1 "  server { listen 127.0.0.1:$port backlog=4096; location / { return 200 \"backend-$i\\n\"; } }")")
  servers+="    server 127.0.0.1:$port;"$'\n'
  haproxy_servers+="  server b$i 127.0.0.1:$port"$'\n'
  static+="    { endpoint = \"127.0.0.1:$port\" }"$'\n'
done
for port in "${backend_ports[@]}"; do wait_for 10 "backend on $port" curl -sf "http://127.0.0.1:$port/"; done

# --- nginx front: as its users run it -----------------------------------------------------------
nginx_port="$(free_port)"
nginx_pid="$(start_nginx front auto "  upstream backends {
    zone backends 64k;
$servers    keepalive 256;
    keepalive_requests 1000000000;
  }
  server {
    listen 127.0.0.1:$nginx_port backlog=4096;
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }")"
pids+=("$nginx_pid")

# --- HAProxy front: its defaults (threads = cores, keep-alive both sides, safe connection reuse) ----
haproxy_port="$(free_port)"
cat >"$work/haproxy.cfg" <<CONF
global
  # 8,000 connections need about 16,000 descriptors: within the 20,000 a container often allows.
  maxconn 8000
defaults
  mode http
  timeout connect 3s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$haproxy_port
  default_backend be
backend be
  balance roundrobin
$haproxy_servers
CONF
"$haproxy_bin" -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
haproxy_pid=$!
pids+=("$haproxy_pid")

# --- the edge: one route, round-robin over the same three backends --------------------------------
router_port="$(free_port)"
cat >"$work/router.conf" <<CONF
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = 0
  http.port = $router_port
  http.routes = [ { policy = round-robin } ]
  cmd.enabled = off
  management.enabled = off
  logging.level = Warning
  health-check.type = tcp
  static-backends = [
$static  ]
}
CONF
# shellcheck disable=SC2086
env ${ROUTER_ENV:-} "$router_exe" run --config "$work/router.conf" >"$work/router.log" 2>&1 &
router_pid=$!
pids+=("$router_pid")

wait_for 10 "nginx front on $nginx_port" curl -sf "http://127.0.0.1:$nginx_port/x"
wait_for 10 "haproxy on $haproxy_port" curl -sf "http://127.0.0.1:$haproxy_port/x" || { cat "$work/haproxy.log" >&2; exit 1; }
wait_for 60 "the router's HTTP edge on $router_port" curl -sf "http://127.0.0.1:$router_port/x" || { cat "$work/router.log" >&2; exit 1; }

# --- the same bytes from every front: 30 requests, each backend's body 10 times ------------------
check_bytes() {   # NAME PORT
  local name="$1" port="$2" out
  out="$(for i in $(seq 1 30); do curl -s "http://127.0.0.1:$port/documents/$i"; done | sort | uniq -c | awk '{ print $1 " " $2 }' | tr '\n' ' ')"
  # Exactly the backends' bodies, every backend in turn (nginx's workers each keep their own turn, so not exactly 10 each).
  if ! echo "$out" | awk '{ ok = NF == 6; for (i = 1; i <= NF; i += 2) if ($i < 5 || $(i + 1) != "backend-" (i + 1) / 2) ok = 0; exit !ok }'; then
    echo "$bench: $name did not return the backends' bytes in turn over 30 requests: $out" >&2
    exit 1
  fi
}
for front in "nginx $nginx_port" "haproxy $haproxy_port" "router $router_port"; do
  # shellcheck disable=SC2086
  check_bytes $front
done

procs_of() {   # PID: the pid and its children (nginx workers)
  echo "$1"; pgrep -P "$1" || true
}
mapfile -t nginx_procs < <(procs_of "$nginx_pid")
mapfile -t haproxy_procs < <(procs_of "$haproxy_pid")

echo "== $("$nginx_bin" -v 2>&1 | sed 's/.*version: //'), $("$haproxy_bin" -v | head -1 | cut -d' ' -f1-3), akkarouter pid $router_pid ${ROUTER_ENV:+($ROUTER_ENV)}"
echo "== $(nproc) cores; wrk -t2 -c$connections -d$duration --latency; $rounds round(s), order rotating; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

results="$work/results.tsv"
: >"$results"
failed=0
wrk_args=(-t2 -c"$connections" -d"$duration")

fronts=("nginx $nginx_port ${nginx_procs[*]}" "haproxy $haproxy_port ${haproxy_procs[*]}" "router $router_port $router_pid")
for front in "${fronts[@]}"; do
  set -- $front
  wrk -t2 -c"$connections" -d"$warmup" "http://127.0.0.1:$2/documents/1" >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for k in 0 1 2; do
    # shellcheck disable=SC2086
    set -- ${fronts[$(((round - 1 + k) % 3))]}
    name="$1" port="$2"; shift 2
    wrk_round "$name" "$round" "http://127.0.0.1:$port/documents/1" "$@"
  done
done

echo
print_medians "nginx haproxy router" "router,haproxy,router/haproxy" "router,nginx,router/nginx"
