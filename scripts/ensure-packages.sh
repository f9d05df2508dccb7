#!/usr/bin/env bash
# Installs the Debian packages HAVIP Manager's lab, tests and demo need, if any are missing.
# Idempotent: when everything is present it changes nothing and touches no network.
# Needs root (or sudo) only when something must be installed.
set -euo pipefail

# The list lives beside the lab that needs it: test/lab/debian-packages.txt.
LIST="$(cd "$(dirname "$0")/.." && pwd)/test/lab/debian-packages.txt"
if [[ ! -r "$LIST" ]]; then
  echo "ensure-packages: cannot read the package list $LIST" >&2
  exit 1
fi
mapfile -t PACKAGES < <(sed -e 's/#.*//' -e 's/[[:space:]]\+/\n/g' "$LIST" | grep -v '^$')

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "ensure-packages: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "ensure-packages: installing missing packages: ${missing[*]}"
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "ensure-packages: need root to install ${missing[*]}; run this script as root" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | "${as_root[@]}" debconf-set-selections 2>/dev/null || true
"${as_root[@]}" apt-get update -q
"${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "ensure-packages: done"
