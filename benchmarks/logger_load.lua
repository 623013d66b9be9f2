-- wrk script for bench_logger_load.py: alternating request/response CloudEvents sharing ce-id.
counter = 0
request = function()
  counter = counter + 1
  local id = math.floor((counter + 1) / 2)
  local kind = (counter % 2 == 1) and "request" or "response"
  local body = (kind == "request") and '{"instances": [{"income": 52000.0, "region": "north", "age": 41}]}' or '{"predictions": [[0.83, 0.17]]}'
  local headers = {}
  headers["ce-id"] = "t" .. tostring(id)
  headers["ce-type"] = "org.kubeflow.serving.inference." .. kind
  headers["ce-specversion"] = "1.0"
  headers["ce-source"] = "credit-predictor-00002-deployment-abc-xyz"
  headers["ce-inferenceservicename"] = "credit"
  headers["ce-namespace"] = "ml"
  headers["ce-component"] = "predictor"
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/", headers, body)
end
