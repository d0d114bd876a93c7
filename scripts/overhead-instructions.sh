#!/usr/bin/env bash
# The steady counterpart of `cargo bench --bench overhead`: instructions per
# request, counted by valgrind's callgrind (user space of the client process
# only), for xms and the hand-written baseline on the same local stub. The
# count does not move with the machine's load the way CPU time does.
#
#   scripts/overhead-instructions.sh [SCENARIO...]
#
# Scenarios are the bench's: "send", "get", "page of 100",
# "send, concurrency 32" (all four by default). Each client process also
# counts its start and the bench's 200 warm-up requests, divided over all of
# its requests. Needs valgrind. With `--cache`, also prints the simulated L1
# data and instruction cache misses per request (slower).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
command -v valgrind >/dev/null || { echo "valgrind is needed" >&2; exit 1; }

cache=()
if [[ "${1:-}" == "--cache" ]]; then
  cache=(--cache-sim=yes)
  shift
fi
scenarios=("$@")
if (( ${#scenarios[@]} == 0 )); then
  scenarios=("send" "get" "page of 100" "send, concurrency 32")
fi

bench=$(cargo bench --bench overhead --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
[[ -x "$bench" ]] || { echo "could not build the overhead bench" >&2; exit 1; }

work="$(mktemp -d)"
coproc SERVER { "$bench" --server; }
trap 'kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$work"' EXIT
read -r port <&"${SERVER[0]}"
url="http://127.0.0.1:$port"

# Requests per client process: the bench's count plus its warm-up.
requests() {
  case "$1" in
    "page of 100") echo 4200 ;;
    "send, concurrency 32") echo 60200 ;;
    *) echo 15200 ;;
  esac
}

printf '| scenario | xms instructions/request | baseline | xms / baseline |%s\n' \
  "$( ((${#cache[@]})) && echo ' xms L1d misses/request | baseline | ratio | xms L1i misses/request | baseline | ratio |')"
printf '|---|---|---|---|%s\n' "$( ((${#cache[@]})) && echo '---|---|---|---|---|---|')"
for scenario in "${scenarios[@]}"; do
  n=$(requests "$scenario")
  declare -A ir=() d1=() i1=()
  for contender in xms baseline; do
    out="$work/$contender.out"
    valgrind --tool=callgrind "${cache[@]}" --callgrind-out-file="$out" \
      "$bench" --client "$contender" "$scenario" "$url" >/dev/null 2>"$work/log"
    # The "events:" and "summary:" lines name and count the events.
    read -r -a events < <(sed -n 's/^events: //p' "$out")
    read -r -a totals < <(sed -n 's/^summary: //p' "$out")
    for i in "${!events[@]}"; do
      case "${events[$i]}" in
        Ir) ir[$contender]=${totals[$i]} ;;
        D1mr) d1[$contender]=$(( ${d1[$contender]:-0} + totals[i] )) ;;
        D1mw) d1[$contender]=$(( ${d1[$contender]:-0} + totals[i] )) ;;
        I1mr) i1[$contender]=${totals[$i]} ;;
      esac
    done
  done
  line=$(awk -v x="${ir[xms]}" -v b="${ir[baseline]}" -v n="$n" -v s="$scenario" \
    'BEGIN { printf "| %s | %.1fk | %.1fk | %.2f |", s, x / n / 1000, b / n / 1000, x / b }')
  if ((${#cache[@]})); then
    line+=$(awk -v x="${d1[xms]}" -v b="${d1[baseline]}" -v n="$n" \
      'BEGIN { printf " %.0f | %.0f | %.2f |", x / n, b / n, x / b }')
    line+=$(awk -v x="${i1[xms]}" -v b="${i1[baseline]}" -v n="$n" \
      'BEGIN { printf " %.0f | %.0f | %.2f |", x / n, b / n, x / b }')
  fi
  echo "$line"
  unset ir d1 i1
done
