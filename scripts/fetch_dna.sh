#!/usr/bin/env bash
# Fetch the Drosophila melanogaster upstream sequences dm3_upstream2000.fa.gz (26,454 RefSeq transcripts, the
# 2000 bp upstream of each annotated transcription start, UCSC dm3; gzip FASTA, about 11 MB) for the dna recipe
# (rnnkit/apps/dna.py).
#
#   bash scripts/fetch_dna.sh [DIR]        # writes DIR/dm3_upstream2000.fa.gz (default DIR: data)
#
# The file ships in the Debian package r-bioc-biostrings (Biostrings' extdata; about 14 MB), so it comes
# through the package registry: `apt-get download` (no root needed, no R), then the one file is extracted from
# the .deb. Idempotent: does nothing if DIR/dm3_upstream2000.fa.gz exists. Atomic: the file appears under its
# name only once complete.
set -euo pipefail

dest_dir="${1:-data}"
dest="$dest_dir/dm3_upstream2000.fa.gz"
member="./usr/lib/R/site-library/Biostrings/extdata/dm3_upstream2000.fa.gz"

if [[ -s "$dest" ]]; then
    echo "fetch_dna: $dest already present, nothing to do"
    exit 0
fi
for tool in apt-get dpkg-deb tar gzip; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fetch_dna: '$tool' not found; this script needs a Debian/Ubuntu system (apt-get, dpkg-deb)." >&2
        echo "fetch_dna: elsewhere, put Biostrings' extdata/dm3_upstream2000.fa.gz at $dest or set RNNKIT_DNA." >&2
        exit 1
    fi
done

mkdir -p "$dest_dir"
work="$(mktemp -d)"
chmod 755 "$work"  # apt-get downloads as the _apt user where it can: let it write here
partial="$(mktemp "$dest_dir/.dm3_upstream2000.fa.gz.XXXXXX")"
trap 'rm -rf "$work"; rm -f "$partial"' EXIT

echo "fetch_dna: downloading r-bioc-biostrings with apt-get (about 14 MB)"
if ! (cd "$work" && apt-get download -q r-bioc-biostrings); then
    # a fresh machine may have no package index yet: read it once (as root), then try again
    if [[ "$(id -u)" == 0 ]]; then
        apt-get update -q
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update -q
    fi
    if ! (cd "$work" && apt-get download -q r-bioc-biostrings); then
        echo "fetch_dna: 'apt-get download r-bioc-biostrings' failed; is the network up and the package index" >&2
        echo "fetch_dna: current ('sudo apt-get update')?" >&2
        exit 1
    fi
fi
deb=("$work"/r-bioc-biostrings_*.deb)
dpkg-deb --fsys-tarfile "${deb[0]}" | tar -x -O "$member" > "$partial"
if [[ ! -s "$partial" ]] || ! gzip -t "$partial"; then
    echo "fetch_dna: $member missing, empty or not gzip in ${deb[0]##*/}" >&2
    exit 1
fi
chmod 644 "$partial"
mv -f "$partial" "$dest"
echo "fetch_dna: wrote $dest ($(du -h "$dest" | cut -f1))"
