#!/usr/bin/env bash
# What tracing costs the HTTP edge: the same router build with akka-router.tracing off, on with every
# request recorded ("on") and on with sample-ratio = 0.01 ("on-1pct"; SAMPLED=0 leaves it out), spans
# exported over OTLP/HTTP to a local sink that accepts them, and optionally a build from before
# tracing existed ("base"), under the same load, in alternating runs.
#
#   tests/AkkaRouter.Benchmarks/tracing-cost.sh                 # 5 rounds of 10 s per variant
#   ROUNDS=7 DURATION=5s tests/AkkaRouter.Benchmarks/tracing-cost.sh
#   BASE_EXE=/tmp/base/akkarouter tests/AkkaRouter.Benchmarks/tracing-cost.sh   # adds a "base" variant
#   ROUTER_EXE=path/to/akkarouter ...                           # skip the publish
#   tests/AkkaRouter.Benchmarks/tracing-cost.sh --smoke         # 1 s runs, one round: checks the script
#
# A base build, e.g. of the commit before tracing:
#   git archive <commit> | tar -x -C /tmp/base-src && dotnet publish /tmp/base-src/src/AkkaRouter -c Release -o /tmp/base
#
# Needs dotnet, nginx and wrk (installed when missing and run as root). Three nginx backends answer
# 200 at once; one router process per variant fronts them (idle while another is measured); wrk
# -t1 -c50 with keys.lua (10,000 paths) runs against each in turn, ROUNDS times. Prints every run,
# then per variant the median and min-max of req/s, p50, p99 and the router's CPU per request,
# and each variant's median throughput and CPU relative to "off". On 2 cores wrk, nginx and the
# router share the CPU: compare variants, not absolute numbers; note the load average printed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench=tracing-cost
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 22 "$@"
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; duration="${DURATION:-1s}"; warmup=1s
else rounds="${ROUNDS:-5}"; duration="${DURATION:-10s}"; warmup=5s; fi
connections="${CONNECTIONS:-50}"

require_tools nginx wrk
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

publish_router

# --- backends and the OTLP sink -----------------------------------------------------------------
static=""
for i in 1 2 3; do
  port="$(free_port)"
  pids+=("$(start_nginx "backend-$i" 1 "  server { listen 127.0.0.1:$port; location / { return 200 \"backend-$i\\n\"; } }")")
  static+="    { endpoint = \"127.0.0.1:$port\" }"$'\n'
  wait_for 10 "backend on $port" curl -sf "http://127.0.0.1:$port/"
done
# Accepts OTLP/HTTP exports (POST /v1/traces) with an empty 200, as a collector would, and counts them.
sink_port="$(free_port)"
pids+=("$(start_nginx sink 1 "  log_format otlp '\$request_length';
  server { listen 127.0.0.1:$sink_port; client_max_body_size 64m;
    location /v1/traces { access_log $work/sink/logs/exports.log otlp; default_type application/x-protobuf; return 200 ''; } }")")
wait_for 10 "OTLP sink on $sink_port" curl -sf -X POST "http://127.0.0.1:$sink_port/v1/traces"

# --- one router per variant ---------------------------------------------------------------------
variants=()
declare -A ports procs
start_router() {   # NAME EXE TRACING-HOCON
  local name="$1" exe="$2" tracing="$3" port
  port="$(free_port)"
  cat >"$work/$name.conf" <<CONF
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = 0
  http.port = $port
  cmd.enabled = off
  management.enabled = off
  logging.level = Warning
  static-backends = [
$static  ]
$tracing
}
CONF
  # shellcheck disable=SC2086
  env ${ROUTER_ENV:-} "$exe" run --config "$work/$name.conf" >"$work/$name.log" 2>&1 &
  procs[$name]=$!
  pids+=("$!")
  ports[$name]="$port"
  variants+=("$name")
  wait_for 60 "router '$name' on $port" curl -sf "http://127.0.0.1:$port/documents/1" || { cat "$work/$name.log" >&2; exit 1; }
}
if [ -n "${BASE_EXE:-}" ]; then start_router base "$BASE_EXE" ""; fi
start_router off "$router_exe" "  tracing.enabled = off"
start_router on "$router_exe" "  tracing { enabled = on, protocol = http-protobuf, otlp-endpoint = \"http://127.0.0.1:$sink_port\", sample-ratio = 1.0 }"
[ "${SAMPLED:-1}" = 0 ] || start_router on-1pct "$router_exe" "  tracing { enabled = on, protocol = http-protobuf, otlp-endpoint = \"http://127.0.0.1:$sink_port\", sample-ratio = 0.01 }"

echo "== $(nproc) cores; wrk -t1 -c$connections -d$duration --latency -s keys.lua; $rounds round(s) per variant (${variants[*]}); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

results="$work/results.tsv"
: >"$results"
run_one() {   # NAME ROUND
  local name="$1" round="$2" before after out rps p50 p99 total errors cpu
  before="$(cpu_ticks "${procs[$name]}")"
  out="$(wrk -t1 -c"$connections" -d"$duration" --latency -s "$here/keys.lua" "http://127.0.0.1:${ports[$name]}")"
  after="$(cpu_ticks "${procs[$name]}")"
  rps="$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')"
  p50="$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")"
  p99="$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")"
  total="$(echo "$out" | awk '/requests in/ { print $1 }')"
  errors="$(echo "$out" | awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }')"
  cpu="$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="$total" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$p50" "$p99" "$cpu" >>"$results"
  printf '%-5s round %s  %10s req/s  p50 %6s ms  p99 %6s ms  router cpu %6s us/req  load %s  %s\n' "$name" "$round" "$rps" "$p50" "$p99" "$cpu" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$errors"
}

for name in "${variants[@]}"; do wrk -t1 -c"$connections" -d"$warmup" -s "$here/keys.lua" "http://127.0.0.1:${ports[$name]}" >/dev/null; done
for round in $(seq 1 "$rounds"); do
  # The order rotates each round, so no variant always runs right after the same one.
  count="${#variants[@]}"
  for i in $(seq 0 $((count - 1))); do run_one "${variants[$(((i + round) % count))]}" "$round"; done
done

exports="$(wc -l <"$work/sink/logs/exports.log" 2>/dev/null || echo 0)"
echo
echo "== the sink received $exports OTLP export(s); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, _, rps, p50, p99, cpu = line.split('\t')
    rows.setdefault(name, []).append(tuple(float(v) for v in (rps, p50, p99, cpu)))
order = [n for n in ("base", "off", "on", "on-1pct") if n in rows]
def cell(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"
print(f"{'variant':8} {'req/s median (min-max)':>26} {'p50 ms':>20} {'p99 ms':>20} {'cpu us/req':>22}")
for n in order:
    cols = list(zip(*rows[n]))
    print(f"{n:8} {cell(cols[0], '{:.0f}'):>26} {cell(cols[1], '{:.2f}'):>20} {cell(cols[2], '{:.2f}'):>20} {cell(cols[3], '{:.1f}'):>22}")
if "off" in rows:
    ref_rps = statistics.median(r[0] for r in rows["off"]); ref_cpu = statistics.median(r[3] for r in rows["off"])
    for n in order:
        if n == "off": continue
        rps = statistics.median(r[0] for r in rows[n]); cpu = statistics.median(r[3] for r in rows[n])
        print(f"{n}/off: throughput {rps / ref_rps:.3f}x ({(rps / ref_rps - 1) * 100:+.1f}%), cpu per request {cpu / ref_cpu:.3f}x ({(cpu / ref_cpu - 1) * 100:+.1f}%)")
PY
