#!/usr/bin/env python3
"""Generates a synthetic git history for the history-scan benchmark.

Usage: make-repo.py DIR [--commits N] [--files-per-commit K] [--file-kb KB]

Writes a `git fast-import` stream into a fresh repository at DIR: N commits,
each rewriting K files of about KB kilobytes of realistic source lines, with
a fake (structurally valid) GitHub token in roughly one commit per thousand.
Deterministic for a given seed, so runs are comparable.
"""
import argparse
import random
import subprocess
import zlib

WORDS = ("request response buffer config handler client server session user account parser reader "
         "writer index value result error context state cache builder stream channel message payload "
         "offset length cursor slice bytes").split()
TEMPLATES = [
    "    let {a} = {b}.{c}(&{d})?;",
    "    if {a}.is_empty() {{ return Err(Error::{B}); }}",
    "    // {a} the {b} before the {c} is dropped",
    "fn {a}_{b}(&self, {c}: &{B}) -> Result<{B}, Error> {{",
    "def {a}_{b}(self, {c}):",
    "        return {a}({b}, timeout={n})",
    "const {a} = await {b}.{c}({{ {d}: {n} }});",
    "  \"{a}\": \"{b} {c} {d}\",",
    "        self.token = token",
    "    password = request.form['password']",
]
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def token(rng):
    body = "".join(rng.choice(B62) for _ in range(30))
    n = zlib.crc32(body.encode())
    crc = ""
    while n:
        crc = B62[n % 62] + crc
        n //= 62
    return "ghp_" + body + crc.rjust(6, "0")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--commits", type=int, default=25000)
    ap.add_argument("--files-per-commit", type=int, default=4)
    ap.add_argument("--file-kb", type=int, default=10)
    ap.add_argument("--files", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = []
    for _ in range(20000):
        t = rng.choice(TEMPLATES)
        w = [rng.choice(WORDS) for _ in range(4)]
        pool.append(t.format(a=w[0], b=w[1], c=w[2], d=w[3], B=w[1].capitalize(), n=rng.randrange(10000)))
    subprocess.run(["git", "init", "-q", "-b", "main", args.dir], check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=args.dir, stdin=subprocess.PIPE)
    out = proc.stdin
    t0 = 1_600_000_000
    keys = 0
    for c in range(args.commits):
        files = []
        for _ in range(args.files_per_commit):
            index = rng.randrange(args.files)
            path = f"src/mod{index // 100}/file{index}.rs"
            lines, size = [], 0
            while size < args.file_kb * 1024:
                line = rng.choice(pool)
                lines.append(line)
                size += len(line) + 1
            if rng.random() < 0.001:
                lines.insert(rng.randrange(len(lines)), f"const GITHUB_TOKEN: &str = \"{token(rng)}\";")
                keys += 1
            data = ("\n".join(lines) + "\n").encode()
            files.append((path, data))
        when = t0 + c * 600
        msg = f"change {c}\n".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(f"author Dev{c % 50} <dev{c % 50}@example.com> {when} +0000\n".encode())
        out.write(f"committer Dev{c % 50} <dev{c % 50}@example.com> {when} +0000\n".encode())
        out.write(b"data %d\n%s" % (len(msg), msg))
        for path, data in files:
            out.write(f"M 100644 inline {path}\n".encode())
            out.write(b"data %d\n%s\n" % (len(data), data))
        out.write(b"\n")
    out.close()
    proc.wait()
    subprocess.run(["git", "-C", args.dir, "checkout", "-q", "main"], check=True)
    print(f"{args.commits} commits, {keys} keys")


if __name__ == "__main__":
    main()
