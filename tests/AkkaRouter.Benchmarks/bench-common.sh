# Shared part of the side-by-side benchmark scripts (resp-vs-redis.sh, http-vs-nginx.sh,
# rr-side-by-side.sh, tls-side-by-side.sh, tracing-cost.sh); sourced, not run. The sourcing script
# sets `bench` (its name, for messages) and `root` (the repository) first, and appends the pid of
# every server it starts to `pids`.

work="$(mktemp -d "/tmp/$bench.XXXXXX")"
pids=()

# Stops every server (TERM, then KILL after 10 s) and removes the scratch folder, however the script ends.
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait 2>/dev/null || true
  rm -rf "$work"
  release_ports
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: a port for a process this script starts later; below the kernel's ephemeral range and
# claimed for this script (free_port.py says why the usual bind-to-0 pick is not good enough).
free_port() {
  python3 "$root/tests/AkkaRouter.Benchmarks/free_port.py" "$$"
}

# release_ports: drops this script's port claims (a claim left by a killed script expires by itself).
release_ports() {
  local claim
  for claim in "${TMPDIR:-/tmp}"/akkarouter-port-claims/*; do
    [ -f "$claim" ] && [ "$(cat "$claim" 2>/dev/null)" = "$$" ] && rm -f "$claim"
  done
  return 0
}

# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds, at most SECONDS; fails naming WHAT.
wait_for() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then echo "$bench: timed out waiting for $what" >&2; return 1; fi
    sleep 0.1
  done
}

# cpu_ticks PID...: utime + stime of the processes in clock ticks (fields 14 and 15 of
# /proc/PID/stat, counted after the command name, which may itself contain spaces).
cpu_ticks() {
  local total=0 pid stat rest
  for pid in "$@"; do
    stat="$(cat "/proc/$pid/stat")"; rest="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
clk_tck="$(getconf CLK_TCK)"

# Sets router_exe: $ROUTER_EXE as given, or src/AkkaRouter published in Release (the executable that ships).
publish_router() {
  if [ -n "${ROUTER_EXE:-}" ]; then
    router_exe="$ROUTER_EXE"
    echo "== using $router_exe (ROUTER_EXE; not publishing)"
  else
    local publish="$root/artifacts/$bench/publish"
    echo "== publishing src/AkkaRouter (Release) to $publish"
    dotnet publish "$root/src/AkkaRouter" -c Release -o "$publish" -nologo -v quiet -clp:ErrorsOnly >"$work/publish.log" 2>&1 \
      || { cat "$work/publish.log" >&2; exit 1; }
    router_exe="$publish/akkarouter"
  fi
  [ -x "$router_exe" ] || { echo "$bench: $router_exe not built" >&2; exit 1; }
}

# start_nginx NAME WORKERS CONFIG-BODY [MAIN]: an nginx in the foreground with its files under $work/NAME,
# CONFIG-BODY inside its http block and MAIN (load_module lines) before everything; echoes the master pid.
# Requires nginx_bin.
start_nginx() {
  local name="$1" workers="$2" body="$3" main="${4:-}" dir="$work/$1"
  mkdir -p "$dir/logs"
  cat >"$dir/nginx.conf" <<CONF
$main
daemon off;
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  keepalive_requests 1000000;
$body
}
CONF
  "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
  echo $!
}

# to_ms LATENCY: wrk's latency (512.00us, 1.23ms, 1.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

# parse_smoke_argument HELP_LAST_LINE "$@": sets smoke=1 for --smoke (else 0); -h/--help prints the
# script's header comment (lines 2 to HELP_LAST_LINE); anything else is refused.
parse_smoke_argument() {
  local help_last="$1" arg; shift
  smoke=0
  for arg in "$@"; do
    case "$arg" in
      --smoke) smoke=1 ;;
      -h|--help) sed -n "2,${help_last}p" "$0"; exit 0 ;;
      *) echo "unknown argument '$arg' (use --smoke or nothing)" >&2; exit 2 ;;
    esac
  done
}

# require_tools TOOL[:PACKAGE]...: installs the Debian packages of missing tools when running as root
# (apt-get), else fails naming them; dotnet must be there already.
require_tools() {
  local spec tool package missing=() packages=()
  for spec in "$@"; do
    tool="${spec%%:*}"; package="${spec#*:}"
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { missing+=("$tool"); packages+=("$package"); }
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "== installing ${packages[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null; }
    else
      echo "$bench: missing ${missing[*]} (Debian: apt-get install ${packages[*]})" >&2; exit 1
    fi
  fi
  command -v dotnet >/dev/null || { echo "$bench: dotnet not found" >&2; exit 1; }
}

# wrk_round NAME ROUND URL PIDS...: one wrk run with the options in the array wrk_args against URL; appends
# "NAME ROUND req/s p50-ms p99-ms cpu-us/req errors" (tab-separated) to $results and prints it. CPU per
# request = utime + stime of PIDS over the run / requests completed. Errors (non-2xx responses and socket
# errors: connect, read, write, timeout) set failed=1: the caller refuses the comparison.
wrk_round() {
  local name="$1" round="$2" url="$3"; shift 3
  local before after out rps p50 p99 total errors cpu
  before="$(cpu_ticks "$@")"
  out="$(wrk "${wrk_args[@]}" --latency "$url")"
  after="$(cpu_ticks "$@")"
  rps="$(echo "$out" | awk '/^Requests\/sec/ { print $2 }')"
  p50="$(to_ms "$(echo "$out" | awk '$1 == "50%" { print $2 }')")"
  p99="$(to_ms "$(echo "$out" | awk '$1 == "99%" { print $2 }')")"
  total="$(echo "$out" | awk '/requests in/ { print $1 }')"
  errors="$(echo "$out" | awk '/Non-2xx/ { n += $NF } /Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 } END { print n + 0 }')"
  cpu="$(awk -v t=$((after - before)) -v hz="$clk_tck" -v n="${total:-0}" 'BEGIN { printf "%.1f", (n > 0) ? t / hz * 1e6 / n : 0 }')"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$p50" "$p99" "$cpu" "$errors" >>"$results"
  printf '%-11s round %s  %10s req/s  p50 %7s ms  p99 %7s ms  front cpu %6s us/req  errors %s\n' "$name" "$round" "$rps" "$p50" "$p99" "$cpu" "$errors"
  if [ "$errors" != 0 ] || [ "${total:-0}" = 0 ]; then failed=1; echo "$out" | grep -E 'Non-2xx|Socket errors|requests in' >&2 || true; fi
}

# print_medians "NAME..." ["SUBJECT,PEER,LABEL"...]: per NAME (rows of $results, in that order) the median
# and min-max over its rounds of req/s, p50, p99 and CPU per request, and its errors; then for each
# SUBJECT,PEER pair "LABEL (medians): throughput Nx, p50 Nx, p99 Nx, cpu per request Nx" (SUBJECT / PEER), and the
# median (min-max) of the per-round ratios of throughput and CPU per request.
# Exits 1 when any round had errors (failed=1).
print_medians() {
  local names="$1"; shift
  local pairs="$*"
  awk -F'\t' -v names="$names" -v pairs="$pairs" '
    function median(list,   n, a, i, j, t) {
      n = split(list, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      lo = a[1]; hi = a[n]
      return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function ratio(a, b) { return b > 0 ? a / b : 0 }
    { rps[$1] = rps[$1] " " $3; p50[$1] = p50[$1] " " $4; p99[$1] = p99[$1] " " $5; cpu[$1] = cpu[$1] " " $6; err[$1] += $7
      R[$1, $2, 1] = $3; R[$1, $2, 4] = $6; if ($2 + 0 > rounds) rounds = $2 + 0 }
    END {
      printf "%-11s %24s %22s %22s %22s %7s\n", "front", "req/s median (min-max)", "p50 ms", "p99 ms", "cpu us/req", "errors"
      count = split(names, order, " ")
      for (k = 1; k <= count; k++) {
        s = order[k]
        if (!(s in rps)) continue
        m = median(rps[s]); r1 = sprintf("%.0f (%.0f-%.0f)", m, lo, hi); M[s, 1] = m
        m = median(p50[s]); r2 = sprintf("%.2f (%.2f-%.2f)", m, lo, hi); M[s, 2] = m
        m = median(p99[s]); r3 = sprintf("%.2f (%.2f-%.2f)", m, lo, hi); M[s, 3] = m
        m = median(cpu[s]); r4 = sprintf("%.1f (%.1f-%.1f)", m, lo, hi); M[s, 4] = m
        printf "%-11s %24s %22s %22s %22s %7d\n", s, r1, r2, r3, r4, err[s]
      }
      count = split(pairs, list, " ")
      for (k = 1; k <= count; k++) {
        split(list[k], p, ",")
        gsub("_", " ", p[3])
        if ((p[1], 1) in M && (p[2], 1) in M) {
          printf "%s (medians): throughput %.2fx, p50 %.2fx, p99 %.2fx, cpu per request %.2fx\n", p[3],
            ratio(M[p[1], 1], M[p[2], 1]), ratio(M[p[1], 2], M[p[2], 2]), ratio(M[p[1], 3], M[p[2], 3]), ratio(M[p[1], 4], M[p[2], 4])
          # Paired: the ratio within each round (the two ran minutes apart at most), then their median. Steadier
          # than the ratio of medians when the machine drifts between rounds.
          t = ""; c = ""
          for (r = 1; r <= rounds; r++)
            if ((p[1], r, 1) in R && (p[2], r, 1) in R) { t = t " " ratio(R[p[1], r, 1], R[p[2], r, 1]); c = c " " ratio(R[p[1], r, 4], R[p[2], r, 4]) }
          if (t != "") {
            mt = median(t); tlo = lo; thi = hi; mc = median(c)
            printf "%s (per-round ratios, median (min-max)): throughput %.2fx (%.2f-%.2f), cpu per request %.2fx (%.2f-%.2f)\n", p[3], mt, tlo, thi, mc, lo, hi
          }
        }
      }
    }' "$results"
  if [ "${failed:-0}" != 0 ]; then
    echo "$bench: requests failed (see the errors column); the comparison does not count" >&2
    exit 1
  fi
}
