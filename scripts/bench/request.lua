-- One page of `make bench` for wrk (scripts/bench.py sets the environment variables below).
--
-- Every request is built here, so that each one looks like a different resident behind the
-- reverse proxy: X-Forwarded-Proto https (the production path: no SSL redirect, HSTS, CSRF's
-- HTTPS origin checks) and a random X-Forwarded-For (PROXY_COUNT=1: per-client rate limits see
-- a new client each time, as they would in production, instead of one loopback address).
-- The bare page and every page use this same script, so its cost is in both sides of a ratio.
--
--   BENCH_PATH    the path with its query; "{code}" is replaced by a random line of BENCH_CODES
--   BENCH_METHOD  GET (default) or POST
--   BENCH_COOKIE  a Cookie header (a logged-in session), may be empty
--   BENCH_CODES   a file of tracking codes, one a line
--   BENCH_FORM    for POST: a file of "name=value" lines, posted as multipart/form-data with a
--                 fresh CSRF pair (cookie secret + masked form token) and submission_key
--   BENCH_ORIGIN  for POST: the Origin and Referer scheme://host (CSRF checks both on HTTPS)
--   BENCH_FILE    for POST: the name of an empty file input to send, as a browser does
--
-- done() prints one line "bench-statuses 200=1234 302=5" that scripts/bench.py reads: wrk's own
-- "Non-2xx or 3xx responses" does not catch a 200 where a 302 was expected (a POST whose form
-- was refused).

local path_template = os.getenv("BENCH_PATH") or "/"
local method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE") or ""
local codes_file = os.getenv("BENCH_CODES") or ""
local form_file = os.getenv("BENCH_FORM") or ""
local origin = os.getenv("BENCH_ORIGIN") or ""
local file_field = os.getenv("BENCH_FILE") or ""

-- Django's CSRF_ALLOWED_CHARS, in its order (string.ascii_letters + string.digits).
local CSRF_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
local BOUNDARY = "----portalbench7MA4YWxkTrZu0gW"

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_id", thread_count)
  table.insert(threads, thread)
end

local codes = {}
local fields = {}

local function read_lines(name)
  local lines = {}
  local handle = io.open(name, "r")
  if handle == nil then
    error("bench: cannot read " .. name)
  end
  for line in handle:lines() do
    if line ~= "" then
      table.insert(lines, line)
    end
  end
  handle:close()
  return lines
end

function init(args)
  math.randomseed(os.time() * 7919 + (thread_id or 0) * 104729 + math.floor(os.clock() * 1e6))
  statuses = {}
  if codes_file ~= "" then
    codes = read_lines(codes_file)
  end
  if form_file ~= "" then
    for _, line in ipairs(read_lines(form_file)) do
      local eq = line:find("=", 1, true)
      if eq then
        table.insert(fields, { line:sub(1, eq - 1), line:sub(eq + 1) })
      end
    end
  end
end

local function client_address()
  return string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
end

local function uuid4()
  -- 16-bit pieces: string.format's %x is only safe below 2^31 in every LuaJIT.
  local function r16()
    return math.random(0, 0xffff)
  end
  return string.format(
    "%04x%04x-%04x-4%03x-%x%03x-%04x%04x%04x",
    r16(), r16(), r16(), math.random(0, 0xfff),
    8 + math.random(0, 3), math.random(0, 0xfff), r16(), r16(), r16()
  )
end

-- A secret for the csrftoken cookie and the masked token for the form, as Django makes them
-- (django.middleware.csrf._mask_cipher_secret): mask + (secret + mask) mod 62.
local function csrf_pair()
  local secret, mask, cipher = {}, {}, {}
  for i = 1, 32 do
    local s, m = math.random(0, 61), math.random(0, 61)
    secret[i] = CSRF_CHARS:sub(s + 1, s + 1)
    mask[i] = CSRF_CHARS:sub(m + 1, m + 1)
    local c = (s + m) % 62
    cipher[i] = CSRF_CHARS:sub(c + 1, c + 1)
  end
  return table.concat(secret), table.concat(mask) .. table.concat(cipher)
end

local function part(name, value)
  return "--" .. BOUNDARY .. "\r\nContent-Disposition: form-data; name=\"" .. name
    .. "\"\r\n\r\n" .. value .. "\r\n"
end

-- A random mobile number for "{phone}" in a form value: submissions are limited per phone.
local function random_phone()
  return string.format("13%09d", math.random(0, 999999999))
end

local function multipart(token)
  local body = { part("csrfmiddlewaretoken", token), part("submission_key", uuid4()) }
  local phone = random_phone()
  for _, field in ipairs(fields) do
    table.insert(body, part(field[1], (field[2]:gsub("{phone}", phone))))
  end
  if file_field ~= "" then
    table.insert(body, "--" .. BOUNDARY .. "\r\nContent-Disposition: form-data; name=\""
      .. file_field .. "\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n")
  end
  table.insert(body, "--" .. BOUNDARY .. "--\r\n")
  return table.concat(body)
end

function request()
  local path = path_template
  if #codes > 0 then
    path = path:gsub("{code}", codes[math.random(1, #codes)])
  end
  local headers = {
    ["X-Forwarded-Proto"] = "https",
    ["X-Forwarded-For"] = client_address(),
    ["User-Agent"] = "portal-bench",
  }
  if method == "POST" then
    local secret, token = csrf_pair()
    local jar = "csrftoken=" .. secret
    if cookie ~= "" then
      jar = cookie .. "; " .. jar
    end
    headers["Cookie"] = jar
    headers["Content-Type"] = "multipart/form-data; boundary=" .. BOUNDARY
    headers["Origin"] = origin
    headers["Referer"] = origin .. path
    return wrk.format("POST", path, headers, multipart(token))
  end
  if cookie ~= "" then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", path, headers)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses") or {}
    for status, n in pairs(counted) do
      total[status] = (total[status] or 0) + n
    end
  end
  local keys = {}
  for status in pairs(total) do
    table.insert(keys, status)
  end
  table.sort(keys)
  local parts = {}
  for _, status in ipairs(keys) do
    table.insert(parts, status .. "=" .. total[status])
  end
  io.write("bench-statuses " .. table.concat(parts, " ") .. "\n")
end
