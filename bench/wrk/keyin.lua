-- wrk script: POST the signed keyin approval body of $WRK_BODY_FILE (bench/wrk/body.py) on every request.
local f = assert(io.open(os.getenv("WRK_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
