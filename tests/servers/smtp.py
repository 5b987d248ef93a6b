#!/usr/bin/env python3
"""A real SMTP submission server on 127.0.0.1 for tests/services.rs.

aiosmtpd (PyPI) with AUTH PLAIN/LOGIN against one account, and TLS from a
throwaway CA made by trustme (PyPI): STARTTLS on the plain port (AUTH only
after it), or implicit TLS with --implicit. --no-tls offers no TLS at all
(keyhound must then refuse to send the password). It writes the CA
certificate to DIR/ca.pem, then "ready PORT" on stdout, and records every
AUTH attempt's login in DIR/auth.log and every MAIL FROM in DIR/mail.log
(a verifier must never send one).

usage: smtp.py DIR USER PASSWORD [--implicit | --no-tls]
"""

import os
import socket
import ssl
import sys

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    out, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
    mode = sys.argv[4] if len(sys.argv) > 4 else "--starttls"
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    ca.cert_pem.write_to_path(os.path.join(out, "ca.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)

    def authenticate(server, session, envelope, mechanism, data):
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == user
            and data.password.decode() == password
        )
        with open(os.path.join(out, "auth.log"), "a") as log:
            log.write(f"{mechanism} {data.login.decode() if isinstance(data, LoginPassword) else '?'} {'ok' if ok else 'refused'}\n")
        # handled=False: aiosmtpd then answers 535 5.7.8 itself.
        return AuthResult(success=ok, handled=False)

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, options):
            with open(os.path.join(out, "mail.log"), "a") as log:
                log.write(address + "\n")
            envelope.mail_from = address
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    kwargs = dict(hostname="127.0.0.1", port=free, authenticator=authenticate)
    if mode == "--implicit":
        # aiosmtpd cannot tell it is wrapped in TLS: AUTH must not wait
        # for a STARTTLS that will never come.
        kwargs.update(ssl_context=context, auth_require_tls=False)
    elif mode == "--no-tls":
        kwargs.update(auth_require_tls=False)
    else:
        kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
    controller = Controller(Handler(), **kwargs)
    controller.start()
    print(f"ready {free}", flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin or kills us
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
