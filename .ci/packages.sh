#!/usr/bin/env bash
# Packaging smoke test (after the Release build of 'dotnet test'): packs the libraries and the 'mtl' tool into a
# local folder, installs the tool from it and runs it, then instantiates the 'dotnet new mtlsharp' template, builds
# it against the local packages and runs it. Each run packs a version of its own (0.1.0-ci.N), so NuGet's package
# cache never serves an older build; the template engine state lives in a temporary hive.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
version="0.1.0-ci.$(date +%s)"
cleanup() {
  rm -rf "$tmp"
  rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/mtlsharp.*/"$version"
}
trap cleanup EXIT
pkg="$tmp/packages"
start=$SECONDS

dotnet pack MtlSharp.slnx -c Release --no-build -o "$pkg" -p:PackageVersion="$version" -v q -nologo
ls "$pkg"

# The tool: install from the local folder, list, and a tiny training run.
dotnet tool install MtlSharp.Cli --version "$version" --tool-path "$tmp/tool" --add-source "$pkg"
"$tmp/tool/mtl" list >/dev/null
"$tmp/tool/mtl" train --scale 0.01 --no-tensorboard --out "$tmp/run" >"$tmp/train.log" || { cat "$tmp/train.log"; exit 1; }
test -f "$tmp/run/report.json"
echo "mtl tool: installed, listed and trained ($((SECONDS - start)) s so far)"

# The template: install from the folder into a private hive, instantiate, build against the local packages, run.
hive="$tmp/hive"
dotnet new install ./templates/mtlsharp-console --debug:custom-hive "$hive" >/dev/null
dotnet new mtlsharp -n Demo -o "$tmp/demo" --router gumbel --aggregator pcgrad --epochs 5 \
  --mtlsharpVersion "$version" --debug:custom-hive "$hive" >/dev/null
cat >"$tmp/demo/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="mtlsharp-local" value="$pkg" />
  </packageSources>
</configuration>
XML
(cd "$tmp/demo" && dotnet build -c Release -v q -nologo >"$tmp/build.log" || { cat "$tmp/build.log"; exit 1; })
(cd "$tmp/demo" && dotnet run -c Release --no-build) | tee "$tmp/demo.log"
grep -q "passed = " "$tmp/demo.log"
echo "packages, tool and template: OK in $((SECONDS - start)) s"
