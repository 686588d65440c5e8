#!/usr/bin/env bash
# Installs the browser's RDP client from the npm registry (exact versions, package-lock.json) and copies it into
# the panel's assets, OUTPUT-DIRECTORY. Run by Maven in generate-resources; npm's cache makes later runs offline.
set -euo pipefail

source=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
out=${1:?usage: build.sh OUTPUT-DIRECTORY WORK-DIRECTORY}
work=${2:?usage: build.sh OUTPUT-DIRECTORY WORK-DIRECTORY}
for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "building the panel's desktop page needs Node.js and npm: run \`sudo apt-get install -y nodejs npm\`" \
      "(./test installs them itself when run as root)" >&2
    exit 1
  fi
done
mkdir -p "$work"
cp "$source/package.json" "$source/package-lock.json" "$source/assemble.mjs" "$work/"
if ! cmp -s "$source/package-lock.json" "$work/node_modules/.package-lock.json.installed" 2>/dev/null; then
  (cd "$work" && npm ci --prefer-offline --no-audit --no-fund --ignore-scripts --loglevel=error)
  cp "$source/package-lock.json" "$work/node_modules/.package-lock.json.installed"
fi
node "$work/assemble.mjs" "$out"
