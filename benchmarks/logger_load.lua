-- wrk script for bench_logger_load.py: alternating request/response CloudEvents sharing ce-id,
-- with the headers and bodies KServe's agent and the ctloop runtime send (ce-source is the agent's
-- own address; the response names the model version, which becomes revision=v2).
-- Counts the 2xx answers per thread; done() prints "acknowledged <n>" for the zero-loss check.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  acknowledged = 0
end

request = function()
  counter = counter + 1
  local id = math.floor((counter + 1) / 2)
  local kind = (counter % 2 == 1) and "request" or "response"
  local body = (kind == "request") and '{"instances": [{"income": 52000.0, "region": "north", "age": 41}]}' or '{"predictions": [[0.83, 0.17]], "model_name": "credit-default", "model_version": "2"}'
  local headers = {}
  headers["ce-id"] = "t" .. tostring(tid) .. "-" .. tostring(id)
  headers["ce-type"] = "org.kubeflow.serving.inference." .. kind
  headers["ce-specversion"] = "1.0"
  headers["ce-source"] = "http://localhost:9081/"  -- what KServe's agent sends by default
  headers["ce-inferenceservicename"] = "credit-default"
  headers["ce-namespace"] = "ctloop"
  headers["ce-component"] = "predictor"
  headers["ce-time"] = "2026-11-22T10:31:02.417396123Z"
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/", headers, body)
end

response = function(status, headers, body)
  if status >= 200 and status < 300 then
    acknowledged = acknowledged + 1
  end
end

done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("acknowledged")
  end
  io.write(string.format("acknowledged %d\n", total))
end
