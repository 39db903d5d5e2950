-- wrk script: GET one path over and over; "{id}" in it becomes a random ticket number.
-- env: READ_PATH (e.g. /api/v1/tickets/DP-{id}/), MIN_ID, MAX_ID,
--      TOKEN (sends Authorization: Token ...) or COOKIE (sends Cookie: ...).
local path = os.getenv("READ_PATH") or "/"
local min_id = tonumber(os.getenv("MIN_ID") or "1")
local max_id = tonumber(os.getenv("MAX_ID") or "1")
local token = os.getenv("TOKEN") or ""
local cookie = os.getenv("COOKIE") or ""
local headers = {}
if token ~= "" then headers["Authorization"] = "Token " .. token end
if cookie ~= "" then headers["Cookie"] = cookie end
local random_id = string.find(path, "{id}", 1, true) ~= nil
math.randomseed(42)

request = function()
  local p = path
  if random_id then
    p = (string.gsub(path, "{id}", tostring(math.random(min_id, max_id))))
  end
  return wrk.format("GET", p, headers)
end
