-- wrk script: POST /products with a distinct product per request (the service picks the ids).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local counter = 0

request = function()
  counter = counter + 1
  local body = string.format('{"name":"Bench product %d","price":%d.99,"amount":%d}', counter, counter % 1000, counter % 100)
  return wrk.format(nil, nil, nil, body)
end
