#!/usr/bin/env python3
"""An OTLP/HTTP sink for the tracing benchmark (bench/README.md, "Tracing overhead").

Accepts POST /v1/traces (and /v1/metrics) on 127.0.0.1, reads the body, answers 200 with an empty protobuf
response, and discards it: the service pays for building, serialising and sending its spans, as it would to a
real collector, while the sink costs the service nothing. On SIGINT or SIGTERM it prints how many exports and
bytes it received, so a run shows that spans did arrive.

    python3 bench/otlp-sink.py [port=14318]
"""
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

received = {"exports": 0, "bytes": 0}


class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        received["exports"] += 1
        received["bytes"] += len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def stop(*_):
    print(f"otlp-sink: {received['exports']} exports, {received['bytes']} bytes", flush=True)
    sys.exit(0)


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 14318
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"otlp-sink: listening on http://127.0.0.1:{port}", flush=True)
    ThreadingHTTPServer(("127.0.0.1", port), Sink).serve_forever()
