#!/usr/bin/env bash
# Install fmgraph with its test tools into the active Python environment, plus the Debian
# packages the tests drive: chromium (browser tests of `fmgraph render` and the SPARQL editor),
# raptor2-utils (rapper, an independent RDF parser) and virtuoso-opensource-7-bin (Virtuoso,
# one of the real SPARQL servers the server tests start on 127.0.0.1). Safe to run again: it
# installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v python >/dev/null 2>&1; then
  echo "bootstrap: no 'python' command. Make and activate a virtual environment first:" >&2
  echo "  python3 -m venv .venv && . .venv/bin/activate" >&2
  exit 1
fi
if [ "$(python -c 'import sys; print(sys.prefix != sys.base_prefix)')" != True ]; then
  echo "bootstrap: warning: not in a virtual environment; pip installs into $(command -v python)" >&2
fi

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
command -v rapper >/dev/null 2>&1 || missing+=(raptor2-utils)
command -v virtuoso-t >/dev/null 2>&1 || missing+=(virtuoso-opensource-7-bin)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing Debian packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "warning: ${missing[*]} not found and apt-get is unavailable;" \
         "browser and rapper tests need them" >&2
  fi
fi

python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e ".[test]"
