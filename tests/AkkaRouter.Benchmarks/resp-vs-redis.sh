#!/usr/bin/env bash
# Side-by-side RESP benchmark: AkkaRouter's `GET key` against redis-server's `GET key`, with the
# same client (redis-benchmark), the same settings and alternating rounds (the server that goes
# first alternates too), so both servers see the same machine conditions.
#
#   tests/AkkaRouter.Benchmarks/resp-vs-redis.sh            # full run (~2 minutes)
#   tests/AkkaRouter.Benchmarks/resp-vs-redis.sh --smoke    # tiny -n, one round: checks the script
#   ROUNDS=7 N_C50_P1=1000000 tests/AkkaRouter.Benchmarks/resp-vs-redis.sh   # more rounds / requests
#   ROUTER_EXE=path/to/akkarouter tests/AkkaRouter.Benchmarks/resp-vs-redis.sh  # skip the publish step
#
# Needs: dotnet, redis-server, redis-benchmark, redis-cli (Debian: redis-server redis-tools).
#
# What it does:
#   1. publishes src/AkkaRouter in Release (the executable that ships);
#   2. starts redis-server (persistence off) on a free port and sets the benchmark's key, so every
#      GET is a hit: without -r, redis-benchmark sends the literal key "key:__rand_int__". The
#      value is the router's answer for that key, so both servers send the same reply bytes;
#   3. starts an akkarouter router node with 3 static backends on its own free RESP port;
#   4. checks that both servers send the same reply bytes for the benchmark's GET (raw RESP);
#   5. for each setting (-c 50 -P 1, -c 50 -P 16, -c 1 -P 1) runs redis-benchmark -t get against
#      both servers, ROUNDS rounds (default 5), redis first in odd rounds and the router first in
#      even ones, and records req/s, p50, p99 (--csv) and the server's CPU time (utime+stime from
#      /proc/PID/stat) per request. Errors are fatal: anything redis-benchmark reports on stderr, a
#      run without a result, a redis miss (every GET must hit), a router that died;
#   6. prints a summary table: medians with min-max of req/s. Servers are stopped on exit.
#
# Read the numbers with the machine in mind: redis-benchmark itself needs a core, redis-server is
# single-threaded, while the router's .NET runtime may use every core (and so competes with the
# client). Anything else running at the same time (tests, builds) skews both; alternating runs
# spreads that noise over both servers rather than one.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bench=resp-vs-redis
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 30 "$@"

# Requests per run, chosen so each full run takes a few seconds on a 2-core machine.
if [ "$smoke" = 1 ]; then
  rounds="${ROUNDS:-1}"
  n_c50_p1="${N_C50_P1:-5000}"; n_c50_p16="${N_C50_P16:-20000}"; n_c1_p1="${N_C1_P1:-1000}"
else
  rounds="${ROUNDS:-5}"
  n_c50_p1="${N_C50_P1:-400000}"; n_c50_p16="${N_C50_P16:-3000000}"; n_c1_p1="${N_C1_P1:-100000}"
fi
settings=("-c 50 -P 1" "-c 50 -P 16" "-c 1 -P 1")
requests=("$n_c50_p1" "$n_c50_p16" "$n_c1_p1")

require_tools redis-server redis-benchmark:redis-tools redis-cli:redis-tools

# --- 1. publish ---------------------------------------------------------------------------------
publish_router

# --- 2. redis-server ----------------------------------------------------------------------------
redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$work" --logfile "$work/redis.log" --daemonize no &
redis_pid=$!
pids+=("$redis_pid")
wait_for 10 "redis-server on port $redis_port" redis-cli -p "$redis_port" ping

# --- 3. akkarouter router node ------------------------------------------------------------------
cat >"$work/router.conf" <<'EOF'
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = 0
  http.enabled = off
  cmd.enabled = off
  management.enabled = off
  # Nothing listens on these addresses: the lookup path is measured, not health.
  health-check.type = none
  static-backends = [
    { endpoint = "127.0.0.1:9001" }
    { endpoint = "127.0.0.1:9002" }
    { endpoint = "127.0.0.1:9003" }
  ]
}
EOF
"$router_exe" run --config "$work/router.conf" >"$work/router.log" 2>&1 &
router_pid=$!
pids+=("$router_pid")
router_port=""
deadline=$((SECONDS + 60))
until router_port="$(grep -o 'RESP lookups listening on [^ ]*' "$work/router.log" | head -n1 | sed 's/.*://')" && [ -n "$router_port" ]; do
  if ! kill -0 "$router_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    echo "resp-vs-redis: the router did not start:" >&2; cat "$work/router.log" >&2; exit 1
  fi
  sleep 0.1
done
ring_ready() { [ "$(redis-cli -p "$router_port" dbsize)" = 3 ]; }
wait_for 30 "the router's ring to hold 3 backends" ring_ready

key='key:__rand_int__'
owner="$(redis-cli -p "$router_port" get "$key")"
redis-cli -p "$redis_port" set "$key" "$owner" >/dev/null
[ "$(redis-cli -p "$redis_port" get "$key")" = "$owner" ] || { echo "resp-vs-redis: could not set $key on redis" >&2; exit 1; }
redis-cli -p "$redis_port" config resetstat >/dev/null

# The same reply bytes from both servers for the benchmark's command (a raw RESP GET, read to the reply's end).
raw_get() {
  python3 - "$1" "$key" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
k = sys.argv[2].encode()
s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(k), k))
data = b""
while not (data.startswith(b"$") and b"\r\n" in data and len(data) >= data.index(b"\r\n") + 2 + int(data[1:data.index(b"\r\n")]) + 2):
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
sys.stdout.write(repr(data))
PY
}
redis_reply="$(raw_get "$redis_port")"; router_reply="$(raw_get "$router_port")"
if [ "$redis_reply" != "$router_reply" ]; then
  echo "resp-vs-redis: the reply bytes differ: redis $redis_reply, router $router_reply" >&2; exit 1
fi
echo "== the same reply bytes from both: $router_reply"

echo "== redis-server $(redis-server --version | grep -o 'v=[^ ]*') pid $redis_pid port $redis_port"
echo "== akkarouter router pid $router_pid port $router_port (3 static backends; GET $key -> $owner)"
echo "== $(nproc) cores; clock ticks $clk_tck/s; $rounds round(s) per setting; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# --- 4. alternating runs ------------------------------------------------------------------------
results="$work/results.tsv"   # setting server round requests rps p50 p99 cpu_seconds
: >"$results"
run_one() {   # server port pid setting n round
  local server="$1" port="$2" pid="$3" setting="$4" n="$5" round="$6"
  local before after csv rps p50 p99 cpu
  before="$(cpu_ticks "$pid")"
  # shellcheck disable=SC2086
  csv="$(redis-benchmark -h 127.0.0.1 -p "$port" -t get -n "$n" $setting --csv 2>"$work/benchmark.err")"
  after="$(cpu_ticks "$pid")"
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  IFS=, read -r _ rps _ _ p50 _ p99 _ < <(echo "$csv" | grep '^"GET"' | tr -d '"')
  [ -n "${rps:-}" ] || { echo "resp-vs-redis: no result from redis-benchmark against $server:" >&2; echo "$csv" >&2; cat "$work/benchmark.err" >&2; exit 1; }
  if [ -s "$work/benchmark.err" ]; then
    echo "resp-vs-redis: redis-benchmark reported errors against $server ($setting):" >&2; head -n 5 "$work/benchmark.err" >&2; exit 1
  fi
  cpu="$(awk -v t=$((after - before)) -v hz="$clk_tck" 'BEGIN { printf "%.2f", t / hz }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$setting" "$server" "$round" "$n" "$rps" "$p50" "$p99" "$cpu" >>"$results"
  printf '%-12s %-6s round %s  n=%-8s %12s req/s  p50 %6s ms  p99 %6s ms  cpu %6s s = %6s us/req\n' \
    "$setting" "$server" "$round" "$n" "$rps" "$p50" "$p99" "$cpu" \
    "$(awk -v c="$cpu" -v n="$n" 'BEGIN { printf "%.2f", c * 1e6 / n }')"
}

# Warm-up, not recorded: the router's JIT compiles the hot path to its final tier, both servers
# grow their buffers, the machine's caches fill.
warmup=$(( smoke ? 2000 : 200000 ))
for port in "$redis_port" "$router_port"; do
  redis-benchmark -h 127.0.0.1 -p "$port" -t get -n "$warmup" -c 50 -P 1 --csv >/dev/null
  redis-benchmark -h 127.0.0.1 -p "$port" -t get -n "$warmup" -c 50 -P 16 --csv >/dev/null
done
redis-cli -p "$redis_port" config resetstat >/dev/null

for i in "${!settings[@]}"; do
  setting="${settings[$i]}"; n="${requests[$i]}"
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) = 1 ]; then
      run_one redis "$redis_port" "$redis_pid" "$setting" "$n" "$round"
      run_one router "$router_port" "$router_pid" "$setting" "$n" "$round"
    else
      run_one router "$router_port" "$router_pid" "$setting" "$n" "$round"
      run_one redis "$redis_port" "$redis_pid" "$setting" "$n" "$round"
    fi
  done
done

misses="$(redis-cli -p "$redis_port" info stats | tr -d '\r' | grep '^keyspace_misses:' | cut -d: -f2)"
hits="$(redis-cli -p "$redis_port" info stats | tr -d '\r' | grep '^keyspace_hits:' | cut -d: -f2)"
echo
echo "redis keyspace: $hits hits, $misses misses (every GET should hit)"
[ "$misses" = 0 ] || { echo "resp-vs-redis: redis answered $misses GETs with nil: the comparison does not count" >&2; exit 1; }
kill -0 "$router_pid" 2>/dev/null || { echo "resp-vs-redis: the router died during the run:" >&2; tail -n 20 "$work/router.log" >&2; exit 1; }

# --- 5. summary -----------------------------------------------------------------------------------
# Per setting: median (min-max) req/s and median latency over the rounds; CPU = total CPU seconds / total requests.
echo
echo "Summary (medians of $rounds round(s), req/s with min-max; CPU = server utime+stime per request; load average now: $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F'\t' -v order="$(printf '%s|' "${settings[@]}")" '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
    lo = a[1]; hi = a[n]
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { k = $1 SUBSEP $2; rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7; cpu[k] += $8; req[k] += $4 }
  END {
    printf "| %-12s | %25s | %25s | %6s | %-17s | %-17s | %10s | %11s |\n", "setting", "redis req/s (min-max)", "router req/s (min-max)", "ratio", "redis p50/p99 ms", "router p50/p99 ms", "redis CPU", "router CPU"
    printf "| %-12s | %25s | %25s | %6s | %-17s | %-17s | %10s | %11s |\n", "", "", "", "", "", "", "us/req", "us/req"
    printf "|%s|%s|%s|%s|%s|%s|%s|%s|\n", "--------------", "---------------------------", "---------------------------", "--------", "-------------------", "-------------------", "------------", "-------------"
    n = split(order, s, "|")
    for (i = 1; i < n; i++) {
      r = s[i] SUBSEP "redis"; a = s[i] SUBSEP "router"
      rr = median(rps[r]); rrange = sprintf("%.0f (%.0f-%.0f)", rr, lo, hi)
      ar = median(rps[a]); arange = sprintf("%.0f (%.0f-%.0f)", ar, lo, hi)
      printf "| %-12s | %25s | %25s | %5.2fx | %7.3f / %7.3f | %7.3f / %7.3f | %10.2f | %11.2f |\n", s[i], rrange, arange, ar / rr,
        median(p50[r]), median(p99[r]), median(p50[a]), median(p99[a]),
        cpu[r] * 1e6 / req[r], cpu[a] * 1e6 / req[a]
    }
  }' "$results"
echo "(ratio = router req/s / redis req/s; CPU = utime+stime of the server process, ${clk_tck} ticks/s, over all requests of the setting)"
