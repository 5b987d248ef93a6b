#!/usr/bin/env python3
"""Time `keyhound dir TREE --verify --access` over 200 distinct live keys.

The keys are generated fakes of five providers with access maps (GitLab
PATs, HashiCorp Vault tokens on an HCP cluster, Okta API tokens, Databricks
PATs, Sentry user tokens), 40 of each, one per file with the org or cluster
host beside it where the rule needs one. Every request goes to a loopback
emulator (--verify-override) that answers with the documented bodies of
tests/data/contracts/access.toml (the first contract of each rule), one
emulator port per provider host (keyhound's --verify-rate is per host), so
every key is live and gets its full access map; nothing leaves the machine.

Usage (from the repository root, after `cargo build --release`):

    python3 benches/verify_access.py [--keyhound target/release/keyhound]
        [--per-provider 40] [--rate 5] [--runs 3]

It prints the wall time of each run, the requests the emulator answered,
and checks that all keys came back live with an access map.
"""

import argparse
import http.server
import json
import random
import string
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALNUM = string.ascii_letters + string.digits

# rule id -> (line holding a fresh key)
PROVIDERS = {
    "gitlab-pat": lambda r: "GITLAB_TOKEN=glpat-" + "".join(r.choice(ALNUM) for _ in range(20)),
    "vault-service-token": lambda r: "VAULT_TOKEN=hvs." + "".join(r.choice(ALNUM) for _ in range(24)),
    "okta-api-token": lambda r: "OKTA_API_TOKEN=00" + "".join(r.choice(ALNUM) for _ in range(40)),
    "databricks-token": lambda r: "DATABRICKS_TOKEN=dapi" + "".join(r.choice("0123456789abcdef") for _ in range(32)),
    "sentry-user-token": lambda r: "SENTRY_AUTH_TOKEN=sntryu_" + "".join(r.choice("0123456789abcdef") for _ in range(64)),
}


def contracts():
    doc = tomllib.loads((ROOT / "tests/data/contracts/access.toml").read_text())
    first = {}
    for c in doc["access"]:
        if c["rule"] in PROVIDERS and c["rule"] not in first:
            first[c["rule"]] = c
    missing = set(PROVIDERS) - set(first)
    if missing:
        sys.exit(f"no access contract for {sorted(missing)}")
    return first


class Emulator(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answers):
        self.answers = answers
        self.count = 0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        target = self.path.lstrip("/")
        host, _, rest = target.partition("/")
        path, _, query = ("/" + rest).partition("?")
        with self.server.lock:
            self.server.count += 1
        for a in self.server.answers:
            if (
                a["host"] == host
                and a["method"] == self.command
                and a["path"] == path
                and a.get("query", "") in query
                and a.get("body_has", "") in body
            ):
                status, reply, headers = a["status"], a["body"], a.get("headers", {})
                break
        else:
            status, reply, headers = 404, '{"message":"Not Found"}', {}
        data = reply.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers.items():
            # Pagination links point at the provider host; the emulator
            # has no second page, so they are left out.
            if k.lower() != "link":
                self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_HEAD = answer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keyhound", default=str(ROOT / "target/release/keyhound"))
    ap.add_argument("--per-provider", type=int, default=40)
    ap.add_argument("--rate", type=float, default=5, help="--verify-rate (requests per second per host)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    chosen = contracts()
    answers = [a for c in chosen.values() for a in c["answer"]]
    hosts = sorted({a["host"] for a in answers})
    rng = random.Random(20261205)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        keys = 0
        for rule, make in PROVIDERS.items():
            context = chosen[rule].get("context", "")
            for i in range(args.per_provider):
                d = tree / rule / f"svc{i:03}"
                d.mkdir(parents=True)
                (d / ".env").write_text(f"{context}{make(rng)}\n")
                keys += 1
        # One emulator (one port) per provider host: keyhound rate-limits
        # each host it sends to, and behind one shared port every provider
        # would share one host's budget.
        servers = []
        cmd = [args.keyhound, "dir", str(tree), "--verify", "--access", "-f", "json", "-q",
               "--verify-rate", str(args.rate)]
        for h in hosts:
            server = Emulator(answers)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            cmd += ["--verify-override", f"{h}=http://127.0.0.1:{server.server_address[1]}/{h}"]
        count = lambda: sum(s.count for s in servers)
        times, requests = [], []
        for _ in range(args.runs):
            before = count()
            start = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True)
            times.append(time.perf_counter() - start)
            requests.append(count() - before)
            if out.returncode not in (0, 1):
                sys.exit(f"keyhound failed ({out.returncode}): {out.stderr}")
            findings = json.loads(out.stdout)["findings"]
            ours = [f for f in findings if f["rule_id"] in PROVIDERS]
            live = [f for f in ours if (f.get("verification") or {}).get("status") == "live"]
            mapped = [f for f in live if (f["verification"].get("access") or {}).get("level") not in (None, "unknown")]
            if len(ours) != keys or len(live) != keys or len(mapped) != keys:
                sys.exit(f"expected {keys} live mapped keys: {len(ours)} found, {len(live)} live, {len(mapped)} mapped")
        for server in servers:
            server.shutdown()
    print(f"{keys} live keys of {len(PROVIDERS)} providers, --verify --access, --verify-rate {args.rate:g}/host")
    for t, r in zip(times, requests):
        print(f"  {t:6.2f} s  {r} requests")
    print(f"median {sorted(times)[len(times) // 2]:.2f} s, {requests[0]} requests ({requests[0] / keys:.1f} per key)")


if __name__ == "__main__":
    main()
