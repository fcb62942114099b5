#!/usr/bin/python3
"""A minimal Lambda Runtime API loop (2018-06-01) on the standard library, for the reference
functions of tools/bench (the existing system's two functions, rewritten in Python with boto3).

    AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT python3 runtime.py MODULE

Like Lambda's Python runtime: imports MODULE (its boto3 clients are created at import, in the init
phase), reports an import failure to /runtime/init/error, then GET /next, call MODULE.handler(event,
context), POST the JSON result to /response (or an error document to /error), forever. It exits when
/next answers anything but 200 (the benchmark's way of ending a run).
"""
import http.client
import importlib
import json
import os
import sys
import traceback

PREFIX = "/2018-06-01/runtime"


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms") or 0)


def error_document(exc):
    return json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__,
                       "stackTrace": traceback.format_exception(exc)}).encode()


def post(conn, path, body):
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    conn.getresponse().read()


def main():
    if len(sys.argv) != 2:
        print("usage: runtime.py MODULE", file=sys.stderr)
        return 2
    host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    conn = http.client.HTTPConnection(host, int(port))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        module = importlib.import_module(sys.argv[1])
    except Exception as exc:  # noqa: BLE001 - reported to the Runtime API as Lambda does
        post(conn, PREFIX + "/init/error", error_document(exc))
        return 1
    while True:
        conn.request("GET", PREFIX + "/invocation/next")
        answer = conn.getresponse()
        event = answer.read()
        if answer.status != 200:
            return 0
        ctx = Context(answer.headers)
        try:
            result = module.handler(json.loads(event), ctx)
            post(conn, f"{PREFIX}/invocation/{ctx.aws_request_id}/response", json.dumps(result).encode())
        except Exception as exc:  # noqa: BLE001
            post(conn, f"{PREFIX}/invocation/{ctx.aws_request_id}/error", error_document(exc))


if __name__ == "__main__":
    sys.exit(main())
