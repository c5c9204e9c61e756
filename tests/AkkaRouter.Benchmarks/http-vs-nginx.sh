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
#   BASE_EXE=/tmp/base/akkarouter tests/AkkaRouter.Benchmarks/http-vs-nginx.sh   # also an earlier build ("base")
#   BASE_EXE=same BASE_ENV="DOTNET_GCgen0size=0x4000000" ...   # the same build with other runtime knobs as "base"
#   FLOOR_ARGS=--platform-defaults tests/AkkaRouter.Benchmarks/http-vs-nginx.sh  # the floor without the edge's tuning
#   FRONTS="nginx router" tests/AkkaRouter.Benchmarks/http-vs-nginx.sh   # a subset of nginx nginx-200 kestrel-200 floor floor-direct router nginx+ar nginx+ar-uncached nginx+lua
#   FRONTS="nginx floor floor-lean" ...   # floor-lean (YARP over a lean HTTP/1.1 client) runs only when named
#   FRONTS="nginx nginx+lua-module nginx+lua-balancer nginx+lua-set nginx+lua nginx+ar nginx+ar-bare" ...   # the nginx front's parts (5e; only when named)
#   BACKENDS=1 tests/AkkaRouter.Benchmarks/http-vs-nginx.sh   # one backend behind every front: the floor's topology
#
# Needs: dotnet, nginx with its lua module, lua-resty-redis, wrk, curl, redis-cli (the script installs
# the Debian packages when missing and it runs as root).
#
# What it does:
#   1. publishes src/AkkaRouter in Release (the executable that ships);
#   2. starts 3 backends: nginx processes (1 worker each) answering every request with a fixed
#      200 body naming the backend, so the backends are as cheap as they can be;
#   3. starts the front nginx as its users run it: `worker_processes auto`, upstream { hash
#      $request_uri consistent; 3 servers; keepalive 64; keepalive_requests without a cap },
#      HTTP/1.1 to the upstream;
#   4. starts an akkarouter router node whose ring holds the 3 backends as static backends (and the
#      BASE_EXE build the same way, when given);
#   5. starts the floor (tests/AkkaRouter.EdgeFloor): Kestrel + YARP's forwarder sending everything to
#      backend-1, no ring, actors, metrics or admission checks, with the edge's runtime settings. The
#      gap floor/nginx is the platform's cost, router/floor the product's own;
#   5a. starts "kestrel-200": the same program with --answer, Kestrel answering every request with
#      backend-1's response itself, forwarding nothing: what any Kestrel-based front pays before its
#      outbound leg; and "nginx-200": an nginx like the front (`worker_processes auto`) answering
#      backend-1's bytes itself. kestrel-200/nginx is the bound on what a leaner outbound client
#      could win; nginx-200 against nginx shows what nginx's own outbound leg costs;
#   5c. starts "floor-lean": the floor with --lean, YARP's forwarder over a minimal HTTP/1.1 client
#      (tests/AkkaRouter.EdgeFloor/LeanHttp11Handler.cs) instead of SocketsHttpHandler: what a leaner
#      outbound client under YARP buys, measured instead of bounded;
#   5d. starts "floor-direct": the floor with --direct, Kestrel and the edge's own forwarder
#      (src/AkkaRouter/Http/Upstream/DirectForwarder.cs, what the edge uses for requests without a
#      body) and nothing else of the product, to every backend as the edge and nginx use them (paths
#      spread by a string hash, no ring): floor-direct/nginx is what the platform costs on the edge's
#      path, router/floor-direct the product's own cost over it;
#   5b. starts the original deployment ("nginx+ar"): an nginx running the shipped
#      docker/nginx/akkarouter.conf and akkarouter.lua (worker_processes auto), asking the router
#      node over RESP (`RING.LOOKUP key 2`, pooled) once per path and ring (its lookup cache,
#      rechecked every 100 ms with RING.SERVICES) and proxying to the owner; and
#      "nginx+ar-uncached", the same with $akkarouter_cache_recheck_ms 0: a lookup per request, what
#      a keyspace far larger than the cache costs. Their CPU per request counts nginx's processes
#      and the router's;
#   5c. starts "nginx+lua": nginx alone's proxying with the backend picked the way the shipped
#      front picks it (access_by_lua, then balancer_by_lua over one keep-alive upstream) but by a
#      CRC32 of the path, with no lookup: nginx+lua/nginx is what Lua on every request costs
#      nginx, nginx+ar/nginx+lua what the front's lookup cache and headers cost over that;
#   5e. only when FRONTS names them, the nginx front's parts one at a time: "nginx+lua-module" (nginx
#      alone's configuration with the lua module loaded and no Lua code), "nginx+lua-balancer" (the
#      backend picked by the CRC32 in balancer_by_lua alone, no Lua phase before it), "nginx+lua-set"
#      (picked in set_by_lua, a Lua phase without a coroutine, the balancer reading the variable) and
#      "nginx+ar-bare" (the shipped front without the headers it adds: X-AkkaRouter-Owner and
#      -Upstream to the client, Host and X-Forwarded-* to the backend);
#   6. checks the bytes: 30 paths through each front must return exactly the response of the backend
#      whose name the body carries (headers but Date and the default Connection: keep-alive, and
#      body), every backend at least once (the floor: backend-1 each time); the router's choice, and
#      nginx+ar's (which adds its X-AkkaRouter-Owner and -Upstream headers), must be RESP `GET`'s;
#   7. runs `wrk -t1 -c50 -d10s --latency -s keys.lua` (10,000 distinct paths) against every front,
#      ROUNDS rounds, the order rotating from round to round (each front goes first in turn);
#      errors (non-2xx, socket errors) are counted and any error fails the run; prints every run,
#      then per front the median and min-max of req/s, p50, p99 and the front's CPU per request
#      (nginx: master and workers), and the ratios of the medians. Everything stops on exit.
#
# On 2 cores wrk, the front and the backends share the CPU: the comparison is fair (same
# conditions), the absolute numbers are not what either front does on a bigger machine.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench=http-vs-nginx
# shellcheck source=bench-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench-common.sh"
parse_smoke_argument 75 "$@"
if [ "$smoke" = 1 ]; then rounds="${ROUNDS:-1}"; duration="${DURATION:-1s}"; warmup=1s
else rounds="${ROUNDS:-5}"; duration="${DURATION:-10s}"; warmup=5s; fi
connections="${CONNECTIONS:-50}"

require_tools nginx wrk curl redis-cli:redis-tools
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
read -r -a fronts <<<"${FRONTS:-nginx nginx-200 kestrel-200 floor floor-direct router nginx+ar nginx+ar-uncached nginx+lua}"
for front in "${fronts[@]}"; do
  case "$front" in nginx|nginx-200|kestrel-200|floor|floor-lean|floor-direct|router|nginx+ar|nginx+ar-uncached|nginx+ar-bare|nginx+lua|nginx+lua-module|nginx+lua-balancer|nginx+lua-set) ;; *) echo "$bench: unknown front '$front' in FRONTS (nginx nginx-200 kestrel-200 floor floor-lean floor-direct router nginx+ar nginx+ar-uncached nginx+ar-bare nginx+lua nginx+lua-module nginx+lua-balancer nginx+lua-set)" >&2; exit 2 ;; esac
done
[ -n "${BASE_EXE:-}" ] && fronts+=(base)
wants() { [[ " ${fronts[*]} " == *" $1 "* ]]; }
if [[ " ${fronts[*]} " == *" nginx+"* ]] && { ! [ -f /usr/lib/nginx/modules/ngx_http_lua_module.so ] || ! [ -f /usr/share/lua/5.1/nginx/redis.lua ]; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing libnginx-mod-http-lua lua-nginx-redis"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnginx-mod-http-lua lua-nginx-redis >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libnginx-mod-http-lua lua-nginx-redis >/dev/null; }
  else
    echo "$bench: nginx+ar needs nginx's lua module and lua-resty-redis (Debian: apt-get install libnginx-mod-http-lua lua-nginx-redis)" >&2; exit 1
  fi
fi

# --- 1. publish ---------------------------------------------------------------------------------
publish_router
floor_dir="$root/artifacts/$bench/floor"
if wants floor || wants floor-lean || wants floor-direct || wants kestrel-200; then
  dotnet publish "$root/tests/AkkaRouter.EdgeFloor" -c Release -o "$floor_dir" -nologo -v quiet -clp:ErrorsOnly >"$work/floor-publish.log" 2>&1 \
    || { cat "$work/floor-publish.log" >&2; exit 1; }
fi
if [ "${BASE_EXE:-}" = same ]; then BASE_EXE="$router_exe"; fi
if [ -n "${BASE_EXE:-}" ]; then
  [ -x "$BASE_EXE" ] || { echo "$bench: BASE_EXE $BASE_EXE is not an executable" >&2; exit 1; }
  echo "== base: $BASE_EXE (BASE_EXE)"
fi

# --- 2. three backends --------------------------------------------------------------------------
backend_ports=()
servers=""
static=""
backends="${BACKENDS:-3}"
[[ "$backends" =~ ^[1-9]$ ]] || { echo "$bench: BACKENDS must be 1 to 9" >&2; exit 2; }
for i in $(seq 1 "$backends"); do
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

# --- 4. akkarouter router nodes ------------------------------------------------------------------
# start_router NAME EXE: a router node named NAME from EXE; sets NAME_port, NAME_resp and NAME_pid.
start_router() {
  local name="$1" exe="$2" http resp pid
  http="$(free_port)"; resp="$(free_port)"
  cat >"$work/$name.conf" <<CONF
akka.remote.dot-netty.tcp.port = 0
akka-router {
  resp.port = $resp
  http.port = $http
  cmd.enabled = off
  management.enabled = off
  logging.level = Warning
  static-backends = [
$static  ]
}
CONF
  local knobs="${ROUTER_ENV:-}"
  [ "$name" = base ] && knobs="${BASE_ENV:-}"
  # shellcheck disable=SC2086
  env $knobs "$exe" run --config "$work/$name.conf" >"$work/$name.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for 60 "the $name's HTTP edge on $http" curl -sf "http://127.0.0.1:$http/documents/1" \
    || { cat "$work/$name.log" >&2; exit 1; }
  printf -v "${name}_port" '%s' "$http"; printf -v "${name}_resp" '%s' "$resp"; printf -v "${name}_pid" '%s' "$pid"
}
start_router router "$router_exe"
[ -n "${BASE_EXE:-}" ] && start_router base "$BASE_EXE"

# --- 5. the floor programs: start_floor FRONT VAR [MODE]: tests/AkkaRouter.EdgeFloor in front of backend-1
# (floor-direct: of every backend, by path); sets VAR_port and VAR_pid ("none" when FRONT is not run) ----
start_floor() {
  local front="$1" var="$2" mode="${3:-}" port pid targets=(--backend "127.0.0.1:${backend_ports[0]}") p
  printf -v "${var}_port" none; printf -v "${var}_pid" none
  wants "$front" || return 0
  port="$(free_port)"
  if [ "$mode" = --direct ]; then
    targets=(); for p in "${backend_ports[@]}"; do targets+=(--backend "127.0.0.1:$p"); done
  fi
  # shellcheck disable=SC2086
  "$floor_dir/akkarouter-edge-floor" --port "$port" "${targets[@]}" $mode ${FLOOR_ARGS:-} >"$work/$front.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_for 30 "$front on $port" curl -sf "http://127.0.0.1:$port/documents/1" || { cat "$work/$front.log" >&2; exit 1; }
  printf -v "${var}_port" '%s' "$port"; printf -v "${var}_pid" '%s' "$pid"
}
start_floor floor floor
start_floor floor-lean lean --lean
start_floor floor-direct direct --direct
# --- 5a. answering alone: backend-1's response from Kestrel itself and from an nginx like the front ---
start_floor kestrel-200 kestrel --answer
nginx200_port=none nginx200_procs=()
if wants nginx-200; then
  nginx200_port="$(free_port)"
  nginx200_pid="$(start_nginx nginx-200 auto "  server { listen 127.0.0.1:$nginx200_port; location / { return 200 \"backend-1\\n\"; } }")"
  pids+=("$nginx200_pid")
  wait_for 10 "nginx-200 on $nginx200_port" curl -sf "http://127.0.0.1:$nginx200_port/documents/1"
  nginx200_procs=("$nginx200_pid")
  while IFS= read -r child; do nginx200_procs+=("$child"); done < <(pgrep -P "$nginx200_pid")
fi

# --- 5b. the original deployment: the shipped nginx front asking the router over RESP -------------
lua_port=none lua_procs=() uncached_port=none uncached_procs=()
start_lua_front() {   # NAME RECHECK_MS (empty = as shipped) [SED-DELETE]: sets front_lua_port and front_lua_procs
  local name="$1" recheck="$2" delete="${3:-}" dir="$work/$1-lua" port pid child
  port="$(free_port)"
  mkdir -p "$dir"
  cp "$root/docker/nginx/akkarouter.lua" "$dir/"
  # nginx's workers drop root for an unprivileged user: they must be able to read the lua module.
  chmod a+rx "$work" "$dir"; chmod a+r "$dir/akkarouter.lua"
  # The three deployment-specific values, as the README says to adapt them (the tests replace the same).
  sed -e "s|/etc/nginx/akkarouter/|$dir/|" -e "s|listen 80;|listen 127.0.0.1:$port;|" \
      -e "s|\"router-1:6380 router-2:6380\"|\"127.0.0.1:$router_resp\"|" "$root/docker/nginx/akkarouter.conf" >"$dir/akkarouter.conf"
  for value in "$dir/" "listen 127.0.0.1:$port;" "127.0.0.1:$router_resp"; do
    grep -qF "$value" "$dir/akkarouter.conf" || { echo "$bench: docker/nginx/akkarouter.conf changed: could not set '$value'" >&2; exit 1; }
  done
  if [ -n "$recheck" ]; then
    sed -i "s|set \$akkarouter_cache_recheck_ms [0-9]*;|set \$akkarouter_cache_recheck_ms $recheck;|" "$dir/akkarouter.conf"
    grep -qF "set \$akkarouter_cache_recheck_ms $recheck;" "$dir/akkarouter.conf" \
      || { echo "$bench: docker/nginx/akkarouter.conf changed: could not set \$akkarouter_cache_recheck_ms" >&2; exit 1; }
  fi
  if [ -n "$delete" ]; then
    sed -i -e "$delete" "$dir/akkarouter.conf"
    ! grep -qE 'add_header X-AkkaRouter|proxy_set_header (Host|X-Forwarded)' "$dir/akkarouter.conf" \
      || { echo "$bench: docker/nginx/akkarouter.conf changed: could not remove its headers for $name" >&2; exit 1; }
  fi
  pid="$(start_nginx "$name" auto "  include $dir/akkarouter.conf;" "load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;")"
  pids+=("$pid")
  wait_for 10 "$name on $port" curl -sf "http://127.0.0.1:$port/documents/1" || { cat "$work/$name/logs/error.log" >&2; exit 1; }
  front_lua_port="$port"
  front_lua_procs=("$pid")
  while IFS= read -r child; do front_lua_procs+=("$child"); done < <(pgrep -P "$pid")
}
if wants nginx+ar; then
  start_lua_front nginx+ar ""
  lua_port="$front_lua_port" lua_procs=("${front_lua_procs[@]}")
fi
if wants nginx+ar-uncached; then
  start_lua_front nginx+ar-uncached 0
  uncached_port="$front_lua_port" uncached_procs=("${front_lua_procs[@]}")
fi
bare_port=none bare_procs=()
if wants nginx+ar-bare; then
  start_lua_front nginx+ar-bare "" '/add_header X-AkkaRouter/d; /proxy_set_header X-Forwarded/d; /proxy_set_header Host/d'
  bare_port="$front_lua_port" bare_procs=("${front_lua_procs[@]}")
fi
# --- 5c. the Lua floor of the nginx front ("nginx+lua"): nginx alone's proxying, with the backend picked in
# Lua as the shipped front picks it (an access_by_lua phase, then balancer_by_lua over one keep-alive upstream),
# by a CRC32 of the path instead of a lookup: what running Lua on every request costs nginx, before any lookup;
# 5e. and the same floor taken apart (only when named) --------------------------------------------------------
lua_ports="$(printf '%s, ' "${backend_ports[@]}")"
lua_pick="local ports = { ${lua_ports%, } }
        local port = ports[ngx.crc32_short(ngx.var.uri) % #ports + 1]"
lua_peer() {   # the balancer_by_lua block setting the peer to the port in Lua expression $1
  echo "    balancer_by_lua_block {
      ${2:-}
      local ok, err = require(\"ngx.balancer\").set_current_peer(\"127.0.0.1\", $1)
      if not ok then ngx.log(ngx.ERR, err); return ngx.exit(500) end
    }"
}
declare -A lua_floor_port lua_floor_procs
start_lua_floor() {   # NAME UPSTREAM-PEERS LOCATION-LINES: nginx like the front, the lua module loaded; sets lua_floor_port/_procs[NAME]
  local name="$1" port pid child procs
  lua_floor_port[$name]=none lua_floor_procs[$name]=""
  wants "$name" || return 0
  port="$(free_port)"
  pid="$(start_nginx "$name" auto "  upstream picked {
$2
    keepalive 64;
    keepalive_requests 1000000000;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
$3
      proxy_pass http://picked;
      proxy_http_version 1.1;
      proxy_set_header Connection \"\";
    }
  }" "load_module /usr/lib/nginx/modules/ndk_http_module.so;
load_module /usr/lib/nginx/modules/ngx_http_lua_module.so;")"
  pids+=("$pid")
  wait_for 10 "$name on $port" curl -sf "http://127.0.0.1:$port/documents/1" || { cat "$work/$name/logs/error.log" >&2; exit 1; }
  procs="$pid"
  while IFS= read -r child; do procs+=" $child"; done < <(pgrep -P "$pid")
  lua_floor_port[$name]="$port" lua_floor_procs[$name]="$procs"
}
start_lua_floor nginx+lua "    server 0.0.0.1:1;
$(lua_peer ngx.ctx.port)" "      access_by_lua_block {
        $lua_pick
        ngx.ctx.port = port
      }"
start_lua_floor nginx+lua-module "    hash \$request_uri consistent;
$servers" ""
start_lua_floor nginx+lua-balancer "    server 0.0.0.1:1;
$(lua_peer port "$lua_pick")" ""
start_lua_floor nginx+lua-set "    server 0.0.0.1:1;
$(lua_peer 'tonumber(ngx.var.lua_port)')" "      set_by_lua_block \$lua_port {
        $lua_pick
        return port
      }"

# --- 6. the same bytes ----------------------------------------------------------------------------
normalize() { tr -d '\r' | grep -v -e '^Date:' -e '^Connection: keep-alive$' | sort; }
check_bytes() {   # NAME PORT
  local name="$1" port="$2" i response body n direct owner seen=""
  for i in $(seq 1 30); do
    response="$(curl -si "http://127.0.0.1:$port/documents/$i" | normalize)"
    if [ "$name" = nginx+ar ] || [ "$name" = nginx+ar-uncached ]; then
      # The shipped front adds X-AkkaRouter-Owner and X-AkkaRouter-Upstream: both must name the owner, then go.
      owner="$(echo "$response" | sed -n 's/^X-AkkaRouter-Owner: //p')"
      [ "$owner" = "$(echo "$response" | sed -n 's/^X-AkkaRouter-Upstream: //p')" ] && [ -n "$owner" ] \
        || { echo "$bench: $name's owner and upstream headers differ for /documents/$i: $response" >&2; exit 1; }
      response="$(echo "$response" | grep -v -e '^X-AkkaRouter-Owner: ' -e '^X-AkkaRouter-Upstream: ')"
    fi
    body="$(curl -s "http://127.0.0.1:$port/documents/$i")"
    n="${body#backend-}"
    if ! [[ "$n" =~ ^[1-9]$ ]] || [ "$n" -gt "$backends" ]; then echo "$bench: $name answered /documents/$i with '$body', not a backend's body" >&2; exit 1; fi
    direct="$(curl -si "http://127.0.0.1:${backend_ports[$((n - 1))]}/documents/$i" | normalize)"
    if [ "$response" != "$direct" ]; then
      echo "$bench: $name's response to /documents/$i differs from backend-$n's own:" >&2
      diff <(echo "$direct") <(echo "$response") >&2 || true
      exit 1
    fi
    if { [ "$name" = floor ] || [ "$name" = floor-lean ] || [ "$name" = kestrel-200 ] || [ "$name" = nginx-200 ]; } && [ "$n" != 1 ]; then
      echo "$bench: $name answered /documents/$i as backend-$n, not as its fixed backend-1" >&2; exit 1
    fi
    if [ "$name" = router ] || [ "$name" = base ] || [[ "$name" == nginx+ar* ]]; then
      local resp_var="${name}_resp"
      [[ "$name" == nginx+ar* ]] && resp_var=router_resp
      owner="$(redis-cli -p "${!resp_var}" --raw GET "/documents/$i")"
      if [ "$owner" != "127.0.0.1:${backend_ports[$((n - 1))]}" ]; then
        echo "$bench: the router sent /documents/$i to backend-$n, but RESP GET answers $owner" >&2; exit 1
      fi
    fi
    seen+="$n"
  done
  if [ "$name" = floor ] || [ "$name" = floor-lean ] || [ "$name" = kestrel-200 ] || [ "$name" = nginx-200 ]; then echo "   $name: 30 paths, each backend-1's exact response"; return; fi
  for n in $(seq 1 "$backends"); do
    [[ "$seen" == *"$n"* ]] || { echo "$bench: $name sent none of 30 paths to backend-$n" >&2; exit 1; }
  done
  if [ "$name" = floor-direct ] || [[ "$name" == nginx+lua* ]]; then echo "   $name: 30 paths, each one backend's exact response (all $backends backends used)"; return; fi
  echo "   $name: 30 paths, each the owning backend's exact response (all $backends backends used)"
}
declare -A front_port=([nginx]="$nginx_port" [nginx-200]="$nginx200_port" [kestrel-200]="$kestrel_port" [floor]="$floor_port" [floor-lean]="$lean_port" [floor-direct]="$direct_port" [router]="$router_port" [nginx+ar]="$lua_port" [nginx+ar-uncached]="$uncached_port" [nginx+ar-bare]="$bare_port")
declare -A front_pids=([nginx]="${nginx_procs[*]}" [nginx-200]="${nginx200_procs[*]}" [kestrel-200]="$kestrel_pid" [floor]="$floor_pid" [floor-lean]="$lean_pid" [floor-direct]="$direct_pid" [router]="$router_pid" [nginx+ar]="${lua_procs[*]} $router_pid" [nginx+ar-uncached]="${uncached_procs[*]} $router_pid" [nginx+ar-bare]="${bare_procs[*]} $router_pid")
for front in "${!lua_floor_port[@]}"; do front_port[$front]="${lua_floor_port[$front]}"; front_pids[$front]="${lua_floor_procs[$front]}"; done
if [ -n "${BASE_EXE:-}" ]; then front_port[base]="$base_port"; front_pids[base]="$base_pid"; fi
for front in "${fronts[@]}"; do check_bytes "$front" "${front_port[$front]}"; done

echo "== nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///') front pid $nginx_pid port $nginx_port; akkarouter pid $router_pid port $router_port ${ROUTER_ENV:+($ROUTER_ENV)}; nginx-200 port $nginx200_port; kestrel-200 port $kestrel_port; floor port $floor_port ${FLOOR_ARGS:-}; floor-lean port $lean_port; floor-direct port $direct_port; nginx+ar port $lua_port; nginx+ar-uncached port $uncached_port; nginx+ar-bare port $bare_port; nginx+lua port ${lua_floor_port[nginx+lua]}${BASE_EXE:+; base pid $base_pid port $base_port ${BASE_ENV:+($BASE_ENV)}}"
echo "== $(nproc) cores; wrk -t1 -c$connections -d$duration --latency -s keys.lua; $rounds round(s), order rotating; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 7. rotating rounds ---------------------------------------------------------------------------
results="$work/results.tsv"
: >"$results"
failed=0
wrk_args=(-t1 -c"$connections" -d"$warmup" -s "$here/keys.lua")
for front in "${fronts[@]}"; do wrk "${wrk_args[@]}" "http://127.0.0.1:${front_port[$front]}" >/dev/null; done
wrk_args=(-t1 -c"$connections" -d"$duration" -s "$here/keys.lua")
count="${#fronts[@]}"
for round in $(seq 1 "$rounds"); do
  for k in $(seq 0 $((count - 1))); do
    front="${fronts[$(((round - 1 + k) % count))]}"
    # shellcheck disable=SC2086
    wrk_round "$front" "$round" "http://127.0.0.1:${front_port[$front]}" ${front_pids[$front]}
  done
done

echo
print_medians "${fronts[*]}" "router,nginx,router/nginx" "kestrel-200,nginx,kestrel-200/nginx_(Kestrel_answering:_nothing_forwarded)" "kestrel-200,nginx-200,kestrel-200/nginx-200_(answering_alone)" "floor,nginx,floor/nginx_(platform)" "router,floor,router/floor_(product)" "floor-direct,nginx,floor-direct/nginx_(the_edge_forwarder_alone)" "floor-direct,floor,floor-direct/floor_(direct_forwarder_vs_YARP)" "router,floor-direct,router/floor-direct_(product_over_its_forwarder)" "floor-lean,nginx,floor-lean/nginx_(platform_with_a_lean_outbound_client)" "floor-lean,floor,floor-lean/floor_(lean_client_vs_SocketsHttpHandler)" \
  "nginx+ar,nginx,nginx+ar/nginx_(original_deployment)" "nginx+ar-uncached,nginx,nginx+ar-uncached/nginx_(original_deployment:_a_lookup_per_request)" "nginx+ar,nginx+ar-uncached,nginx+ar/nginx+ar-uncached_(the_lookup_cache)" "nginx+lua,nginx,nginx+lua/nginx_(Lua_on_the_request_path_without_a_lookup)" "nginx+ar,nginx+lua,nginx+ar/nginx+lua_(the_lookup_cache_and_headers_over_Lua_alone)" \
  "nginx+lua-module,nginx,nginx+lua-module/nginx_(the_lua_module_loaded_and_no_Lua_code)" "nginx+lua-balancer,nginx,nginx+lua-balancer/nginx_(Lua_in_the_balancer_alone)" \
  "nginx+lua,nginx+lua-balancer,nginx+lua/nginx+lua-balancer_(a_Lua_access_phase_over_the_balancer_alone)" "nginx+lua-set,nginx+lua-balancer,nginx+lua-set/nginx+lua-balancer_(a_Lua_set_phase_over_the_balancer_alone)" \
  "nginx+ar-bare,nginx+ar,nginx+ar-bare/nginx+ar_(the_front_without_its_headers)" ${BASE_EXE:+"router,base,router/base_(build_vs_build)"}
