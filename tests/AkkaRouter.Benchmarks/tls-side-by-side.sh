#!/usr/bin/env bash
# TLS termination side by side: AkkaRouter's HTTP edge with `akka-router.http.tls` against nginx with
# `listen ... ssl`, both from the SAME self-signed certificate and key, both balancing round-robin
# (the edge's route `policy = round-robin`, nginx's default upstream) over the same three backends
# in plain HTTP, driven by the same client (wrk over https). What differs between the two is TLS
# termination + balancing + forwarding; the backends and the client are shared.
#
#   tests/AkkaRouter.Benchmarks/tls-side-by-side.sh            # 5 rounds of 10 s per front and variant (~4 minutes)
#   tests/AkkaRouter.Benchmarks/tls-side-by-side.sh --smoke    # 1 round of 1 s: checks the script
#   ROUNDS=7 DURATION=20s CONNECTIONS=500 tests/AkkaRouter.Benchmarks/tls-side-by-side.sh
#   KEY=rsa tests/AkkaRouter.Benchmarks/tls-side-by-side.sh    # RSA-2048 certificate instead of ECDSA P-256
#   HANDSHAKES=off tests/AkkaRouter.Benchmarks/tls-side-by-side.sh   # keep-alive variant only
#   ROUTER_EXE=path/to/akkarouter tests/AkkaRouter.Benchmarks/tls-side-by-side.sh   # skip the publish
#
# Two variants, each front in each round:
#   - keep-alive (rows "nginx", "edge"): wrk -c$CONNECTIONS reuses its connections, so after the first
#     handshakes this measures record encryption/decryption + balancing + forwarding;
#   - handshake-heavy (rows "nginx-hs", "edge-hs"): the same wrk with `Connection: close`, so each
#     front closes after every response and wrk reconnects: one TCP connection and one TLS
#     handshake per request. wrk keeps the TLS session of its previous connection and offers it, so
#     a front that resumes sessions (nginx: tickets on, ssl_session_cache) does abbreviated
#     handshakes and one that does not does full ones; the script prints which fronts resume.
#     (h2load cannot reconnect per request and ab is single-threaded; wrk's reconnect does the job.)
#
# CONNECTIONS defaults to 200, not the 1000 of rr-side-by-side.sh: on 2 cores the client, both TLS
# ends and the backends share the CPU, and 1000 TLS connections mostly measure the queueing (p99 in
# seconds) rather than the fronts. HS_CONNECTIONS (default 50) for the handshake-heavy variant.
#
# How it keeps the comparison honest:
#   - every round runs both fronts, the order alternating from round to round (who goes first
#     changes), so drift in machine conditions spreads over both;
#   - results are medians over the rounds with min-max; errors (wrk's non-2xx responses and socket
#     errors) are counted and any error fails the run;
#   - nginx runs as its users run it: `worker_processes auto`, ssl_protocols TLSv1.2 TLSv1.3,
#     ssl_session_cache shared:SSL:10m, upstream keep-alive without a request cap; both fronts offer
#     HTTP/2 and HTTP/1.1 by ALPN (wrk speaks HTTP/1.1; the negotiated protocol and cipher are printed);
#   - before measuring, 30 requests through each front (curl -sk) must return exactly the backends'
#     bytes, each backend at least 5 times;
#   - CPU per request: the front's utime + stime (nginx: master and workers) over the round, divided
#     by the requests wrk completed.
#
# Needs: dotnet, nginx, wrk, curl, openssl (the script installs the Debian packages when missing and it runs as root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench=tls-side-by-side
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 43 "$@"
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; duration="${DURATION:-1s}"; warmup=1s
else rounds="${ROUNDS:-5}"; duration="${DURATION:-10s}"; warmup=5s; fi
connections="${CONNECTIONS:-200}"
hs_connections="${HS_CONNECTIONS:-50}"
[ "$smoke" = 1 ] && connections="${CONNECTIONS:-20}" && hs_connections="${HS_CONNECTIONS:-10}"
handshakes="${HANDSHAKES:-on}"
key_type="${KEY:-ec}"
case "$key_type" in ec|rsa) ;; *) echo "KEY must be ec or rsa, not '$key_type'" >&2; exit 2 ;; esac

require_tools nginx wrk curl openssl
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

publish_router

# --- one self-signed certificate and key (PEM) for both fronts -----------------------------------
cert="$work/tls/cert.pem"; key="$work/tls/key.pem"
mkdir -p "$work/tls"
if [ "$key_type" = ec ]; then newkey=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1); else newkey=(-newkey rsa:2048); fi
openssl req -x509 "${newkey[@]}" -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$key" -out "$cert" >"$work/tls/openssl.log" 2>&1 \
  || { cat "$work/tls/openssl.log" >&2; exit 1; }

# --- three backends: nginx answering a fixed body naming itself (as rr-side-by-side.sh) -----------
backend_ports=()
servers=""
static=""
for i in 1 2 3; do
  port="$(free_port)"; backend_ports+=("$port")
  pids+=("$(start_nginx "backend-$i" 1 "  server { listen 127.0.0.1:$port backlog=4096; location / { return 200 \"backend-$i\\n\"; } }")")
  servers+="    server 127.0.0.1:$port;"$'\n'
  static+="    { endpoint = \"127.0.0.1:$port\" }"$'\n'
done
for port in "${backend_ports[@]}"; do wait_for 10 "backend on $port" curl -sf "http://127.0.0.1:$port/"; done

# --- nginx front: TLS as its users run it --------------------------------------------------------
nginx_port="$(free_port)"
nginx_pid="$(start_nginx front auto "  upstream backends {
    zone backends 64k;
$servers    keepalive 256;
    keepalive_requests 1000000000;
  }
  server {
    listen 127.0.0.1:$nginx_port ssl http2 backlog=4096;
    ssl_certificate $cert;
    ssl_certificate_key $key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }")"
pids+=("$nginx_pid")

# --- the edge: TLS from the same files, one route, round-robin over the same three backends ---------
router_port="$(free_port)"
cat >"$work/router.conf" <<CONF
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = 0
  http.port = $router_port
  http.routes = [ { policy = round-robin } ]
  http.tls { enabled = on, certificate = "$cert", key = "$key" }
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

wait_for 10 "nginx front on $nginx_port" curl -sfk "https://127.0.0.1:$nginx_port/x" || { cat "$work/front/logs/"*.log >&2; exit 1; }
wait_for 60 "the router's HTTP edge on $router_port" curl -sfk "https://127.0.0.1:$router_port/x" || { cat "$work/router.log" >&2; exit 1; }

# --- the same bytes from every front: 30 requests over https, each backend's body 10 times ------
check_bytes() {   # NAME PORT
  local name="$1" port="$2" out
  out="$(for i in $(seq 1 30); do curl -sk "https://127.0.0.1:$port/documents/$i"; done | sort | uniq -c | awk '{ print $1 " " $2 }' | tr '\n' ' ')"
  # Exactly the backends' bodies, every backend in turn (nginx's workers each keep their own turn, so not exactly 10 each).
  if ! echo "$out" | awk '{ ok = NF == 6; for (i = 1; i <= NF; i += 2) if ($i < 5 || $(i + 1) != "backend-" (i + 1) / 2) ok = 0; exit !ok }'; then
    echo "$bench: $name did not return the backends' bytes in turn over 30 requests: $out" >&2
    exit 1
  fi
}
check_bytes nginx "$nginx_port"
check_bytes edge "$router_port"

# --- what each front negotiates with an HTTP/1.1 client like wrk, and whether it resumes sessions ---
tls_line() {   # PORT: "TLSv1.3 TLS_AES_256_GCM_SHA384 http/1.1, resumes: yes|no"
  local port="$1" first second sess="$work/tls/session-$1.pem"
  # A request and its response, so that TLS 1.3 session tickets (sent after the handshake) arrive.
  first="$(printf 'GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' \
    | timeout 10 openssl s_client -connect "127.0.0.1:$port" -alpn http/1.1 -ign_eof -sess_out "$sess" 2>/dev/null || true)"
  second="$(printf 'GET /x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' \
    | timeout 10 openssl s_client -connect "127.0.0.1:$port" -alpn http/1.1 -ign_eof -sess_in "$sess" 2>/dev/null || true)"
  printf '%s %s %s, resumes sessions: %s' \
    "$(echo "$first" | awk '/^New, / { print $2 }' | tr -d ',' | head -1)" \
    "$(echo "$first" | awk '/^New, / { print $NF }' | head -1)" \
    "$(echo "$first" | awk -F': ' '/^ALPN protocol/ { print $2 }' | head -1)" \
    "$(echo "$second" | grep -q '^Reused, ' && echo yes || echo no)"
}

procs_of() {   # PID: the pid and its children (nginx workers)
  echo "$1"; pgrep -P "$1" || true
}
mapfile -t nginx_procs < <(procs_of "$nginx_pid")

echo "== $("$nginx_bin" -v 2>&1 | sed 's/.*version: //'), akkarouter pid $router_pid${ROUTER_ENV:+ ($ROUTER_ENV)}, client $(openssl version | cut -d' ' -f1-2)"
echo "== certificate: self-signed $( [ "$key_type" = ec ] && echo "ECDSA P-256" || echo "RSA-2048"), the same files for both fronts"
echo "== nginx: $(tls_line "$nginx_port")"
echo "== edge:  $(tls_line "$router_port")"
echo "== $(nproc) cores; wrk -t2 -c$connections -d$duration --latency (keep-alive)$( [ "$handshakes" = on ] && echo "; wrk -t2 -c$hs_connections -H 'Connection: close' (a handshake per request)"); $rounds round(s), order alternating; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

results="$work/results.tsv"
: >"$results"
failed=0
fronts=("nginx $nginx_port ${nginx_procs[*]}" "edge $router_port $router_pid")
for front in "${fronts[@]}"; do
  # shellcheck disable=SC2086
  set -- $front
  wrk -t2 -c"$connections" -d"$warmup" "https://127.0.0.1:$2/documents/1" >/dev/null
done
for round in $(seq 1 "$rounds"); do
  for k in 0 1; do
    # shellcheck disable=SC2086
    set -- ${fronts[$(((round - 1 + k) % 2))]}
    name="$1" port="$2"; shift 2
    wrk_args=(-t2 -c"$connections" -d"$duration")
    wrk_round "$name" "$round" "https://127.0.0.1:$port/documents/1" "$@"
  done
  [ "$handshakes" = on ] || continue
  for k in 0 1; do
    # shellcheck disable=SC2086
    set -- ${fronts[$(((round - 1 + k) % 2))]}
    name="$1-hs" port="$2"; shift 2
    wrk_args=(-t2 -c"$hs_connections" -d"$duration" -H "Connection: close")
    wrk_round "$name" "$round" "https://127.0.0.1:$port/documents/1" "$@"
  done
done

echo
print_medians "nginx edge nginx-hs edge-hs" "edge,nginx,edge/nginx_keep-alive" "edge-hs,nginx-hs,edge/nginx_handshake-per-request"
