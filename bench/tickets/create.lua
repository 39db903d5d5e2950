-- wrk script: POST a new ticket to Deskpact's API (POST /api/v1/tickets/) with a token.
-- env: TOKEN (API token key), ON_BEHALF=1 to send requester_email (an agent logging a
-- ticket for one of 500 contacts, like the peer's submitter_email); body ~480 bytes as in
-- the peer's load_create.lua.
local token = os.getenv("TOKEN") or ""
local on_behalf = os.getenv("ON_BEHALF") == "1"
local counter = 0
local body_text = string.rep("The printer on floor 3 shows error E-42 after the firmware update. ", 7)
local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Token " .. token,
}

request = function()
  counter = counter + 1
  local extra = ""
  if on_behalf then
    extra = string.format(', "requester_email": "user%d@example.com"', counter % 500)
  end
  local body = string.format(
    '{"subject": "wrk ticket %d", "body": "%s", "priority": "normal"%s}',
    counter, body_text, extra)
  return wrk.format("POST", "/api/v1/tickets/", headers, body)
end
