#!/usr/bin/env bash
# Builds the .deb from ./build (cpack), then checks it as a distribution would: its control fields
# and file list (dpkg-deb), lintian (errors fail), the AppStream metadata (appstreamcli) and the
# desktop entry (desktop-file-validate). With --install (CI: a throwaway machine) it also installs
# the package with apt, runs the installed CLI on the installed demo models (a listing, and a generation,
# which runs in the engine program under /usr/libexec) and removes it again.
set -euo pipefail
cd "$(dirname "$0")/.."
install=false
[ "${1:-}" = "--install" ] && install=true
out=build/package
rm -rf "$out" && mkdir -p "$out"
(cd build && cpack -G DEB -B "$PWD/package" > package/cpack.log 2>&1) || { tail -30 "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/awqbench_*.deb)
echo "package: $deb"
dpkg-deb --field "$deb" > "$out/control.txt"
cat "$out/control.txt"
grep -q "^Depends: .*libqt6widgets6" "$out/control.txt" || { echo "check-package: Depends lacks the linked libraries (dpkg-shlibdeps)"; exit 1; }
dpkg-deb --contents "$deb" > "$out/contents.txt"
for f in ./usr/bin/awqbench ./usr/bin/awqbench-cli ./usr/libexec/awqbench/awqbench-cli-engine ./usr/share/applications/awqbench.desktop \
         ./usr/share/metainfo/io.github.awqbench.Workbench.metainfo.xml ./usr/share/icons/hicolor/scalable/apps/awqbench.svg \
         ./usr/share/awqbench/demo-models/tinystories-qwen3-7m/config.json; do
  grep -q " $f\$" "$out/contents.txt" || { echo "check-package: $f is not in the package"; exit 1; }
done
appstreamcli validate --no-net --pedantic packaging/io.github.awqbench.Workbench.metainfo.xml
desktop-file-validate packaging/awqbench.desktop
# lintian: errors fail; warnings are printed for whoever looks next.
lintian --fail-on error "$deb" 2>&1 | grep -v "running with root privileges" | tee "$out/lintian.txt"
if $install; then
  apt-get install -y "./$deb" > "$out/install.log" 2>&1 || { tail -20 "$out/install.log"; exit 1; }
  awqbench-cli models list /usr/share/awqbench/demo-models | tee "$out/installed-cli.txt"
  grep -q "tinystories-qwen3-7m" "$out/installed-cli.txt"
  # An engine command: awqbench-cli hands it to /usr/libexec/awqbench/awqbench-cli-engine.
  awqbench-cli generate --model /usr/share/awqbench/demo-models/tinystories-qwen3-7m --prompt "Once upon a time" --max-new 8 \
    | tee "$out/installed-generate.txt"
  [ -s "$out/installed-generate.txt" ] || { echo "check-package: the installed awqbench-cli generate printed nothing"; exit 1; }
  apt-get remove -y awqbench > /dev/null
fi
echo "check-package: ok"
