#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets with swiftc -sanitize=fuzzer,address and runs each for
# FUZZ_SECONDS (default 60). The seed corpus lives in Fuzz/corpus/<target>; inputs the fuzzer
# finds go to .build-fuzz/corpus/<target> (not committed); crashes go to fuzz-artifacts/ and make
# the command fail. Each crash should become a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
out=.build-fuzz
mkdir -p "$out" fuzz-artifacts

build() {
  local name="$1" harness="$2"
  shift 2
  echo "fuzz: building $name"
  # ld.gold warns about every ASan helper symbol; those warnings are harmless noise.
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name FuzzTarget \
    "$@" "$harness" -o "$out/$name" 2> >(grep -v "Cannot export local symbol" >&2)
}

build http-parser Fuzz/HTTPRequestParserFuzzer.swift \
  Sources/HTTPServer/HTTPRequestParser.swift Sources/HTTPServer/HTTPParseError.swift \
  Sources/HTTPServer/HTTPHeaders.swift Sources/HTTPServer/HTTPRequest.swift Sources/HTTPServer/HTTPStatus.swift
build event-validation Fuzz/EventValidationFuzzer.swift Sources/AnalyticsCore/*.swift

status=0
for target in http-parser event-validation; do
  mkdir -p "$out/corpus/$target"
  echo "fuzz: running $target for ${SECONDS_PER_TARGET}s"
  if ! "$out/$target" "$out/corpus/$target" "Fuzz/corpus/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz-artifacts/$target-" -print_final_stats=1 2>"$out/$target.log"; then
    status=1
    echo "fuzz: $target FAILED; see $out/$target.log and fuzz-artifacts/" >&2
    grep -E "ERROR|Fatal error|SUMMARY" "$out/$target.log" | head -5 >&2 || true
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added|cov:" "$out/$target.log" | tail -3
done
exit $status
