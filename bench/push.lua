-- wrk script: signed GitHub push deliveries, every one a distinct, fresh push. triggerd answers a
-- repeated delivery id as a duplicate, a push (trigger, ref, head commit) seen before under
-- another delivery id as a replay, and a push whose signed repository.pushed_at is older than
-- its delivery window as a replay too: each request therefore carries its own delivery id, its
-- own head commit id (in head_commit.id and in after), a pushed_at taken when wrk starts (and
-- taken again every 5 minutes, so a long soak stays inside the delivery window), and the
-- HMAC-SHA256 signature of that very body, computed here.
--
-- Arguments after "--": <template file> <webhook secret> [<run prefix>]. The template is the
-- payload as written by push_template in bench/lib.sh: @PUSHED_AT@ stands for pushed_at and the
-- two @SHA@ for the head commit id, both near the end of the JSON (key order is free). Give each
-- wrk run its own prefix: the delivery ids and commit ids derive from it.
--
-- wrk's LuaJIT has no HMAC: SHA-256 is implemented below with the bit library. The HMAC inner
-- state over the key block and the fixed part of the body is computed once, so each request
-- hashes only the last one or two blocks, plus one block for the outer hash.
local bit = require("bit")
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local ror, rshift, lshift, tobit, tohex = bit.ror, bit.rshift, bit.lshift, bit.tobit, bit.tohex
local byte, char, sub, rep = string.byte, string.char, string.sub, string.rep

local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
for i = 1, 64 do K[i] = tobit(K[i]) end
local H0 = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
  0x5be0cd19 }
for i = 1, 8 do H0[i] = tobit(H0[i]) end

local W = {}
local function compress(H, s, off) -- one 64-byte block of s, starting at index off
  for i = 0, 15 do
    local b1, b2, b3, b4 = byte(s, off + 4 * i, off + 4 * i + 3)
    W[i] = bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4)
  end
  for i = 16, 63 do
    local w15, w2 = W[i - 15], W[i - 2]
    local s0 = bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
    local s1 = bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10))
    W[i] = tobit(W[i - 16] + s0 + W[i - 7] + s1)
  end
  local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
  for i = 0, 63 do
    local s1 = bxor(ror(e, 6), ror(e, 11), ror(e, 25))
    local ch = bxor(band(e, f), band(bnot(e), g))
    local t1 = h + s1 + ch + K[i + 1] + W[i]
    local s0 = bxor(ror(a, 2), ror(a, 13), ror(a, 22))
    local maj = bxor(band(a, b), band(a, c), band(b, c))
    h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + s0 + maj)
  end
  H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
  H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
end

-- A hash in progress: h (8 words), rest (bytes not yet in a block), n (bytes absorbed).
local function new_state()
  return { h = { unpack(H0) }, rest = "", n = 0 }
end
local function copy(st)
  return { h = { unpack(st.h) }, rest = st.rest, n = st.n }
end
local function update(st, data)
  local s = st.rest .. data
  local off = 1
  while off + 63 <= #s do
    compress(st.h, s, off)
    off = off + 64
  end
  st.rest = sub(s, off)
  st.n = st.n + #data
end
local function word_bytes(w)
  return char(band(rshift(w, 24), 255), band(rshift(w, 16), 255), band(rshift(w, 8), 255),
    band(w, 255))
end
local function finish(st) -- the 32-byte digest; st is used up
  local bits = st.n * 8
  local pad = 64 - (st.n + 9) % 64
  if pad == 64 then pad = 0 end
  update(st, "\128" .. rep("\0", pad) .. word_bytes(math.floor(bits / 4294967296)) ..
    word_bytes(tobit(bits % 4294967296)))
  local out = {}
  for i = 1, 8 do out[i] = word_bytes(st.h[i]) end
  return table.concat(out)
end
local function hex(digest)
  local out = {}
  for i = 1, #digest, 4 do
    local b1, b2, b3, b4 = byte(digest, i, i + 3)
    out[#out + 1] = tohex(bor(lshift(b1, 24), lshift(b2, 16), lshift(b3, 8), b4), 8)
  end
  return table.concat(out)
end
local function sha256(data)
  local st = new_state()
  update(st, data)
  return finish(st)
end

-- HMAC-SHA256 states after the key blocks (and, for the inner one, a fixed message prefix).
local function hmac_states(key, prefix)
  if #key > 64 then key = sha256(key) end
  key = key .. rep("\0", 64 - #key)
  local ipad, opad = {}, {}
  for i = 1, 64 do
    local k = byte(key, i)
    ipad[i] = char(bxor(k, 0x36))
    opad[i] = char(bxor(k, 0x5c))
  end
  local inner, outer = new_state(), new_state()
  update(inner, table.concat(ipad))
  update(inner, prefix)
  update(outer, table.concat(opad))
  return inner, outer
end

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

-- The body's parts and the HMAC states for a pushed_at of `now`.
local function prepare(now)
  local template = raw_template:gsub("@PUSHED_AT@", tostring(now), 1)
  local first = assert(template:find("@SHA@", 1, true), "the template has no @SHA@")
  local second = assert(template:find("@SHA@", first + 5, true), "the template needs two @SHA@")
  fixed = sub(template, 1, first - 1)
  middle = sub(template, first + 5, second - 1)
  suffix = sub(template, second + 5)
  inner0, outer0 = hmac_states(secret, fixed)
  prepared_at = now
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  raw_template = f:read("*a")
  f:close()
  secret = assert(args[2], "the 2nd argument is the webhook secret")
  prefix = args[3] or tostring(os.time())
  prepare(os.time())
  -- 16 hex digits unique to this run; with the thread and the counter they make the commit id.
  run_hex = sub(hex(sha256(prefix)), 1, 16)
  statuses = {}
end

function request()
  if os.time() - prepared_at >= 300 then prepare(os.time()) end
  counter = counter + 1
  local sha = run_hex .. tohex(tid, 8) .. tohex(counter, 8) .. "00000000"
  local tail = sha .. middle .. sha .. suffix
  local inner = copy(inner0)
  update(inner, tail)
  local outer = copy(outer0)
  update(outer, finish(inner))
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = "push",
    ["X-GitHub-Delivery"] = string.format("bench-%s-%d-%d", prefix, tid, counter),
    ["X-Hub-Signature-256"] = "sha256=" .. hex(finish(outer)),
    ["User-Agent"] = "GitHub-Hookshot/bench",
  }
  return wrk.format("POST", nil, headers, fixed .. tail)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do totals[code] = (totals[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(totals) do table.insert(parts, string.format("%d=%d", code, n)) end
  table.sort(parts)
  io.write("STATUS " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("RESULT rps=%.1f requests=%d p50_us=%d p99_us=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), summary.requests, latency:percentile(50),
    latency:percentile(99), summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
