#!/usr/bin/env bash
# dist.sh VERSION TARGET...: builds cmd/vmconn for each GOOS/GOARCH target
# into dist/, one archive each (tar.gz; zip for windows), and writes
# dist/SHA256SUMS. Static builds (CGO_ENABLED=0), trimmed paths.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$1
shift
rm -rf dist
mkdir -p dist
for t in "$@"; do
	os=${t%/*} arch=${t#*/}
	name=vmconn-$version-$os-$arch
	dir=dist/$name
	mkdir -p "$dir"
	exe=vmconn
	[ "$os" = windows ] && exe=vmconn.exe
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -o "$dir/$exe" ./cmd/vmconn
	cp README.md CHANGELOG.md "$dir/"
	if [ "$os" = windows ]; then
		(cd dist && python3 -c 'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", ".", sys.argv[1])' "$name")
	else
		tar -C dist -czf "dist/$name.tar.gz" "$name"
	fi
	rm -rf "$dir"
	echo "dist: $name"
done
(cd dist && sha256sum -- *.tar.gz *.zip > SHA256SUMS)
echo "dist: $(wc -l < dist/SHA256SUMS) archives, checksums in dist/SHA256SUMS"
