#!/bin/sh
# The browser tests drive Debian's Chromium; install it (and a Burmese font) when missing.
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-sil-padauk >/dev/null
else
    echo "The browser tests need Chromium at /usr/bin/chromium: sudo apt-get install chromium fonts-sil-padauk" >&2
    exit 1
fi
