-- AkkaRouter lookup for nginx: asks an AkkaRouter node over RESP for the key's preference list
-- (`RING.LOOKUP key 2` answers the owner's "host:port" and the next backend's, in one round trip),
-- leaves them in $akkarouter_owner and $akkarouter_next, and picks the peer in balancer_by_lua: the
-- owner first, the next backend when nginx could not get a response from the owner.
--
-- Loaded once per worker through `require "akkarouter"` (see akkarouter.conf); the lookup runs in
-- the access phase, so it never blocks the worker: cosockets are non-blocking.

-- OpenResty ships the client as resty.redis; Debian's lua-nginx-redis package installs the same
-- library (lua-resty-redis) as nginx.redis under /usr/share/lua/5.1. Accept either.
local ok, redis = pcall(require, "resty.redis")
if not ok then
    redis = require "nginx.redis"
end
local balancer = require "ngx.balancer"

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
-- $akkarouter_service, when set, names the service whose ring is asked (the default otherwise).
local function ring_lookup(red, key)
    local service = ngx.var.akkarouter_service
    if service ~= nil and service ~= "" then
        return red["ring.lookup"](red, key, PREFERENCE_COUNT, service)
    end
    return red["ring.lookup"](red, key, PREFERENCE_COUNT)
end

-- One RING.LOOKUP on one router. Returns the preference list (a table of "host:port", at least
-- the owner) on success; nil, reply_error for a Redis error reply (the router answered);
-- nil, nil, io_error when the router could not be asked.
local function ask(host, port, key)
    local red = redis:new()
    red:set_timeout(CONNECT_TIMEOUT)
    local connected, err = red:connect(host, port)
    if not connected then
        return nil, nil, err
    end
    red:set_timeout(READ_TIMEOUT)

    local owners
    owners, err = ring_lookup(red, key)
    if not owners and not is_reply_error(err) and red:get_reused_times() > 0 then
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
        owners, err = ring_lookup(red, key)
    end

    if owners then
        -- A complete reply leaves the connection clean: hand it back to the pool.
        red:set_keepalive(POOL_IDLE_MS, POOL_SIZE)
        if type(owners) ~= "table" or type(owners[1]) ~= "string" then
            return nil, "empty reply"
        end
        return owners
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

-- ngx.balancer takes IP addresses only ("10.0.0.5:8081", "[::1]:8081").
local function is_address(endpoint)
    local host = endpoint:match("^(.-):%d+$") or ""
    return host:match("^%d+%.%d+%.%d+%.%d+$") ~= nil or host:match("^%[.*%]$") ~= nil
end

-- Access-phase handler. `routers` is a space-separated list of "host:port", tried in order: the
-- first that answers decides. The key is the whole normalised path ($uri, no query string), the
-- same key the router's own HTTP edge takes by default, so both fronts agree on the owner.
-- Returns true when the owner is an IP address (the balancer can take it), false for a host name.
function _M.lookup(routers)
    local key = ngx.var.uri
    local failures = {}
    local empty = {}
    for router in routers:gmatch("%S+") do
        local host, port = router:match("^(.+):(%d+)$")
        if not host then
            return fail(500, "bad router address '" .. router .. "' (want host:port)")
        end
        local owners, reply_error, io_error = ask(host, tonumber(port), key)
        if owners then
            local owner, next_backend = owners[1], owners[2]
            ngx.var.akkarouter_owner = owner
            if not is_address(owner) then
                return false
            end
            if type(next_backend) == "string" and is_address(next_backend) then
                ngx.var.akkarouter_next = next_backend
            end
            return true
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
    local host, port = peer:match("^%[?(.-)%]?:(%d+)$")
    local set, err = balancer.set_current_peer(host, tonumber(port))
    if not set then
        ngx.log(ngx.ERR, "akkarouter: cannot use backend ", peer, ": ", err)
        return ngx.exit(502)
    end
end

return _M
