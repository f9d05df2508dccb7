#!/usr/bin/env bash
# Makes a Node.js 18 available for testing the agent bundle on the oldest Node the agent
# supports (issue 3: "runs on Node.js 18 to 22 on the node"), beside the machine's own Node.
#
# Debian bookworm ships nodejs 18.x (+ libnode108). It cannot be installed as packages next to
# the Node 20 `nodejs` package this machine has (same package name), so this script unpacks
# both .debs into a project-owned directory instead and runs that `node` with LD_LIBRARY_PATH
# pointing at the unpacked libnode. Debian's build also loads a few JavaScript builtins
# (cjs-module-lexer, undici, acorn) from fixed paths under /usr/share/nodejs at start-up; those
# come from small arch-independent packages (node-cjs-module-lexer, node-undici, node-acorn)
# that do not touch the installed Node 20, so they, and any missing shared library the .debs
# depend on, are installed as ordinary packages (they are also listed in
# test/lab/debian-packages.txt so scripts/ensure-packages.sh installs them up front).
#
# Idempotent: when the unpacked Node 18 is present and runs, it changes nothing and touches no
# network. Writes DIR/env.json ({"node", "libDir", "version"}) for test/integration/agent/node18.ts.
# Prints where Node 18 is; exits non-zero with a reason and a next step when it cannot be had.
#
# Usage: scripts/ensure-node18.sh [DIR]   (default: $HAVIP_NODE18_DIR or /opt/havip-test-node18)
set -euo pipefail

DIR="${1:-${HAVIP_NODE18_DIR:-/opt/havip-test-node18}}"
LOCK="/tmp/havip-node18-$(id -u).lock"
# Builtins Debian's Node 18 reads from /usr/share/nodejs when it starts (it aborts without them).
BUILTIN_PACKAGES=(node-cjs-module-lexer node-undici node-acorn)

fail() {
  echo "ensure-node18: $*" >&2
  exit 1
}

# Runs the unpacked node; prints its version (v18.x.y) or nothing.
probe() {
  local env_file="$DIR/env.json" node lib
  [[ -r "$env_file" ]] || return 0
  node=$(sed -n 's/.*"node": *"\([^"]*\)".*/\1/p' "$env_file")
  lib=$(sed -n 's/.*"libDir": *"\([^"]*\)".*/\1/p' "$env_file")
  [[ -x "$node" && -d "$lib" ]] || return 0
  LD_LIBRARY_PATH="$lib" timeout 20 "$node" -p 'process.version' 2>/dev/null || true
}

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

apt_install() {
  [[ $(id -u) -eq 0 ]] || fail "need root to install $*; run this script as root (or install them: apt-get install $*)"
  echo "ensure-node18: installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null \
    || fail "apt-get install $* failed; check that Debian's archive is reachable (apt-get update) and retry"
}

report() {
  echo "ensure-node18: Node $1 at $(sed -n 's/.*"node": *"\([^"]*\)".*/\1/p' "$DIR/env.json")" \
    "(run with LD_LIBRARY_PATH=$(sed -n 's/.*"libDir": *"\([^"]*\)".*/\1/p' "$DIR/env.json")); details in $DIR/env.json"
}

command -v dpkg-deb >/dev/null && command -v apt-get >/dev/null \
  || fail "this needs a Debian-based system (dpkg-deb and apt-get); Node 18 is taken from Debian's archive"

# Several test runs may call this at once: one unpacks, the others wait and find it done.
exec 9>"$LOCK"
flock -w 300 9 || fail "another ensure-node18 has held $LOCK for 5 minutes; check for a stuck apt-get"

missing_builtins=()
for p in "${BUILTIN_PACKAGES[@]}"; do is_installed "$p" || missing_builtins+=("$p"); done

version=$(probe)
if [[ "$version" == v18.* && ${#missing_builtins[@]} -eq 0 ]]; then
  report "$version"
  exit 0
fi

# Newest 18.x of Debian's nodejs the archive offers; refresh the package lists once if none.
newest_18() {
  apt-cache madison nodejs 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | grep '^18\.' | sort -V | tail -n 1 || true
}
want=$(newest_18)
if [[ -z "$want" ]]; then
  [[ $(id -u) -eq 0 ]] || fail "the package lists know no nodejs 18.x and refreshing them needs root; run as root"
  echo "ensure-node18: no nodejs 18.x in the package lists; running apt-get update"
  apt-get update -q >/dev/null || fail "apt-get update failed; check that Debian's archive is reachable"
  want=$(newest_18)
fi
[[ -n "$want" ]] || fail "Debian's archive offers no nodejs 18.x here (apt-cache madison nodejs); Node 18 comes from bookworm (Debian 12) main or bookworm-security"

# Unpack beside the final place and swap it in, so an interrupted run never leaves half a Node.
staging="$DIR.partial"
rm -rf "$staging"
mkdir -p "$staging" 2>/dev/null || fail "cannot create $staging; choose a writable directory (argument or HAVIP_NODE18_DIR)"

work=$(mktemp -d /tmp/havip-node18.XXXXXX)
trap 'rm -rf "$work" "$staging"' EXIT
# apt downloads as the unprivileged _apt user where it can; give it the directory.
if id _apt >/dev/null 2>&1; then chown _apt "$work" 2>/dev/null || true; fi
echo "ensure-node18: downloading nodejs=$want and libnode108=$want"
(cd "$work" && apt-get download -q "nodejs=$want" "libnode108=$want" >/dev/null 2>"$work/apt.err") \
  || fail "apt-get download nodejs=$want libnode108=$want failed: $(tail -n 3 "$work/apt.err")"

# Shared libraries and builtins the .debs depend on (libuv1, libicu72, libc-ares2, ...): install
# those missing. Version constraints are not re-checked: the archive that offers this nodejs
# offers matching libraries.
need=("${missing_builtins[@]}")
for deb in "$work"/*.deb; do
  while IFS= read -r alt; do
    [[ -z "$alt" ]] && continue
    first=""
    satisfied=no
    for name in $(echo "$alt" | sed -e 's/([^)]*)//g' -e 's/|/ /g'); do
      name=${name%%:*}
      [[ -z "$first" ]] && first=$name
      if [[ "$name" == nodejs || "$name" == libnode108 ]] || is_installed "$name"; then satisfied=yes; break; fi
    done
    [[ $satisfied == yes ]] || need+=("$first")
  done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/^ *//')
done
if [[ ${#need[@]} -gt 0 ]]; then
  mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u)
  apt_install "${need[@]}"
fi

for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$staging"; done
libnode=$(find "$staging/usr/lib" -name 'libnode.so.108' -print -quit)
[[ -x "$staging/usr/bin/node" && -n "$libnode" ]] || fail "the unpacked packages lack usr/bin/node or libnode.so.108 (in $staging); the archive's layout changed"
libdir_rel=${libnode#"$staging"/}
libdir_rel=${libdir_rel%/libnode.so.108}
printf '{\n  "node": "%s",\n  "libDir": "%s",\n  "version": "%s"\n}\n' \
  "$DIR/usr/bin/node" "$DIR/$libdir_rel" "$want" >"$staging/env.json"
rm -rf "$DIR"
mv "$staging" "$DIR"

version=$(probe)
if [[ "$version" != v18.* ]]; then
  err=$(LD_LIBRARY_PATH="$DIR/$libdir_rel" timeout 20 "$DIR/usr/bin/node" -p 'process.version' 2>&1 | head -n 3 || true)
  fail "the unpacked Node 18 in $DIR does not run: ${err:-no output}"
fi
report "$version"
