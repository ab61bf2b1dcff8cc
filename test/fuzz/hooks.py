# Schemathesis hooks for running the API fuzzer with every check (`--checks all`):
#   SCHEMATHESIS_HOOKS=hooks PYTHONPATH=test/fuzz st run <gateway>/openapi.json --checks all ...
# make test's api-fuzz spec runs `not_a_server_error` only, which these hooks do not touch. A run
# with every check (seed 20261201, 2,340 cases) still finds schema gaps that are not refusals but
# a schema saying less than the validator: instants before 1970 or from the year 10000 on
# (dates, query ranges), reminder `before` durations, the comma lists of `status`/`priority`,
# an empty `dueTo=` (taken as absent). Each is a 400, never a 5xx.
#
# Some refusals cannot be stated in a JSON Schema: a cursor this endpoint never issued, quiet
# hours whose start equals their end, a message of white space only, an Idempotency-Key already
# used for a different request. /openapi.json names them per operation as `x-refusals` (status,
# error code, the field at fault; gateway/refusals.ts) and in that response's description. A
# "schema-valid request rejected" (ST202) whose answer is exactly such a documented refusal is
# the document working, not a finding: it is dropped, and the summary counts what was dropped.
# Every other failure, and every check, stays.
import schemathesis


def _documented_refusal(refusals, status, error):
    code = error.get("code")
    paths = {d.get("path") for d in (error.get("details") or []) if isinstance(d, dict)}
    matching = [r for r in refusals if r.get("status") == status and r.get("code") == code]
    if any("path" not in r for r in matching):
        return True
    # Refusals of fields cover an answer only when those fields are all the answer names.
    return bool(paths) and paths <= {r["path"] for r in matching}


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if failure.code != "ST202":
        return True
    raw = getattr(getattr(context.operation, "definition", None), "raw", None) or {}
    try:
        body = response.json()
    except Exception:
        return True
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return True
    return not _documented_refusal(raw.get("x-refusals") or [], response.status_code, error)
