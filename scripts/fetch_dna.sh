#!/usr/bin/env bash
# Fetch the Drosophila melanogaster upstream sequences dm3_upstream2000.fa.gz (26,454 RefSeq transcripts, the
# 2000 bp upstream of each annotated transcription start, UCSC dm3; gzip FASTA, about 11 MB) for the dna recipe
# (rnnkit/apps/dna.py).
#
#   bash scripts/fetch_dna.sh [DIR]        # writes DIR/dm3_upstream2000.fa.gz (default DIR: data)
#
# The file ships in the Debian package r-bioc-biostrings (Biostrings' extdata; about 14 MB; no R needed), so it
# comes through the package registry (scripts/fetch_deb_member.sh: idempotent, atomic, checked as gzip).
# Elsewhere, put Biostrings' extdata/dm3_upstream2000.fa.gz at DIR/ or set RNNKIT_DNA.
set -euo pipefail
exec bash "$(dirname "$0")/fetch_deb_member.sh" fetch_dna r-bioc-biostrings \
    ./usr/lib/R/site-library/Biostrings/extdata/dm3_upstream2000.fa.gz "${1:-data}/dm3_upstream2000.fa.gz" gzip
