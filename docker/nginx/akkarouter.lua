-- AkkaRouter lookup for nginx: asks an AkkaRouter node over RESP for the key's preference list
-- (`RING.LOOKUP key 2` answers the owner's "host:port" and the next backend's, in one round trip),
-- leaves them in $akkarouter_owner and $akkarouter_next, and picks the peer in balancer_by_lua: the
-- owner first, the next backend when nginx could not get a response from the owner.
--
-- Loaded once per worker through `require "akkarouter"` (see akkarouter.conf); the lookup runs in
-- the access phase, so it never blocks the worker: cosockets are non-blocking.
--
-- Answers are cached per worker, keyed by path, for as long as the ring they came from is the ring
-- the routers have: every $akkarouter_cache_recheck_ms (100 as shipped) one request asks the first
-- router that answers for RING.SERVICES, whose checksums are equal on every router with the same
-- ring and change with any change that can change an answer (members, states, weights, placement
-- configuration). A changed checksum, or no router answering, empties the cache. So a cached answer
-- is at most one recheck interval (plus that request's round trip) older than the router's, where
-- an uncached one is the router's own; and a worker asks the router once per path and ring instead
-- of once per request. $akkarouter_cache_recheck_ms 0 asks the router on every request.

-- OpenResty ships the client as resty.redis; Debian's lua-nginx-redis package installs the same
-- library (lua-resty-redis) as nginx.redis under /usr/share/lua/5.1. Accept either.
local ok, redis = pcall(require, "resty.redis")
if not ok then
    redis = require "nginx.redis"
end
local balancer = require "ngx.balancer"
local lrucache = require "resty.lrucache"

local _M = {}

-- Timeouts for one router (milliseconds). A router on the same network answers in well under a
-- millisecond; short timeouts make a dead or stalled router cost little before the next is tried.
local CONNECT_TIMEOUT = 200
local READ_TIMEOUT = 1000

-- Connection pool to each router, per nginx worker (lua-resty-redis pools by "host:port").
-- Idle connections are closed after 60 s, well before the router's own idle-timeout (300 s), so
-- nginx never picks a connection the router is about to drop.
local POOL_IDLE_MS = 60000
local POOL_SIZE = 64

local NO_BACKENDS = "ERR no backends in ring"

-- The owner and one fallback: the fallback is where the owner's keys go when it leaves the ring,
-- so a request it serves in the meantime lands where the key is about to live anyway.
local PREFERENCE_COUNT = 2

-- lua-resty-redis returns a Redis error reply as the error string without its '-' ("ERR ...",
-- "NOAUTH ..."), and I/O failures as lower-case words ("timeout", "closed", "connection refused").
local function is_reply_error(err)
    return err ~= nil and err:find("^[A-Z]+") ~= nil
end

-- Sends a short plain-text error and ends the request. `cause` names what failed.
local function fail(status, cause)
    ngx.status = status
    ngx.header["Content-Type"] = "text/plain; charset=utf-8"
    ngx.header["Cache-Control"] = "no-store"
    ngx.say("akkarouter: ", cause)
    return ngx.exit(status)
end

-- `red:ring.lookup(...)` is not Lua syntax; lua-resty-redis makes a method for whatever command
-- name it is indexed with.
-- `service`, when not empty, names the service whose ring is asked (the default otherwise).
local function ring_lookup(red, key, service)
    if service ~= "" then
        return red["ring.lookup"](red, key, PREFERENCE_COUNT, service)
    end
    return red["ring.lookup"](red, key, PREFERENCE_COUNT)
end

local function ring_services(red)
    return red["ring.services"](red)
end

-- One command (`command(red, ...)`) on one router, over a pooled connection. Returns the reply on
-- success; nil, reply_error for a Redis error reply (the router answered); nil, nil, io_error when
-- the router could not be asked.
local function call(host, port, command, a, b)
    local red = redis:new()
    red:set_timeout(CONNECT_TIMEOUT)
    local connected, err = red:connect(host, port)
    if not connected then
        return nil, nil, err
    end
    red:set_timeout(READ_TIMEOUT)

    local reply
    reply, err = command(red, a, b)
    if not reply and not is_reply_error(err) and red:get_reused_times() > 0 then
        -- A pooled connection can be stale (the router restarted or closed it while idle): the
        -- first use then fails with "closed" or "broken pipe". Retry once on a fresh connection
        -- before declaring this router down.
        red:close()
        red = redis:new()
        red:set_timeout(CONNECT_TIMEOUT)
        connected, err = red:connect(host, port)
        if not connected then
            return nil, nil, err
        end
        red:set_timeout(READ_TIMEOUT)
        reply, err = command(red, a, b)
    end

    if reply then
        -- A complete reply leaves the connection clean: hand it back to the pool.
        red:set_keepalive(POOL_IDLE_MS, POOL_SIZE)
        return reply
    end
    if is_reply_error(err) then
        -- A Redis error reply ("ERR ...", "NOAUTH ..."): the stream is still in sync, keep it.
        red:set_keepalive(POOL_IDLE_MS, POOL_SIZE)
        return nil, err
    end
    -- timeout, closed, reset: the connection state is unknown, never pool it.
    red:close()
    return nil, nil, err
end

-- One RING.LOOKUP on one router: the preference list (a table of "host:port", at least the owner),
-- or nil and the errors as `call` gives them.
local function ask(host, port, key, service)
    local owners, reply_error, io_error = call(host, port, ring_lookup, key, service)
    if owners and (type(owners) ~= "table" or type(owners[1]) ~= "string") then
        return nil, "empty reply"
    end
    return owners, reply_error, io_error
end

-- ngx.balancer takes IP addresses only ("10.0.0.5:8081", "[::1]:8081").
local function is_address(endpoint)
    local host = endpoint:match("^(.-):%d+$") or ""
    return host:match("^%d+%.%d+%.%d+%.%d+$") ~= nil or host:match("^%[.*%]$") ~= nil
end

-- The lookup cache of one router list (one per worker and $akkarouter_routers value).
--   lru[service]  path -> { owner, next backend or false, owner is an IP address }
--   token         the RING.SERVICES checksums the cached answers belong to; nil = cache nothing
--   router        the router that gave the token: only its answers are cached, since another
--                 router's ring may not have converged to the same one yet
--   generation    bumped whenever the cache is emptied, so an answer asked for before that is
--                 not stored after it
local caches = {}

local DEFAULT_CACHE_SIZE = 10000

-- $akkarouter_cache_recheck_ms as seconds; nil when caching is off (0, or the variable is not
-- set, as in a configuration written before the cache existed); false, error for a bad value.
local function recheck_interval()
    local value = ngx.var.akkarouter_cache_recheck_ms
    if value == nil or value == "" then
        return nil
    end
    local ms = tonumber(value)
    if not ms or ms < 0 then
        return false, "bad $akkarouter_cache_recheck_ms '" .. value .. "' (want milliseconds, 0 = no cache)"
    end
    if ms == 0 then
        return nil
    end
    return ms / 1000
end

-- The cache of a router list, made by its first request, which reads $akkarouter_cache_recheck_ms
-- and $akkarouter_cache_size for it (once: they are per router list, not per request). Returns
-- nil, error for a bad recheck value (every request of that list then answers 500).
local function cache_for(routers)
    local cache = caches[routers]
    if cache then
        return cache, cache.error
    end
    local interval, bad = recheck_interval()
    local size = tonumber(ngx.var.akkarouter_cache_size or "") or DEFAULT_CACHE_SIZE
    if size < 1 then
        size = DEFAULT_CACHE_SIZE
    end
    if interval == false then
        interval = nil
    end
    cache = { lru = {}, size = size, token = nil, router = nil, generation = 0, checked_at = 0,
              interval = interval, error = bad }
    caches[routers] = cache
    return cache, bad
end

local function forget(cache, token, router)
    for _, lru in pairs(cache.lru) do
        lru:flush_all()
    end
    cache.generation = cache.generation + 1
    cache.token = token
    cache.router = router
end

-- RING.SERVICES answers one flat field/value list per service; the token is every service's name
-- and checksum.
local function token_of(services)
    if type(services) ~= "table" then
        return nil
    end
    local parts = {}
    for _, service in ipairs(services) do
        if type(service) ~= "table" then
            return nil
        end
        for i = 1, #service - 1, 2 do
            if service[i] == "name" or service[i] == "checksum" then
                parts[#parts + 1] = tostring(service[i + 1])
            end
        end
    end
    return table.concat(parts, " ")
end

-- Asks the first router that answers for the ring's checksums; empties the cache when they changed
-- or no router answered (the lookups then ask, and fail over, per request until one answers).
local function recheck(cache, routers)
    for router in routers:gmatch("%S+") do
        local host, port = router:match("^(.+):(%d+)$")
        if host then
            local services = call(host, tonumber(port), ring_services)
            local token = token_of(services)
            if token then
                if token ~= cache.token or router ~= cache.router then
                    forget(cache, token, router)
                end
                return
            end
        end
    end
    if cache.token then
        forget(cache, nil, nil)
    end
end

-- Sets the request's owner and next backend; returns whether the owner is an IP address.
local function use(entry)
    ngx.var.akkarouter_owner = entry[1]
    if entry[2] then
        ngx.var.akkarouter_next = entry[2]
    end
    return entry[3]
end

-- Access-phase handler. `routers` is a space-separated list of "host:port", tried in order: the
-- first that answers decides. The key is the whole normalised path ($uri, no query string), the
-- same key the router's own HTTP edge takes by default, so both fronts agree on the owner.
-- Returns true when the owner is an IP address (the balancer can take it), false for a host name.
function _M.lookup(routers)
    local key = ngx.var.uri
    local service = ngx.var.akkarouter_service or ""

    local cache, bad = cache_for(routers)
    if bad then
        return fail(500, bad)
    end
    local interval = cache.interval
    local lru, generation
    if interval then
        local now = ngx.now()
        if now - cache.checked_at >= interval then
            -- Marked first: requests arriving while this one waits for the router use the cache
            -- as it is instead of asking too.
            cache.checked_at = now
            recheck(cache, routers)
        end
        if cache.token then
            lru = cache.lru[service]
            if not lru then
                lru = lrucache.new(cache.size)
                cache.lru[service] = lru
            end
            local entry = lru:get(key)
            if entry then
                return use(entry)
            end
            generation = cache.generation
        end
    end

    local failures = {}
    local empty = {}
    for router in routers:gmatch("%S+") do
        local host, port = router:match("^(.+):(%d+)$")
        if not host then
            return fail(500, "bad router address '" .. router .. "' (want host:port)")
        end
        local owners, reply_error, io_error = ask(host, tonumber(port), key, service)
        if owners then
            local owner, next_backend = owners[1], owners[2]
            local entry = { owner, false, is_address(owner) }
            if entry[3] and type(next_backend) == "string" and is_address(next_backend) then
                entry[2] = next_backend
            end
            if lru and cache.generation == generation and router == cache.router then
                lru:set(key, entry)
            end
            return use(entry)
        end
        if reply_error == NO_BACKENDS then
            -- A router cut off from the majority of its cluster refuses lookups with this same
            -- reply, so another router may still know the owner: ask the next one, and answer 503
            -- only when none of them has a backend.
            empty[#empty + 1] = router
        elseif reply_error then
            return fail(502, "router " .. router .. " answered: " .. reply_error)
        else
            failures[#failures + 1] = router .. ": " .. tostring(io_error)
        end
    end
    if #empty > 0 then
        return fail(503, "no backends in ring (router " .. table.concat(empty, ", ") .. ")")
    end
    if #failures == 0 then
        return fail(500, "no router addresses configured")
    end
    ngx.log(ngx.ERR, "akkarouter: no router answered: ", table.concat(failures, "; "))
    return fail(502, "router unavailable (" .. table.concat(failures, "; ") .. ")")
end

-- "host:port" -> { host, port } for the balancer, parsed once per backend instead of per request.
-- Emptied when it holds more endpoints than any ring plausibly has (backends come and go).
local addresses = {}
local address_count = 0
local MAX_ADDRESSES = 4096

local function split_address(peer)
    local host, port = peer:match("^%[?(.-)%]?:(%d+)$")
    local address = { host, tonumber(port) }
    if address_count >= MAX_ADDRESSES then
        addresses = {}
        address_count = 0
    end
    addresses[peer] = address
    address_count = address_count + 1
    return address
end

-- Balancer handler (balancer_by_lua), called once per try: the owner, then (after a failure that
-- proxy_next_upstream allows to retry) the next backend, on the one extra try set here. nginx also
-- calls again, without using up a try, when a pooled keep-alive connection turns out to be closed:
-- with no next backend that goes to the owner again, on a new connection.
function _M.balance()
    local peer = ngx.var.akkarouter_owner
    local next_backend = ngx.var.akkarouter_next
    if not balancer.get_last_failure() then
        if next_backend ~= "" then
            balancer.set_more_tries(1)
        end
    elseif next_backend ~= "" then
        peer = next_backend
    end
    local address = addresses[peer]
    if not address then
        address = split_address(peer)
    end
    local set, err = balancer.set_current_peer(address[1], address[2])
    if not set then
        -- nginx answers 500 whatever status is given here: only OpenResty's patched nginx lets a
        -- balancer pass a status on (is_address above keeps this to addresses nginx cannot parse).
        ngx.log(ngx.ERR, "akkarouter: cannot use backend ", peer, ": ", err)
        return ngx.exit(ngx.ERROR)
    end
end

return _M
