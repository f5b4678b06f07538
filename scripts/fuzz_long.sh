#!/usr/bin/env bash
# A long fuzz run: every libFuzzer target (or those matching FILTER) at once,
# each for SECONDS of wall time at nice 19, starting from the committed seeds
# into a fresh corpus, then a table of executions, coverage, CPU time and peak
# memory per target (the figures published in docs/fuzzing.md).
#   scripts/fuzz_long.sh 7200            # two hours, every target
#   scripts/fuzz_long.sh 3600 codec_     # one hour, the codec targets
# The binaries are copied out of the build tree first, so rebuilding while the
# run goes on does not disturb it. Output: build/fuzz-long/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-3600}
filter=${2:-}
out=${POP3WS_FUZZ_LONG_DIR:-$PWD/build/fuzz-long}

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target fuzzers >/dev/null

# The ctest entries of the fuzz preset know each target's binary, dictionary
# and seeds; take them from there rather than repeating the list here.
mapfile -t commands < <(ctest --test-dir build/fuzz -L fuzz -N -V ${filter:+-R "$filter"} |
  sed -n 's/^[0-9]*: Test command: //p')
[[ ${#commands[@]} -gt 0 ]] || { echo "fuzz_long: no target matches '$filter'" >&2; exit 2; }

pids=()
names=()
for cmd in "${commands[@]}"; do
  eval "args=($cmd)"
  bin=${args[0]}
  name=$(basename "$bin")
  dict= seeds=
  for a in "${args[@]:1}"; do
    case $a in
      -dict=*) dict=${a#-dict=} ;;
      */seeds/*) seeds=$a ;;
    esac
  done
  dir=$out/$name
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp "$bin" "$dir/$name"
  (
    cd "$dir"
    exec nice -n 19 /usr/bin/time -o time.txt -f '%e %U %S %M' \
      "./$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -dict="$dict" -artifact_prefix=artifacts/ \
      corpus "$seeds" >log.txt 2>&1
  ) &
  pids+=($!)
  names+=("$name")
  echo "fuzz_long: $name for ${seconds}s -> $dir"
done

status=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { echo "fuzz_long: ${names[$i]} stopped with a finding (see $out/${names[$i]}/artifacts)" >&2; status=1; }
done

printf '\n| target | wall s | CPU s | executions | exec/CPU s | cov | ft | corpus | peak RSS MB | findings |\n'
printf '|---|---|---|---|---|---|---|---|---|---|\n'
for name in "${names[@]}"; do
  dir=$out/$name
  read -r wall user sys maxrss <"$dir/time.txt" || true
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log.txt" | tail -1)
  last=$(grep -E '^#[0-9]+' "$dir/log.txt" | grep -E 'cov: ' | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "$dir/corpus" -type f | wc -l)
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.0f", u + s }')
  rate=$(awk -v e="${execs:-0}" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", e / c; else print "-" }')
  findings=$(find "$dir/artifacts" -type f | wc -l)
  printf '| `%s` | %.0f | %s | %s | %s | %s | %s | %s | %d | %s |\n' "$name" "$wall" "$cpu" \
    "${execs:-?}" "$rate" "${cov:-?}" "${ft:-?}" "$corpus" $((maxrss / 1024)) "$findings"
done
exit $status
