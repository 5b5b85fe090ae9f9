"""A stand-in for the platform's API, just enough for the official CLI's
`login --api-token` and `--app NAME collaborators` (loopback only).

    python3 fake_api.py PORT DIR

`GET /v1/apps/NAME/collaborators` answers DIR/NAME_payload.json; the app's
owner is boss@example.com (username boss). The exchanged token is an
unsigned JWT that expires in 2100 (the CLI reads its `exp` unverified).
Used by scripts/listing-widths.sh --cli.
"""
import base64, json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port = int(sys.argv[1]); golden_dir = sys.argv[2]
def b64(d): return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
JWT = b64({"alg": "none", "typ": "JWT"}) + "." + b64({"exp": 4102444800, "iat": 1700000000}) + "."
BASE = f"http://127.0.0.1:{port}"
class H(BaseHTTPRequestHandler):
    def send(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        p = self.path.split("?")[0]
        sys.stderr.write(f"GET {self.path}\n")
        if p == "/v1/regions":
            return self.send(200, {"regions": [{"name": "local", "display_name": "Local", "api": BASE, "database_api": BASE, "ssh": "127.0.0.1:1", "dashboard": BASE, "default": True}]})
        if p == "/v1/users/self":
            return self.send(200, {"user": {"id": "u1", "username": "boss", "email": "boss@example.com", "fullname": "Boss"}})
        parts = p.strip("/").split("/")
        if len(parts) >= 3 and parts[1] == "apps":
            name = parts[2]
            if len(parts) == 4 and parts[3] == "collaborators":
                return self.send(200, json.load(open(f"{golden_dir}/{name}_payload.json", encoding="utf-8")))
            if len(parts) == 3:
                return self.send(200, {"app": {"id": "a1", "name": name, "owner": {"id": "u1", "email": "boss@example.com", "username": "boss"}}})
        self.send(404, {"error": "not found"})
    def do_POST(self):
        sys.stderr.write(f"POST {self.path}\n")
        n = int(self.headers.get("Content-Length") or 0); self.rfile.read(n)
        if self.path.startswith("/v1/tokens/exchange"):
            return self.send(200, {"token": JWT})
        self.send(404, {"error": "not found"})
    def log_message(self, *a): pass
ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
