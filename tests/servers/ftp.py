#!/usr/bin/env python3
"""A real FTP server on 127.0.0.1 for tests/services.rs.

pyftpdlib (PyPI) with one account and TLS on the control connection
(RFC 4217 AUTH TLS, required before login) from a throwaway CA made by
trustme; --no-tls serves plain FTP (keyhound must then refuse to send the
password). It writes DIR/ca.pem, then "ready PORT" on stdout, and records
every login attempt in DIR/auth.log and every other command after login in
DIR/commands.log (a verifier must never list or transfer anything).

usage: ftp.py DIR USER PASSWORD [--no-tls]
"""

import os
import sys
import threading

import trustme
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    out, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    plain = len(sys.argv) > 4 and sys.argv[4] == "--no-tls"
    home = os.path.join(out, "home")
    os.makedirs(home, exist_ok=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user(user, password, home, perm="elr")

    def log(name, line):
        with open(os.path.join(out, name), "a") as f:
            f.write(line + "\n")

    base = FTPHandler if plain else TLS_FTPHandler

    class Handler(base):
        def on_login(self, username):
            log("auth.log", f"ok {username}")

        def on_login_failed(self, username, password):
            log("auth.log", f"refused {username}")

        def pre_process_command(self, line, cmd, arg):
            if self.authenticated and cmd not in ("QUIT", "NOOP"):
                log("commands.log", cmd)
            return super().pre_process_command(line, cmd, arg)

    Handler.authorizer = authorizer
    if not plain:
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ca.cert_pem.write_to_path(os.path.join(out, "ca.pem"))
        pem = os.path.join(out, "server.pem")
        cert.private_key_and_cert_chain_pem.write_to_path(pem)
        Handler.certfile = pem
        Handler.tls_control_required = True
    server = FTPServer(("127.0.0.1", 0), Handler)
    port = server.socket.getsockname()[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"ready {port}", flush=True)
    sys.stdin.read()  # until the test closes our stdin or kills us
    server.close_all()


if __name__ == "__main__":
    main()
