#!/usr/bin/env python3
"""Generate keyhound's labelled accuracy corpus.

    python3 tests/corpus/generate.py

writes ``tests/corpus/tree/`` (the files to scan) and
``tests/corpus/labels.json`` (what a perfect scanner reports there).  The
output depends only on SEED: re-running the script reproduces the tree byte
for byte.  Python standard library only.

The script is three tables and some glue:

* FORMATS  - one entry per secret format: a function that makes a fake but
             structurally valid secret (right prefix, length, alphabet,
             checksum) and the keyhound rule expected to report it;
* LANGS    - the places a secret ends up: .env files, source code in many
             languages, YAML/JSON/TOML/INI configs, CI files, Terraform,
             Dockerfiles, shell scripts, Markdown, logs, ...  (plus the
             hand-written builders for real config-file formats below);
* DECOYS   - values that look like secrets but are not: documented example
             keys, placeholders, template references, hashes, lockfile
             integrity fields, UUIDs, public keys, bad-checksum tokens, ...

Every secret and decoy is located by its byte offset in the generated file,
so labels always carry the exact 1-based line of the secret's first byte.
See README.md for what the labels mean.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import shutil
import string
import struct
import zlib
from dataclasses import dataclass, field
from typing import Callable, Optional

SEED = 20240611
HERE = os.path.dirname(os.path.abspath(__file__))
TREE = os.path.join(HERE, "tree")
LABELS = os.path.join(HERE, "labels.json")

R = random.Random(SEED)

# --------------------------------------------------------------------------
# Alphabets and random helpers
# --------------------------------------------------------------------------

DIGITS = string.digits
UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
ALNUM = DIGITS + UPPER + LOWER  # base62 in GitHub's checksum order
HEX = "0123456789abcdef"
B64 = UPPER + LOWER + DIGITS + "+/"
URLSAFE = ALNUM + "-_"

# Substrings that make any scanner (rightly) treat a value as a placeholder
# or a test pattern.  A real random key contains one of them with negligible
# probability; re-rolling keeps the corpus from depending on that luck.
_FAKE_MARKERS = (
    "xxxxx", "****", "<", ">", "${", "{{", "}}", "$(", "%(", "your", "example",
    "sample", "dummy", "changeme", "change_me", "placeholder", "redacted",
    "replace", "insert_", "getenv", "abcd", "1234",
)


def plausible(s: str) -> bool:
    low = s.lower()
    if any(m in low for m in _FAKE_MARKERS):
        return False
    run_same = run_up = 1
    for a, b in zip(s, s[1:]):
        run_same = run_same + 1 if a == b else 1
        run_up = run_up + 1 if ord(b) == ord(a) + 1 else 1
        if run_same >= 5 or run_up >= 5:
            return False
    return True


def rand(alphabet: str, n: int) -> str:
    while True:
        s = "".join(R.choice(alphabet) for _ in range(n))
        if plausible(s):
            return s


def pick(seq):
    return R.choice(seq)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uuid4() -> str:
    h = "".join(R.choice(HEX) for _ in range(32))
    h = h[:12] + "4" + h[13:16] + pick("89ab") + h[17:]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --------------------------------------------------------------------------
# Secret shapes
# --------------------------------------------------------------------------


def crc_b62(body: str) -> str:
    """GitHub / npm token checksum: base62(crc32(body)) left-padded to 6."""
    n, out = zlib.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        out = ALNUM[r] + out
    return out.rjust(6, "0")


def crc_token(prefix: str) -> str:
    body = rand(ALNUM, 30)
    return prefix + body + crc_b62(body)


def bad_crc_token(prefix: str) -> str:
    """Same shape as crc_token but the checksum does not match."""
    tok = crc_token(prefix)
    last = tok[-1]
    return tok[:-1] + ALNUM[(ALNUM.index(last) + 7) % 62]


def jwt(claims: dict, alg: str = "HS256", sig_bytes: int = 32) -> str:
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{payload}.{b64url(R.randbytes(sig_bytes))}"


def jwt_claims() -> dict:
    iat = 1700000000 + R.randrange(30_000_000)
    return pick([
        {"sub": uuid4(), "role": "service_role", "iat": iat, "exp": iat + 315360000},
        {"iss": "https://auth.acme-corp.io/", "sub": f"user|{R.randrange(10**9)}", "aud": "orders-api",
         "iat": iat, "exp": iat + 3600, "scope": "orders:read orders:write"},
        {"sub": f"svc-{rand(LOWER, 6)}", "tenant": rand(LOWER + DIGITS, 10), "iat": iat},
    ])


def password(n: int = 18) -> str:
    """A strong random password of the kind a generator or vault produces."""
    alphabet = ALNUM + "!#%*+-.?@^_~"
    while True:
        s = R.choice(ALNUM) + rand(alphabet, n - 1)
        if any(c.isdigit() for c in s) and sum(c.isupper() for c in s) >= 2 and plausible(s):
            return s


def uri_password(n: int = 20) -> str:
    """A password that can sit in a URI's userinfo without escaping."""
    while True:
        s = rand(ALNUM + "-_.~", n)
        if any(c.isdigit() for c in s) and plausible(s):
            return s


def hostname() -> str:
    return pick([
        f"db-{rand(LOWER + DIGITS, 5)}.internal",
        f"orders-db.cluster-{rand(LOWER + DIGITS, 12)}.eu-west-1.rds.amazonaws.com",
        f"pg-prod-{R.randrange(1, 9)}.acme-corp.net",
        f"10.20.{R.randrange(0, 255)}.{R.randrange(2, 250)}",
        f"{rand(LOWER, 6)}.db.acme-corp.io",
    ])


# ---- ASN.1 / PEM / OpenSSH / OpenPGP key material -------------------------


def der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag: int, body: bytes) -> bytes:
    return bytes([tag]) + der_len(len(body)) + body


def der_int(v: int) -> bytes:
    return der(0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big"))


def der_seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def der_oid(dotted: str) -> bytes:
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return der(0x06, bytes(out))


def rand_int(bits: int) -> int:
    return R.getrandbits(bits) | (1 << (bits - 1)) | 1


def rsa_pkcs1_der(bits: int = 2048) -> bytes:
    n, half = rand_int(bits), bits // 2
    return der_seq(der_int(0), der_int(n), der_int(65537), der_int(rand_int(bits - 2)),
                   der_int(rand_int(half)), der_int(rand_int(half)), der_int(rand_int(half)),
                   der_int(rand_int(half)), der_int(rand_int(half)))


def pkcs8_der(bits: int = 2048) -> bytes:
    alg = der_seq(der_oid("1.2.840.113549.1.1.1"), b"\x05\x00")
    return der_seq(der_int(0), alg, der(0x04, rsa_pkcs1_der(bits)))


def ec_der() -> bytes:
    return der_seq(der_int(1), der(0x04, R.randbytes(32)),
                   der(0xA0, der_oid("1.2.840.10045.3.1.7")),
                   der(0xA1, der(0x03, b"\x00\x04" + R.randbytes(64))))


def dsa_der() -> bytes:
    return der_seq(der_int(0), der_int(rand_int(1024)), der_int(rand_int(160)), der_int(rand_int(1024)),
                   der_int(rand_int(1024)), der_int(rand_int(159)))


def encrypted_pkcs8_der() -> bytes:
    kdf = der_seq(der_oid("1.2.840.113549.1.5.12"), der_seq(der(0x04, R.randbytes(16)), der_int(2048),
                                                            der_seq(der_oid("1.2.840.113549.2.9"), b"\x05\x00")))
    enc = der_seq(der_oid("2.16.840.1.101.3.4.1.42"), der(0x04, R.randbytes(16)))
    alg = der_seq(der_oid("1.2.840.113549.1.5.13"), der_seq(kdf, enc))
    return der_seq(alg, der(0x04, R.randbytes(1232)))


def wrap(text: str, width: int) -> list[str]:
    return [text[i:i + width] for i in range(0, len(text), width)]


@dataclass
class Pem:
    """A PEM-style block: the armour lines and the base64 body lines."""
    begin: str
    end: str
    body: list[str]
    headers: list[str] = field(default_factory=list)  # e.g. Proc-Type / Comment
    trailer: list[str] = field(default_factory=list)  # e.g. OpenPGP =CRC24

    def lines(self) -> list[str]:
        return [self.begin, *self.headers, *self.body, *self.trailer, self.end]

    def text(self, sep: str = "\n", indent: str = "") -> str:
        return sep.join(indent + line for line in self.lines())

    def secret_in(self, rendered: str) -> str:
        """The body as it appears in `rendered` (what a PEM rule captures)."""
        start = rendered.index(self.body[0])
        end = rendered.index(self.body[-1], start) + len(self.body[-1])
        return rendered[start:end]


def pem(kind: str, der_bytes: bytes, headers: Optional[list[str]] = None) -> Pem:
    body = wrap(b64(der_bytes), 64)
    return Pem(f"-----BEGIN {kind}-----", f"-----END {kind}-----", body, headers or [])


def ssh_str(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def ed25519_public_blob() -> bytes:
    return ssh_str(b"ssh-ed25519") + ssh_str(R.randbytes(32))


def openssh_ed25519(comment: str) -> Pem:
    pub = R.randbytes(32)
    pub_blob = ssh_str(b"ssh-ed25519") + ssh_str(pub)
    check = R.randbytes(4)
    priv = (check + check + ssh_str(b"ssh-ed25519") + ssh_str(pub) + ssh_str(R.randbytes(32) + pub)
            + ssh_str(comment.encode()))
    pad = 1
    while len(priv) % 8:
        priv += bytes([pad])
        pad += 1
    blob = (b"openssh-key-v1\0" + ssh_str(b"none") + ssh_str(b"none") + ssh_str(b"")
            + struct.pack(">I", 1) + ssh_str(pub_blob) + ssh_str(priv))
    return Pem("-----BEGIN OPENSSH PRIVATE KEY-----", "-----END OPENSSH PRIVATE KEY-----", wrap(b64(blob), 70))


def crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def pgp_private_key() -> Pem:
    def mpi(bits: int) -> bytes:
        return struct.pack(">H", bits) + rand_int(bits).to_bytes((bits + 7) // 8, "big")
    key = b"\x04" + struct.pack(">I", 1650000000 + R.randrange(10**8)) + b"\x01" + mpi(2048) + mpi(17)
    secret = key + b"\x00" + mpi(2048) + mpi(1024) + mpi(1024) + mpi(1024) + R.randbytes(2)
    packet = b"\x95" + struct.pack(">H", len(secret)) + secret
    uid = b"Deploy Bot <deploy@acme-corp.io>"
    packet += b"\xb4" + bytes([len(uid)]) + uid
    crc = b64(crc24(packet).to_bytes(3, "big"))
    return Pem("-----BEGIN PGP PRIVATE KEY BLOCK-----", "-----END PGP PRIVATE KEY BLOCK-----",
               wrap(b64(packet), 64), headers=["Comment: deploy signing key", ""], trailer=["=" + crc])


def putty_ppk() -> tuple[str, str]:
    """A PuTTY .ppk file and its private-lines section."""
    pub = b64(ed25519_public_blob())
    priv = b64(ssh_str(R.randbytes(32)))
    mac = "".join(R.choice(HEX) for _ in range(64))
    text = (
        "PuTTY-User-Key-File-3: ssh-ed25519\n"
        "Encryption: none\n"
        "Comment: ed25519-key-20240312\n"
        f"Public-Lines: {len(wrap(pub, 64))}\n" + "\n".join(wrap(pub, 64)) + "\n"
        f"Private-Lines: {len(wrap(priv, 64))}\n" + "\n".join(wrap(priv, 64)) + "\n"
        f"Private-MAC: {mac}\n"
    )
    return text, "\n".join(wrap(priv, 64))


# --------------------------------------------------------------------------
# FORMATS: one row per secret format
# --------------------------------------------------------------------------
#
# kind   "prefixed"  the value identifies itself (ghp_..., xoxb-..., URIs):
#                    it may appear anywhere, even without a variable name;
#        "keyed"     the value is a bare hex/base62 string that only the
#                    variable name next to it identifies (AWS secret key,
#                    Datadog key, generic passwords): only placed next to a
#                    name (or in a provider-specific header);
#        "header"    only meaningful inside an HTTP Authorization header;
#        "uri"       a connection string / URL whose password is the secret.
# header (name, value-template) used in curl / fetch / .http placements.
# url    the API the header is sent to (keeps provider words on the line).


@dataclass
class Fmt:
    name: str
    rule: str
    gen: Callable[[], str]
    vars: list[str]
    kind: str = "prefixed"
    header: Optional[tuple[str, str]] = None
    url: str = "https://api.acme-corp.io/v1/status"
    n: int = 3
    companion: Optional[str] = None  # format placed on the line before (AWS key id)
    only: Optional[list[str]] = None  # restrict to these LANGS (framework-specific keys)


def F(name, rule, gen, vars, **kw) -> Fmt:
    return Fmt(name, rule, gen, vars if isinstance(vars, list) else [vars], **kw)


BEARER = ("Authorization", "Bearer {v}")

FORMATS: list[Fmt] = [
    # ---- AWS / cloud -------------------------------------------------------
    F("aws-access-key-id", "aws-access-key-id", lambda: "AKIA" + rand(UPPER + "234567", 16),
      ["AWS_ACCESS_KEY_ID"], n=2),
    F("aws-secret-access-key", "aws-secret-access-key", lambda: rand(ALNUM + "/+", 40),
      ["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"], kind="keyed", n=5, companion="aws-access-key-id"),
    F("google-api-key", "google-api-key", lambda: "AIza" + rand(URLSAFE, 35),
      ["GOOGLE_API_KEY", "FIREBASE_API_KEY", "MAPS_API_KEY"], n=4,
      url="https://maps.googleapis.com/maps/api/geocode/json", header=("X-Goog-Api-Key", "{v}")),
    F("gcp-oauth-client-secret", "gcp-oauth-client-secret", lambda: "GOCSPX-" + rand(URLSAFE, 28),
      ["GOOGLE_CLIENT_SECRET"]),
    F("azure-entra-client-secret", "azure-entra-client-secret",
      lambda: rand(ALNUM, 3) + pick(DIGITS) + "Q~" + rand(ALNUM + "_~.-", 34),
      ["AZURE_CLIENT_SECRET", "AAD_CLIENT_SECRET"], n=3),
    F("azure-devops-pat", "azure-devops-pat", lambda: rand(ALNUM, 76) + "AZDO" + rand(ALNUM, 4),
      ["AZURE_DEVOPS_PAT", "SYSTEM_ACCESSTOKEN"], n=2),
    F("digitalocean-pat", "digitalocean-pat", lambda: "dop_v1_" + rand(HEX, 64),
      ["DIGITALOCEAN_TOKEN", "DO_API_TOKEN"], header=BEARER, url="https://api.digitalocean.com/v2/droplets"),
    F("databricks-token", "databricks-token", lambda: "dapi" + rand(HEX, 32),
      ["DATABRICKS_TOKEN"], header=BEARER, url="https://adb-1234567890.12.azuredatabricks.net/api/2.0/clusters/list"),
    F("vault-service-token", "vault-service-token", lambda: "hvs.CAESI" + rand(URLSAFE, 91),
      ["VAULT_TOKEN"], header=("X-Vault-Token", "{v}"), url="https://vault.acme-corp.io:8200/v1/secret/data/app"),
    F("vault-legacy-token", "vault-legacy-token", lambda: "s." + rand(ALNUM, 24),
      ["VAULT_TOKEN", "VAULT_ROOT_TOKEN"], kind="keyed", n=2),
    F("cloudflare-api-token", "cloudflare-api-token", lambda: "cfut_" + rand(ALNUM, 40) + rand(ALNUM, 8),
      ["CLOUDFLARE_API_TOKEN"], header=BEARER, url="https://api.cloudflare.com/client/v4/user/tokens/verify"),
    F("cloudflare-api-token-legacy", "cloudflare-api-token-legacy", lambda: rand(URLSAFE, 40),
      ["CLOUDFLARE_API_TOKEN", "CF_API_TOKEN"], kind="keyed", n=2),
    F("cloudflare-origin-ca-key", "cloudflare-origin-ca-key",
      lambda: "v1.0-" + rand(HEX, 24) + "-" + rand(HEX, 146), ["CF_ORIGIN_CA_KEY"], n=2),
    F("heroku-api-key", "heroku-api-key", uuid4, ["HEROKU_API_KEY"], kind="keyed", n=3),
    F("heroku-api-key-v2", "heroku-api-key-v2", lambda: "HRKU-AA" + rand(URLSAFE, 58),
      ["HEROKU_API_KEY"], header=BEARER, url="https://api.heroku.com/apps"),
    F("docker-hub-access-token", "docker-hub-access-token", lambda: "dckr_pat_" + rand(URLSAFE, 27),
      ["DOCKERHUB_TOKEN", "DOCKER_PASSWORD"]),
    F("terraform-cloud-token", "terraform-cloud-token",
      lambda: rand(ALNUM, 14) + ".atlasv1." + rand(URLSAFE, 67), ["TFE_TOKEN", "TF_API_TOKEN"],
      header=BEARER, url="https://app.terraform.io/api/v2/organizations"),
    F("pulumi-access-token", "pulumi-access-token", lambda: "pul-" + rand(HEX, 40), ["PULUMI_ACCESS_TOKEN"]),
    F("supabase-access-token", "supabase-access-token", lambda: "sbp_" + rand(HEX, 40),
      ["SUPABASE_ACCESS_TOKEN"], header=BEARER, url="https://api.supabase.com/v1/projects"),
    F("alibaba-access-key-id", "alibaba-access-key-id", lambda: "LTAI5t" + rand(ALNUM, 18),
      ["ALIBABA_CLOUD_ACCESS_KEY_ID"], n=2),
    # ---- VCS / CI ------------------------------------------------------------
    F("github-pat-classic", "github-pat-classic", lambda: crc_token("ghp_"),
      ["GITHUB_TOKEN", "GH_TOKEN", "GITHUB_PAT"], header=("Authorization", "token {v}"),
      url="https://api.github.com/user/repos", n=6),
    F("github-oauth-token", "github-oauth-token", lambda: crc_token("gho_"), ["GITHUB_OAUTH_TOKEN"],
      header=BEARER, url="https://api.github.com/user"),
    F("github-app-installation-token", "github-app-installation-token", lambda: crc_token("ghs_"),
      ["GITHUB_INSTALLATION_TOKEN"], header=BEARER, url="https://api.github.com/installation/repositories"),
    F("github-app-user-token", "github-app-user-token", lambda: crc_token("ghu_"), ["GITHUB_USER_TOKEN"], n=2),
    F("github-refresh-token", "github-refresh-token", lambda: crc_token("ghr_"), ["GITHUB_REFRESH_TOKEN"], n=2),
    F("github-pat-fine-grained", "github-pat-fine-grained",
      lambda: "github_pat_" + rand(ALNUM, 22) + "_" + rand(ALNUM, 59), ["GITHUB_TOKEN", "GH_PAT"],
      header=BEARER, url="https://api.github.com/repos/acme-corp/infra/contents", n=4),
    F("gitlab-pat", "gitlab-pat", lambda: "glpat-" + rand(URLSAFE, 20), ["GITLAB_TOKEN", "CI_PUSH_TOKEN"],
      header=("PRIVATE-TOKEN", "{v}"), url="https://gitlab.com/api/v4/projects", n=4),
    F("gitlab-deploy-token", "gitlab-deploy-token", lambda: "gldt-" + rand(URLSAFE, 20), ["GITLAB_DEPLOY_TOKEN"]),
    F("gitlab-runner-authentication-token", "gitlab-runner-authentication-token",
      lambda: "glrt-" + rand(URLSAFE, 20), ["RUNNER_TOKEN", "CI_SERVER_TOKEN"], n=2),
    F("gitlab-pipeline-trigger-token", "gitlab-pipeline-trigger-token", lambda: "glptt-" + rand(HEX, 40),
      ["TRIGGER_TOKEN"], n=2),
    F("gitlab-runner-registration-token", "gitlab-runner-registration-token",
      lambda: "GR1348941" + rand(URLSAFE, 20), ["REGISTRATION_TOKEN"], n=2),
    F("circleci-personal-token", "circleci-personal-token",
      lambda: "CCIPAT_" + rand(ALNUM, 22) + "_" + rand(HEX, 40), ["CIRCLECI_TOKEN", "CIRCLE_TOKEN"],
      header=("Circle-Token", "{v}"), url="https://circleci.com/api/v2/me"),
    F("sonarqube-user-token", "sonarqube-user-token", lambda: "squ_" + rand(HEX, 40), ["SONAR_TOKEN"]),
    F("doppler-service-token", "doppler-service-token", lambda: "dp.st.prd." + rand(ALNUM, 43),
      ["DOPPLER_TOKEN"], header=BEARER, url="https://api.doppler.com/v3/configs/config/secrets/download"),
    F("doppler-personal-token", "doppler-personal-token", lambda: "dp.pt." + rand(ALNUM, 43),
      ["DOPPLER_TOKEN"], n=2),
    F("atlassian-api-token", "atlassian-api-token",
      lambda: "ATATT3xFfGF0" + rand(URLSAFE, 170) + "=" + rand(HEX.upper(), 8), ["JIRA_API_TOKEN"], n=2),
    F("linear-api-key", "linear-api-key", lambda: "lin_api_" + rand(ALNUM, 40), ["LINEAR_API_KEY"],
      header=("Authorization", "{v}"), url="https://api.linear.app/graphql"),
    F("bitbucket-app-password", "bitbucket-app-password", lambda: "ATBB" + rand(ALNUM, 32),
      ["BITBUCKET_APP_PASSWORD"], n=2),
    # ---- messaging / SaaS --------------------------------------------------
    F("slack-bot-token", "slack-bot-token",
      lambda: f"xoxb-{rand(DIGITS, 11)}-{rand(DIGITS, 13)}-{rand(ALNUM, 24)}", ["SLACK_BOT_TOKEN"],
      header=BEARER, url="https://slack.com/api/chat.postMessage", n=5),
    F("slack-user-token", "slack-user-token",
      lambda: f"xoxp-{rand(DIGITS, 12)}-{rand(DIGITS, 12)}-{rand(DIGITS, 13)}-{rand(HEX, 32)}",
      ["SLACK_USER_TOKEN"], header=BEARER, url="https://slack.com/api/users.list"),
    F("slack-app-token", "slack-app-token",
      lambda: f"xapp-1-A{rand(UPPER + DIGITS, 10)}-{rand(DIGITS, 13)}-{rand(HEX, 64)}", ["SLACK_APP_TOKEN"], n=2),
    F("slack-webhook-url", "slack-webhook-url",
      lambda: f"https://hooks.slack.com/services/T{rand(UPPER + DIGITS, 10)}/B{rand(UPPER + DIGITS, 10)}/{rand(ALNUM, 24)}",
      ["SLACK_WEBHOOK_URL"], n=5),
    F("discord-bot-token", "discord-bot-token",
      lambda: b64(str(R.randrange(10**17, 10**18 * 2)).encode()).rstrip("=") + "." + rand(URLSAFE, 6) + "."
      + rand(URLSAFE, 38), ["DISCORD_TOKEN", "DISCORD_BOT_TOKEN"], header=("Authorization", "Bot {v}"),
      url="https://discord.com/api/v10/users/@me"),
    F("discord-webhook-url", "discord-webhook-url",
      lambda: f"https://discord.com/api/webhooks/{R.randrange(10**17, 10**18 * 2)}/{rand(URLSAFE, 68)}",
      ["DISCORD_WEBHOOK_URL"]),
    F("telegram-bot-token", "telegram-bot-token",
      lambda: f"{R.randrange(10**9, 8 * 10**9)}:AA{rand(URLSAFE, 33)}", ["TELEGRAM_BOT_TOKEN", "TG_TOKEN"]),
    F("twilio-api-key", "twilio-api-key", lambda: "SK" + rand(HEX, 32), ["TWILIO_API_KEY"]),
    F("twilio-auth-token", "twilio-auth-token", lambda: rand(HEX, 32), ["TWILIO_AUTH_TOKEN"], kind="keyed"),
    F("sendgrid-api-key", "sendgrid-api-key", lambda: "SG." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43),
      ["SENDGRID_API_KEY"], header=BEARER, url="https://api.sendgrid.com/v3/mail/send", n=4),
    F("mailgun-api-key", "mailgun-api-key", lambda: "key-" + rand(HEX, 32), ["MAILGUN_API_KEY"]),
    F("mailchimp-api-key", "mailchimp-api-key", lambda: rand(HEX, 32) + "-us" + str(R.randrange(2, 21)),
      ["MAILCHIMP_API_KEY"], n=2),
    F("notion-integration-token", "notion-integration-token", lambda: "secret_" + rand(ALNUM, 43),
      ["NOTION_TOKEN"], header=BEARER, url="https://api.notion.com/v1/search"),
    F("notion-api-token", "notion-api-token", lambda: "ntn_" + rand(DIGITS, 11) + rand(ALNUM, 35),
      ["NOTION_API_KEY"], n=2),
    F("hubspot-private-app-token", "hubspot-private-app-token", lambda: "pat-na1-" + uuid4(),
      ["HUBSPOT_ACCESS_TOKEN"], n=2),
    F("okta-api-token", "okta-api-token", lambda: "00" + rand(URLSAFE, 40), ["OKTA_API_TOKEN"], kind="keyed",
      header=("Authorization", "SSWS {v}"), url="https://acme.okta.com/api/v1/users", n=2),
    F("postman-api-key", "postman-api-key", lambda: f"PMAK-{rand(HEX, 24)}-{rand(HEX, 34)}",
      ["POSTMAN_API_KEY"], header=("X-Api-Key", "{v}"), url="https://api.getpostman.com/collections"),
    # ---- payments ------------------------------------------------------------
    F("stripe-live-secret-key", "stripe-live-secret-key", lambda: "sk_live_51" + rand(ALNUM, 97),
      ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"], header=BEARER, url="https://api.stripe.com/v1/charges", n=5),
    F("stripe-test-secret-key", "stripe-test-secret-key", lambda: "sk_test_51" + rand(ALNUM, 97),
      ["STRIPE_SECRET_KEY"], n=3),
    F("stripe-restricted-key", "stripe-restricted-key", lambda: "rk_live_51" + rand(ALNUM, 97),
      ["STRIPE_RESTRICTED_KEY"], n=2),
    F("stripe-webhook-secret", "stripe-webhook-secret", lambda: "whsec_" + rand(ALNUM, 32),
      ["STRIPE_WEBHOOK_SECRET"], n=3),
    F("shopify-access-token", "shopify-access-token", lambda: "shpat_" + rand(HEX, 32),
      ["SHOPIFY_ACCESS_TOKEN"], header=("X-Shopify-Access-Token", "{v}"),
      url="https://acme-store.myshopify.com/admin/api/2024-01/products.json"),
    F("shopify-shared-secret", "shopify-shared-secret", lambda: "shpss_" + rand(HEX, 32),
      ["SHOPIFY_API_SECRET"], n=2),
    F("square-access-token", "square-access-token", lambda: "EAAA" + rand(URLSAFE, 60),
      ["SQUARE_ACCESS_TOKEN"], n=2),
    # ---- AI ------------------------------------------------------------------
    F("openai-project-key", "openai-project-key",
      lambda: "sk-proj-" + rand(URLSAFE, 74) + "T3BlbkFJ" + rand(URLSAFE, 74), ["OPENAI_API_KEY"],
      header=BEARER, url="https://api.openai.com/v1/chat/completions", n=5),
    F("openai-legacy-key", "openai-legacy-key", lambda: "sk-" + rand(ALNUM, 20) + "T3BlbkFJ" + rand(ALNUM, 20),
      ["OPENAI_API_KEY"], n=2),
    F("openai-service-account-key", "openai-service-account-key",
      lambda: "sk-svcacct-" + rand(URLSAFE, 74) + "T3BlbkFJ" + rand(URLSAFE, 74), ["OPENAI_API_KEY"], n=2),
    F("anthropic-api-key", "anthropic-api-key", lambda: "sk-ant-api03-" + rand(URLSAFE, 93) + "AA",
      ["ANTHROPIC_API_KEY"], header=("x-api-key", "{v}"), url="https://api.anthropic.com/v1/messages", n=4),
    F("anthropic-admin-key", "anthropic-admin-key", lambda: "sk-ant-admin01-" + rand(URLSAFE, 93) + "AA",
      ["ANTHROPIC_ADMIN_KEY"], n=2),
    F("huggingface-token", "huggingface-token", lambda: "hf_" + rand(UPPER + LOWER, 34), ["HF_TOKEN"],
      header=BEARER, url="https://huggingface.co/api/whoami-v2", n=4),
    F("groq-api-key", "groq-api-key", lambda: "gsk_" + rand(ALNUM, 52), ["GROQ_API_KEY"],
      header=BEARER, url="https://api.groq.com/openai/v1/models"),
    F("mistral-api-key", "mistral-api-key", lambda: rand(ALNUM, 32), ["MISTRAL_API_KEY"], kind="keyed",
      header=BEARER, url="https://api.mistral.ai/v1/models"),
    F("replicate-api-token", "replicate-api-token", lambda: "r8_" + rand(ALNUM, 37), ["REPLICATE_API_TOKEN"], n=2),
    F("perplexity-api-key", "perplexity-api-key", lambda: "pplx-" + rand(ALNUM, 48), ["PERPLEXITY_API_KEY"], n=2),
    # ---- observability ---------------------------------------------------------
    F("datadog-api-key", "datadog-api-key", lambda: rand(HEX, 32), ["DD_API_KEY", "DATADOG_API_KEY"],
      kind="keyed", header=("DD-API-KEY", "{v}"), url="https://api.datadoghq.com/api/v2/series", n=4),
    F("datadog-application-key", "datadog-application-key", lambda: rand(HEX, 40), ["DD_APP_KEY"], kind="keyed",
      header=("DD-APPLICATION-KEY", "{v}"), url="https://api.datadoghq.com/api/v1/monitor"),
    F("newrelic-user-api-key", "newrelic-user-api-key", lambda: "NRAK-" + rand(UPPER + DIGITS, 27),
      ["NEW_RELIC_API_KEY"], header=("API-Key", "{v}"), url="https://api.newrelic.com/graphql"),
    F("newrelic-license-key", "newrelic-license-key", lambda: rand(HEX, 36) + "NRAL",
      ["NEW_RELIC_LICENSE_KEY"], n=3),
    F("sentry-user-token", "sentry-user-token", lambda: "sntryu_" + rand(HEX, 64), ["SENTRY_AUTH_TOKEN"],
      header=BEARER, url="https://sentry.io/api/0/projects/"),
    F("grafana-service-account-token", "grafana-service-account-token",
      lambda: "glsa_" + rand(ALNUM, 32) + "_" + rand(HEX, 8), ["GRAFANA_TOKEN"],
      header=BEARER, url="https://grafana.acme-corp.io/api/dashboards/home"),
    F("pagerduty-api-key", "pagerduty-api-key", lambda: rand(ALNUM + "_+-", 20), ["PAGERDUTY_TOKEN"],
      kind="keyed", header=("Authorization", "Token token={v}"), url="https://api.pagerduty.com/incidents"),
    F("pagerduty-integration-key", "pagerduty-integration-key", lambda: rand(HEX, 32),
      ["PAGERDUTY_ROUTING_KEY", "PAGERDUTY_INTEGRATION_KEY"], kind="keyed", n=2),
    F("dynatrace-api-token", "dynatrace-api-token",
      lambda: f"dt0c01.{rand(UPPER + DIGITS, 24)}.{rand(UPPER + DIGITS, 64)}", ["DT_API_TOKEN"], n=2),
    # ---- packages --------------------------------------------------------------
    F("npm-access-token", "npm-access-token", lambda: crc_token("npm_"), ["NPM_TOKEN", "NODE_AUTH_TOKEN"], n=4),
    F("pypi-api-token", "pypi-api-token", lambda: "pypi-AgEIcHlwaS5vcmc" + rand(URLSAFE, 160),
      ["PYPI_TOKEN", "TWINE_PASSWORD"], n=3),
    F("rubygems-api-key", "rubygems-api-key", lambda: "rubygems_" + rand(HEX, 48), ["GEM_HOST_API_KEY"], n=2),
    # ---- keys and tokens without a provider --------------------------------------
    F("jwt", "jwt", lambda: jwt(jwt_claims()), ["JWT_TOKEN", "SERVICE_JWT", "SUPABASE_SERVICE_ROLE_KEY"],
      header=BEARER, url="https://api.acme-corp.io/internal/reports", n=5),
    F("age-secret-key", "age-secret-key", lambda: "AGE-SECRET-KEY-1" + rand("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
      ["SOPS_AGE_KEY"], n=2),
    F("generic-password", "generic-credential-assignment", password,
      ["DB_PASSWORD", "SMTP_PASSWORD", "ADMIN_PASSWORD", "REDIS_PASSWORD", "LDAP_BIND_PASSWORD",
       "KEYCLOAK_CLIENT_SECRET", "JWT_SECRET", "SESSION_SECRET", "API_SECRET"], kind="keyed", n=10),
    F("generic-bearer-token", "generic-authorization-bearer", lambda: rand(ALNUM, 40), ["INTERNAL_API_TOKEN"],
      kind="header", header=BEARER, url="https://internal.acme-corp.io/api/v2/jobs", n=3),
    F("generic-basic-auth", "generic-authorization-basic",
      lambda: b64(f"{pick(['deploy', 'ci-bot', 'jenkins'])}:{password(20)}".encode()), ["BASIC_AUTH"],
      kind="header", header=("Authorization", "Basic {v}"), url="https://nexus.acme-corp.io/service/rest/v1/status", n=3),
    F("rails-master-key", "rails-master-key", lambda: rand(HEX, 32), ["RAILS_MASTER_KEY"], kind="keyed", n=2,
      only=["dotenv", "shell", "yaml", "compose", "gha-env", "gitlab-ci", "dockerfile", "k8s-env", "circleci", "ruby"]),
    F("laravel-app-key", "laravel-app-key", lambda: "base64:" + b64(R.randbytes(32)), ["APP_KEY"], kind="keyed", n=2,
      only=["dotenv", "shell", "compose", "gha-env", "gitlab-ci", "dockerfile", "k8s-env", "php"]),
]

# Connection strings: (format, rule, var names, builder returning (uri, password)).


def _pg():
    pw = uri_password()
    return f"postgresql://{pick(['app', 'orders_rw', 'analytics', 'django'])}:{pw}@{hostname()}:5432/{pick(['orders', 'app', 'warehouse'])}", pw


def _pg_pct():
    pw = uri_password(12) + pick(["%40", "%23", "%21"]) + uri_password(6)
    return f"postgres://reporting:{pw}@{hostname()}/reports?sslmode=require", pw


def _mysql():
    pw = uri_password()
    return f"{pick(['mysql', 'mysql+pymysql', 'mariadb'])}://{pick(['wp', 'shop', 'root'])}:{pw}@{hostname()}:3306/{pick(['shop', 'wordpress', 'crm'])}", pw


def _mongo():
    pw = uri_password()
    return (f"mongodb+srv://{pick(['api', 'etl', 'admin'])}:{pw}@cluster0.{rand(LOWER + DIGITS, 5)}.mongodb.net/"
            f"{pick(['catalog', 'events'])}?retryWrites=true&w=majority"), pw


def _redis():
    pw = uri_password(32)
    return pick([f"redis://default:{pw}@{hostname()}:6379/0", f"rediss://:{pw}@cache-{rand(LOWER, 5)}.acme-corp.io:6380"]), pw


def _amqp():
    pw = uri_password()
    return f"{pick(['amqp', 'amqps'])}://{pick(['celery', 'events'])}:{pw}@mq.acme-corp.io:5671/{pick(['prod', '%2F'])}", pw


def _jdbc():
    pw = uri_password()
    return f"jdbc:postgresql://{hostname()}:5432/billing?user=billing&password={pw}&ssl=true", pw


def _mssql():
    pw = password(20).replace(";", "")
    return (f"Server=tcp:acme-{rand(LOWER, 6)}.database.windows.net,1433;Initial Catalog=crm;Persist Security Info=False;"
            f"User ID=crm_app;Password={pw};MultipleActiveResultSets=False;Encrypt=True;"), pw


def _url_userinfo():
    pw = uri_password(22)
    return f"https://deploy:{pw}@artifacts.acme-corp.io/repository/releases/", pw


def _azure_storage():
    key = b64(R.randbytes(64))
    return (f"DefaultEndpointsProtocol=https;AccountName=acme{rand(LOWER + DIGITS, 8)};AccountKey={key};"
            "EndpointSuffix=core.windows.net"), key


def _azure_sas():
    sig = b64(R.randbytes(32)).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    return (f"https://acme{rand(LOWER, 6)}.blob.core.windows.net/backups?sv=2022-11-02&ss=b&srt=co&sp=rl"
            f"&se=2026-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig={sig}"), sig


def _sentry_dsn():
    key = rand(HEX, 32)
    return f"https://{key}@o{R.randrange(100000, 999999)}.ingest.sentry.io/{R.randrange(1000000, 9999999)}", key


URIS = [
    ("postgres-uri", "postgres-uri-password", ["DATABASE_URL", "SQLALCHEMY_DATABASE_URI", "PG_DSN"], _pg, 5),
    ("postgres-uri", "postgres-uri-password", ["REPORTING_DATABASE_URL"], _pg_pct, 1),
    ("mysql-uri", "mysql-uri-password", ["DATABASE_URL", "MYSQL_URL"], _mysql, 4),
    ("mongodb-uri", "mongodb-uri-password", ["MONGODB_URI", "MONGO_URL"], _mongo, 4),
    ("redis-uri", "redis-uri-password", ["REDIS_URL", "CACHE_URL"], _redis, 4),
    ("amqp-uri", "amqp-uri-password", ["CELERY_BROKER_URL", "AMQP_URL"], _amqp, 3),
    ("jdbc-url", "jdbc-url-password", ["SPRING_DATASOURCE_URL"], _jdbc, 2),
    ("sqlserver-connection-string", "sqlserver-connection-string-password", ["ConnectionStrings__Default"], _mssql, 2),
    ("url-userinfo", "generic-url-userinfo", ["MAVEN_REPO_URL", "ARTIFACT_URL"], _url_userinfo, 2),
    ("azure-storage-connection-string", "azure-storage-connection-string", ["AZURE_STORAGE_CONNECTION_STRING"],
     _azure_storage, 3),
    ("azure-sas-token", "azure-sas-token", ["AZURE_BLOB_SAS_URL", "BACKUP_CONTAINER_URL"], _azure_sas, 3),
    ("sentry-dsn", "sentry-dsn", ["SENTRY_DSN"], _sentry_dsn, 3),
]


def uri_formats() -> list[Fmt]:
    """Connection strings as Fmt rows: the value is the whole URI and the
    labelled secret is the password (or key) inside it."""
    out = []
    for name, rule, vars_, build, n in URIS:
        out.append(Fmt(name, rule, build, vars_, kind="uri", n=n))
    return out


# --------------------------------------------------------------------------
# Documents and labels
# --------------------------------------------------------------------------


@dataclass
class Label:
    kind: str  # "secret" | "decoy"
    needle: str  # the secret / decoy text exactly as it appears in the file
    offset: int = -1  # byte offset in the file (filled in when placed)
    fmt: str = ""
    rule: str = ""
    context: str = ""
    encoded: bool = False
    decoy_kind: str = ""
    anchor: str = ""  # text that locates the label when the secret is not verbatim in the file (encoded)

    def find_text(self) -> str:
        return self.anchor or self.needle


def S(secret, fmt, rule, context, encoded=False, anchor="") -> Label:
    return Label("secret", secret, fmt=fmt, rule=rule, context=context, encoded=encoded, anchor=anchor)


def D(text, kind) -> Label:
    return Label("decoy", text, decoy_kind=kind)


class Doc:
    """One generated file: text plus labels anchored at byte offsets."""

    def __init__(self, path: str):
        self.path = path
        self.parts: list[str] = []
        self.size = 0
        self.labels: list[Label] = []
        self.pending: list[Label] = []  # located by search once the text is complete

    def add(self, text: str, *labels: Label) -> "Doc":
        for lab in labels:
            # decoy values come last in their template ("root" in
            # mysql_root_password = "root"): anchor them on the last hit
            needle = lab.find_text()
            pos = text.rfind(needle) if lab.kind == "decoy" else text.find(needle)
            if pos < 0:
                raise ValueError(f"{self.path}: {needle!r} not in {text!r}")
            lab.offset = self.size + len(text[:pos].encode())
            self.labels.append(lab)
        self.parts.append(text)
        self.size += len(text.encode())
        return self

    def mark(self, *labels: Label) -> "Doc":
        """Label text that is already (or will be) somewhere in the file;
        it must occur exactly once."""
        self.pending.extend(labels)
        return self

    def text(self) -> str:
        return "".join(self.parts)

    def finish(self) -> str:
        text = self.text()
        raw = text.encode()
        for lab in self.pending:
            needle = lab.find_text().encode()
            if raw.count(needle) != 1:
                raise ValueError(f"{self.path}: {needle!r} occurs {raw.count(needle)} times")
            lab.offset = raw.index(needle)
            self.labels.append(lab)
        self.pending = []
        return text


class Corpus:
    def __init__(self):
        self.docs: dict[str, Doc] = {}

    def doc(self, path: str) -> Doc:
        if path in self.docs:
            raise ValueError(f"duplicate path {path}")
        d = self.docs[path] = Doc(path)
        return d

    def fresh_path(self, candidates: list[str]) -> str:
        for p in candidates:
            if p not in self.docs:
                return p
        base = candidates[-1]
        stem, dot, ext = base.rpartition(".")
        if not stem or "/" in ext:
            stem, dot, ext = base, "", ""
        i = 2
        while f"{stem}-{i}{dot}{ext}" in self.docs:
            i += 1
        return f"{stem}-{i}{dot}{ext}"


# --------------------------------------------------------------------------
# Names: one variable name rendered in each language's style
# --------------------------------------------------------------------------


def names(var: str) -> dict:
    words = var.replace("__", "_").lower().split("_")
    camel = words[0] + "".join(w.capitalize() for w in words[1:])
    return {
        "U": var,
        "s": "_".join(words),
        "c": camel,
        "P": camel[0].upper() + camel[1:],
        "d": ".".join(words[:-1]) + "-" + words[-1] if len(words) > 1 else words[0],
        "k": "-".join(words),
        "prov": words[0],
    }


# --------------------------------------------------------------------------
# LANGS: where secrets are written
# --------------------------------------------------------------------------
#
# templates: (tag, id, template).  tag "n" = the variable name is on the
# line, "a" = a bare value (self-identifying formats only), "h" = sent in an
# HTTP header.  Fields: {U} UPPER_NAME {s} snake {c} camel {P} Pascal
# {d} dotted.name {k} kebab {prov} provider word {v} value {url} {hn} {hv}.
# refs: (template, needle) decoys that reference a secret instead of
# containing it.


@dataclass
class Lang:
    name: str
    paths: list[str]
    templates: list[tuple[str, str, str]]
    header: str = ""
    footer: str = "\n"
    filler: list[str] = field(default_factory=list)
    refs: list[tuple[str, str]] = field(default_factory=list)
    joiner: str = "\n"
    per_file: int = 5
    weight: float = 1.0


LANGS: list[Lang] = [
    Lang("dotenv", [".env", "services/api/.env.production", "deploy/staging.env", "apps/web/.env.local",
                    "ops/backup/.env", "services/billing/.env"],
         [("n", "env", "{U}={v}"), ("n", "env-dq", '{U}="{v}"'), ("n", "env-sq", "{U}='{v}'"),
          ("n", "env-export", "export {U}={v}")],
         header="# Environment for production. Do not commit.\n",
         filler=["NODE_ENV=production", "PORT=8080", "LOG_LEVEL=info", "APP_URL=https://app.acme-corp.io",
                 "# Third-party integrations", "TZ=UTC", "WEB_CONCURRENCY=4", "S3_BUCKET=acme-prod-uploads",
                 "FEATURE_NEW_CHECKOUT=true", "SESSION_COOKIE_SECURE=true"],
         refs=[("{U}=${{{U}}}", "${{{U}}}"), ("{U}=${{{U}:-}}", "${{{U}:-}}")], weight=2.0),
    Lang("shell", ["scripts/deploy.sh", "scripts/backup_db.sh", "bin/bootstrap-dev.sh", "ops/rotate-certs.sh",
                   "ci/release.sh"],
         [("n", "export", 'export {U}="{v}"'), ("n", "inline-env", "{U}={v} ./bin/worker --once"),
          ("h", "curl", 'curl -fsS -H "{hn}: {hv}" {url}'),
          ("h", "curl-multiline", 'curl -sS -X GET \\\n  "{url}" \\\n  -H "{hn}: {hv}" \\\n  -H "Accept: application/json"'),
          ("a", "cli-flag", './bin/sync --token "{v}" --since 24h')],
         header="#!/usr/bin/env bash\nset -euo pipefail\n\n",
         filler=['echo "==> deploying $SERVICE"', 'cd "$(dirname "$0")/.."', 'REGION="${REGION:-eu-west-1}"',
                 "kubectl rollout status deploy/api -n prod", "aws s3 sync ./dist s3://acme-prod-static --delete"],
         refs=[('export {U}="${{{U}:?missing}}"', "${{{U}:?missing}}"),
               ("{U}=$(vault kv get -field=value secret/ci/{s})", "$(vault kv get -field=value secret/ci/{s})")],
         weight=1.5),
    Lang("python", ["app/settings/production.py", "scripts/backfill_orders.py", "app/integrations/clients.py",
                    "tools/notify.py", "services/worker/config.py", "ml/train_ranker.py"],
         [("n", "assign", '{U} = "{v}"'), ("n", "assign-sq", "{s} = '{v}'"),
          ("n", "dict", 'CONFIG_{U} = {{"{s}": "{v}", "timeout": 30}}'),
          ("n", "setdefault", 'os.environ.setdefault("{U}", "{v}")'),
          ("a", "kwarg", 'client = ApiClient(base_url=BASE_URL, credential="{v}")'),
          ("h", "requests", 'resp = requests.get("{url}", headers={{"{hn}": "{hv}"}}, timeout=10)')],
         header='"""Service configuration."""\nimport os\n\nimport requests\n\n',
         filler=["DEBUG = False", 'ALLOWED_HOSTS = ["api.acme-corp.io"]', 'TIME_ZONE = "UTC"', "PAGE_SIZE = 50",
                 "CACHE_TTL_SECONDS = 300", "BASE_DIR = os.path.dirname(os.path.abspath(__file__))",
                 'BASE_URL = "https://api.acme-corp.io"'],
         refs=[('{U} = os.environ["{U}"]', 'os.environ["{U}"]'), ('{s} = os.getenv("{U}")', 'os.getenv("{U}")'),
               ('{s} = get_secret("{k}")', 'get_secret("{k}")')], weight=2.0),
    Lang("javascript", ["src/config.js", "server/index.js", "scripts/seed.mjs", "src/lib/payments.js",
                        "src/services/notifier.js"],
         [("n", "const", 'const {c} = "{v}";'), ("n", "const-upper", "const {U} = '{v}';"),
          ("n", "env-fallback", 'const {c} = process.env.{U} || "{v}";'),
          ("n", "exports", 'module.exports.{c} = "{v}";'),
          ("a", "ctor", 'const client = new ApiClient({{ baseUrl: API_BASE, credential: "{v}" }});'),
          ("h", "fetch", 'const res = await fetch("{url}", {{ headers: {{ "{hn}": "{hv}" }} }});')],
         header="'use strict';\n\n",
         filler=["const express = require('express');", "const PORT = process.env.PORT || 3000;",
                 "const app = express();", "app.use(express.json());", "const TIMEOUT_MS = 30_000;",
                 "const API_BASE = 'https://api.acme-corp.io';"],
         refs=[("const {c} = process.env.{U};", "process.env.{U}"),
               ('const {c} = process.env["{U}"] ?? "";', 'process.env["{U}"]')], weight=1.5),
    Lang("typescript", ["src/env.ts", "src/clients/github.ts", "apps/web/lib/config.ts",
                        "packages/sdk/src/defaults.ts"],
         [("n", "export-const", 'export const {U} = "{v}";'), ("n", "typed-const", 'export const {U}: string = "{v}";'),
          ("n", "object", 'export const {c}Config = {{ {c}: "{v}", retries: 3 }};'),
          ("h", "axios", 'const res = await axios.get("{url}", {{ headers: {{ "{hn}": "{hv}" }} }});')],
         header="import axios from 'axios';\n\n",
         filler=['export const API_BASE = "https://api.acme-corp.io";', "export const RETRIES = 3;",
                 'export type Region = "eu" | "us";'],
         refs=[("export const {U} = process.env.{U}!;", "process.env.{U}!"),
               ("export const {c} = import.meta.env.VITE_{U};", "import.meta.env.VITE_{U}")]),
    Lang("go", ["internal/config/defaults.go", "cmd/migrate/main.go", "pkg/notify/slack.go"],
         [("n", "const", 'const {c} = "{v}"'), ("n", "var", 'var {P} = "{v}"'),
          ("n", "struct", 'var default{P} = Settings{{\n\t{P}: "{v}",\n\tTimeout: 30,\n}}'),
          ("a", "ctor", 'var client = api.NewClient("{v}")'),
          ("h", "header", 'func authorize(req *http.Request) {{ req.Header.Set("{hn}", "{hv}") }}')],
         header='package config\n\nimport (\n\t"net/http"\n\t"os"\n)\n\n',
         filler=["const DefaultTimeout = 30 * time.Second", 'var Region = "eu-west-1"',
                 "// Settings holds service configuration."],
         refs=[('var {P} = os.Getenv("{U}")', 'os.Getenv("{U}")')]),
    Lang("java", ["src/main/java/com/acme/billing/StripeConfig.java",
                  "src/main/java/com/acme/infra/AwsClientFactory.java", "src/test/java/com/acme/it/ApiIT.java"],
         [("n", "static-final", '    private static final String {U} = "{v}";'),
          ("n", "field", '    static String {c} = "{v}";'),
          ("n", "props", '    static {{ PROPS.setProperty("{d}", "{v}"); }}'),
          ("a", "ctor", '    private final ApiClient client = new ApiClient("{v}");'),
          ("h", "header", '    static void auth(HttpURLConnection c) {{ c.setRequestProperty("{hn}", "{hv}"); }}')],
         header="package com.acme.config;\n\nimport java.net.HttpURLConnection;\nimport java.util.Properties;\n\n"
                "public final class Secrets {\n    static final Properties PROPS = new Properties();\n",
         footer="\n}\n",
         filler=["    private static final int TIMEOUT_SECONDS = 30;", '    private static final String REGION = "eu-west-1";',
                 "    // TODO: load from Vault"],
         refs=[('    private static final String {U} = System.getenv("{U}");', 'System.getenv("{U}")'),
               ('    @Value("${{{d}}}") private String {c};', '${{{d}}}')]),
    Lang("csharp", ["src/Acme.Api/Settings.cs", "src/Acme.Worker/Program.cs"],
         [("n", "const", '    public const string {P} = "{v}";'),
          ("n", "static", '    public static string {P} {{ get; }} = "{v}";'),
          ("h", "header", '    static void Auth(HttpClient c) => c.DefaultRequestHeaders.Add("{hn}", "{hv}");')],
         header="namespace Acme.Api;\n\npublic static class Settings\n{\n", footer="\n}\n",
         filler=["    public const int MaxRetries = 5;", "    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);"],
         refs=[('    public static string {P} => Environment.GetEnvironmentVariable("{U}");',
                'Environment.GetEnvironmentVariable("{U}")')]),
    Lang("kotlin", ["android/app/src/main/java/com/acme/app/BuildSecrets.kt"],
         [("n", "const-val", 'const val {U} = "{v}"'), ("n", "val", 'val {c} = "{v}"')],
         header="package com.acme.app\n\n",
         filler=['const val API_HOST = "api.acme-corp.io"', "const val TIMEOUT_MS = 15_000L"],
         refs=[("val {c} = BuildConfig.{U}", "BuildConfig.{U}")], weight=0.5),
    Lang("ruby", ["config/initializers/stripe.rb", "lib/tasks/sync.rake", "config/initializers/third_party.rb"],
         [("n", "assign", "{s} = '{v}'"), ("n", "config", 'config.{s} = "{v}"'), ("n", "env-or", "ENV['{U}'] ||= '{v}'"),
          ("n", "hash", "SETTINGS_{U} = {{ {s}: '{v}' }}.freeze"),
          ("a", "setter", "Acme::Client.credential = '{v}'"), ("h", "header", "request['{hn}'] = '{hv}'")],
         header="# frozen_string_literal: true\n\nrequire 'net/http'\n\n",
         filler=["TIMEOUT = 30", "Rails.logger.info('initializers loaded')", "REGION = 'eu-west-1'"],
         refs=[("{s} = ENV.fetch('{U}')", "ENV.fetch('{U}')"),
               ("{s} = Rails.application.credentials.dig(:{s})", "credentials.dig(:{s})")]),
    Lang("php", ["config/services.php", "app/Clients/Mailer.php", "public/legacy/db_connect.php"],
         [("n", "var", '${c} = "{v}";'), ("n", "array", "$config = ['{s}' => '{v}'];"),
          ("n", "define", "define('{U}', '{v}');"),
          ("h", "curl", "curl_setopt($ch, CURLOPT_HTTPHEADER, ['{hn}: {hv}']);")],
         header="<?php\n\n",
         filler=["$timeout = 30;", "require_once __DIR__ . '/vendor/autoload.php';", "// legacy config, do not edit"],
         refs=[("${c} = getenv('{U}');", "getenv('{U}')"), ("$config = ['{s}' => env('{U}')];", "env('{U}')")]),
    Lang("rust", ["src/config.rs", "examples/upload.rs"],
         [("n", "const", 'const {U}: &str = "{v}";'), ("n", "let", 'fn {s}() -> String {{ let {s} = "{v}"; {s}.into() }}'),
          ("n", "set-var", 'fn init_{s}() {{ std::env::set_var("{U}", "{v}"); }}'),
          ("a", "ctor", 'fn client() -> Client {{ Client::new("{v}") }}'),
          ("h", "header", 'fn auth(r: RequestBuilder) -> RequestBuilder {{ r.header("{hn}", "{hv}") }}')],
         header="use std::time::Duration;\n\n",
         filler=["const TIMEOUT: Duration = Duration::from_secs(30);", '/// Region the service runs in.\nconst REGION: &str = "eu-west-1";'],
         refs=[('fn {s}() -> String {{ std::env::var("{U}").expect("{U}") }}', 'std::env::var("{U}")')]),
    Lang("yaml", ["config/application.yml", "config/settings.yaml", "deploy/values-prod.yaml",
                  "config/integrations.yml"],
         [("n", "plain", "{s}: {v}"), ("n", "dq", '{s}: "{v}"'), ("n", "nested", "{prov}_settings:\n  {s}: {v}"),
          ("n", "nested-sq", "{prov}_client:\n  {s}: '{v}'")],
         header="# Application configuration\n",
         filler=["server:\n  port: 8080", "logging:\n  level: info", "region: eu-west-1", "replicas: 3"],
         refs=[("{s}: ${{{U}}}", "${{{U}}}"), ('{s}: "{{{{ .Values.{c} }}}}"', "{{{{ .Values.{c} }}}}")], weight=1.5),
    Lang("json", ["config/production.json", "appsettings.Production.json", "config/integrations.json",
                  "src/assets/runtime-config.json"],
         [("n", "member", '  "{c}": "{v}"'), ("n", "member-upper", '  "{U}": "{v}"'),
          ("n", "nested", '  "{prov}Options": {{ "{c}": "{v}" }}')],
         header="{\n", footer="\n}\n", joiner=",\n",
         filler=['  "region": "eu-west-1"', '  "timeoutMs": 30000', '  "features": ["search", "billing"]',
                 '  "logLevel": "info"'],
         refs=[('  "{c}": "${{{U}}}"', "${{{U}}}"), ('  "{c}": "%{U}%"', "%{U}%")], weight=1.5),
    Lang("toml", ["config/production.toml", "deploy/app.toml"],
         [("n", "assign", '{s} = "{v}"'), ("n", "table", '[{prov}_{c}]\n{s} = "{v}"')],
         header="# rendered by deploy tooling\n",
         filler=['region = "eu-west-1"', "workers = 4", "[server.http]\nport = 8080"],
         refs=[('{s} = "${{{U}}}"', "${{{U}}}")]),
    Lang("ini", ["config/app.ini", "deploy/service.conf", "conf/integrations.cfg"],
         [("n", "assign", "{s} = {v}"), ("n", "assign-nospace", "{s}={v}"), ("n", "section", "[{prov}_{s}]\n{s} = {v}")],
         header="; managed by ansible\n[main]\n",
         filler=["host = 0.0.0.0", "port = 8080", "workers = 4"],
         refs=[("{s} = %({U})s", "%({U})s")]),
    Lang("properties", ["src/main/resources/application-prod.properties", "gradle.properties",
                        "config/kafka-client.properties"],
         [("n", "dotted", "{d}={v}"), ("n", "dotted-sp", "{d} = {v}"), ("n", "upper", "{U}={v}")],
         header="# production overrides\n",
         filler=["server.port=8080", "spring.jpa.hibernate.ddl-auto=validate", "logging.level.root=INFO"],
         refs=[("{d}=${{{U}}}", "${{{U}}}")]),
    Lang("xml", ["src/Acme.Web/Web.config", "src/main/resources/integration-context.xml"],
         [("n", "add", '    <add key="{P}" value="{v}" />'), ("n", "element", "    <{c}>{v}</{c}>")],
         header='<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n',
         footer="\n  </appSettings>\n</configuration>\n",
         filler=['    <add key="Environment" value="Production" />', '    <add key="MaxRetries" value="5" />'],
         refs=[('    <add key="{P}" value="#{{{U}}}" />', "#{{{U}}}")], weight=0.7),
    Lang("dockerfile", ["Dockerfile", "services/worker/Dockerfile", "docker/ci-runner.Dockerfile"],
         [("n", "env-eq", "ENV {U}={v}"), ("n", "env-space", "ENV {U} {v}"), ("n", "arg", "ARG {U}={v}"),
          ("h", "run-curl", 'RUN curl -fsSL -H "{hn}: {hv}" {url} -o /tmp/bootstrap.json')],
         header="FROM python:3.12-slim\n\nWORKDIR /app\n", footer='\nCMD ["gunicorn", "app.wsgi:application"]\n',
         filler=["COPY requirements.txt .", "RUN pip install --no-cache-dir -r requirements.txt", "EXPOSE 8080",
                 "USER 10001"],
         refs=[("ARG {U}", "ARG {U}"), ("RUN --mount=type=secret,id={k} ./configure.sh", "id={k}")]),
    Lang("compose", ["docker-compose.yml", "deploy/docker-compose.prod.yml"],
         [("n", "map", "      {U}: {v}"), ("n", "map-dq", '      {U}: "{v}"')],
         header="services:\n  app:\n    image: ghcr.io/acme-corp/app:1.14.2\n    environment:\n",
         footer="\n    ports:\n      - \"8080:8080\"\n",
         filler=["      TZ: UTC", "      LOG_LEVEL: info", "      WORKERS: \"4\""],
         refs=[("      {U}: ${{{U}:?set it in .env}}", "${{{U}:?set it in .env}}")]),
    Lang("gha-env", [".github/workflows/deploy.yml", ".github/workflows/nightly.yml"],
         [("n", "env", "      {U}: {v}"), ("n", "env-sq", "      {U}: '{v}'")],
         header="name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n",
         footer="\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/deploy.sh\n",
         filler=["      AWS_REGION: eu-west-1", '      NODE_VERSION: "20"'],
         refs=[("      {U}: ${{{{ secrets.{U} }}}}", "${{{{ secrets.{U} }}}}")]),
    Lang("gha-steps", [".github/workflows/release.yml", ".github/workflows/smoke-test.yml"],
         [("h", "run-curl", "      - run: curl -fsS -H \"{hn}: {hv}\" {url}"),
          ("n", "step-env", "      - run: ./scripts/publish.sh\n        env:\n          {U}: {v}"),
          ("a", "with-input", "      - uses: acme-corp/deploy-action@v3\n        with:\n          credential: {v}")],
         header="name: release\non: workflow_dispatch\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11\n",
         filler=["      - run: npm ci", "      - run: npm test -- --ci"],
         refs=[("      - run: ./scripts/publish.sh\n        env:\n          {U}: ${{{{ secrets.{U} }}}}",
                "${{{{ secrets.{U} }}}}")]),
    Lang("gitlab-ci", [".gitlab-ci.yml", "ci/templates/deploy.gitlab-ci.yml"],
         [("n", "var-dq", '  {U}: "{v}"'), ("n", "var", "  {U}: {v}")],
         header="stages: [test, deploy]\n\nvariables:\n",
         footer="\n\ndeploy:\n  stage: deploy\n  script:\n    - ./scripts/deploy.sh\n",
         filler=['  DOCKER_DRIVER: overlay2', '  GIT_DEPTH: "10"'],
         refs=[("  {U}: $PROD_{U}", "$PROD_{U}")]),
    Lang("circleci", [".circleci/config.yml"],
         [("n", "environment", "          {U}: {v}")],
         header="version: 2.1\njobs:\n  build:\n    docker:\n      - image: cimg/node:20.11\n        environment:\n",
         footer="\n    steps:\n      - checkout\n      - run: npm ci && npm test\n",
         filler=["          NODE_ENV: test"], weight=0.5),
    Lang("terraform", ["infra/main.tf", "infra/providers.tf", "infra/modules/dns/variables.tf"],
         [("n", "provider", 'provider "{prov}" {{\n  {s} = "{v}"\n}}'),
          ("n", "variable-default", 'variable "{s}" {{\n  type      = string\n  default   = "{v}"\n  sensitive = true\n}}'),
          ("n", "locals", "locals {{\n  {s} = \"{v}\"\n}}")],
         header='terraform {\n  required_version = ">= 1.5"\n}\n\n',
         filler=['resource "aws_s3_bucket" "assets" {\n  bucket = "acme-prod-assets"\n}', '# Managed by platform team'],
         refs=[('module "svc_{s}" {{\n  source = "./modules/svc"\n  {s} = var.{s}\n}}', "var.{s}")]),
    Lang("k8s-env", ["deploy/k8s/api-deployment.yaml", "deploy/k8s/worker-deployment.yaml"],
         [("n", "name-value", "            - name: {U}\n              value: \"{v}\"")],
         header="apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n"
                "      containers:\n        - name: api\n          image: ghcr.io/acme-corp/api:2.3.0\n          env:\n",
         filler=["            - name: LOG_LEVEL\n              value: info"],
         refs=[("            - name: {U}\n              valueFrom:\n                secretKeyRef:\n                  name: api-secrets\n"
                "                  key: {k}", "key: {k}")]),
    Lang("markdown", ["docs/deploy.md", "README.md", "docs/runbooks/incident.md", "docs/api/quickstart.md"],
         [("h", "curl-block", "```bash\ncurl -H \"{hn}: {hv}\" {url}\n```"),
          ("n", "export-block", "```sh\nexport {U}={v}\n```"),
          ("a", "prose", "For staging use `{v}` (ask #platform before rotating it)."),
          ("n", "table", "| {U} | `{v}` | production |")],
         header="# Operations notes\n\nRun the steps below from a clean checkout.\n\n",
         filler=["## Troubleshooting", "> Tokens expire after 90 days.", "See also the on-call handbook."],
         refs=[("```sh\nexport {U}=<your-{k}>\n```", "<your-{k}>")], weight=1.5),
    Lang("comment", ["app/legacy/importer.py", "src/legacy/bootstrap.js", "pkg/legacy/client.go", "scripts/old_cron.sh"],
         [("n", "commented-assign", "# {U} = \"{v}\"  # old value, remove?"),
          ("a", "todo", "// TODO(jsmith): stop hardcoding {v} before the release"),
          ("n", "block-comment", "/* {c} = \"{v}\" (staging) */")],
         header="# legacy module, kept for the import job\n",
         filler=["def run():\n    pass", "// nothing to see here", "# vim: set ts=4 sw=4:"],
         refs=[("# {U} comes from the environment (see docs/deploy.md)", "{U} comes from the environment")]),
    Lang("log", ["logs/app-2024-05-14.log", "ci/logs/build-8812.log"],
         [("n", "config-dump", "2024-05-14T09:12:31.204Z INFO  config loaded {U}={v}"),
          ("h", "request-dump", '2024-05-14T09:12:33.870Z DEBUG outgoing request url={url} headers={{"{hn}": "{hv}"}}'),
          ("a", "retry", "2024-05-14T09:12:35.001Z WARN  upstream 401, retrying with credential {v}")],
         header="2024-05-14T09:12:30.000Z INFO  starting worker pid=4121\n",
         filler=["2024-05-14T09:12:31.550Z INFO  GET /healthz 200 1ms", "2024-05-14T09:12:32.013Z INFO  connected to queue"],
         refs=[("2024-05-14T09:12:31.204Z INFO  config loaded {U}=[REDACTED]", "{U}=[REDACTED]")]),
    Lang("powershell", ["scripts/setup.ps1"],
         [("n", "env", '$env:{U} = "{v}"'), ("n", "var", '${c} = "{v}"'),
          ("h", "irm", 'Invoke-RestMethod -Uri "{url}" -Headers @{{ "{hn}" = "{hv}" }}')],
         header="#Requires -Version 7\n\n",
         filler=['$ErrorActionPreference = "Stop"', "Set-Location $PSScriptRoot"],
         refs=[("$env:{U} = (Get-Secret -Name {k} -AsPlainText)", "Get-Secret -Name {k}")], weight=0.5),
    Lang("sql", ["db/seeds/integrations.sql"],
         [("a", "insert", "INSERT INTO integrations (provider, credential, created_at) VALUES ('{prov}', '{v}', now());")],
         header="-- seed data for the staging database\n",
         filler=["INSERT INTO plans (name, price_cents) VALUES ('pro', 2900);"], weight=0.5),
    Lang("http", ["api.http", "docs/requests/billing.http"],
         [("h", "request", "### {prov}\nGET {url}\n{hn}: {hv}\n")],
         header="# REST client requests\n\n", filler=["###\nGET https://api.acme-corp.io/healthz\n"], weight=0.7),
]

LANG = {lang.name: lang for lang in LANGS}


# --------------------------------------------------------------------------
# DECOYS that go through the same templates as secrets
# --------------------------------------------------------------------------
#
# (kind, variable name, value): each must NOT be reported.

JWT_IO_SAMPLE = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                 ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")


def value_decoys() -> list[tuple[str, str, str]]:
    return [
        ("doc-example-aws", "AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("doc-example-aws", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("doc-example-aws", "AWS_ACCESS_KEY_ID", "AKIAI44QH8DHBEXAMPLE"),
        ("doc-example-aws", "AWS_SECRET_ACCESS_KEY", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"),
        ("doc-example-stripe", "STRIPE_SECRET_KEY", "sk_test_4eC39HqLyjWDarjtT1zdp7dc"),
        ("doc-example-stripe", "STRIPE_SECRET_KEY", "sk_test_BQokikJOvBiI2HlWgH4olfQ2"),
        ("doc-example-stripe", "STRIPE_PUBLISHABLE_KEY", "pk_test_TYooMQauvdEDq54NiTphI7jx"),
        ("doc-example-jwt", "JWT_TOKEN", JWT_IO_SAMPLE),
        ("doc-example-github", "GITHUB_TOKEN", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"),
        ("placeholder", "OPENAI_API_KEY", "<your-api-key>"),
        ("placeholder", "GITHUB_TOKEN", "your_token_here"),
        ("placeholder", "DB_PASSWORD", "changeme"),
        ("placeholder", "SLACK_BOT_TOKEN", "xoxb-your-bot-token"),
        ("placeholder", "STRIPE_SECRET_KEY", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "AWS_SECRET_ACCESS_KEY", "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("placeholder", "AWS_ACCESS_KEY_ID", "AKIAXXXXXXXXXXXXXXXX"),
        ("placeholder", "API_KEY", "REPLACE_WITH_YOUR_KEY"),
        ("placeholder", "SENDGRID_API_KEY", "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "GITHUB_TOKEN", "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "ANTHROPIC_API_KEY", "sk-ant-..."),
        ("placeholder", "DB_PASSWORD", "********"),
        ("placeholder", "SECRET_KEY", "please-change-this-secret-in-production"),
        ("placeholder", "HF_TOKEN", "hf_your_token"),
        ("placeholder", "OPENAI_API_KEY", "sk-your-openai-key"),
        ("placeholder", "DATADOG_API_KEY", "<DATADOG_API_KEY>"),
        ("placeholder", "SMTP_PASSWORD", "CHANGE_ME"),
        ("placeholder", "JWT_SECRET", "replace-me-with-a-long-random-string"),
        ("placeholder", "NPM_TOKEN", "npm_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"),
        ("placeholder", "MAILGUN_API_KEY", "key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        ("placeholder", "DATABASE_URL", "postgres://USER:PASSWORD@HOST:5432/DATABASE"),
        ("placeholder", "TWILIO_AUTH_TOKEN", "your_auth_token"),
        ("placeholder", "ADMIN_PASSWORD", "<password>"),
        ("template", "API_TOKEN", "{{ .Values.token }}"),
        ("template", "DB_PASSWORD", "${DB_PASSWORD}"),
        ("template", "GITHUB_TOKEN", "${{ secrets.GITHUB_TOKEN }}"),
        ("template", "SMTP_PASSWORD", "%(smtp_password)s"),
        ("template", "REDIS_PASSWORD", "{{ redis_password }}"),
        ("template", "VAULT_TOKEN", "$(cat /run/secrets/vault_token)"),
        ("template", "DATABASE_URL", "postgres://app:${DB_PASSWORD}@db:5432/app"),
        ("template", "MONGODB_URI", "mongodb+srv://api:{{ mongo_password }}@cluster0.abcde.mongodb.net/app"),
        ("template", "STRIPE_SECRET_KEY", "#{STRIPE_SECRET_KEY}#"),
        ("template", "SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}"),
        ("bad-checksum", "GITHUB_TOKEN", bad_crc_token("ghp_")),
        ("bad-checksum", "GITHUB_TOKEN", bad_crc_token("ghp_")),
        ("bad-checksum", "GH_TOKEN", bad_crc_token("gho_")),
        ("bad-checksum", "NPM_TOKEN", bad_crc_token("npm_")),
        ("bad-checksum", "NODE_AUTH_TOKEN", bad_crc_token("npm_")),
        ("bad-checksum", "GITHUB_APP_TOKEN", bad_crc_token("ghs_")),
        ("trivial", "DB_PASSWORD", "password"),
        ("trivial", "ADMIN_PASSWORD", "admin"),
        ("trivial", "API_KEY", "test"),
        ("trivial", "REDIS_PASSWORD", ""),
        ("trivial", "SECRET_TOKEN", "null"),
        ("trivial", "MYSQL_ROOT_PASSWORD", "root"),
        ("not-a-secret", "API_URL", "https://api.acme-corp.io/v2"),
        ("not-a-secret", "AWS_REGION", "eu-west-1"),
        ("not-a-secret", "PASSWORD_MIN_LENGTH", "12"),
        ("not-a-secret", "TOKEN_TTL_SECONDS", "3600"),
        ("not-a-secret", "SECRET_NAME", "prod/db/password"),
        ("not-a-secret", "API_KEY_HEADER", "X-Api-Key"),
        ("not-a-secret", "SESSION_TOKEN_COOKIE", "__Host-session"),
        ("not-a-secret", "AUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"),
        ("not-a-secret", "PASSWORD_HASHER", "argon2id"),
        ("not-a-secret", "SECRETS_BACKEND", "aws-secretsmanager"),
        ("uuid", "AZURE_TENANT_ID", uuid4()),
        ("uuid", "AZURE_CLIENT_ID", uuid4()),
        ("uuid", "REQUEST_ID", uuid4()),
        ("git-sha", "GIT_COMMIT", rand(HEX, 40)),
        ("git-sha", "BUILD_SHA", rand(HEX, 40)),
        ("hash-sha256", "ASSET_CHECKSUM", hashlib.sha256(R.randbytes(16)).hexdigest()),
        ("hash-sha1", "CACHE_KEY", hashlib.sha1(R.randbytes(16)).hexdigest()),
        ("hash-md5", "ETAG", hashlib.md5(R.randbytes(16)).hexdigest()),
    ]


# --------------------------------------------------------------------------
# Placement of FORMATS into LANGS
# --------------------------------------------------------------------------


@dataclass
class Item:
    fmt: Fmt
    var: str
    text: str  # what is written
    secret: str  # what is labelled
    lang: Lang
    tag: str
    tid: str
    template: str


def make_value(fmt: Fmt) -> tuple[str, str]:
    made = fmt.gen()
    return made if isinstance(made, tuple) else (made, made)


def template_ok(fmt: Fmt, tag: str) -> bool:
    if tag == "h":
        return fmt.header is not None
    if fmt.kind == "header":
        return False
    if tag == "a":
        return fmt.kind in ("prefixed", "uri")
    return True


def fields_for(fmt: Fmt, var: str, value: str) -> dict:
    f = names(var)
    f.update(v=value, url=fmt.url, hn="", hv="")
    if fmt.header:
        f["hn"] = fmt.header[0]
        f["hv"] = fmt.header[1].format(v=value)
    return f


def render_item(item: Item, formats: dict[str, Fmt]) -> tuple[str, list[Label]]:
    fmt = item.fmt
    text = item.template.format(**fields_for(fmt, item.var, item.text))
    ctx = f"{item.lang.name}:{item.tid}"
    labels = [S(item.secret, fmt.name, fmt.rule, ctx)]
    if fmt.companion and item.tag == "n":
        comp = formats[fmt.companion]
        ctext, csecret = make_value(comp)
        ctext_line = item.template.format(**fields_for(comp, comp.vars[0], ctext))
        text = ctext_line + item.lang.joiner + text
        labels.insert(0, S(csecret, comp.name, comp.rule, ctx))
    return text, labels


class Cycle:
    """Deterministic round-robin over a shuffled list, so every entry is used."""

    def __init__(self, items):
        self.items, self.queue = list(items), []

    def next(self):
        if not self.queue:
            self.queue = self.items[:]
            R.shuffle(self.queue)
        return self.queue.pop()


_DECOY_CYCLE: Optional[Cycle] = None
_REF_CYCLES: dict[str, Cycle] = {}


def render_decoy(lang: Lang) -> Optional[tuple[str, list[Label]]]:
    global _DECOY_CYCLE
    if _DECOY_CYCLE is None:
        _DECOY_CYCLE = Cycle(DECOY_VALUES)
    if lang.refs and R.random() < 0.45:
        tpl, needle = _REF_CYCLES.setdefault(lang.name, Cycle(lang.refs)).next()
        var = pick(["STRIPE_SECRET_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "OPENAI_API_KEY", "SLACK_BOT_TOKEN",
                    "AWS_SECRET_ACCESS_KEY", "SENDGRID_API_KEY", "DATADOG_API_KEY", "JWT_SECRET", "REDIS_PASSWORD"])
        f = names(var)
        return tpl.format(**f), [D(needle.format(**f), "env-reference")]
    named = [t for t in lang.templates if t[0] == "n"]
    if not named:
        return None
    kind, var, value = _DECOY_CYCLE.next()
    _, _, tpl = pick(named)
    f = names(var)
    f.update(v=value)
    text = tpl.format(**f)
    if not value:  # an empty value: label the whole assignment
        return text, [D(text.splitlines()[-1].strip(), kind)]
    return text, [D(value, kind)]


def place_formats(corpus: Corpus, formats: list[Fmt]) -> None:
    by_name = {f.name: f for f in formats}
    lang_uses = {lang.name: 0 for lang in LANGS}
    tpl_uses: dict[tuple[str, str], int] = {}
    items_by_lang: dict[str, list[Item]] = {lang.name: [] for lang in LANGS}
    for fmt in formats:
        chosen: set[str] = set()
        for _ in range(fmt.n):
            cands = [lg for lg in LANGS if lg.name not in chosen and (not fmt.only or lg.name in fmt.only)
                     and any(template_ok(fmt, t[0]) for t in lg.templates)]
            weights = [lg.weight / (1 + lang_uses[lg.name]) for lg in cands]
            lang = R.choices(cands, weights)[0]
            chosen.add(lang.name)
            lang_uses[lang.name] += 1
            tpls = [t for t in lang.templates if template_ok(fmt, t[0])]
            least = min(tpl_uses.get((lang.name, t[1]), 0) for t in tpls)
            tag, tid, tpl = pick([t for t in tpls if tpl_uses.get((lang.name, t[1]), 0) == least])
            tpl_uses[(lang.name, tid)] = least + 1
            text, secret = make_value(fmt)
            items_by_lang[lang.name].append(Item(fmt, pick(fmt.vars), text, secret, lang, tag, tid, tpl))
    for lang in LANGS:
        items = items_by_lang[lang.name]
        R.shuffle(items)
        for start in range(0, len(items), lang.per_file):
            write_lang_file(corpus, lang, items[start:start + lang.per_file], by_name)


def write_lang_file(corpus: Corpus, lang: Lang, items: list[Item], formats: dict[str, Fmt]) -> None:
    doc = corpus.doc(corpus.fresh_path(lang.paths))
    entries: list[tuple[str, list[Label]]] = []
    filler = lang.filler[:]
    R.shuffle(filler)
    for item in items:
        for _ in range(R.randrange(0, 3)):
            if filler:
                entries.append((filler.pop(), []))
        if R.random() < 0.7:
            decoy = render_decoy(lang)
            if decoy:
                entries.append(decoy)
        entries.append(render_item(item, formats))
    if filler:
        entries.append((filler.pop(), []))
    doc.add(lang.header)
    for i, (text, labels) in enumerate(entries):
        if i:
            doc.add(lang.joiner)
        doc.add(text, *labels)
    doc.add(lang.footer)


# --------------------------------------------------------------------------
# Real config-file formats (hand-written builders)
# --------------------------------------------------------------------------


def aws_pair() -> tuple[str, str]:
    return "AKIA" + rand(UPPER + "234567", 16), rand(ALNUM + "/+", 40)


def build_aws_files(c: Corpus) -> None:
    d = c.doc("home/.aws/credentials")
    kid, sk = aws_pair()
    d.add("[default]\n")
    d.add(f"aws_access_key_id = {kid}\n", S(kid, "aws-access-key-id", "aws-access-key-id", "aws-credentials-file"))
    d.add(f"aws_secret_access_key = {sk}\n", S(sk, "aws-secret-access-key", "aws-secret-access-key", "aws-credentials-file"))
    kid2, sk2 = "ASIA" + rand(UPPER + "234567", 16), rand(ALNUM + "/+", 40)
    tok = "IQoJb3JpZ2luX2VjE" + rand(ALNUM + "+/", 380) + "=="
    d.add("\n[prod-admin]\n")
    d.add(f"aws_access_key_id = {kid2}\n", S(kid2, "aws-access-key-id", "aws-access-key-id", "aws-credentials-file"))
    d.add(f"aws_secret_access_key = {sk2}\n", S(sk2, "aws-secret-access-key", "aws-secret-access-key", "aws-credentials-file"))
    d.add(f"aws_session_token = {tok}\n", S(tok, "aws-session-token", "aws-session-token", "aws-credentials-file"))
    d.add("\n[doc-example]\n")
    d.add("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", D("AKIAIOSFODNN7EXAMPLE", "doc-example-aws"))
    d.add("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
          D("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "doc-example-aws"))
    cfg = c.doc("home/.aws/config")
    cfg.add("[default]\nregion = eu-west-1\noutput = json\n\n[profile prod-admin]\n")
    cfg.add("role_arn = arn:aws:iam::123456789012:role/OrganizationAccountAccessRole\n",
            D("arn:aws:iam::123456789012:role/OrganizationAccountAccessRole", "not-a-secret"))
    cfg.add("source_profile = default\nmfa_serial = arn:aws:iam::123456789012:mfa/jdoe\n")
    cfg.add("sso_start_url = https://acme-corp.awsapps.com/start\n")


def build_netrc(c: Corpus) -> None:
    d = c.doc("home/.netrc")
    tok, pw, hk = crc_token("ghp_"), password(16), uuid4()
    d.add(f"machine api.github.com\n  login octocat\n  password {tok}\n",
          S(tok, "github-pat-classic", "github-pat-classic", "netrc"))
    d.add(f"machine ftp.acme-corp.net login deploy password {pw}\n", S(pw, "netrc-password", "netrc-password", "netrc"))
    d.add(f"machine api.heroku.com\n  login ops@acme-corp.io\n  password {hk}\n",
          S(hk, "heroku-api-key", "heroku-api-key", "netrc"))
    d.add("machine mirror.acme-corp.net login anonymous password anonymous\n", D("password anonymous", "anonymous-login"))
    d2 = c.doc("ci/.netrc")
    pw2 = password(20)
    d2.add(f"machine artifacts.acme-corp.io\nlogin ci-publisher\npassword {pw2}\n",
           S(pw2, "netrc-password", "netrc-password", "netrc-multiline"))


def build_pgpass(c: Corpus) -> None:
    d = c.doc("home/.pgpass")
    d.add("# hostname:port:database:username:password\n")
    pw1, pw2 = uri_password(22), uri_password(18)
    pw3 = uri_password(10) + "\\:" + uri_password(10)
    d.add(f"db.prod.internal:5432:orders:orders_rw:{pw1}\n", S(pw1, "pgpass", "pgpass-entry", "pgpass"))
    d.add(f"*:5432:*:replicator:{pw2}\n", S(pw2, "pgpass", "pgpass-entry", "pgpass"))
    d.add(f"10.0.3.12:6432:analytics:bi_reader:{pw3}\n", S(pw3, "pgpass", "pgpass-entry", "pgpass-escaped-colon"))
    d.add("localhost:5432:*:postgres:postgres\n", D("localhost:5432:*:postgres:postgres", "trivial-default"))


def build_filezilla(c: Corpus) -> None:
    d = c.doc("home/.config/filezilla/sitemanager.xml")
    d.add('<?xml version="1.0" encoding="UTF-8" standalone="yes" ?>\n<FileZilla3 version="3.66.4" platform="windows">\n'
          "    <Servers>\n")
    for host, user, proto in [("ftp.acme-corp.net", "webdeploy", 0), ("sftp.partner-logistics.com", "acme_upload", 1)]:
        pw = password(16)
        enc = b64(pw.encode())
        d.add(f"        <Server>\n            <Host>{host}</Host>\n            <Port>{21 if proto == 0 else 22}</Port>\n"
              f"            <Protocol>{proto}</Protocol>\n            <Type>0</Type>\n            <User>{user}</User>\n")
        d.add(f'            <Pass encoding="base64">{enc}</Pass>\n',
              S(enc, "filezilla-password", "filezilla-password-base64", "filezilla-sitemanager"))
        d.add(f"            <Logontype>1</Logontype>\n            <Name>{host}</Name>\n        </Server>\n")
    crypt = b64(R.randbytes(48))
    d.add("        <Server>\n            <Host>ftp.archive.acme-corp.net</Host>\n            <User>archive</User>\n")
    d.add(f'            <Pass encoding="crypt" pubkey="{b64(R.randbytes(64))}">{crypt}</Pass>\n',
          D(crypt, "encrypted-value"))
    d.add("            <Logontype>1</Logontype>\n        </Server>\n    </Servers>\n</FileZilla3>\n")
    r = c.doc("home/.config/filezilla/recentservers.xml")
    pw = password(14)
    r.add('<?xml version="1.0" encoding="UTF-8"?>\n<FileZilla3>\n    <RecentServers>\n        <Server>\n'
          "            <Host>files.acme-corp.net</Host>\n            <Port>21</Port>\n            <User>backup</User>\n")
    r.add(f"            <Pass>{pw}</Pass>\n", S(pw, "filezilla-password", "filezilla-password-plain", "filezilla-recentservers"))
    r.add("        </Server>\n    </RecentServers>\n</FileZilla3>\n")


WP_SALT_ALPHABET = ALNUM + "!@#$%^&*()-_ []{}<>~`+=,.;:/?|"
WP_SALTS = ["AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT", "NONCE_SALT"]


def build_wordpress(c: Corpus) -> None:
    d = c.doc("wordpress/wp-config.php")
    pw = password(20).replace("'", "")
    d.add("<?php\n/** The base configuration for WordPress */\n\n// ** Database settings ** //\n"
          "define( 'DB_NAME', 'wp_acme' );\ndefine( 'DB_USER', 'wp_acme' );\n")
    d.add(f"define( 'DB_PASSWORD', '{pw}' );\n", S(pw, "wordpress-db-password", "wordpress-db-password", "wp-config"))
    d.add("define( 'DB_HOST', 'mysql.internal' );\ndefine( 'DB_CHARSET', 'utf8mb4' );\n\n")
    for name in WP_SALTS:
        salt = "".join(R.choice(WP_SALT_ALPHABET) for _ in range(64))
        d.add(f"define( '{name}',{' ' * (17 - len(name))}'{salt}' );\n",
              S(salt, "wordpress-auth-salt", "wordpress-auth-salt", "wp-config"))
    d.add("\n$table_prefix = 'wp_';\ndefine( 'WP_DEBUG', false );\n\nif ( ! defined( 'ABSPATH' ) ) {\n"
          "\tdefine( 'ABSPATH', __DIR__ . '/' );\n}\nrequire_once ABSPATH . 'wp-settings.php';\n")
    s = c.doc("wordpress/wp-config-sample.php")
    s.add("<?php\ndefine( 'DB_NAME', 'database_name_here' );\ndefine( 'DB_USER', 'username_here' );\n")
    s.add("define( 'DB_PASSWORD', 'password_here' );\n", D("password_here", "placeholder"))
    s.add("define( 'DB_HOST', 'localhost' );\n\n")
    for name in WP_SALTS:
        s.add(f"define( '{name}',{' ' * (17 - len(name))}'put your unique phrase here' );\n",
              D("put your unique phrase here", "placeholder"))


def build_npm_files(c: Corpus) -> None:
    d = c.doc("webapp/.npmrc")
    gh = crc_token("ghp_")
    d.add("registry=https://registry.npmjs.org/\n@acme:registry=https://npm.pkg.github.com/\n")
    d.add(f"//npm.pkg.github.com/:_authToken={gh}\n", S(gh, "github-pat-classic", "github-pat-classic", "npmrc"))
    d.add("//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", D("${NPM_TOKEN}", "template"))
    d.add("always-auth=true\n")
    h = c.doc("home/.npmrc")
    npm = crc_token("npm_")
    h.add(f"//registry.npmjs.org/:_authToken={npm}\n", S(npm, "npm-access-token", "npm-access-token", "npmrc"))
    basic = b64(f"ci-bot:{password(18)}".encode())
    h.add(f"//artifactory.acme-corp.io/artifactory/api/npm/npm-virtual/:_auth={basic}\n",
          S(basic, "npmrc-basic-auth", "npmrc-basic-auth", "npmrc"))
    h.add("//nexus.acme-corp.io/repository/npm-private/:username=ci-bot\n")
    npw = b64(password(16).encode())
    h.add(f"//nexus.acme-corp.io/repository/npm-private/:_password={npw}\n",
          S(npw, "npmrc-password", "npmrc-password", "npmrc"))
    verd = rand(ALNUM + "/+", 43) + "="
    h.add(f'//npm.acme-corp.io/:_authToken="{verd}"\n', S(verd, "npmrc-auth-token", "npmrc-auth-token", "npmrc"))
    h.add("email=ci@acme-corp.io\n")
    y = c.doc("webapp/.yarnrc.yml")
    npm2 = crc_token("npm_")
    y.add("nodeLinker: node-modules\n\nnpmScopes:\n  acme:\n    npmRegistryServer: \"https://registry.npmjs.org\"\n")
    y.add(f'    npmAuthToken: "{npm2}"\n', S(npm2, "npm-access-token", "npm-access-token", "yarnrc"))
    y.add("\nyarnPath: .yarn/releases/yarn-4.1.0.cjs\n")


def build_python_packaging(c: Corpus) -> None:
    d = c.doc("home/.pypirc")
    tok = "pypi-AgEIcHlwaS5vcmc" + rand(URLSAFE, 160)
    pw = password(18)
    d.add("[distutils]\nindex-servers =\n    pypi\n    internal\n\n[pypi]\nusername = __token__\n")
    d.add(f"password = {tok}\n", S(tok, "pypi-api-token", "pypi-api-token", "pypirc"))
    d.add("\n[internal]\nrepository = https://pypi.acme-corp.io/simple/\nusername = deploy\n")
    d.add(f"password = {pw}\n", S(pw, "pypirc-password", "pypirc-password", "pypirc-second-index"))
    p = c.doc("home/.config/pip/pip.conf")
    pw2 = uri_password(20)
    p.add("[global]\ntimeout = 60\n")
    p.add(f"index-url = https://ci:{pw2}@pypi.acme-corp.io/simple/\n",
          S(pw2, "pip-index-url-credentials", "pip-index-url-credentials", "pip-conf"))


def build_docker_configs(c: Corpus) -> None:
    d = c.doc("home/.docker/config.json")
    gh, dh = crc_token("ghp_"), "dckr_pat_" + rand(URLSAFE, 27)
    ecr = b64(json.dumps({"payload": b64(R.randbytes(600)), "datakey": b64(R.randbytes(180)), "version": "2",
                          "type": "DATA_KEY", "expiration": 1718000000}).encode())
    auths = [("ghcr.io", f"acme-bot:{gh}", gh, "github-pat-classic"),
             ("https://index.docker.io/v1/", f"acmecorp:{dh}", dh, "docker-hub-access-token"),
             ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", f"AWS:{ecr}", None, None)]
    d.add('{\n\t"auths": {\n')
    for i, (reg, plain, inner, inner_rule) in enumerate(auths):
        enc = b64(plain.encode())
        d.add(f'\t\t"{reg}": {{\n')
        labels = [S(enc, "docker-config-auth", "docker-config-auth", "docker-config-json")]
        if inner:
            labels.append(S(inner, inner_rule, inner_rule, "docker-config-json:base64-auth", encoded=True, anchor=enc))
        d.add(f'\t\t\t"auth": "{enc}"\n', *labels)
        d.add("\t\t}" + ("," if i < len(auths) - 1 else "") + "\n")
    d.add('\t},\n\t"HttpHeaders": {\n\t\t"User-Agent": "Docker-Client/24.0.7 (linux)"\n\t}\n}\n')
    h = c.doc("home/.docker/config.helper.json")
    h.add('{\n\t"auths": {\n\t\t"ghcr.io": {},\n\t\t"https://index.docker.io/v1/": {}\n\t},\n')
    h.add('\t"credsStore": "osxkeychain"\n}\n', D("osxkeychain", "credential-helper"))


def build_k8s_secrets(c: Corpus) -> None:
    d = c.doc("deploy/k8s/secrets.yaml")
    d.add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-credentials\n  namespace: payments\n  labels:\n"
          "    app.kubernetes.io/name: payments-api\ntype: Opaque\ndata:\n")
    user = b64(b"payments_api")
    d.add(f"  DB_USER: {user}\n", D(user, "k8s-data-username"))
    for key, value, inner_fmt in [
        ("DB_PASSWORD", password(22), None),
        ("STRIPE_SECRET_KEY", "sk_live_51" + rand(ALNUM, 97), "stripe-live-secret-key"),
        ("SENDGRID_API_KEY", "SG." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43), "sendgrid-api-key"),
        ("JWT_SIGNING_SECRET", rand(ALNUM, 48), None),
    ]:
        enc = b64(value.encode())
        labels = [S(enc, "kubernetes-secret-data", "kubernetes-secret-data", "k8s-secret-data")]
        if inner_fmt:
            labels.append(S(value, inner_fmt, inner_fmt, "k8s-secret-data:base64", encoded=True, anchor=enc))
        d.add(f"  {key}: {enc}\n", *labels)
    d.add("  LOG_LEVEL: aW5mbw==\n", D("aW5mbw==", "k8s-data-nonsecret"))
    # a TLS secret: the certificate is public, the key is not
    cert = pem("CERTIFICATE", der_seq(der_seq(der(0xA0, der_int(2)), der_int(rand_int(128)),
                                              der(0x04, R.randbytes(700))), der(0x03, b"\x00" + R.randbytes(256))))
    key = pem("RSA PRIVATE KEY", rsa_pkcs1_der(2048))
    crt_b64, key_b64 = b64((cert.text() + "\n").encode()), b64((key.text() + "\n").encode())
    d.add("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: api-tls\n  namespace: payments\n"
          "type: kubernetes.io/tls\ndata:\n")
    d.add(f"  tls.crt: {crt_b64}\n", D(crt_b64, "k8s-data-certificate"))
    d.add(f"  tls.key: {key_b64}\n", S(key_b64, "private-key-pem-base64", "private-key-pem-base64", "k8s-secret-data"))
    s = c.doc("deploy/k8s/worker-secret.yaml")
    rpw, smtp = uri_password(28), password(20)
    bot = f"xoxb-{rand(DIGITS, 11)}-{rand(DIGITS, 13)}-{rand(ALNUM, 24)}"
    s.add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: worker-env\n  namespace: jobs\ntype: Opaque\nstringData:\n")
    s.add(f"  REDIS_URL: redis://default:{rpw}@redis-master.jobs.svc:6379/0\n",
          S(rpw, "redis-uri", "redis-uri-password", "k8s-secret-stringdata"))
    s.add(f"  SLACK_BOT_TOKEN: {bot}\n", S(bot, "slack-bot-token", "slack-bot-token", "k8s-secret-stringdata"))
    s.add(f"  SMTP_PASSWORD: \"{smtp}\"\n", S(smtp, "generic-password", "generic-credential-assignment", "k8s-secret-stringdata"))
    t = c.doc("charts/api/templates/secret.yaml")
    t.add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"api.fullname\" . }}\ntype: Opaque\ndata:\n")
    t.add("  DB_PASSWORD: {{ .Values.postgresql.auth.password | b64enc | quote }}\n",
          D("{{ .Values.postgresql.auth.password | b64enc | quote }}", "template"))
    t.add("  STRIPE_SECRET_KEY: {{ required \"stripe key\" .Values.stripe.secretKey | b64enc }}\n",
          D("{{ required \"stripe key\" .Values.stripe.secretKey | b64enc }}", "template"))
    sealed = c.doc("deploy/k8s/sealed-secret.yaml")
    blob = "AgB" + b64(R.randbytes(500))
    sealed.add("apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: api-credentials\n"
               "  namespace: payments\nspec:\n  encryptedData:\n")
    sealed.add(f"    DB_PASSWORD: {blob}\n", D(blob, "encrypted-value"))
    sealed.add("  template:\n    metadata:\n      name: api-credentials\n")


def gcp_service_account(project: str) -> tuple[dict, str]:
    key = pem("PRIVATE KEY", pkcs8_der(2048))
    pk = key.text() + "\n"
    sa = {
        "type": "service_account",
        "project_id": project,
        "private_key_id": rand(HEX, 40),
        "private_key": pk,
        "client_email": f"ci-deployer@{project}.iam.gserviceaccount.com",
        "client_id": rand(DIGITS, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/ci-deployer%40{project}.iam.gserviceaccount.com",
        "universe_domain": "googleapis.com",
    }
    return sa, json.dumps(pk)[1:-1]  # the JSON-escaped private key, as it appears in the file


def build_gcp(c: Corpus) -> None:
    sa, esc = gcp_service_account(f"acme-prod-{rand(LOWER + DIGITS, 6)}")
    c.doc("secrets/gcp-sa-prod.json").add(json.dumps(sa, indent=2) + "\n",
                                          S(esc, "gcp-service-account-key", "gcp-service-account-key", "gcp-sa-json"))
    sa2, esc2 = gcp_service_account(f"acme-data-{rand(LOWER + DIGITS, 6)}")
    d = c.doc("scripts/bq_export.py")
    d.add("from google.cloud import bigquery\nfrom google.oauth2 import service_account\n\n")
    d.add(f"CREDENTIALS_INFO = {json.dumps(sa2)}\n",
          S(esc2, "gcp-service-account-key", "gcp-service-account-key", "python:inline-sa-json"))
    d.add("\ncreds = service_account.Credentials.from_service_account_info(CREDENTIALS_INFO)\n"
          "client = bigquery.Client(credentials=creds, project=CREDENTIALS_INFO[\"project_id\"])\n")
    # encoded: the whole key file base64'd into a CI variable
    sa3, esc3 = gcp_service_account(f"acme-ci-{rand(LOWER + DIGITS, 6)}")
    blob = b64(json.dumps(sa3, indent=2).encode())
    e = c.doc("deploy/ci.env")
    e.add("# CI variables exported from the old Jenkins\nCLOUDSDK_CORE_PROJECT=acme-ci\n")
    e.add(f"GCP_SA_KEY_B64={blob}\n", S(esc3, "gcp-service-account-key", "gcp-service-account-key",
                                       "dotenv:base64-sa-json", encoded=True, anchor=blob))
    e.add("GOOGLE_APPLICATION_CREDENTIALS=/tmp/sa.json\n")


def add_pem_file(c: Corpus, path: str, key: Pem, fmt: str, rule: str, context: str, preamble: str = "") -> None:
    text = preamble + key.text() + "\n"
    c.doc(path).add(text, S(key.secret_in(text), fmt, rule, context))


def build_private_keys(c: Corpus) -> None:
    # standalone key files
    add_pem_file(c, "home/.ssh/id_rsa", pem("RSA PRIVATE KEY", rsa_pkcs1_der(2048)),
                 "private-key-rsa", "private-key-rsa", "pem-file")
    add_pem_file(c, "home/.ssh/id_ed25519", openssh_ed25519("jdoe@laptop"),
                 "private-key-openssh", "private-key-openssh", "pem-file")
    add_pem_file(c, "ci/keys/deploy_key", openssh_ed25519("deploy@ci"),
                 "private-key-openssh", "private-key-openssh", "pem-file")
    add_pem_file(c, "certs/api.acme-corp.io.key", pem("PRIVATE KEY", pkcs8_der(2048)),
                 "private-key-pkcs8", "private-key-pkcs8", "pem-file")
    add_pem_file(c, "deploy/jwt/es256-private.pem", pem("EC PRIVATE KEY", ec_der()),
                 "private-key-ec", "private-key-ec", "pem-file")
    add_pem_file(c, "deploy/keys/release-signing.asc", pgp_private_key(),
                 "private-key-pgp", "private-key-pgp", "pem-file")
    enc_rsa = pem("RSA PRIVATE KEY", R.randbytes(1192),
                  headers=["Proc-Type: 4,ENCRYPTED", f"DEK-Info: AES-128-CBC,{rand(HEX.upper(), 32)}", ""])
    add_pem_file(c, "certs/legacy/server-enc.key", enc_rsa, "private-key-rsa", "private-key-rsa", "pem-file-encrypted")
    add_pem_file(c, "secrets/backup-key.p8", pem("ENCRYPTED PRIVATE KEY", encrypted_pkcs8_der()),
                 "private-key-pkcs8-encrypted", "private-key-pkcs8-encrypted", "pem-file")
    add_pem_file(c, "keys/legacy_dsa.pem", pem("DSA PRIVATE KEY", dsa_der()),
                 "private-key-dsa", "private-key-dsa", "pem-file")
    add_pem_file(c, "certs/bundle-with-key.pem", pem("PRIVATE KEY", pkcs8_der(2048)),
                 "private-key-pkcs8", "private-key-pkcs8", "pem-bundle",
                 preamble=cert_pem().text() + "\n")
    ppk, priv = putty_ppk()
    c.doc("home/.ssh/deploy.ppk").add(ppk, S(priv, "putty-private-key", "putty-private-key", "ppk-file"))

    # keys embedded in other files
    k = pem("PRIVATE KEY", pkcs8_der(2048))
    d = c.doc("app/auth/signing.py")
    d.add('"""JWT signing for service-to-service calls."""\nimport jwt\n\n')
    block = f'PRIVATE_KEY = """{k.text()}\n"""\n'
    d.add(block, S(k.secret_in(block), "private-key-pkcs8", "private-key-pkcs8", "python:triple-quoted"))
    d.add('\n\ndef sign(claims: dict) -> str:\n    return jwt.encode(claims, PRIVATE_KEY, algorithm="RS256")\n')

    k = openssh_ed25519("ansible@bastion")
    d = c.doc("deploy/ansible/group_vars/prod.yml")
    d.add("ansible_user: deploy\nansible_port: 22\n")
    block = "deploy_ssh_private_key: |\n" + k.text(indent="  ") + "\n"
    d.add(block, S(k.secret_in(block), "private-key-openssh", "private-key-openssh", "yaml:block-scalar"))
    d.add("nginx_worker_processes: 4\n")

    k = pem("PRIVATE KEY", pkcs8_der(2048))
    d = c.doc("services/auth/.env")
    d.add("AUTH_ISSUER=https://auth.acme-corp.io/\nAUTH_AUDIENCE=orders-api\n")
    line = 'JWT_PRIVATE_KEY="' + k.text(sep="\\n") + '\\n"\n'
    d.add(line, S(k.secret_in(line), "private-key-pkcs8", "private-key-pkcs8", "dotenv:escaped-newlines"))
    d.add("JWT_TTL_SECONDS=900\n")

    k = pem("RSA PRIVATE KEY", rsa_pkcs1_der(2048))
    d = c.doc("infra/bastion.tf")
    d.add('resource "tls_private_key" "unused" {\n  algorithm = "RSA"\n}\n\n')
    block = 'locals {\n  bastion_private_key = <<-EOT\n' + k.text(indent="    ") + "\n  EOT\n}\n"
    d.add(block, S(k.secret_in(block), "private-key-rsa", "private-key-rsa", "terraform:heredoc"))

    k = pem("EC PRIVATE KEY", ec_der())
    d = c.doc("config/jwt.json")
    body = json.dumps({"issuer": "https://auth.acme-corp.io/", "algorithm": "ES256", "privateKey": k.text() + "\n",
                       "keyId": rand(HEX, 16)}, indent=2) + "\n"
    d.add(body, S(k.secret_in(body), "private-key-ec", "private-key-ec", "json:escaped-newlines"))

    k = openssh_ed25519("oncall@acme-corp.io")
    d = c.doc("docs/runbooks/bastion-access.md")
    d.add("# Bastion access\n\nIf the SSO broker is down, use the break-glass key below:\n\n```\n")
    block = k.text() + "\n```\n"
    d.add(block, S(k.secret_in(block), "private-key-openssh", "private-key-openssh", "markdown:code-block"))
    d.add("\nRotate it after use.\n")

    k = pem("RSA PRIVATE KEY", rsa_pkcs1_der(2048))
    d = c.doc(".github/workflows/deploy-bastion.yml")
    d.add("name: bastion\non: workflow_dispatch\njobs:\n  ssh:\n    runs-on: ubuntu-latest\n    steps:\n"
          "      - uses: webfactory/ssh-agent@v0.9.0\n        with:\n")
    block = "          ssh-private-key: |\n" + k.text(indent="            ") + "\n"
    d.add(block, S(k.secret_in(block), "private-key-rsa", "private-key-rsa", "gha:block-scalar"))
    d.add("      - run: ssh deploy@bastion.acme-corp.io uptime\n")


def cert_pem() -> Pem:
    return pem("CERTIFICATE", der_seq(der_seq(der(0xA0, der_int(2)), der_int(rand_int(128)),
                                              der(0x04, R.randbytes(600))), der(0x03, b"\x00" + R.randbytes(256))))


def build_twilio(c: Corpus) -> None:
    d = c.doc("services/sms/sender.py")
    sid, tok = "AC" + rand(HEX, 32), rand(HEX, 32)
    d.add("from twilio.rest import Client\n\n")
    d.add(f'client = Client("{sid}", "{tok}")\n',
          S(tok, "twilio-account-credentials", "twilio-account-credentials", "python:ctor-args"))
    d.add('\n\ndef send(to: str, body: str) -> None:\n    client.messages.create(to=to, from_="+15005550006", body=body)\n')
    d = c.doc("scripts/sms_smoke_test.sh")
    sid, tok = "AC" + rand(HEX, 32), rand(HEX, 32)
    d.add("#!/bin/sh\n")
    d.add(f"curl -X POST https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json -u {sid}:{tok} "
          "--data-urlencode 'To=+15005550006' --data-urlencode 'Body=smoke'\n",
          S(tok, "twilio-account-credentials", "twilio-account-credentials", "shell:curl-basic-auth"))
    sid, tok = "AC" + rand(HEX, 32), rand(HEX, 32)
    d = c.doc("config/notifications.yml")
    d.add("sms:\n  provider: twilio\n")
    d.add(f"  url: https://{sid}:{tok}@api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json\n",
          S(tok, "twilio-account-credentials", "twilio-account-credentials", "yaml:url-userinfo"))


def apr1_hash() -> str:
    return "$apr1$" + rand(ALNUM + "./", 8) + "$" + rand(ALNUM + "./", 22)


def bcrypt_hash() -> str:
    return "$2y$10$" + rand(ALNUM + "./", 53)


def build_misc_configs(c: Corpus) -> None:
    d = c.doc("home/.git-credentials")
    gh, pw, gl = crc_token("ghp_"), uri_password(20), "glpat-" + rand(URLSAFE, 20)
    d.add(f"https://jdoe:{gh}@github.com\n", S(gh, "github-pat-classic", "github-pat-classic", "git-credentials"))
    d.add(f"https://build-bot:{pw}@git.acme-corp.io\n", S(pw, "git-credentials-url", "git-credentials-url", "git-credentials"))
    d.add(f"https://oauth2:{gl}@gitlab.com\n", S(gl, "gitlab-pat", "gitlab-pat", "git-credentials"))

    d = c.doc("home/.my.cnf")
    pw = password(18).replace("#", "")
    d.add("[client]\nuser = backup\n")
    d.add(f'password = "{pw}"\n', S(pw, "mysql-option-file-password", "mysql-option-file-password", "my.cnf"))
    d.add("host = mysql.internal\n\n[mysqldump]\nsingle-transaction\n")

    d = c.doc("etc/redis/redis.conf")
    pw = rand(ALNUM, 32)
    d.add("bind 0.0.0.0\nport 6379\nprotected-mode yes\n\n# requirepass foobared\n",
          D("# requirepass foobared", "commented-default"))
    d.add(f"requirepass {pw}\n", S(pw, "redis-requirepass", "redis-requirepass", "redis.conf"))
    d.add("maxmemory 2gb\nmaxmemory-policy allkeys-lru\n")

    d = c.doc("home/.m2/settings.xml")
    pw = password(18).replace("<", "").replace("&", "")
    d.add('<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n  <servers>\n    <server>\n'
          "      <id>acme-releases</id>\n      <username>deploy</username>\n")
    d.add(f"      <password>{pw}</password>\n", S(pw, "maven-settings-password", "maven-settings-password", "maven-settings"))
    d.add("    </server>\n    <server>\n      <id>acme-snapshots</id>\n      <username>deploy</username>\n")
    d.add("      <password>${env.NEXUS_PASSWORD}</password>\n", D("${env.NEXUS_PASSWORD}", "template"))
    d.add("    </server>\n  </servers>\n</settings>\n")

    d = c.doc("home/.kube/config")
    ca = b64((cert_pem().text() + "\n").encode())
    client_cert = b64((cert_pem().text() + "\n").encode())
    client_key = b64((pem("RSA PRIVATE KEY", rsa_pkcs1_der(2048)).text() + "\n").encode())
    sa_token = jwt({"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "ci",
                    "sub": "system:serviceaccount:ci:deployer"}, alg="RS256", sig_bytes=256)
    d.add("apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n")
    d.add(f"    certificate-authority-data: {ca}\n", D(ca, "certificate"))
    d.add("    server: https://k8s.prod.acme-corp.io:6443\n  name: prod\ncontexts:\n- context:\n    cluster: prod\n"
          "    user: admin\n  name: prod-admin\ncurrent-context: prod-admin\nusers:\n- name: admin\n  user:\n")
    d.add(f"    client-certificate-data: {client_cert}\n", D(client_cert, "certificate"))
    d.add(f"    client-key-data: {client_key}\n",
          S(client_key, "kubeconfig-client-key-data", "kubeconfig-client-key-data", "kubeconfig"))
    d.add("- name: ci-deployer\n  user:\n")
    d.add(f"    token: {sa_token}\n", S(sa_token, "kubeconfig-user-token", "kubeconfig-user-token", "kubeconfig"))

    d = c.doc("etc/wireguard/wg0.conf")
    raw = bytearray(R.randbytes(32))
    raw[0] &= 248
    raw[31] = (raw[31] & 127) | 64
    priv = b64(bytes(raw))
    pub = b64(R.randbytes(32))
    d.add("[Interface]\nAddress = 10.8.0.2/24\nListenPort = 51820\n")
    d.add(f"PrivateKey = {priv}\n", S(priv, "wireguard-private-key", "wireguard-private-key", "wireguard-conf"))
    d.add("DNS = 10.8.0.1\n\n[Peer]\n")
    d.add(f"PublicKey = {pub}\n", D(pub, "public-key"))
    d.add("Endpoint = vpn.acme-corp.io:51820\nAllowedIPs = 10.0.0.0/8\nPersistentKeepalive = 25\n")

    d = c.doc("etc/nginx/.htpasswd")
    h1, h2 = apr1_hash(), bcrypt_hash()
    d.add(f"admin:{h1}\n", S(h1, "htpasswd-hash", "htpasswd-hash", "htpasswd"))
    d.add(f"metrics:{h2}\n", S(h2, "htpasswd-hash", "htpasswd-hash", "htpasswd"))

    d = c.doc("app/settings/base.py")
    alphabet = LOWER + DIGITS + "!@#%^&*-_=+"
    key = rand(alphabet, 50)
    d.add('"""Base Django settings."""\nfrom pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent\n\n')
    d.add(f"SECRET_KEY = '{key}'\n", S(key, "django-secret-key", "django-secret-key", "django-settings"))
    d.add("\nDEBUG = False\nALLOWED_HOSTS = ['.acme-corp.io']\nAUTH_PASSWORD_VALIDATORS = [\n"
          "    {'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator'},\n]\n")

    d = c.doc("home/.terraform.d/credentials.tfrc.json")
    tok = rand(ALNUM, 14) + ".atlasv1." + rand(URLSAFE, 67)
    d.add('{\n  "credentials": {\n    "app.terraform.io": {\n')
    d.add(f'      "token": "{tok}"\n', S(tok, "terraform-cloud-token", "terraform-cloud-token", "terraformrc"))
    d.add("    }\n  }\n}\n")

    d = c.doc("deploy/ecs/task-definition.json")
    sk, pw = "sk_live_51" + rand(ALNUM, 97), password(20)
    d.add('{\n  "family": "orders-api",\n  "containerDefinitions": [\n    {\n      "name": "api",\n'
          '      "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders-api:3.2.1",\n      "environment": [\n')
    d.add(f'        {{ "name": "STRIPE_SECRET_KEY", "value": "{sk}" }},\n',
          S(sk, "stripe-live-secret-key", "stripe-live-secret-key", "ecs-task-definition"))
    d.add(f'        {{ "name": "DB_PASSWORD", "value": "{pw}" }},\n',
          S(pw, "generic-password", "generic-credential-assignment", "ecs-task-definition:name-value"))
    d.add('        { "name": "AWS_REGION", "value": "eu-west-1" }\n      ],\n      "secrets": [\n')
    arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders/db-AbCdEf"
    d.add(f'        {{ "name": "DB_PASSWORD_ARN", "valueFrom": "{arn}" }}\n', D(arn, "secret-reference"))
    d.add("      ]\n    }\n  ]\n}\n")


# --------------------------------------------------------------------------
# Jupyter notebooks: secrets inside JSON strings
# --------------------------------------------------------------------------


def nb_cell(source, outputs=None, cell_type="code") -> dict:
    if isinstance(source, str):
        lines = source
    else:
        lines = [line + "\n" for line in source[:-1]] + [source[-1]]
    cell = {"cell_type": cell_type, "metadata": {"id": rand(ALNUM, 12)}, "source": lines}
    if cell_type == "code":
        cell["execution_count"] = R.randrange(1, 40)
        cell["outputs"] = outputs or []
    return cell


def notebook(cells: list[dict]) -> str:
    nb = {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                                       "language_info": {"name": "python", "version": "3.11.7"}},
          "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(nb, indent=1) + "\n"


def build_notebooks(c: Corpus) -> None:
    proj = "sk-proj-" + rand(URLSAFE, 74) + "T3BlbkFJ" + rand(URLSAFE, 74)
    ant = "sk-ant-api03-" + rand(URLSAFE, 93) + "AA"
    hf = "hf_" + rand(UPPER + LOWER, 34)
    kid, sk = aws_pair()
    mistral = rand(ALNUM, 32)
    pg_uri, pg_pw = _pg()
    hook = f"https://hooks.slack.com/services/T{rand(UPPER + DIGITS, 10)}/B{rand(UPPER + DIGITS, 10)}/{rand(ALNUM, 24)}"
    ec = pem("EC PRIVATE KEY", ec_der())
    png = b64(b"\x89PNG\r\n\x1a\n" + R.randbytes(1500))
    cells = [
        nb_cell(["# LLM evaluation scratchpad", "", "Quick comparison of providers on the support-ticket set."],
                cell_type="markdown"),
        nb_cell(["import os", "import openai", "import anthropic", "", f'openai.api_key = "{proj}"',
                 f'claude = anthropic.Anthropic(api_key="{ant}")']),
        nb_cell(["from huggingface_hub import login", f"login(token='{hf}')", f"os.environ['MISTRAL_API_KEY'] = '{mistral}'"]),
        nb_cell(["import boto3", "s3 = boto3.client(", '    "s3",', f'    aws_access_key_id="{kid}",',
                 f'    aws_secret_access_key="{sk}",', ")"]),
        nb_cell(["!cat ../.env"], outputs=[{"name": "stdout", "output_type": "stream",
                                          "text": ["APP_ENV=staging\n", f"DATABASE_URL={pg_uri}\n", f"SLACK_WEBHOOK_URL={hook}\n"]}]),
        nb_cell(f"SIGNING_KEY = '''{ec.text()}\n'''"),
        nb_cell(["import matplotlib.pyplot as plt", "plt.plot(scores)"],
                outputs=[{"data": {"image/png": png, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                          "metadata": {}, "output_type": "display_data"}]),
    ]
    text = notebook(cells)
    d = c.doc("notebooks/llm_eval.ipynb")
    d.add(text)
    d.mark(S(proj, "openai-project-key", "openai-project-key", "ipynb:source"),
           S(ant, "anthropic-api-key", "anthropic-api-key", "ipynb:source"),
           S(hf, "huggingface-token", "huggingface-token", "ipynb:source"),
           S(mistral, "mistral-api-key", "mistral-api-key", "ipynb:source-single-quotes"),
           S(kid, "aws-access-key-id", "aws-access-key-id", "ipynb:source"),
           S(sk, "aws-secret-access-key", "aws-secret-access-key", "ipynb:json-escaped-quotes", encoded=True),
           S(pg_pw, "postgres-uri", "postgres-uri-password", "ipynb:stream-output"),
           S(hook, "slack-webhook-url", "slack-webhook-url", "ipynb:stream-output"),
           S(ec.secret_in(text), "private-key-ec", "private-key-ec", "ipynb:string-source-escaped-newlines"),
           D(png[:60], "notebook-image-output"))

    gh = crc_token("ghp_")
    dd = rand(HEX, 32)
    sg = "SG." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43)
    rsa = pem("RSA PRIVATE KEY", rsa_pkcs1_der(2048))
    mongo_uri, mongo_pw = _mongo()
    cells = [
        nb_cell(["# Churn exploration"], cell_type="markdown"),
        nb_cell(["import os, psycopg2, pymongo", f'os.environ["GITHUB_TOKEN"] = "{gh}"',
                 f'DD_API_KEY = "{dd}"', f'mongo = pymongo.MongoClient("{mongo_uri}")']),
        nb_cell(["import sendgrid", f"sg = sendgrid.SendGridAPIClient('{sg}')"]),
        nb_cell(["key_pem = \"\"\"" + rsa.lines()[0], *rsa.lines()[1:], '"""']),
        nb_cell(["df = load_events(days=30)", "df.describe()"],
                outputs=[{"data": {"text/plain": ["count  1.2e+05"]}, "execution_count": 3, "metadata": {},
                          "output_type": "execute_result"}]),
    ]
    text = notebook(cells)
    d = c.doc("notebooks/churn_exploration.ipynb")
    d.add(text)
    d.mark(S(gh, "github-pat-classic", "github-pat-classic", "ipynb:source"),
           S(dd, "datadog-api-key", "datadog-api-key", "ipynb:json-escaped-quotes", encoded=True),
           S(mongo_pw, "mongodb-uri", "mongodb-uri-password", "ipynb:source"),
           S(sg, "sendgrid-api-key", "sendgrid-api-key", "ipynb:source"),
           S("\n".join(rsa.body), "private-key-rsa", "private-key-rsa", "ipynb:pem-split-across-json-strings",
             encoded=True, anchor=rsa.body[0]))


# --------------------------------------------------------------------------
# Minified JavaScript: everything on one very long line
# --------------------------------------------------------------------------

_JS_SNIPPETS = [
    "function({a}){{return {a}&&{a}.__esModule?{a}:{{default:{a}}}}}",
    "var {a}=Object.defineProperty,{b}=Object.getOwnPropertyDescriptor;",
    "{a}.exports=function({b},{c}){{var {d}=[];return {d}.push({b},{c}),{d}}};",
    "(0,{a}.jsx)(\"div\",{{className:\"card-header\",children:{b}.title}})",
    "{a}.d({b},{{Z:function(){{return {c}}}}});",
    "var {a}=/^(?:[a-z0-9]+)$/i;",
    "const {a}={{apiBase:\"https://api.acme-corp.io/v2\",timeout:3e4,retries:3}};",
    "if(!{a}.ok)throw new Error(\"request failed: \"+{a}.status);",
    "for(var {a}=0;{a}<{b}.length;{a}++){c}+={b}[{a}].price*{b}[{a}].qty;",
    "{a}.prototype.render=function(){{return this.props.children}};",
    "window.__INITIAL_STATE__={{user:null,locale:\"en-GB\",flags:{{checkout:!0}}}};",
    "document.addEventListener(\"DOMContentLoaded\",function(){{{a}({b})}});",
    "var {a}={{\"auth.login.title\":\"Sign in\",\"auth.password.label\":\"Password\",\"auth.password.forgot\":\"Forgot your password?\"}};",
    "{a}.setState({{loading:!1,error:{b}.message}});",
    "return fetch({a}.apiBase+\"/orders?page=\"+{b},{{credentials:\"include\"}});",
    "var {a}={{csrfToken:{b}.csrf,sessionTimeout:1800}};",
]


def js_ident() -> str:
    return R.choice(string.ascii_letters) + (R.choice(string.ascii_letters + DIGITS) if R.random() < 0.5 else "")


def js_junk(n: int) -> str:
    out = []
    for _ in range(n):
        out.append(R.choice(_JS_SNIPPETS).format(a=js_ident(), b=js_ident(), c=js_ident(), d=js_ident()))
    return "".join(out)


def build_minified(c: Corpus, formats: dict[str, Fmt]) -> None:
    picks = ["stripe-live-secret-key", "github-pat-fine-grained", "sendgrid-api-key", "slack-webhook-url",
             "openai-project-key", "mailgun-api-key", "anthropic-api-key", "discord-webhook-url", "jwt",
             "algolia-placeholder"]
    parts, labels = ["/*! acme web app | (c) Acme Corp */!function(){\"use strict\";"], []
    for name in picks:
        parts.append(js_junk(R.randrange(25, 60)))
        if name == "algolia-placeholder":
            parts.append('var Qa={appId:"ACME1X2Y3Z",searchOnlyKey:"{{ALGOLIA_SEARCH_KEY}}"};')
            labels.append(D("{{ALGOLIA_SEARCH_KEY}}", "template"))
            continue
        fmt = formats[name]
        text, secret = make_value(fmt)
        var = names(pick(fmt.vars))["c"]
        if fmt.header and R.random() < 0.5:
            parts.append(f'fetch("{fmt.url}",{{headers:{{"{fmt.header[0]}":"{fmt.header[1].format(v=text)}"}}}});')
            ctx = "minified-js:fetch-header"
        else:
            parts.append(f'var {js_ident()}={{{var}:"{text}",env:"production"}};')
            ctx = "minified-js:object-literal"
        labels.append(S(secret, fmt.name, fmt.rule, ctx))
    png = b64(b"\x89PNG\r\n\x1a\n" + R.randbytes(400))
    parts.append(f'var Zz="data:image/png;base64,{png}";')
    labels.append(D(png[:50], "data-uri"))
    chunk_map = ",".join(f'{R.randrange(100, 999)}:"{rand(HEX, 8)}"' for _ in range(12))
    parts.append(f"var Yc={{{chunk_map}}};")
    labels.append(D(chunk_map[:30], "webpack-chunk-hashes"))
    parts.append(js_junk(40) + "}();")
    text = "".join(parts) + "\n//# sourceMappingURL=app.4f2c9e1b.min.js.map\n"
    d = c.doc("static/js/app.4f2c9e1b.min.js")
    d.add(text)
    d.mark(*labels)

    # a vendor bundle with the (publicly embedded, still flagged) Firebase config
    key = "AIza" + rand(URLSAFE, 35)
    sri = "sha384-" + b64(R.randbytes(48))
    vendor = (js_junk(120) + f'var Fb={{apiKey:"{key}",authDomain:"acme-prod.firebaseapp.com",projectId:"acme-prod",'
              'storageBucket:"acme-prod.appspot.com",messagingSenderId:"812734561209",appId:"1:812734561209:web:9f3c2a1b7d4e6f80"};'
              + js_junk(60) + f'var Sc=document.createElement("script");Sc.integrity="{sri}";' + js_junk(80) + "\n")
    d = c.doc("static/js/vendor.8e1d7a3c.min.js")
    d.add(vendor)
    d.mark(S(key, "google-api-key", "google-api-key", "minified-js:firebase-config"), D(sri, "sri-integrity"))


# --------------------------------------------------------------------------
# Encoded placements: only a decoder (base64, percent, JSON escapes) reveals them
# --------------------------------------------------------------------------


def build_encoded(c: Corpus) -> None:
    # a GitHub token and an .npmrc, base64'd into Helm values
    gh = crc_token("ghp_")
    npm = crc_token("npm_")
    enc_gh, enc_npmrc = b64(gh.encode()), b64(f"//registry.npmjs.org/:_authToken={npm}\n".encode())
    d = c.doc("charts/api/values-prod.yaml")
    d.add("replicaCount: 3\nimage:\n  repository: ghcr.io/acme-corp/api\n  tag: \"2.3.0\"\n\nci:\n")
    d.add(f"  githubTokenB64: {enc_gh}\n",
          # the raw base64 sits under a *token* key, so the generic assignment rule reports it as is
          S(enc_gh, "generic-token-base64", "generic-credential-assignment", "yaml:base64-value"),
          S(gh, "github-pat-classic", "github-pat-classic", "yaml:base64-value", encoded=True, anchor=enc_gh))
    d.add(f"  npmrcB64: {enc_npmrc}\n", S(npm, "npm-access-token", "npm-access-token", "yaml:base64-npmrc",
                                          encoded=True, anchor=enc_npmrc))
    d.add("resources:\n  limits:\n    memory: 512Mi\n")

    # percent-encoded webhook inside a redirect URL
    hook = f"https://hooks.slack.com/services/T{rand(UPPER + DIGITS, 10)}/B{rand(UPPER + DIGITS, 10)}/{rand(ALNUM, 24)}"
    pct = hook.replace(":", "%3A").replace("/", "%2F")
    d = c.doc("config/redirects.yaml")
    d.add("redirects:\n  - from: /ops/alerts\n")
    d.add(f"    to: https://r.acme-corp.io/out?u={pct}\n", S(hook, "slack-webhook-url", "slack-webhook-url",
                                                             "yaml:percent-encoded-url", encoded=True, anchor=pct))
    # PHP json_encode escapes slashes: "https:\/\/hooks.slack.com\/services\/..."
    hook2 = f"https://hooks.slack.com/services/T{rand(UPPER + DIGITS, 10)}/B{rand(UPPER + DIGITS, 10)}/{rand(ALNUM, 24)}"
    disc = f"https://discord.com/api/webhooks/{R.randrange(10**17, 10**18 * 2)}/{rand(URLSAFE, 68)}"
    kid, sk = aws_pair()
    sk = sk[:10] + "/" + sk[11:]  # make sure a slash gets escaped
    esc = lambda s: s.replace("/", "\\/")  # noqa: E731
    d = c.doc("exports/wp-options.json")
    d.add("{\n  \"siteurl\": \"https:\\/\\/www.acme-corp.io\",\n")
    d.add(f'  "acme_slack_webhook": "{esc(hook2)}",\n', S(hook2, "slack-webhook-url", "slack-webhook-url",
                                                          "json:escaped-slashes", encoded=True, anchor=esc(hook2)))
    d.add(f'  "acme_discord_webhook": "{esc(disc)}",\n', S(disc, "discord-webhook-url", "discord-webhook-url",
                                                            "json:escaped-slashes", encoded=True, anchor=esc(disc)))
    d.add(f'  "acme_s3_access_key_id": "{kid}",\n', S(kid, "aws-access-key-id", "aws-access-key-id", "json:escaped-slashes"))
    d.add(f'  "acme_s3_aws_secret_key": "{esc(sk)}"\n}}\n',
          # as written (with the JSON escape) it is still a credential assignment
          S(esc(sk), "aws-secret-access-key", "generic-credential-assignment", "json:escaped-slashes"),
          S(sk, "aws-secret-access-key", "aws-secret-access-key", "json:escaped-slashes", encoded=True, anchor=esc(sk)))


# --------------------------------------------------------------------------
# DECOY files: things that look like secrets and are not
# --------------------------------------------------------------------------


def sha512_sri() -> str:
    return "sha512-" + b64(R.randbytes(64))


def build_lockfiles(c: Corpus) -> None:
    pkgs = ["react", "react-dom", "lodash", "axios", "express", "chalk", "debug", "ms", "semver", "uuid", "zod",
            "dotenv", "jsonwebtoken", "bcryptjs", "pg", "ioredis", "next", "typescript", "eslint", "prettier"]
    d = c.doc("webapp/package-lock.json")
    d.add('{\n  "name": "acme-webapp",\n  "version": "1.14.2",\n  "lockfileVersion": 3,\n  "requires": true,\n'
          '  "packages": {\n    "": {\n      "name": "acme-webapp",\n      "version": "1.14.2"\n    },\n')
    for i, p in enumerate(pkgs):
        ver = f"{R.randrange(1, 19)}.{R.randrange(0, 30)}.{R.randrange(0, 12)}"
        sri = sha512_sri()
        d.add(f'    "node_modules/{p}": {{\n      "version": "{ver}",\n'
              f'      "resolved": "https://registry.npmjs.org/{p}/-/{p}-{ver}.tgz",\n')
        d.add(f'      "integrity": "{sri}"' + (",\n      \"dev\": true\n" if p in ("eslint", "prettier", "typescript") else "\n"),
              D(sri, "lockfile-integrity"))
        d.add("    }" + ("," if i < len(pkgs) - 1 else "") + "\n")
    d.add("  }\n}\n")

    d = c.doc("webapp/yarn.lock")
    d.add("# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n")
    for p in ["@babel/core", "@babel/parser", "postcss", "nanoid", "picocolors", "source-map-js", "tslib", "rxjs"]:
        ver = f"{R.randrange(1, 8)}.{R.randrange(0, 25)}.{R.randrange(0, 9)}"
        sri = sha512_sri()
        d.add(f'"{p}@^{ver}":\n  version "{ver}"\n  resolved "https://registry.yarnpkg.com/{p}/-/{p.split("/")[-1]}-{ver}.tgz#{rand(HEX, 40)}"\n')
        d.add(f"  integrity {sri}\n\n", D(sri, "lockfile-integrity"))

    d = c.doc("Cargo.lock")
    d.add("# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 3\n\n")
    for p in ["aho-corasick", "anyhow", "base64", "clap", "crossbeam-channel", "memchr", "regex", "serde",
              "serde_json", "thiserror", "zeroize", "sha2"]:
        ck = hashlib.sha256(R.randbytes(16)).hexdigest()
        d.add(f'[[package]]\nname = "{p}"\nversion = "{R.randrange(0, 2)}.{R.randrange(0, 30)}.{R.randrange(0, 20)}"\n'
              'source = "registry+https://github.com/rust-lang/crates.io-index"\n')
        d.add(f'checksum = "{ck}"\n\n', D(ck, "lockfile-checksum"))

    d = c.doc("services/gateway/go.sum")
    for mod in ["github.com/aws/aws-sdk-go-v2", "github.com/golang-jwt/jwt/v5", "github.com/google/uuid",
                "github.com/stretchr/testify", "golang.org/x/crypto", "golang.org/x/oauth2", "google.golang.org/grpc",
                "github.com/redis/go-redis/v9"]:
        ver = f"v{R.randrange(0, 2)}.{R.randrange(0, 30)}.{R.randrange(0, 12)}"
        h1, h2 = b64(R.randbytes(32)), b64(R.randbytes(32))
        d.add(f"{mod} {ver} h1:{h1}\n", D(h1, "lockfile-checksum"))
        d.add(f"{mod} {ver}/go.mod h1:{h2}\n", D(h2, "lockfile-checksum"))

    d = c.doc("ml/poetry.lock")
    for p in ["numpy", "pandas", "requests", "cryptography", "pyjwt", "boto3"]:
        ver = f"{R.randrange(1, 3)}.{R.randrange(0, 30)}.{R.randrange(0, 9)}"
        a, b = hashlib.sha256(R.randbytes(8)).hexdigest(), hashlib.sha256(R.randbytes(8)).hexdigest()
        d.add(f'[[package]]\nname = "{p}"\nversion = "{ver}"\noptional = false\npython-versions = ">=3.9"\nfiles = [\n')
        d.add(f'    {{file = "{p}-{ver}-py3-none-any.whl", hash = "sha256:{a}"}},\n', D(a, "lockfile-checksum"))
        d.add(f'    {{file = "{p}-{ver}.tar.gz", hash = "sha256:{b}"}},\n]\n\n', D(b, "lockfile-checksum"))
    d.add('[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\n')
    ch = hashlib.sha256(R.randbytes(8)).hexdigest()
    d.add(f'content-hash = "{ch}"\n', D(ch, "lockfile-checksum"))

    d = c.doc("infra/.terraform.lock.hcl")
    for prov in ["hashicorp/aws", "hashicorp/random", "cloudflare/cloudflare"]:
        h1, zh = b64(R.randbytes(32)), hashlib.sha256(R.randbytes(8)).hexdigest()
        d.add(f'provider "registry.terraform.io/{prov}" {{\n  version = "5.{R.randrange(0, 60)}.0"\n  hashes = [\n')
        d.add(f'    "h1:{h1}",\n', D(h1, "lockfile-checksum"))
        d.add(f'    "zh:{zh}",\n  ]\n}}\n\n', D(zh, "lockfile-checksum"))

    d = c.doc("composer.lock")
    d.add('{\n    "content-hash": "' + rand(HEX, 32) + '",\n    "packages": [\n')
    for i, p in enumerate(["guzzlehttp/guzzle", "monolog/monolog", "symfony/console"]):
        ref = rand(HEX, 40)
        d.add(f'        {{\n            "name": "{p}",\n            "version": "7.{R.randrange(0, 9)}.0",\n'
              f'            "source": {{\n                "type": "git",\n                "url": "https://github.com/{p}.git",\n')
        d.add(f'                "reference": "{ref}"\n            }}\n        }}' + ("," if i < 2 else "") + "\n", D(ref, "git-sha"))
    d.add("    ]\n}\n")


def ssh_rsa_public() -> str:
    return b64(ssh_str(b"ssh-rsa") + ssh_str(b"\x01\x00\x01") + ssh_str(b"\x00" + R.randbytes(256)))


def ecdsa_public() -> str:
    return b64(ssh_str(b"ecdsa-sha2-nistp256") + ssh_str(b"nistp256") + ssh_str(b"\x04" + R.randbytes(64)))


def build_public_material(c: Corpus) -> None:
    ed = b64(ed25519_public_blob())
    c.doc("home/.ssh/id_ed25519.pub").add(f"ssh-ed25519 {ed} jdoe@laptop\n", D(ed, "public-key"))
    d = c.doc("home/.ssh/authorized_keys")
    for algo, key, who in [("ssh-rsa", ssh_rsa_public(), "deploy@ci"), ("ssh-ed25519", b64(ed25519_public_blob()), "alice@acme"),
                           ("ecdsa-sha2-nistp256", ecdsa_public(), "bob@acme")]:
        d.add(f"{algo} {key} {who}\n", D(key, "public-key"))
    d = c.doc("home/.ssh/known_hosts")
    for host in ["github.com", "gitlab.com", "bastion.acme-corp.io"]:
        key = b64(ed25519_public_blob())
        d.add(f"|1|{b64(R.randbytes(20))}|{b64(R.randbytes(20))} ssh-ed25519 {key}\n", D(key, "public-key"))
    pub = pem("PUBLIC KEY", der_seq(der_seq(der_oid("1.2.840.113549.1.1.1"), b"\x05\x00"),
                                    der(0x03, b"\x00" + der_seq(der_int(rand_int(2048)), der_int(65537)))))
    c.doc("keys/jwt-public.pem").add(pub.text() + "\n", D(pub.body[0], "public-key"))
    crt = cert_pem()
    c.doc("certs/api.acme-corp.io.crt").add(crt.text() + "\n", D(crt.body[0], "certificate"))
    pgp = Pem("-----BEGIN PGP PUBLIC KEY BLOCK-----", "-----END PGP PUBLIC KEY BLOCK-----",
              wrap(b64(b"\x99\x01\x0d\x04" + R.randbytes(400)), 64), headers=[""], trailer=["=" + b64(R.randbytes(3))])
    c.doc("keys/release-public.asc").add(pgp.text() + "\n", D(pgp.body[0], "public-key"))
    age_pub = "age1" + rand("qpzry9x8gf2tvdw0s3jn54khce6mua7l", 58)
    d = c.doc("deploy/secrets.enc.yaml")
    enc_vals = []
    d.add("# encrypted with sops; edit with `sops deploy/secrets.enc.yaml`\n")
    for key in ["db_password", "stripe_secret_key", "jwt_secret"]:
        v = f"ENC[AES256_GCM,data:{b64(R.randbytes(24))},iv:{b64(R.randbytes(32))},tag:{b64(R.randbytes(16))},type:str]"
        enc_vals.append(v)
        d.add(f"{key}: {v}\n", D(v, "encrypted-value"))
    mac = f"ENC[AES256_GCM,data:{b64(R.randbytes(48))},iv:{b64(R.randbytes(32))},tag:{b64(R.randbytes(16))},type:str]"
    d.add("sops:\n    age:\n")
    d.add(f"        - recipient: {age_pub}\n", D(age_pub, "public-key"))
    d.add(f"    lastmodified: \"2024-05-02T10:11:12Z\"\n    mac: {mac}\n", D(mac, "encrypted-value"))
    d.add("    version: 3.8.1\n")
    d = c.doc("deploy/ansible/group_vars/vault.yml")
    d.add("$ANSIBLE_VAULT;1.1;AES256\n")
    for _ in range(6):
        line = rand(HEX, 80)
        d.add(line + "\n", D(line, "encrypted-value"))


def build_docs_examples(c: Corpus) -> None:
    d = c.doc("docs/aws-setup.md")
    d.add("# AWS CLI setup\n\nConfigure a profile (the values below are AWS's documented examples):\n\n```ini\n[default]\n")
    d.add("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", D("AKIAIOSFODNN7EXAMPLE", "doc-example-aws"))
    d.add("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
          D("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "doc-example-aws"))
    d.add("```\n\nOr with environment variables:\n\n```sh\n")
    d.add("export AWS_ACCESS_KEY_ID=AKIAI44QH8DHBEXAMPLE\n", D("AKIAI44QH8DHBEXAMPLE", "doc-example-aws"))
    d.add("export AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n```\n",
          D("je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY", "doc-example-aws"))

    d = c.doc("docs/payments/stripe-testing.md")
    d.add("# Testing payments\n\nStripe's docs use these test keys; they are public:\n\n```bash\n")
    d.add("curl https://api.stripe.com/v1/charges -u sk_test_4eC39HqLyjWDarjtT1zdp7dc: -d amount=2000\n",
          D("sk_test_4eC39HqLyjWDarjtT1zdp7dc", "doc-example-stripe"))
    d.add("```\n\n```js\n")
    d.add("const stripe = require('stripe')('sk_test_BQokikJOvBiI2HlWgH4olfQ2');\n",
          D("sk_test_BQokikJOvBiI2HlWgH4olfQ2", "doc-example-stripe"))
    d.add("const elements = Stripe('pk_test_TYooMQauvdEDq54NiTphI7jx').elements();\n```\n",
          D("pk_test_TYooMQauvdEDq54NiTphI7jx", "doc-example-stripe"))
    d.add("\nUse card `4242 4242 4242 4242` with any future expiry.\n", D("4242 4242 4242 4242", "test-card-number"))

    d = c.doc("docs/auth/jwt.md")
    d.add("# JWTs\n\nThe canonical example from jwt.io:\n\n```\n")
    d.add(JWT_IO_SAMPLE + "\n```\n", D(JWT_IO_SAMPLE, "doc-example-jwt"))
    d.add("\nAn unsigned token (alg none) used by the unit tests:\n\n```\n")
    unsigned = b64url(b'{"alg":"none","typ":"JWT"}') + "." + b64url(b'{"sub":"test-user","admin":false}') + "."
    d.add(unsigned + "\n```\n", D(unsigned, "unsigned-jwt"))
    d.add("\nThe header is `" + b64url(b'{"alg":"RS256","kid":"2024-05"}') + "` (base64url JSON).\n",
          D(b64url(b'{"alg":"RS256","kid":"2024-05"}'), "jwt-header-only"))

    d = c.doc("docs/integrations/slack.md")
    d.add("# Slack alerts\n\nCreate an incoming webhook; it looks like this (Slack's own example):\n\n")
    d.add("    https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX\n",
          D("https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "doc-example-slack"))
    d.add("\nBot tokens start with `xoxb-` and user tokens with `xoxp-`; never paste them here.\n", D("`xoxb-`", "prefix-mention"))

    d = c.doc("docs/integrations/github.md")
    d.add("# GitHub automation\n\nGitHub's docs show a token like `ghp_16C7e42F292c6912E7710c838347Ae178B4a`.\n",
          D("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "doc-example-github"))
    d.add("Fine-grained tokens start with `github_pat_`; classic ones with `ghp_`.\n", D("`github_pat_`", "prefix-mention"))
    d.add("\n```yaml\n- uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1\n```\n",
          D("b4ffde65f46336ab88eb53be808477a3936bae11", "git-sha"))
    d.add("Use `${{ secrets.GITHUB_TOKEN }}` inside workflows.\n", D("${{ secrets.GITHUB_TOKEN }}", "template"))

    d = c.doc(".env.example")
    d.add("# Copy to .env and fill in\n")
    for var, val, kind in [("DATABASE_URL", "postgres://postgres:postgres@localhost:5432/acme_dev", "local-dev-default"),
                           ("REDIS_URL", "redis://localhost:6379/0", "not-a-secret"),
                           ("STRIPE_SECRET_KEY", "sk_test_...", "placeholder"),
                           ("OPENAI_API_KEY", "sk-...", "placeholder"),
                           ("GITHUB_TOKEN", "", "trivial"),
                           ("SLACK_BOT_TOKEN", "xoxb-...", "placeholder"),
                           ("AWS_ACCESS_KEY_ID", "AKIA................", "placeholder"),
                           ("SENTRY_DSN", "https://<key>@o0.ingest.sentry.io/<project>", "placeholder"),
                           ("JWT_SECRET", "dev-secret-do-not-use-in-prod", "placeholder"),
                           ("SMTP_PASSWORD", "<smtp-password>", "placeholder")]:
        line = f"{var}={val}\n"
        d.add(line, D(val if val else line.strip(), kind))


def build_hashes_and_ids(c: Corpus) -> None:
    d = c.doc("release/SHA256SUMS")
    for f in ["keyhound-x86_64-unknown-linux-musl.tar.gz", "keyhound-aarch64-apple-darwin.tar.gz",
              "keyhound-x86_64-pc-windows-msvc.zip", "keyhound.1"]:
        h = hashlib.sha256(R.randbytes(16)).hexdigest()
        d.add(f"{h}  {f}\n", D(h, "hash-sha256"))
    d = c.doc("release/SHA512SUMS")
    for f in ["acme-cli-2.3.0.tar.gz", "acme-cli-2.3.0.zip"]:
        h = hashlib.sha512(R.randbytes(16)).hexdigest()
        d.add(f"{h}  {f}\n", D(h, "hash-sha512"))
    d = c.doc("docker/node.Dockerfile")
    h = hashlib.sha256(R.randbytes(16)).hexdigest()
    d.add("FROM debian:bookworm-slim\nARG NODE_VERSION=20.11.1\n")
    d.add(f"ARG NODE_SHA256={h}\n", D(h, "hash-sha256"))
    d.add('RUN curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \\\n'
          ' && echo "${NODE_SHA256}  node-v${NODE_VERSION}-linux-x64.tar.xz" | sha256sum -c -\n')
    d = c.doc("deploy/k8s/cronjob.yaml")
    dig = hashlib.sha256(R.randbytes(16)).hexdigest()
    d.add("apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-export\nspec:\n  schedule: \"0 3 * * *\"\n"
          "  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: export\n")
    d.add(f"              image: ghcr.io/acme-corp/exporter@sha256:{dig}\n", D(dig, "image-digest"))
    d.add("              envFrom:\n                - secretRef:\n                    name: exporter-env\n")
    d = c.doc("web/index.html")
    sri = "sha384-" + b64(R.randbytes(48))
    d.add("<!doctype html>\n<html lang=\"en\">\n<head>\n  <meta charset=\"utf-8\">\n  <title>Acme</title>\n")
    d.add(f'  <script src="https://cdn.jsdelivr.net/npm/htmx.org@1.9.10/dist/htmx.min.js" integrity="{sri}" crossorigin="anonymous"></script>\n',
          D(sri, "sri-integrity"))
    d.add(f'  <meta name="csrf-token" content="{{{{ csrf_token() }}}}">\n', D("{{ csrf_token() }}", "template"))
    d.add("</head>\n<body>\n  <form method=\"post\" action=\"/login\">\n")
    d.add('    <input type="password" name="password" autocomplete="current-password" required>\n',
          D('type="password" name="password"', "test-identifier"))
    d.add("  </form>\n</body>\n</html>\n")
    d = c.doc("CHANGELOG.md")
    d.add("# Changelog\n\n## 2.3.0\n\n")
    for msg in ["fix token refresh race", "rotate signing keys on deploy", "drop legacy password reset flow",
                "add Stripe webhook secret check"]:
        sha = rand(HEX, 40)
        d.add(f"- {msg} ({sha})\n", D(sha, "git-sha"))
    d = c.doc(".git-blame-ignore-revs")
    d.add("# formatting-only commits\n")
    for _ in range(4):
        sha = rand(HEX, 40)
        d.add(sha + "\n", D(sha, "git-sha"))
    d = c.doc("infra/azure/parameters.prod.json")
    d.add('{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",\n'
          '  "contentVersion": "1.0.0.0",\n  "parameters": {\n')
    ids = [("tenantId", uuid4()), ("subscriptionId", uuid4()), ("clientId", uuid4()), ("principalObjectId", uuid4())]
    for i, (k, v) in enumerate(ids):
        d.add(f'    "{k}": {{ "value": "{v}" }}' + ("," if i < len(ids) - 1 else "") + "\n", D(v, "uuid"))
    d.add("  }\n}\n")
    d = c.doc("db/seeds/users.yml")
    for user in ["alice", "bob", "carol"]:
        h = "$2a$12$" + rand(ALNUM + "./", 53)
        d.add(f"- email: {user}@acme-corp.io\n")
        d.add(f"  password_digest: \"{h}\"\n", D(h, "bcrypt-hash"))
        d.add(f"  api_key_id: {uuid4()}\n  role: member\n")
    d = c.doc("app/fixtures/users.json")
    h = "pbkdf2_sha256$600000$" + rand(ALNUM, 22) + "$" + b64(R.randbytes(32))
    d.add('[\n  {\n    "model": "auth.user",\n    "pk": 1,\n    "fields": {\n      "username": "admin",\n')
    d.add(f'      "password": "{h}",\n', D(h, "password-hash"))
    d.add('      "is_superuser": true\n    }\n  }\n]\n')
    d = c.doc("tests/fixtures/stripe_events.json")
    ids = ["evt_" + rand(ALNUM, 24), "cus_" + rand(ALNUM, 14), "pi_" + rand(ALNUM, 24), "ch_" + rand(ALNUM, 24)]
    d.add('{\n')
    for i, v in enumerate(ids):
        key = ["id", "customer", "payment_intent", "latest_charge"][i]
        d.add(f'  "{key}": "{v}"' + (",\n" if i < 3 else "\n"), D(v, "object-id"))
    d.add("}\n")
    d = c.doc("services/sms/.env.defaults")
    sid = "AC" + rand(HEX, 32)
    d.add(f"TWILIO_ACCOUNT_SID={sid}\n", D(sid, "object-id"))
    msid = "MG" + rand(HEX, 32)
    d.add(f"TWILIO_MESSAGING_SERVICE_SID={msid}\n", D(msid, "object-id"))
    d.add("TWILIO_FROM=+15005550006\n")


def build_generated_code(c: Corpus) -> None:
    desc = (b"\n\x0corders.proto\x12\x08acme.v1\"\x8a\x01\n\x05Order\x12\n\n\x02id\x18\x01 \x01(\t\x12\x0f\n\x07api_key"
            b"\x18\x02 \x01(\t\x12\x15\n\rsession_token\x18\x03 \x01(\t" + R.randbytes(40) + b"b\x06proto3")
    lit = repr(desc)
    d = c.doc("gen/python/acme/v1/orders_pb2.py")
    d.add("# -*- coding: utf-8 -*-\n# Generated by the protocol buffer compiler.  DO NOT EDIT!\n"
          "from google.protobuf import descriptor_pool as _descriptor_pool\n\n")
    d.add(f"DESCRIPTOR = _descriptor_pool.Default().AddSerializedFile({lit})\n", D(lit[:40], "protobuf-descriptor"))
    raw = bytes(desc) + R.randbytes(64)
    d = c.doc("gen/go/acme/v1/orders.pb.go")
    d.add("// Code generated by protoc-gen-go. DO NOT EDIT.\npackage acmev1\n\nvar file_orders_proto_rawDesc = []byte{\n")
    for i in range(0, len(raw), 16):
        row = "\t" + " ".join(f"0x{b:02x}," for b in raw[i:i + 16]) + "\n"
        if i == 0:
            d.add(row, D(row.strip()[:30], "protobuf-descriptor"))
        else:
            d.add(row)
    d.add("}\n")
    d = c.doc("src/i18n/en.json")
    entries = [("auth.password.label", "Password"), ("auth.password.reset.title", "Reset your password"),
               ("auth.password.reset.tokenExpired", "This reset link has expired"),
               ("settings.apiKeys.create", "Create API key"), ("settings.apiKeys.revoke", "Revoke key"),
               ("settings.tokens.personalAccessToken", "Personal access token"),
               ("errors.secret.notFound", "Secret not found"), ("billing.stripe.secretKeyHint", "Starts with sk_live_")]
    d.add("{\n")
    for i, (k, v) in enumerate(entries):
        d.add(f'  "{k}": "{v}"' + ("," if i < len(entries) - 1 else "") + "\n", D(k, "i18n-key"))
    d.add("}\n")
    d = c.doc("src/styles/icons.css")
    for name in ["lock", "key", "token"]:
        data = b64(b"\x89PNG\r\n\x1a\n" + R.randbytes(180))
        d.add(f".icon-{name} {{ background-image: url(\"data:image/png;base64,{data}\"); }}\n", D(data[:40], "data-uri"))
    d = c.doc("static/js/app.4f2c9e1b.min.js.map")
    mappings = ";".join(",".join(rand(ALNUM + "+/", R.randrange(4, 8)) for _ in range(6)) for _ in range(30))
    d.add('{"version":3,"file":"app.4f2c9e1b.min.js","sources":["webpack://acme/./src/index.js"],'
          f'"names":["apiKey","token","secret"],"mappings":"{mappings}"}}\n', D(mappings[:40], "sourcemap-mappings"))
    d = c.doc("gen/graphql/persisted-queries.json")
    d.add("{\n")
    for i, op in enumerate(["GetViewer", "RotateApiToken", "UpdatePassword"]):
        h = hashlib.sha256(op.encode()).hexdigest()
        d.add(f'  "{h}": "query {op} {{ viewer {{ id }} }}"' + ("," if i < 2 else "") + "\n", D(h, "hash-sha256"))
    d.add("}\n")


TEST_IDENTIFIER_FILES = {
    "app/auth/tokens.py": [
        ("import secrets\nfrom datetime import timedelta\n\n", None),
        ("password_reset_token_expiry = timedelta(hours=1)\n", "password_reset_token_expiry"),
        ("PASSWORD_MIN_LENGTH = 12\n", "PASSWORD_MIN_LENGTH = 12"),
        ('TOKEN_URL = "https://oauth2.googleapis.com/token"\n', "https://oauth2.googleapis.com/token"),
        ('AUTH_TOKEN_HEADER = "X-Auth-Token"\n', '"X-Auth-Token"'),
        ("token = None\n", "token = None"),
        ("\n\ndef get_secret(name: str) -> str:\n", "def get_secret(name: str)"),
        ('    """Read a secret from the mounted secret store."""\n    with open(f"/run/secrets/{name}") as fh:\n'
         "        return fh.read().strip()\n", 'f"/run/secrets/{name}"'),
        ("\n\ndef new_api_key() -> str:\n    return secrets.token_urlsafe(32)\n", "secrets.token_urlsafe(32)"),
        ("\n\ndef sign(msg: bytes, key: bytes) -> str:\n", None),
        ("    secret = hmac.new(key, msg, hashlib.sha256).hexdigest()\n", "hmac.new(key, msg, hashlib.sha256).hexdigest()"),
        ("    return secret\n", None),
        ("\n\ndef refresh(session) -> None:\n", None),
        ('    access_token = session.post(TOKEN_URL).json()["access_token"]\n', '.json()["access_token"]'),
        ('    password = request.form["password"]\n', 'request.form["password"]'),
        ("    api_key = getpass.getpass(\"API key: \")\n", 'getpass.getpass("API key: ")'),
        ("    db_password = keyring.get_password(\"acme-db\", user)\n", 'keyring.get_password("acme-db", user)'),
        ('    TOKEN_PATTERN = re.compile(r"ghp_[A-Za-z0-9]{36}")\n', 'r"ghp_[A-Za-z0-9]{36}"'),
        ('    PASSWORD_REGEX = r"^(?=.*[A-Z])(?=.*\\d).{12,}$"\n', 'r"^(?=.*[A-Z])(?=.*\\d).{12,}$"'),
    ],
    "app/schemas/integration.py": [
        ("from pydantic import BaseModel, Field, SecretStr\n\n\nclass Integration(BaseModel):\n", None),
        ("    api_key: str = Field(..., min_length=32)\n", "api_key: str = Field(..., min_length=32)"),
        ("    client_secret: SecretStr\n", "client_secret: SecretStr"),
        ("    webhook_secret: str | None = None\n", "webhook_secret: str | None = None"),
        ("    token_expires_in: int = 3600\n", "token_expires_in: int = 3600"),
        ("    password_hash_algorithm: str = \"argon2id\"\n", '"argon2id"'),
        ("    secret_arn: str = \"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf\"\n",
         "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-AbCdEf"),
    ],
    "tests/test_auth.py": [
        ("import pytest\n\n\n", None),
        ("def test_password_reset_token_expiry(client):\n", "test_password_reset_token_expiry"),
        ('    token = client.post("/password/reset", json={"email": "a@acme-corp.io"}).json()["token"]\n', '.json()["token"]'),
        ("    assert len(token) == 43\n", "assert len(token) == 43"),
        ("\n\ndef test_login_rejects_wrong_password(client):\n", None),
        ('    resp = client.post("/login", data={"username": "alice", "password": "wrong-password"})\n', '"wrong-password"'),
        ("    assert resp.status_code == 401\n", None),
        ("\n\n@pytest.fixture\ndef api_key(settings):\n", None),
        ("    return settings.API_KEY\n", "settings.API_KEY"),
        ("\n\ndef test_secret_is_masked(caplog):\n", None),
        ('    assert "sk_live_" not in caplog.text\n', '"sk_live_" not in caplog.text'),
    ],
    "src/auth/useLogin.ts": [
        ("import { useState } from 'react';\n\nexport function useLogin() {\n", None),
        ('  const [password, setPassword] = useState("");\n', "useState(\"\")"),
        ("  const apiKey = import.meta.env.VITE_PUBLIC_API_KEY as string;\n", "import.meta.env.VITE_PUBLIC_API_KEY"),
        ('  const headers = { Authorization: `Bearer ${session.accessToken}` };\n', "`Bearer ${session.accessToken}`"),
        ("  const tokenStorageKey = 'acme.auth.token';\n", "'acme.auth.token'"),
        ("  return { password, setPassword, headers, tokenStorageKey, apiKey };\n}\n", None),
    ],
    "src/main/java/com/acme/auth/TokenService.java": [
        ("package com.acme.auth;\n\npublic class TokenService {\n", None),
        ('    private static final String SECRET_PROPERTY = "acme.jwt.secret";\n', '"acme.jwt.secret"'),
        ("    private final String secret;\n", "private final String secret;"),
        ('    public TokenService(@Value("${acme.jwt.secret}") String secret) { this.secret = secret; }\n',
         '"${acme.jwt.secret}"'),
        ("    public boolean isExpired(String token) { return token == null || token.isEmpty(); }\n",
         "token == null || token.isEmpty()"),
        ("}\n", None),
    ],
    "postman/acme.postman_collection.json": [
        ('{\n  "info": { "name": "Acme API" },\n  "item": [\n    {\n      "name": "List orders",\n      "request": {\n'
         '        "method": "GET",\n        "header": [\n', None),
        ('          { "key": "x-api-key", "value": "{{apiKey}}" },\n', "{{apiKey}}"),
        ('          { "key": "Authorization", "value": "Bearer {{accessToken}}" }\n', "Bearer {{accessToken}}"),
        ('        ],\n        "url": "https://api.acme-corp.io/v2/orders"\n      }\n    }\n  ]\n}\n', None),
    ],
    "logs/redacted-2024-05-15.log": [
        ("2024-05-15T10:00:01Z INFO  request GET /v2/orders\n", None),
        ("2024-05-15T10:00:01Z DEBUG headers Authorization: Bearer ***\n", "Bearer ***"),
        ('2024-05-15T10:00:02Z INFO  Parameters: {"user"=>{"email"=>"a@acme-corp.io", "password"=>"[FILTERED]"}}\n',
         '"password"=>"[FILTERED]"'),
        ("2024-05-15T10:00:03Z WARN  token=<redacted> rejected by upstream\n", "token=<redacted>"),
        ("2024-05-15T10:00:04Z INFO  api_key=sk_live_****************4242 used for charge\n", "sk_live_****************4242"),
        ("2024-05-15T10:00:05Z INFO  DB_PASSWORD=******** (masked)\n", "DB_PASSWORD=********"),
        ("2024-05-15T10:00:06Z INFO  slack token xoxb-****-****-**** configured\n", "xoxb-****-****-****"),
    ],
}


def build_test_identifiers(c: Corpus) -> None:
    for path, lines in TEST_IDENTIFIER_FILES.items():
        d = c.doc(path)
        for text, needle in lines:
            if needle:
                kind = "redacted-log" if path.startswith("logs/") else (
                    "template" if "{{" in needle or "${" in needle else "test-identifier")
                d.add(text, D(needle, kind))
            else:
                d.add(text)


def build_encoding_variants(c: Corpus) -> None:
    """CRLF line endings, a UTF-8 byte-order mark and non-ASCII text around secrets."""
    d = c.doc("tools/windows/deploy.cmd")
    gh, pw = crc_token("ghp_"), password(18).replace("%", "")
    d.add("@echo off\r\nsetlocal\r\n")
    d.add(f"set GITHUB_TOKEN={gh}\r\n", S(gh, "github-pat-classic", "github-pat-classic", "cmd:crlf"))
    d.add(f"set DB_PASSWORD={pw}\r\n", S(pw, "generic-password", "generic-credential-assignment", "cmd:crlf"))
    d.add('curl -fsS -H "Authorization: Bearer %API_TOKEN%" https://api.acme-corp.io/v2/deploy\r\n',
          D("%API_TOKEN%", "env-reference"))
    d.add("endlocal\r\n")
    d = c.doc("deploy/windows/app.env")
    sk = "sk_live_51" + rand(ALNUM, 97)
    sg = "SG." + rand(URLSAFE, 22) + "." + rand(URLSAFE, 43)
    d.add(f"\ufeffSTRIPE_SECRET_KEY={sk}\r\n", S(sk, "stripe-live-secret-key", "stripe-live-secret-key", "dotenv:bom-crlf"))
    d.add(f"SENDGRID_API_KEY={sg}\r\n", S(sg, "sendgrid-api-key", "sendgrid-api-key", "dotenv:bom-crlf"))
    d.add("ASPNETCORE_ENVIRONMENT=Production\r\n")
    d = c.doc("config/de/zugang.yml")
    pw2, tok = password(20), "glpat-" + rand(URLSAFE, 20)
    d.add("# Zugangsdaten für die Übergabe — bitte nicht einchecken! (Jürgen, März 2024)\n")
    d.add("datenbank:\n  host: db.intern.acme-corp.de\n  benutzer: ümlaut_app\n")
    d.add(f"  password: \"{pw2}\"  # geändert am 12.03.\n",
          S(pw2, "generic-password", "generic-credential-assignment", "yaml:non-ascii"))
    d.add(f"gitlab_token: {tok}  # für die Spiegelung → GitHub\n", S(tok, "gitlab-pat", "gitlab-pat", "yaml:non-ascii"))
    d.add("anmerkung: \"Schlüssel rotieren, sobald der Auftrag abgeschlossen ist ✓\"\n")


def build_public_client_values(c: Corpus) -> None:
    """Values that are public by design (shipped to browsers) or per-request."""
    d = c.doc("website/docusaurus.config.js")
    search_key = rand(HEX, 32)
    d.add("module.exports = {\n  title: 'Acme Docs',\n  url: 'https://docs.acme-corp.io',\n  themeConfig: {\n")
    d.add(f"    algolia: {{ appId: 'BH4D9OD16A', apiKey: '{search_key}', indexName: 'acme' }},\n",
          D(search_key, "public-search-only-key"))
    d.add("  },\n};\n")
    d = c.doc("src/lib/clients.ts")
    pk = "pk_live_51" + rand(ALNUM, 97)
    mapbox = ("pk." + b64url(json.dumps({"u": "acmecorp", "a": rand(LOWER + DIGITS, 25)}, separators=(",", ":")).encode())
              + "." + rand(URLSAFE, 22))
    gcid = f"{rand(DIGITS, 12)}-{rand(LOWER + DIGITS, 32)}.apps.googleusercontent.com"
    d.add("import { loadStripe } from '@stripe/stripe-js';\nimport mapboxgl from 'mapbox-gl';\n\n")
    d.add(f"export const stripePromise = loadStripe('{pk}');\n", D(pk, "publishable-key"))
    d.add(f"mapboxgl.accessToken = '{mapbox}';\n", D(mapbox, "public-token"))
    d.add(f"export const GOOGLE_CLIENT_ID = '{gcid}';\n", D(gcid, "public-client-id"))
    state = b64url(json.dumps({"returnTo": "/billing", "nonce": rand(ALNUM, 16)}).encode())
    d.add(f"const loginUrl = `https://accounts.google.com/o/oauth2/v2/auth?client_id=${{GOOGLE_CLIENT_ID}}&state={state}`;\n",
          D(state, "oauth-state"))
    d = c.doc("web/login.html")
    site_key, csrf, nonce = "6Lc" + rand(URLSAFE, 37), b64(R.randbytes(32)), b64(R.randbytes(16))
    d.add("<!doctype html>\n<html>\n<head>\n")
    d.add(f"  <meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'nonce-{nonce}' 'strict-dynamic'\">\n",
          D(nonce, "csp-nonce"))
    d.add("</head>\n<body>\n<form method=\"post\" action=\"/session\">\n")
    d.add(f'  <input type="hidden" name="authenticity_token" value="{csrf}">\n', D(csrf, "csrf-token"))
    d.add(f'  <div class="g-recaptcha" data-sitekey="{site_key}"></div>\n', D(site_key, "public-site-key"))
    d.add("</form>\n</body>\n</html>\n")
    d = c.doc("ml/models/ranker-v3.onnx")
    oid = hashlib.sha256(R.randbytes(16)).hexdigest()
    d.add("version https://git-lfs.github.com/spec/v1\n")
    d.add(f"oid sha256:{oid}\n", D(oid, "git-lfs-pointer"))
    d.add("size 48213377\n")
    d = c.doc("config/secrets.yml")
    d.add("# Rails secrets, values come from the environment\nproduction:\n")
    d.add('  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>\n', D('<%= ENV["SECRET_KEY_BASE"] %>', "template"))
    d.add("  stripe_secret_key: <%= Rails.application.credentials.stripe[:secret_key] %>\n",
          D("<%= Rails.application.credentials.stripe[:secret_key] %>", "template"))


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

DECOY_VALUES: list = []


def generate() -> Corpus:
    global DECOY_VALUES
    DECOY_VALUES = value_decoys()
    corpus = Corpus()
    formats = FORMATS + uri_formats()
    by_name = {f.name: f for f in formats}
    place_formats(corpus, formats)
    build_aws_files(corpus)
    build_netrc(corpus)
    build_pgpass(corpus)
    build_filezilla(corpus)
    build_wordpress(corpus)
    build_npm_files(corpus)
    build_python_packaging(corpus)
    build_docker_configs(corpus)
    build_k8s_secrets(corpus)
    build_gcp(corpus)
    build_private_keys(corpus)
    build_twilio(corpus)
    build_misc_configs(corpus)
    build_notebooks(corpus)
    build_minified(corpus, by_name)
    build_encoded(corpus)
    build_lockfiles(corpus)
    build_public_material(corpus)
    build_docs_examples(corpus)
    build_hashes_and_ids(corpus)
    build_generated_code(corpus)
    build_test_identifiers(corpus)
    build_public_client_values(corpus)
    build_encoding_variants(corpus)
    return corpus


def line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def write(corpus: Corpus) -> dict:
    if os.path.isdir(TREE):
        shutil.rmtree(TREE)
    secrets_, decoys = [], []
    for path in sorted(corpus.docs):
        doc = corpus.docs[path]
        text = doc.finish()
        full = os.path.join(TREE, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        raw = text.encode()
        for lab in sorted(doc.labels, key=lambda l: l.offset):
            line = line_of(raw, lab.offset)
            if lab.kind == "secret":
                if not lab.encoded and lab.needle not in text:
                    raise ValueError(f"{path}: secret not verbatim: {lab.needle[:40]}")
                secrets_.append({"path": f"tree/{path}", "line": line, "secret": lab.needle, "format": lab.fmt,
                                 "expected_rule": lab.rule, "context": lab.context, "encoded": lab.encoded})
            else:
                decoys.append({"path": f"tree/{path}", "line": line, "text": lab.needle, "kind": lab.decoy_kind})
    labels = {"secrets": secrets_, "decoys": decoys}
    with open(LABELS, "w", encoding="utf-8") as fh:
        json.dump(labels, fh, indent=1)
        fh.write("\n")
    return labels


def main() -> None:
    labels = write(generate())
    plain = [s for s in labels["secrets"] if not s["encoded"]]
    print(f"{len(plain)} secrets ({len({s['format'] for s in plain})} formats, "
          f"{len({s['expected_rule'] for s in plain})} rules) + {len(labels['secrets']) - len(plain)} encoded, "
          f"{len(labels['decoys'])} decoys, {sum(1 for _ in os.walk(TREE))} dirs")


if __name__ == "__main__":
    main()
