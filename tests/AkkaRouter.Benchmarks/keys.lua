-- wrk script: each request asks for one of 10,000 document paths, so a consistent-hash front end
-- spreads them over its backends the way real keyed traffic would.
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/documents/" .. math.random(1, 10000))
end
