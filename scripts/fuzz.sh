#!/usr/bin/env bash
# `make fuzz`: builds one libFuzzer executable per folder of Fuzz/ and runs each for FUZZ_SECONDS
# (default 60). `make test` runs it with FUZZ_SECONDS=5, so a harness that no longer builds or
# crashes on its seeds fails CI.
#
# The harnesses are SwiftPM targets (Package.swift adds them when ANALYTICS_FUZZ_TARGETS is set)
# over the library modules as they are, built in release mode into .build-fuzz: no list of files
# to keep in step with the modules, and the normal build is untouched.
# The seed corpus lives in Fuzz/corpus/<target>; inputs the fuzzer finds go to
# .build-fuzz/corpus/<target> (not committed); crashes go to fuzz-artifacts/ and make the command
# fail. Each crash should become a unit test.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${FUZZ_SECONDS:-60}"
SWIFT="${SWIFT:-swift}"
scratch=.build-fuzz
# `--sanitize fuzzer` makes SwiftPM link libFuzzer's `main` in place of the target's. Each swiftc
# keeps only its last -sanitize flag, so `--sanitize fuzzer --sanitize address` would compile
# without coverage; the -Xswiftc flag, which comes last, asks for both.
build=(--configuration release --scratch-path "$scratch" --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address)
export ANALYTICS_FUZZ_TARGETS=1

targets=()
for folder in Fuzz/*/; do
  name="$(basename "$folder")"
  [[ "$name" == corpus ]] || targets+=("$name")
done

mkdir -p "$scratch" fuzz-artifacts
started=$SECONDS
for target in "${targets[@]}"; do
  echo "fuzz: building fuzz-$target"
  if ! "$SWIFT" build "${build[@]}" --product "fuzz-$target" >"$scratch/build-$target.log" 2>&1; then
    # ld.gold warns about every ASan helper symbol; those warnings are harmless noise.
    grep -v "Cannot export local symbol" "$scratch/build-$target.log" | tail -30 >&2
    echo "fuzz: fuzz-$target does not build (the whole log: $scratch/build-$target.log)" >&2
    exit 1
  fi
done
echo "fuzz: built ${#targets[@]} targets in $((SECONDS - started))s"
bin="$("$SWIFT" build "${build[@]}" --show-bin-path)"

# libFuzzer reports a crash with its input and the sanitizer's stack; Swift's own backtracer,
# running inside an ASan process, trips the sanitizer itself and can hang on exit.
export SWIFT_BACKTRACE=enable=no
status=0
for target in "${targets[@]}"; do
  mkdir -p "$scratch/corpus/$target"
  echo "fuzz: running $target for ${SECONDS_PER_TARGET}s"
  if ! "$bin/fuzz-$target" "$scratch/corpus/$target" "Fuzz/corpus/$target" \
    -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="fuzz-artifacts/$target-" -print_final_stats=1 2>"$scratch/$target.log"; then
    status=1
    echo "fuzz: $target FAILED; see $scratch/$target.log and fuzz-artifacts/" >&2
    grep -E "ERROR|Fatal error|SUMMARY" "$scratch/$target.log" | head -5 >&2 || true
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added|cov:" "$scratch/$target.log" | tail -3 || true
done
exit $status
