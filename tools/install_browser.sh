#!/bin/sh
# Headless Chromium and its ChromeDriver for the browser tests (tests/browser.py), and npm,
# which installs the JavaScript they inject (tests/browser_deps: axe-core, by `make install-test`).
#
# Idempotent: when /usr/bin/chromium, /usr/bin/chromedriver and npm are already there it exits 0
# at once. Otherwise it installs Debian's `chromium`, `chromium-driver` and `npm` packages with
# apt-get (as root, or through `sudo -n`), running `apt-get update` only when the first
# attempt fails. It never downloads a browser or driver from anywhere else.
set -eu

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver
PACKAGES="chromium chromium-driver npm"

if [ -x "$CHROMIUM" ] && [ -x "$CHROMEDRIVER" ] && command -v npm >/dev/null 2>&1; then
    exit 0
fi

fail() {
    echo "install_browser.sh: $*" >&2
    echo "install_browser.sh: the browser tests need $CHROMIUM and $CHROMEDRIVER" \
         "(Debian packages: $PACKAGES)." >&2
    exit 1
}

# Ask apt only for what is missing: a machine whose Node.js comes from NodeSource's `nodejs`
# package has npm inside it, and Debian's `npm` package conflicts with that one.
PACKAGES=""
[ -x "$CHROMIUM" ] || PACKAGES="chromium"
[ -x "$CHROMEDRIVER" ] || PACKAGES="$PACKAGES chromium-driver"
command -v npm >/dev/null 2>&1 || PACKAGES="$PACKAGES npm"

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found; install $PACKAGES by hand."

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    fail "not root and passwordless sudo is not available; run as root: apt-get install -y $PACKAGES"
fi

apt_install() {
    # shellcheck disable=SC2086 # $SUDO and $PACKAGES are deliberately word-split
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $PACKAGES
}

echo "install_browser.sh: installing $PACKAGES with apt-get" >&2
if ! apt_install; then
    echo "install_browser.sh: install failed; running apt-get update and trying again" >&2
    # shellcheck disable=SC2086
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update \
        || fail "apt-get update failed."
    apt_install || fail "apt-get install -y $PACKAGES failed."
fi

[ -x "$CHROMIUM" ] || fail "$CHROMIUM is still missing after the install."
[ -x "$CHROMEDRIVER" ] || fail "$CHROMEDRIVER is still missing after the install."
command -v npm >/dev/null 2>&1 || fail "npm is still missing after the install."
echo "install_browser.sh: $("$CHROMIUM" --version 2>/dev/null || echo chromium), " \
     "$("$CHROMEDRIVER" --version 2>/dev/null | head -n 1 || echo chromedriver)" >&2
