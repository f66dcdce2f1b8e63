#!/usr/bin/env bash
# Fetch OpenCV's sample surveillance video vtest.avi (768x576, 10 fps, 795 frames; people walking in a hall)
# for the surveillance recipe (rnnkit/apps/surveillance.py).
#
#   bash scripts/fetch_vtest.sh [DIR]        # writes DIR/vtest.avi (default DIR: data)
#
# The video ships in the Debian package opencv-doc (about 96 MB), so it comes through the package registry
# (scripts/fetch_deb_member.sh: idempotent, atomic). Elsewhere, put vtest.avi (from OpenCV's samples/data) at
# DIR/vtest.avi or set RNNKIT_VTEST.
set -euo pipefail
exec bash "$(dirname "$0")/fetch_deb_member.sh" fetch_vtest opencv-doc \
    ./usr/share/doc/opencv-doc/examples/data/vtest.avi "${1:-data}/vtest.avi"
