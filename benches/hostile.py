#!/usr/bin/env python3
"""Time and peak memory of keyhound on each hostile input of tests/hostile.rs.

Generates the same cases as the test suite in a temporary directory (nothing
is kept), runs target/release/keyhound on each under
`/usr/bin/time -f "%e s %M KB"`, checks that a planted key beside the hostile
input is still reported and that keyhound exited 0 or 1, and prints a
Markdown table: case, what keyhound read, exit status, wall time, peak RSS,
warnings by kind.

Usage (from the repository root, after `cargo build --release`):

    python3 benches/hostile.py [--keyhound target/release/keyhound]
        [--stdin-mb 1024] [--only CASE]

The huge-line case streams --stdin-mb MiB (default 1 GiB) from this process
into keyhound's standard input, so neither side holds it in memory; its
peak RSS is keyhound's own.
"""

import argparse
import base64
import json
import os
import random
import shutil
import string
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
TIMEOUT = 600


def crc_suffix(body):
    """GitHub's token checksum: CRC32 of the body in base62, 6 characters."""
    n = zlib.crc32(body.encode())
    out = ""
    for _ in range(6):
        out = BASE62[n % 62] + out
        n //= 62
    return out


def github_token(rng):
    body = "".join(rng.choice(BASE62) for _ in range(30))
    return "ghp_" + body + crc_suffix(body)


def plant(root, rel, rng):
    token = github_token(rng)
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(f"# deploy settings\nGITHUB_TOKEN={token}\n")
    return token


def write_repeated(path, block, size):
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n


def git(repo, *args, stdin=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="Hostile", GIT_AUTHOR_EMAIL="h@example.invalid",
               GIT_COMMITTER_NAME="Hostile", GIT_COMMITTER_EMAIL="h@example.invalid",
               GIT_CONFIG_NOSYSTEM="1", HOME=repo)
    out = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                         cwd=repo, env=env, input=stdin, capture_output=True, check=True)
    return out.stdout.decode().strip()


def commit_all(repo, message):
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


# ------------------------------------------------------------------ cases
# Each builds its input under `root` and returns (args, stdin feeder or
# None, planted token, what was read).

def keyword_storm(root, rng, kh, _):
    rules = json.loads(subprocess.run([kh, "rules", "list", "-f", "json"], capture_output=True,
                                      check=True).stdout)
    keywords = [k for r in rules for k in r["keywords"]]
    block = "".join(keywords) + "".join(f'{k}="{k}_' for k in keywords)
    write_repeated(os.path.join(root, "storm.txt"), block.encode(), 64 << 20)
    write_repeated(os.path.join(root, "letters.txt"), b"a", 8 << 20)
    return ["dir", "."], None, plant(root, "good.env", rng), "64 MiB file"


def huge_line_stdin(root, rng, _kh, args):
    size = args.stdin_mb << 20
    token = github_token(rng)
    filler = ("".join(random.Random(3).choice(BASE62) for _ in range(4000)) +
              " token secret key api ").encode()

    def feed(pipe):
        written = 0
        try:
            while written < size:
                n = min(len(filler), size - written)
                pipe.write(filler[:n])
                written += n
            pipe.write(f" GITHUB_TOKEN={token}".encode())
        finally:
            pipe.close()
    return ["stdin"], feed, token, f"{args.stdin_mb} MiB line"


def one_letter(root, rng, _kh, _):
    write_repeated(os.path.join(root, "letters.txt"), b"a", 64 << 20)
    return ["dir", "."], None, plant(root, "good.env", rng), "64 MiB of `a`"


def base64_run(root, rng, _kh, _):
    raw = random.Random(4).randbytes(48 << 20)
    with open(os.path.join(root, "blob.b64"), "wb") as f:
        f.write(b"data:application/octet-stream;base64,")
        f.write(base64.b64encode(raw))
    return ["dir", "."], None, plant(root, "good.env", rng), "64 MiB run"


def pem_no_end(root, rng, _kh, _):
    line = ("".join(rng.choice(BASE62) for _ in range(64)) + "\n").encode()
    with open(os.path.join(root, "key.pem"), "wb") as f:
        f.write(b"-----BEGIN RSA PRIVATE KEY-----\n")  # keyhound:allow (a header only)
        f.write(line * ((32 << 20) // len(line)))
    write_repeated(os.path.join(root, "headers.pem"),
                   b"-----BEGIN OPENSSH PRIVATE KEY-----\n", 16 << 20)  # keyhound:allow (a header only)
    return ["dir", "."], None, plant(root, "good.env", rng), "32 + 16 MiB"


def nested_json(root, rng, _kh, _):
    depth = 1_000_000
    deep = github_token(rng)
    with open(os.path.join(root, "session.jsonl"), "w") as f:
        f.write('{"a":' * depth + f'"GITHUB_TOKEN={deep}"' + "}" * depth + "\n")
    with open(os.path.join(root, "deep.json"), "w") as f:
        f.write('["\\u0061\\n",' * depth + "[" * depth)
    write_repeated(os.path.join(root, "cues.json"), b"\\u00", 16 << 20)
    return ["dir", "."], None, plant(root, "good.env", rng), "depth 10^6"


def zip_layout(data):
    eocd = len(data) - 22
    assert data[eocd:eocd + 4] == b"PK\x05\x06"
    at = struct.unpack_from("<I", data, eocd + 16)[0]
    entries = []
    for _ in range(struct.unpack_from("<H", data, eocd + 10)[0]):
        entries.append(at)
        n, e, c = struct.unpack_from("<HHH", data, at + 28)
        at += 46 + n + e + c
    return eocd, entries


def zip_bytes(members):
    path = tempfile.mktemp(suffix=".zip")
    with zipfile.ZipFile(path, "w") as z:
        for name, data, method in members:
            z.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    with open(path, "rb") as f:
        data = bytearray(f.read())
    os.unlink(path)
    return data


def lying_zips(root, rng, _kh, _):
    lies = {
        "count.zip": lambda z, eocd, e: z.__setitem__(slice(eocd + 8, eocd + 12), b"\xff" * 4),
        "cd-offset.zip": lambda z, eocd, e: struct.pack_into("<I", z, eocd + 16, 0x7fffffff),
        "local-offset.zip": lambda z, eocd, e: struct.pack_into("<I", z, e[1] + 42, 0x7ffffff0),
        "same-local.zip": lambda z, eocd, e: struct.pack_into("<I", z, e[1] + 42, 0),
        "small-size.zip": lambda z, eocd, e: struct.pack_into("<I", z, e[1] + 24, 16),
        "big-csize.zip": lambda z, eocd, e: struct.pack_into("<I", z, e[1] + 20, 0xfffffff0),
    }
    for name, lie in lies.items():
        ok = f"GITHUB_TOKEN={github_token(rng)}\n".encode()
        z = zip_bytes([("ok.txt", ok, zipfile.ZIP_STORED), ("lie.bin", b"a" * (4 << 20), zipfile.ZIP_DEFLATED)])
        eocd, entries = zip_layout(z)
        lie(z, eocd, entries)
        with open(os.path.join(root, name), "wb") as f:
            f.write(z)
    return ["dir", "."], None, plant(root, "good.env", rng), "6 zips"


def overlapping_zip(root, rng, _kh, _):
    single = zip_bytes([("k00000", bytes(16 << 20), zipfile.ZIP_DEFLATED)])
    eocd, cd = zip_layout(single)
    central = bytes(single[cd[0]:eocd])
    entries = 65535
    out = bytearray(single[:cd[0]])
    cd_start = len(out)
    for i in range(entries):
        out += central[:46] + f"k{i:05}".encode() + central[52:]
    record = bytearray(single[eocd:])
    struct.pack_into("<HHII", record, 8, entries, entries, len(out) - cd_start, cd_start)
    out += record
    with open(os.path.join(root, "overlap.zip"), "wb") as f:
        f.write(out)
    return ["dir", "."], None, plant(root, "good.env", rng), f"{len(out) >> 10} KiB zip, 1 TiB declared"


def tar_member(name, data, size_field=None):
    header = bytearray(512)
    header[0:len(name)] = name.encode()
    header[100:108] = b"0000644\0"
    header[108:116] = b"0000000\0"
    header[116:124] = b"0000000\0"
    header[124:136] = size_field or f"{len(data):011o}\0".encode()
    header[136:148] = b"00000000000\0"
    header[156:157] = b"0"
    header[257:265] = b"ustar  \0"
    header[148:156] = b"        "
    header[148:156] = f"{sum(header):06o}\0 ".encode()
    pad = (512 - len(data) % 512) % 512
    return bytes(header) + data + b"\0" * pad


def lying_tars(root, rng, _kh, _):
    for name, size, cut in [("huge.tar", b"77777777777\0", None), ("zero.tar", b"00000000000\0", None),
                            ("garbage.tar", b"zz\x01zzzz\xffzzz\0", None),
                            ("short.tar", b"00000020000\0", 1024 + 512 + 1000)]:
        ok = f"GITHUB_TOKEN={github_token(rng)}\n".encode()
        after = f"GITHUB_TOKEN={github_token(rng)}\n".encode()
        tar = (tar_member("ok.txt", ok) + tar_member("lie.bin", b"x" * 4096, size) +
               tar_member("after.txt", after) + b"\0" * 1024)
        if cut:
            tar = tar[:cut]
        with open(os.path.join(root, name), "wb") as f:
            f.write(tar)
    return ["dir", "."], None, plant(root, "good.env", rng), "4 tars"


def git_corrupt_objects(root, rng, _kh, _):
    git(root, "init", "-q")
    token = plant(root, "good.env", rng)
    commit_all(root, "good")
    with open(os.path.join(root, "gone.txt"), "w") as f:
        f.write(f"GITHUB_TOKEN={github_token(rng)}\n")
    with open(os.path.join(root, "garbled.txt"), "w") as f:
        f.write("some text that will not inflate\n")
    commit_all(root, "doomed")
    for name, action in [("gone.txt", "remove"), ("garbled.txt", "garble")]:
        oid = git(root, "rev-parse", f"HEAD:{name}")
        path = os.path.join(root, ".git/objects", oid[:2], oid[2:])
        os.chmod(path, 0o644)
        if action == "remove":
            os.unlink(path)
        else:
            with open(path, "wb") as f:
                f.write(b"x\x9c this is not zlib at all")
    return ["git", "."], None, token, "2 commits"


def git_head_tree_corrupt(root, rng, _kh, _):
    """HEAD's root tree does not inflate (before: every finding was lost)."""
    git(root, "init", "-q")
    token = plant(root, "good.env", rng)
    commit_all(root, "good")
    with open(os.path.join(root, "later.txt"), "w") as f:
        f.write("nothing secret\n")
    commit_all(root, "later")
    oid = git(root, "rev-parse", "HEAD^{tree}")
    path = os.path.join(root, ".git/objects", oid[:2], oid[2:])
    os.unlink(path)
    with open(path, "wb") as f:
        f.write(b"x\x9c this is not zlib at all")
    return ["git", "."], None, token, "2 commits"


def git_pack_cut_short(root, rng, _kh, _):
    """A 16 MiB pack cut to 64 KiB as soon as keyhound maps it (before:
    SIGBUS, no report). The good key is on a branch of loose objects."""
    git(root, "init", "-q")
    os.makedirs(os.path.join(root, "bulk"))
    letters = "abcdefghij klmnopqrstuvwxyz\n"
    for n in range(64):
        with open(os.path.join(root, f"bulk/{n}.txt"), "w") as f:
            f.write("".join(rng.choice(letters) for _ in range(260_000)))
    commit_all(root, "bulk")
    git(root, "gc", "-q")
    git(root, "checkout", "-q", "--orphan", "good")
    git(root, "rm", "-rq", "--cached", ".")
    shutil.rmtree(os.path.join(root, "bulk"))
    token = plant(root, "good.env", rng)
    commit_all(root, "good")
    pack_dir = os.path.join(root, ".git/objects/pack")
    pack = next(os.path.join(pack_dir, p) for p in os.listdir(pack_dir) if p.endswith(".pack"))
    os.chmod(pack, 0o644)
    stop = threading.Event()

    def cut_when_mapped():
        while not stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/maps") as maps:
                        if pack in maps.read():
                            os.truncate(pack, 64 << 10)
                            return
                except OSError:
                    continue
            time.sleep(0.0002)
    threading.Thread(target=cut_when_mapped, daemon=True).start()
    return ["git", "."], None, token, ("16 MiB pack", stop)


def git_corrupt_pack(root, rng, _kh, _):
    git(root, "init", "-q")
    token = plant(root, "good.env", rng)
    commit_all(root, "good")
    lines = [f"line {i}: " + "".join(rng.choice(BASE62) for _ in range(40)) + "\n" for i in range(400)]
    for version in range(4):
        with open(os.path.join(root, "big.txt"), "w") as f:
            f.write("".join(lines) + f"version {version}\n")
        commit_all(root, f"v{version}")
    git(root, "repack", "-adfq", "--window=50", "--depth=50")
    pack_dir = os.path.join(root, ".git/objects/pack")
    idx = next(os.path.join(pack_dir, p) for p in os.listdir(pack_dir) if p.endswith(".idx"))
    rows = [line.split() for line in git(root, "verify-pack", "-v", idx).splitlines()]
    base = next(r[6] for r in rows if len(r) == 7)
    row = next(r for r in rows if r[0] == base)
    in_pack, offset = int(row[3]), int(row[4])
    pack_path = idx[:-4] + ".pack"
    os.chmod(pack_path, 0o644)
    with open(pack_path, "r+b") as f:
        f.seek(offset + 6)
        data = f.read(in_pack - 6)
        f.seek(offset + 6)
        f.write(bytes(b ^ 0x5a for b in data))
    return ["git", "."], None, token, "5 commits"


def ref_delta_pack(repo, entries):
    """REF_DELTA entries (id, base id, inserted bytes) as a pack and a v2
    index with chosen ids and zero checksums (see tests/hostile.rs)."""
    pack = bytearray(b"PACK" + struct.pack(">II", 2, len(entries)))
    index = []
    for oid, base, insert in entries:
        delta = bytearray()
        for _ in range(2):
            n = len(insert)
            while True:
                byte, n = n & 0x7f, n >> 7
                delta.append(byte | (0x80 if n else 0))
                if not n:
                    break
        for i in range(0, len(insert), 127):
            piece = insert[i:i + 127]
            delta.append(len(piece))
            delta += piece
        size = len(delta)
        header = bytearray([(7 << 4) | (size & 0x0f)])
        size >>= 4
        while size:
            header[-1] |= 0x80
            header.append(size & 0x7f)
            size >>= 7
        entry = bytes(header) + base + zlib.compress(bytes(delta))
        index.append((oid, zlib.crc32(entry), len(pack)))
        pack += entry
    pack += bytes(20)
    index.sort()
    idx = bytearray(b"\xfftOc" + struct.pack(">I", 2))
    for byte in range(256):
        idx += struct.pack(">I", sum(1 for oid, _, _ in index if oid[0] <= byte))
    for oid, _, _ in index:
        idx += oid
    for _, crc, _ in index:
        idx += struct.pack(">I", crc)
    for _, _, offset in index:
        idx += struct.pack(">I", offset)
    idx += bytes(40)
    pack_dir = os.path.join(repo, ".git/objects/pack")
    os.makedirs(pack_dir, exist_ok=True)
    with open(os.path.join(pack_dir, "pack-hostile.pack"), "wb") as f:
        f.write(pack)
    with open(os.path.join(pack_dir, "pack-hostile.idx"), "wb") as f:
        f.write(idx)


def git_broken_deltas(root, rng, _kh, _):
    git(root, "init", "-q")
    token = plant(root, "good.env", rng)
    commit_all(root, "good")
    key = f"GITHUB_TOKEN={github_token(rng)}\n".encode()
    orphan, nowhere, left, right = (bytes([b]) * 20 for b in (0x11, 0x22, 0x33, 0x44))
    ref_delta_pack(root, [(orphan, nowhere, key), (left, right, key), (right, left, key)])
    # Written raw: git mktree looks the entries up, and resolving the cycle
    # makes git itself run out of memory.
    good = bytes.fromhex(git(root, "rev-parse", "HEAD:good.env"))
    entries = sorted([(b"cycle-a.txt", left), (b"cycle-b.txt", right), (b"good.env", good),
                      (b"missing-base.txt", orphan)])
    raw = b"".join(b"100644 " + name + b"\0" + oid for name, oid in entries)
    tree = git(root, "hash-object", "-t", "tree", "-w", "--literally", "--stdin", stdin=raw)
    commit = git(root, "commit-tree", tree, "-p", git(root, "rev-parse", "HEAD"), "-m", "broken deltas")
    git(root, "update-ref", "refs/heads/main", commit)
    return ["git", "."], None, token, "3 deltas"


def git_tree_bomb(root, rng, _kh, _):
    git(root, "init", "-q")
    token = plant(root, "good.env", rng)
    commit_all(root, "good")
    oid = git(root, "hash-object", "-w", "--stdin", stdin=b"lol\n")
    kind = "100644 blob"
    for _ in range(10):
        listing = "".join(f"{kind} {oid}\tn{i}\n" for i in range(10))
        oid = git(root, "mktree", stdin=listing.encode())
        kind = "040000 tree"
    head = git(root, "rev-parse", "HEAD")
    bomb = git(root, "commit-tree", oid, "-p", head, "-m", "bomb")
    plant(root, "after.env", rng)
    git(root, "add", "after.env")
    after = git(root, "commit-tree", git(root, "write-tree"), "-p", bomb, "-m", "after")
    git(root, "update-ref", "refs/heads/main", after)
    return ["git", "."], None, token, "10^10 paths"


def symlink_loops(root, rng, _kh, _):
    os.makedirs(os.path.join(root, "loop/inner"))
    os.symlink("..", os.path.join(root, "loop/inner/up"))
    os.symlink("b", os.path.join(root, "a"))
    os.symlink("a", os.path.join(root, "b"))
    os.symlink("self", os.path.join(root, "self"))
    return ["dir", ".", "--follow-symlinks"], None, plant(root, "loop/inner/good.env", rng), "followed"


def fifo(root, rng, _kh, _):
    os.mkfifo(os.path.join(root, "pipe"))
    return ["dir", "pipe", "good.env"], None, plant(root, "good.env", rng), "named"


def devices(root, rng, _kh, _):
    os.symlink("/dev/zero", os.path.join(root, "zero"))
    os.symlink("/dev/urandom", os.path.join(root, "random"))
    return ["dir", "zero", "random", "."], None, plant(root, "good.env", rng), "named + tree"


def changing_files(root, rng, _kh, _):
    block = ("".join(rng.choice(BASE62) for _ in range(100)) + " key=value\n").encode()
    sizes = {"grow-small.log": 64 << 10, "grow-big.log": 16 << 20, "shrink-small.log": 64 << 10,
             "shrink-1.log": 32 << 20, "shrink-2.log": 32 << 20, "shrink-3.log": 32 << 20}
    for name, size in sizes.items():
        write_repeated(os.path.join(root, name), block, size)
    token = plant(root, "good.env", rng)
    stop = threading.Event()

    def churn(name, size):
        with open(os.path.join(root, name), "ab") as f:
            while not stop.is_set():
                if name.startswith("grow"):
                    f.write(block)
                    f.flush()
                    time.sleep(0.00005)
                else:
                    os.ftruncate(f.fileno(), 0)
                    time.sleep(0.002)
                    os.ftruncate(f.fileno(), size)
                    time.sleep(0.002)
    threads = [threading.Thread(target=churn, args=item, daemon=True) for item in sizes.items()]
    for t in threads:
        t.start()
    return ["dir", "."], None, token, ("while 6 files change", stop)


def unreadable(root, rng, _kh, _):
    token = plant(root, "good.env", rng)
    plant(root, "locked/inside.env", rng)
    plant(root, "open/locked.env", rng)
    os.chmod(os.path.join(root, "locked"), 0)
    os.chmod(os.path.join(root, "open/locked.env"), 0)
    os.symlink("nowhere/at/all", os.path.join(root, "dangling"))
    os.symlink("/proc/self/mem", os.path.join(root, "mem"))
    return ["dir", ".", "--follow-symlinks"], None, token, "uid %d" % os.getuid()


def odd_names(root, rng, _kh, _):
    for name in [b"bad\xff\xfe.env", b"new\nline.env", b"dir\xc3\x28/inner.env", b"tab\tand\r\nmore.env"]:
        path = os.path.join(root.encode(), name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(f"GITHUB_TOKEN={github_token(rng)}\n")
    return ["dir", "."], None, plant(root, "good.env", rng), "5 files"


def steering_devices(root, rng, _kh, _):
    """A scanned tree's config naming /dev/zero as its rule pack (before:
    read until memory ran out). Refused: exit 2 and the reason."""
    with open(os.path.join(root, ".keyhound.toml"), "w") as f:
        f.write('rules = ["/dev/zero"]\n')
    plant(root, "good.env", rng)
    return ["dir", "."], None, None, "config pack"


def steering_fifo(root, rng, _kh, _):
    """A scanned tree's config naming a FIFO as its rule pack (before: hung
    for ever). Refused: exit 2 and the reason."""
    os.mkfifo(os.path.join(root, "pack.toml"))
    with open(os.path.join(root, ".keyhound.toml"), "w") as f:
        f.write('rules = ["pack.toml"]\n')
    plant(root, "good.env", rng)
    return ["dir", "."], None, None, "config pack"


CASES = [
    ("keyword storm", keyword_storm),
    ("one letter repeated", one_letter),
    ("huge line on stdin", huge_line_stdin),
    ("giant base64 run", base64_run),
    ("PEM header, no end", pem_no_end),
    ("deeply nested JSON", nested_json),
    ("zips whose central directory lies", lying_zips),
    ("overlapping zip entries", overlapping_zip),
    ("tars whose sizes lie", lying_tars),
    ("git: missing and corrupt loose objects", git_corrupt_objects),
    ("git: pack with a corrupt delta base", git_corrupt_pack),
    ("git: delta on a missing base, delta cycle", git_broken_deltas),
    ("git: tree bomb (10 levels of 10)", git_tree_bomb),
    ("git: HEAD tree does not inflate", git_head_tree_corrupt),
    ("git: pack cut short while mapped", git_pack_cut_short),
    ("symlink loops", symlink_loops),
    ("FIFO", fifo),
    ("device files", devices),
    ("files growing and shrinking", changing_files),
    ("unreadable paths", unreadable),
    ("invalid UTF-8 and newlines in names", odd_names),
    ("config naming /dev/zero as a pack", steering_devices),
    ("config naming a FIFO as a pack", steering_fifo),
]


def run_case(kh, name, build, args):
    rng = random.Random(name)
    with tempfile.TemporaryDirectory(prefix="hostile-") as root:
        cmd_args, feed, token, read = build(root, rng, kh, args)
        stop = None
        if isinstance(read, tuple):
            read, stop = read
        time_file = os.path.join(tempfile.gettempdir(), f"hostile-time-{os.getpid()}")
        cmd = ["/usr/bin/time", "-o", time_file, "-f", "%e s %M KB", kh, *cmd_args,
               "-f", "json", "--show-secrets"]
        proc = subprocess.Popen(cmd, cwd=root, stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        writer = None
        if feed:
            # The writer owns stdin; communicate() would close it at once.
            pipe, proc.stdin = proc.stdin, None
            writer = threading.Thread(target=feed, args=(pipe,))
            writer.start()
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            return [name, read, "HANG", f"> {TIMEOUT} s", "", ""]
        finally:
            if stop:
                stop.set()
            if writer:
                writer.join()
            if os.path.exists(os.path.join(root, "locked")):
                os.chmod(os.path.join(root, "locked"), 0o755)
        with open(time_file) as f:
            timing = f.read().strip().splitlines()[-1]
        os.unlink(time_file)
        seconds, _, rss, _ = timing.split()
        status = str(proc.returncode)
        if token is None:
            # A file that steers the scan is unusable: refused, not read.
            refused = proc.returncode == 2 and b"not a regular file" in err
            reason = err.decode(errors="replace").strip().splitlines()[-1:] or [""]
            return [name, read, status + ("" if refused else " FAIL"), f"{float(seconds):.2f} s",
                    f"{int(rss) / 1024:.0f} MB", "refused: " + reason[0].split(": ", 2)[-1]]
        if proc.returncode not in (0, 1) or b"panicked" in err:
            status += " FAIL"
        try:
            doc = json.loads(out)
            found = any(f["secret"] == token for f in doc["findings"])
            kinds = {}
            for w in doc["summary"]["warnings"]:
                kinds[w["kind"]] = kinds.get(w["kind"], 0) + 1
            warnings = ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())) or "none"
        except (ValueError, KeyError):
            found, warnings = False, "no JSON"
        if not found:
            status += " (good key LOST)"
        return [name, read, status, f"{float(seconds):.2f} s", f"{int(rss) / 1024:.0f} MB", warnings]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keyhound", default="target/release/keyhound")
    parser.add_argument("--stdin-mb", type=int, default=1024)
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    kh = os.path.abspath(args.keyhound)
    rows = []
    for name, build in CASES:
        if args.only and args.only not in name:
            continue
        row = run_case(kh, name, build, args)
        print("  ".join(row), file=sys.stderr, flush=True)
        rows.append(row)
    print("| case | input | exit | time | peak RSS | warnings |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 1 if any("FAIL" in r[2] or "HANG" in r[2] or "LOST" in r[2] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
