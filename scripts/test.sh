#!/usr/bin/env bash
# The one test command (README): installs what the tests need when it is missing, builds with
# warnings as errors, checks formatting and generated code, and runs every test project.
# Ends with a line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup-test-deps.sh

echo "== build (warnings are errors)"
dotnet build Weir.slnx -c Release -nologo -v q

echo "== format check"
dotnet format Weir.slnx --verify-no-changes --no-restore -v q

echo "== tests"
log=$(mktemp)
status=0
dotnet test Weir.slnx -c Release --no-build -nologo --blame-hang-timeout 10m 2>&1 | tee "$log" || status=$?

# Sum the per-assembly summaries ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12").
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") { f += $(i + 1) + 0 }
      if ($i == "Passed:") { p += $(i + 1) + 0 }
      if ($i == "Skipped:") { s += $(i + 1) + 0 }
    }
  }
  END { print p + 0, f + 0, s + 0 }' "$log")
rm -f "$log"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$passed" -eq 0 ]; then
  echo "no tests ran"
  status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
