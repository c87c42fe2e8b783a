#!/usr/bin/env bash
# Documentation check (after the Release build of 'dotnet test'): runs the getting-started page's program and builds
# the API reference and pages with docfx (a pinned local tool, .config/dotnet-tools.json) with warnings as errors.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
out=$(dotnet run -c Release --project docs/site/examples/GettingStarted)
echo "$out"
echo "$out" | grep -q "^clusters: " || { echo "getting-started program: no clusters line" >&2; exit 1; }
echo "$out" | grep -q "^exported 3 task outputs" || { echo "getting-started program: no export" >&2; exit 1; }
dotnet tool restore >/dev/null
dotnet docfx docs/site/docfx.json --warningsAsErrors >docs/site/docfx.log 2>&1 || { cat docs/site/docfx.log; exit 1; }
test -f docs/site/_site/getting-started.html
test -f docs/site/_site/api/MtlSharp.MultiTask.Training.Trainer.html
echo "docs: example ran, docfx built $(find docs/site/_site/api -name '*.html' | wc -l) API pages without warnings in $((SECONDS - start)) s"
