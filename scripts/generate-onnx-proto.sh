#!/usr/bin/env bash
# Regenerates Sources/ONNXProto/onnx.pb.swift from ONNX's published onnx.proto (run by hand, not by the build:
# the generated Swift is committed). Needs Debian's protobuf-compiler (protoc), Swift, and PyPI (for the onnx
# package, which ships onnx.proto). protoc-gen-swift is built from swift-protobuf at the version Package.swift
# depends on, in a throwaway package (≈ 10 min on 2 cores), unless PROTOC_GEN_SWIFT names a built one.
set -euo pipefail
cd "$(dirname "$0")/.."
ONNX_VERSION=1.23.2
ONNX_PROTO_SHA256=547214dd049486a4d5ecbae593e9c72d90b5e8d603944b722eff469e0b5a9cc9
SWIFT_PROTOBUF_VERSION=1.39.0
export PATH="/opt/swift/usr/bin:$PATH"

command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q "onnx==$ONNX_VERSION"
proto_dir=$("$work/venv/bin/python" -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
echo "$ONNX_PROTO_SHA256  $proto_dir/onnx.proto" | sha256sum -c -
mkdir -p "$work/proto"
cp "$proto_dir/onnx.proto" "$work/proto/onnx.proto"

plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
  mkdir -p "$work/plugin"
  cat > "$work/plugin/Package.swift" <<SWIFT
// swift-tools-version:5.9
import PackageDescription
let package = Package(name: "plugin", dependencies: [
    .package(url: "https://github.com/apple/swift-protobuf", exact: "$SWIFT_PROTOBUF_VERSION")], targets: [])
SWIFT
  swift build --package-path "$work/plugin" -c release --product protoc-gen-swift
  plugin="$work/plugin/.build/release/protoc-gen-swift"
fi

protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public --swift_out=Sources/ONNXProto \
  -I "$work/proto" "$work/proto/onnx.proto"
echo "wrote Sources/ONNXProto/onnx.pb.swift from onnx $ONNX_VERSION's onnx.proto with protoc $(protoc --version | cut -d' ' -f2) and protoc-gen-swift $("$plugin" --version | awk '{print $NF}')"
