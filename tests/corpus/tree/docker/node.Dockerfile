FROM debian:bookworm-slim
ARG NODE_VERSION=20.11.1
ARG NODE_SHA256=4ea277160f95c0edcbcb467f1821702c789e26092098d85a1875c1d809694331
RUN curl -fsSLO "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-x64.tar.xz" \
 && echo "${NODE_SHA256}  node-v${NODE_VERSION}-linux-x64.tar.xz" | sha256sum -c -
