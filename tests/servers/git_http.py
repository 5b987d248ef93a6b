"""Git's smart HTTP protocol on 127.0.0.1 for the remote-repository tests.

A small CGI host for the real `git http-backend` (Python's standard
library only): every request runs the backend with the CGI variables git
documents (GIT_PROJECT_ROOT, GIT_HTTP_EXPORT_ALL, PATH_INFO, QUERY_STRING,
CONTENT_TYPE, REMOTE_USER ...), and the backend's CGI answer is relayed.

    git_http.py PORT ROOT LOG [--auth USER:PASSWORD] [--private PREFIX]
                [--redirect PREFIX=URL] [--api SPEC.json] [--tls DIR]

Repositories under ROOT/private (and every --private path prefix) need
HTTP Basic authentication with USER:PASSWORD (401 with a WWW-Authenticate
challenge otherwise). A path
starting with PREFIX is answered with a 301 to URL + the rest of the path.
With --tls, it speaks https with a certificate for 127.0.0.1 and localhost
from a throwaway CA made by trustme (PyPI), whose certificate it writes to
DIR/ca.pem before listening.
With --api, paths under /api/v3/ answer as GitHub's REST API documents
them (github_api.py), from SPEC.json, with clone URLs on this server; a
SPEC.json with "platform": "gitlab" answers under /api/v4/ as GitLab's
does (gitlab_api.py).
Each request appends one JSON line to LOG: method, path, the Host header,
the Authorization header's user (never its password) and the status, so a
test can check where credentials went.
"""

import base64
import http.server
import json
import os
import subprocess
import sys


def main():
    port, root, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    auth, redirects, private, api, tls = None, [], ["/private/"], None, None
    args = sys.argv[4:]
    while args:
        flag, value = args[0], args[1]
        args = args[2:]
        if flag == "--auth":
            auth = value
        elif flag == "--tls":
            tls = value
        elif flag == "--private":
            private.append(value)
        elif flag == "--api":
            with open(value) as f:
                platform = json.load(f).get("platform", "github")
            if platform == "gitlab":
                import gitlab_api
                api = gitlab_api.Api(value, port)
            else:
                import github_api
                api = github_api.Api(value, port)
        elif flag == "--redirect":
            prefix, target = value.split("=", 1)
            redirects.append((prefix, target))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def record(self, status, user):
            with open(log, "a") as out:
                out.write(json.dumps({
                    "method": self.command,
                    "path": self.path,
                    "host": self.headers.get("Host"),
                    "user": user,
                    "status": status,
                }) + "\n")

        def credentials(self):
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return None
            try:
                return base64.b64decode(header[6:]).decode()
            except ValueError:
                return "?"

        def reply(self, status, headers=(), body=b""):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def handle_any(self):
            given = self.credentials()
            user = given.split(":", 1)[0] if given else None
            path, _, query = self.path.partition("?")
            for prefix, target in redirects:
                if path.startswith(prefix):
                    self.record(301, user)
                    self.reply(301, [("Location", target + self.path[len(prefix):])])
                    return
            if api is not None and path.startswith(api.prefix + "/"):
                status, headers, body = api.answer(self.command, path[len(api.prefix):], query,
                                                   self.headers)
                self.record(status, user)
                self.reply(status, headers, body)
                return
            if any(path.startswith(p) for p in private) and given != auth:
                self.record(401, user)
                self.reply(401, [("WWW-Authenticate", 'Basic realm="git"')], b"auth\n")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            env = dict(os.environ)
            env.update({
                "GIT_PROJECT_ROOT": root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": self.client_address[0],
                "REMOTE_USER": user or "",
                "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
            })
            out = subprocess.run(["git", "http-backend"], input=body, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = out.partition(b"\n\n")
            status, headers = 200, []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name and name.lower() != "content-length":
                    headers.append((name, value.strip()))
            self.record(status, user)
            self.reply(status, headers, payload)

        do_GET = handle_any
        do_POST = handle_any

    context = None
    if tls is not None:
        import ssl
        import trustme
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        # Written before the port opens: a test that sees the port can read it.
        ca.cert_pem.write_to_path(os.path.join(tls, "ca.pem"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
