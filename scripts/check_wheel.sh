#!/usr/bin/env bash
# Build the wheel and use it from a fresh virtualenv outside the checkout: the installed
# package must carry its prompts and word lists (no AGENT_PROMPTS_DIR, no source tree).
#
#   scripts/check_wheel.sh [QUESTION]
#
# The new venv gets the wheel itself; its dependencies (chromadb, the model parts, ...)
# are taken from the project's .venv through a path entry, so the check costs seconds,
# not a second multi-GB install. The LLM cache (AGENT_CACHE_DIR) is shared: after
# `make eval` the ask and report below are served from it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
py=${PY:-$root/.venv/bin/python}
question=${1:-中原经济区技工教育联盟由哪所学校牵头建立？}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$py" -m build --wheel --outdir "$work/dist" "$root" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log" >&2; exit 1; }
wheel=$(ls "$work"/dist/zhijiao_agent-*.whl)
"$py" -m zipfile -l "$wheel" > "$work/wheel-files.txt"
for member in agent/prompts/answer.md agent/lexicon/__init__.py $(cd "$root" && ls agent/lexicon/*.toml); do
  grep -q "^$member " "$work/wheel-files.txt" \
    || { echo "error: $member is not in $(basename "$wheel")" >&2; exit 1; }
done

"$py" -m venv --without-pip "$work/venv"
site=$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
deps=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
"$py" -m pip install -q --no-deps --target "$site" "$wheel"
echo "$deps" > "$site/zz_project_deps.pth"
cat > "$work/venv/bin/agent" <<SH
#!/bin/sh
exec "$work/venv/bin/python" -m agent "\$@"
SH
chmod +x "$work/venv/bin/agent"

mkdir "$work/run"
cd "$work/run"
where=$("$work/venv/bin/python" -c 'import agent; print(agent.__file__)')
case "$where" in
  "$site"/*) ;;
  *) echo "error: agent was imported from $where, not from the wheel" >&2; exit 1 ;;
esac
unset AGENT_PROMPTS_DIR
"$work/venv/bin/agent" --store "$work/store" ingest "$root/seeds" >/dev/null
"$work/venv/bin/agent" --store "$work/store" ask "$question"
"$work/venv/bin/agent" --store "$work/store" report "$root/seeds" -o "$work/report" >/dev/null
test -s "$work/report/report.html"
echo "wheel check passed: $(basename "$wheel") installed outside the checkout; ingest, ask, report work"
