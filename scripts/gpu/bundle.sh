#!/usr/bin/env bash
# scripts/gpu/bundle.sh OUT: a relocatable gcnn for a machine without Swift (e.g. one with an NVIDIA GPU).
#
# Builds gcnn in release with the Swift runtime linked in (--static-swift-stdlib), then copies into OUT:
#   OUT/gcnn      runs gcnn from wherever OUT is copied: a small sh wrapper that unpacks OUT/lib/gcnn.gz (the
#                 stripped binary, gzip'd: ICU's data alone is 34 MB) once beside it — or, when OUT is read-only,
#                 under $XDG_CACHE_HOME/gcnn — and execs it; the binary's run path ($ORIGIN:$ORIGIN/lib, patchelf)
#                 finds the libraries below
#   OUT/lib/      every shared library `ldd` shows it loading except glibc's own (the OpenCL ICD loader, FFTW,
#                 libsndfile and its codecs, libsamplerate, libpng, zlib, the C++ runtime, and whatever a later
#                 dependency adds), each with run path $ORIGIN
#   OUT/run.sh    the GPU runbook (scripts/gpu/run.sh)
#   OUT/python/   the PyTorch peer (Benchmarks/peers/torch_epoch.py, scripts/gcnn_torch.py) run.sh compares with
# and checks that the bundle resolves every non-glibc library inside OUT/lib and stays under 64 MiB.
# The OpenCL driver (the ICD, e.g. libnvidia-opencl.so.1) is the target machine's; run.sh finds it.
# Needs patchelf (scripts/setup-debian.sh installs it). GCNN_BUNDLE_SCRATCH: the build folder (.build-bundle).
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then sed -n '2,14p' "$0"; [ $# -eq 1 ] && exit 0; exit 2; fi
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
for tool in swift patchelf ldd strip; do
    command -v "$tool" >/dev/null || { echo "bundle.sh: $tool is missing (scripts/setup-debian.sh installs patchelf)" >&2; exit 2; }
done
scratch=${GCNN_BUNDLE_SCRATCH:-$root/.build-bundle}
limit=$((64 * 1024 * 1024))

echo "bundle.sh: building gcnn (release, static Swift runtime) in $scratch…" >&2
swift build -c release --static-swift-stdlib --product gcnn --package-path "$root" --scratch-path "$scratch" >&2
bin="$(swift build -c release --static-swift-stdlib --package-path "$root" --scratch-path "$scratch" --show-bin-path)/gcnn"

# glibc's own libraries: every Linux machine has them, and they must match the machine's loader.
is_glibc() {
    case "$1" in
        linux-vdso.so.*|linux-gate.so.*|ld-linux*.so.*|libc.so.*|libm.so.*|libmvec.so.*|libpthread.so.*|libdl.so.*|\
        librt.so.*|libresolv.so.*|libutil.so.*|libanl.so.*|libnsl.so.*|libcrypt.so.*|libBrokenLocale.so.*|\
        libthread_db.so.*|libnss_*.so.*|libc_malloc_debug.so.*) return 0 ;;
        *) return 1 ;;
    esac
}

rm -rf "$out/lib" "$out/python" "$out/gcnn" "$out/run.sh"
mkdir -p "$out/lib"
exe="$out/lib/gcnn.unpacked"
cp "$bin" "$exe"
strip "$exe"
copied=()
while read -r soname path; do
    is_glibc "$soname" && continue
    [ -f "$path" ] || { echo "bundle.sh: ldd lists $soname at $path, which is not a file" >&2; exit 1; }
    cp -L "$path" "$out/lib/$soname"
    chmod u+w "$out/lib/$soname"
    strip --strip-unneeded "$out/lib/$soname"
    patchelf --set-rpath '$ORIGIN' "$out/lib/$soname"
    copied+=("$soname")
done < <(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
if ldd "$bin" | grep -q 'not found'; then
    echo "bundle.sh: the build machine cannot resolve every library of gcnn:" >&2; ldd "$bin" | grep 'not found' >&2; exit 1
fi
patchelf --set-rpath '$ORIGIN:$ORIGIN/lib' "$exe"

# Every library the bundled binary loads must now come from OUT/lib, except glibc's.
stray=$(ldd "$exe" | awk '$2 == "=>" { print $1, $3 }' | while read -r soname path; do
    is_glibc "$soname" || case "$path" in "$out/lib/"*) ;; *) echo "$soname => $path" ;; esac
done)
if [ -n "$stray" ]; then echo "bundle.sh: libraries not resolved inside $out/lib:" >&2; echo "$stray" >&2; exit 1; fi

stamp=$(cksum < "$exe" | cut -d ' ' -f 1)
gzip -9 -n -c "$exe" > "$out/lib/gcnn.gz"
glibc=$(objdump -T "$exe" "$out"/lib/*.so* 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -n 1)
rm -f "$exe"
cat > "$out/gcnn" <<WRAPPER
#!/bin/sh
# gcnn from this bundle (scripts/gpu/bundle.sh): unpacks lib/gcnn.gz once, then runs it.
set -e
here=\$(dirname "\$(readlink -f "\$0")")
bin="\$here/lib/gcnn-$stamp"
if [ ! -x "\$bin" ]; then
    if [ ! -w "\$here/lib" ]; then
        dir="\${XDG_CACHE_HOME:-\${HOME:-/tmp}/.cache}/gcnn/bundle-$stamp"
        mkdir -p "\$dir"; ln -sfn "\$here/lib" "\$dir/lib"; bin="\$dir/gcnn"
    fi
    if [ ! -x "\$bin" ]; then
        gzip -dc "\$here/lib/gcnn.gz" > "\$bin.\$\$" && chmod 755 "\$bin.\$\$" && mv -f "\$bin.\$\$" "\$bin"
    fi
fi
exec "\$bin" "\$@"
WRAPPER
chmod 755 "$out/gcnn"
cp "$root/scripts/gpu/run.sh" "$out/run.sh"
chmod +x "$out/run.sh"
mkdir -p "$out/python/Benchmarks/peers" "$out/python/scripts"
cp "$root/Benchmarks/peers/torch_epoch.py" "$out/python/Benchmarks/peers/"
cp "$root/scripts/gcnn_torch.py" "$out/python/scripts/"

size=$(du -sb "$out" | cut -f1)
echo "bundle.sh: $out: gcnn + ${#copied[@]} libraries (${copied[*]}), $((size / 1024 / 1024)) MiB; needs $glibc or newer" >&2
if [ "$size" -ge "$limit" ]; then echo "bundle.sh: the bundle is $size bytes, over the 64 MiB limit" >&2; exit 1; fi
