# Shared by the HTTP benchmarks (sourced, not run).

# The ids of 500 leaf numeric targets (cells' output shares) in the
# subtree of unit $1, comma-separated, read with the caller's `q`.
checkin_targets() {
  q "SELECT t.id FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
     WHERE c.ancestor_id = $1 AND t.children = 0 AND t.parent_id IS NOT NULL
       AND t.kind = 'numeric' AND t.deleted_at IS NULL ORDER BY t.id LIMIT 500" | paste -sd, -
}

# Like checkin_targets, 500 shares spread over the whole subtree of $1
# (a fixed pseudo-random order, not the first ids, which sit together).
checkin_targets_spread() {
  q "SELECT t.id FROM targets t JOIN unit_closure c ON c.descendant_id = t.unit_id
     WHERE c.ancestor_id = $1 AND t.children = 0 AND t.parent_id IS NOT NULL
       AND t.kind = 'numeric' AND t.deleted_at IS NULL
     ORDER BY (t.id * 2654435761) % 1000003 LIMIT 500" | paste -sd, -
}

# A wrk script POSTing check-ins on targets $2 (comma-separated ids) in
# turn, with bearer token $1.
checkin_lua() {
  cat <<LUA
local ids = {$2}
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $1"
request = function()
  n = n + 1
  local body = string.format('{"value": %d, "narrative": "Shift report", "confidence": "high"}', n % 240)
  return wrk.format(nil, "/api/v1/targets/" .. ids[(n % #ids) + 1] .. "/check-ins", nil, body)
end
LUA
}
