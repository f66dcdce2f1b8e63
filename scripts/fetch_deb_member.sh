#!/usr/bin/env bash
# Fetch one file out of a Debian package, through the package registry: `apt-get download` (no root needed),
# then the one member is extracted from the .deb. The recipes' data scripts (fetch_vtest.sh, fetch_dna.sh) call
# it; it is the one place that does this.
#
#   bash scripts/fetch_deb_member.sh NAME PACKAGE MEMBER DEST [gzip]
#
# NAME labels the messages; MEMBER is the path inside the .deb ("./usr/share/..."); DEST the file to write.
# With `gzip`, the extracted file must also pass `gzip -t`. Idempotent: does nothing if DEST exists. Atomic:
# the file appears under its name only once complete.
set -euo pipefail

if (( $# < 4 )); then
    echo "usage: fetch_deb_member.sh NAME PACKAGE MEMBER DEST [gzip]" >&2
    exit 2
fi
name="$1" package="$2" member="$3" dest="$4" check="${5:-}"

if [[ -s "$dest" ]]; then
    echo "$name: $dest already present, nothing to do"
    exit 0
fi
for tool in apt-get dpkg-deb tar ${check:+gzip}; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$name: '$tool' not found; this script needs a Debian/Ubuntu system (apt-get, dpkg-deb)." >&2
        echo "$name: elsewhere, put ${member##*/} (from the Debian package $package) at $dest." >&2
        exit 1
    fi
done

dest_dir="$(dirname "$dest")"
mkdir -p "$dest_dir"
work="$(mktemp -d)"
chmod 755 "$work"  # apt-get downloads as the _apt user where it can: let it write here
partial="$(mktemp "$dest_dir/.${dest##*/}.XXXXXX")"
trap 'rm -rf "$work"; rm -f "$partial"' EXIT

echo "$name: downloading $package with apt-get"
if ! (cd "$work" && apt-get download -q "$package"); then
    # a fresh machine may have no package index yet: read it once (as root), then try again
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -q
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -q
    fi
    if ! (cd "$work" && apt-get download -q "$package"); then
        echo "$name: 'apt-get download $package' failed; is the network up and the package index" >&2
        echo "$name: current ('sudo apt-get update')?" >&2
        exit 1
    fi
fi
deb=("$work"/"${package}"_*.deb)
dpkg-deb --fsys-tarfile "${deb[0]}" | tar -x -O "$member" > "$partial"
if [[ ! -s "$partial" ]] || { [[ "$check" == gzip ]] && ! gzip -t "$partial"; }; then
    echo "$name: $member missing, empty${check:+ or not $check} in ${deb[0]##*/}" >&2
    exit 1
fi
chmod 644 "$partial"
mv -f "$partial" "$dest"
echo "$name: wrote $dest ($(du -h "$dest" | cut -f1))"
