# syntax=docker/dockerfile:1
#
# keyhound in a container. Build and scan the current directory:
#
#   docker build -t keyhound .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/scan:ro" keyhound
#
# The arguments replace the default `dir .`: `docker run ... keyhound git .`
# audits the history of the mounted repository. Not built in CI (there is no
# container builder there); see README.md, "Install".

# Build stage: the pinned toolchain (rust-version in Cargo.toml is the
# minimum), the lock file as committed, the `dist` profile (release without
# debug information, Cargo.toml).
ARG RUST_VERSION=1.95
FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
COPY . .
# The registry and target directories are cache mounts, so a rebuild after a
# source change recompiles only what changed; the binary is copied out of the
# target cache in the same step, since cache mounts are not part of the image.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --profile dist --locked -p keyhound --bin keyhound \
    && install -m 0755 target/dist/keyhound /usr/local/bin/keyhound

# Runtime stage: glibc and libgcc_s are all the binary links against. No git:
# keyhound reads history through gitoxide, in process, and never runs the git
# CLI. No ca-certificates: TLS (verification, registry pulls) trusts the
# Mozilla roots compiled into the binary (webpki-roots), not the system store.
FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 keyhound \
    && useradd --system --uid 10001 --gid 10001 --create-home \
        --home-dir /home/keyhound --shell /usr/sbin/nologin keyhound
COPY --from=build /usr/local/bin/keyhound /usr/local/bin/keyhound
# Non-root by default, numerically so that runAsNonRoot can check it. A tree
# mounted from the host is read as uid 10001 unless `docker run --user
# "$(id -u):$(id -g)"` runs keyhound as the tree's owner: files only their
# owner may read (an .env at mode 600) would be reported unreadable instead
# of scanned.
USER 10001:10001
WORKDIR /scan
ENTRYPOINT ["keyhound"]
CMD ["dir", "."]
