#!/usr/bin/env bash
# What the server tests (tests/test_servers.py) need beyond the Python test extras: Virtuoso 7
# from Debian. The tests start and stop every server themselves, on 127.0.0.1, over temporary
# databases; this only installs. Idempotent: does nothing when virtuoso-t is already there.
set -euo pipefail
if ! command -v virtuoso-t >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "ci-services: virtuoso-t is missing; as root: apt-get install virtuoso-opensource-7-bin" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends virtuoso-opensource-7-bin >/dev/null
fi
virtuoso-t +version 2>&1 | head -n 2 || true
