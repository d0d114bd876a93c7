#!/usr/bin/env bash
# The cost of xms to a downstream app's build: two tiny apps, one sending an
# SMS with xms (default features), one doing the same with reqwest +
# serde_json + tokio, each built clean in a target dir of its own, in
# interleaved rounds. Prints each build's wall and CPU time, and the median
# of the per-round ratios with all of them.
#
#   scripts/build-cost.sh [ROUNDS] [BASE]      (3 rounds by default)
#
# With BASE, the path of another checkout of xms (say, a `git worktree` of
# main), a third app on that checkout is built in the same rounds, and the
# ratios of xms to it are printed too: a change's own effect, apart from
# how loaded the machine was.
#
# Uses the registry like any build; builds nothing of this workspace's
# target dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
base="${2:-}"
if [[ -n "$base" ]]; then
  base="$(cd "$base" && pwd)"
  [[ -f "$base/Cargo.toml" ]] || { echo "$base is not a checkout of xms" >&2; exit 1; }
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/app-xms/src" "$work/app-reqwest/src"
cat > "$work/app-xms/Cargo.toml" <<TOML
[package]
name = "app-xms"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
xms = { path = "$repo" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
TOML
cat > "$work/app-xms/src/main.rs" <<'RS'
#[tokio::main]
async fn main() -> Result<(), xms::Error> {
    let client = xms::Client::new("PLAN", "TOKEN");
    let batch = client.batches().text("12345", ["+46701234567"], "Hi").send().await?;
    println!("{}", batch.id);
    Ok(())
}
RS
cat > "$work/app-reqwest/Cargo.toml" <<TOML
[package]
name = "app-reqwest"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
reqwest = { version = "0.13.5", default-features = false, features = ["json", "query", "rustls"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
TOML
cat > "$work/app-reqwest/src/main.rs" <<'RS'
#[derive(serde::Deserialize)]
struct Batch {
    id: String,
}

#[tokio::main]
async fn main() -> Result<(), reqwest::Error> {
    let batch: Batch = reqwest::Client::new()
        .post("https://us.sms.api.sinch.com/xms/v1/PLAN/batches")
        .bearer_auth("TOKEN")
        .json(&serde_json::json!({"from": "12345", "to": ["+46701234567"], "body": "Hi"}))
        .send()
        .await?
        .json()
        .await?;
    println!("{}", batch.id);
    Ok(())
}
RS

apps=(app-xms app-reqwest)
if [[ -n "$base" ]]; then
  mkdir -p "$work/app-base"
  cp -r "$work/app-xms/src" "$work/app-base/"
  sed -e 's/^name = "app-xms"/name = "app-base"/' -e "s|path = \"$repo\"|path = \"$base\"|" \
    "$work/app-xms/Cargo.toml" > "$work/app-base/Cargo.toml"
  apps+=(app-base)
fi

# Fetch once so that downloads are not timed.
for app in "${apps[@]}"; do
  (cd "$work/$app" && cargo fetch --quiet)
done

build() {
  # Prints "wall cpu" in seconds: the clean build's wall time, and the CPU
  # time (user + system) of all its compiler processes.
  local app="$1" target="$work/target-$1"
  rm -rf "$target"
  (cd "$work/$app" && CARGO_TARGET_DIR="$target" /usr/bin/time -f "%e %U %S" -o "$work/time" \
    cargo build --quiet)
  awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' "$work/time"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

wall_ratios=()
cpu_ratios=()
base_wall=()
base_cpu=()
for round in $(seq 1 "$rounds"); do
  # Interleave: each round starts with the next app.
  declare -A wall=() cpu=()
  for k in "${!apps[@]}"; do
    app=${apps[$(( (k + round - 1) % ${#apps[@]} ))]}
    read -r wall[$app] cpu[$app] <<<"$(build "$app")"
  done
  wall_ratios+=("$(ratio "${wall[app-xms]}" "${wall[app-reqwest]}")")
  cpu_ratios+=("$(ratio "${cpu[app-xms]}" "${cpu[app-reqwest]}")")
  printf 'round %d: xms app %.1f s (CPU %.1f s), reqwest app %.1f s (CPU %.1f s): wall %.2f, CPU %.2f\n' \
    "$round" "${wall[app-xms]}" "${cpu[app-xms]}" "${wall[app-reqwest]}" "${cpu[app-reqwest]}" \
    "${wall_ratios[-1]}" "${cpu_ratios[-1]}"
  if [[ -n "$base" ]]; then
    base_wall+=("$(ratio "${wall[app-xms]}" "${wall[app-base]}")")
    base_cpu+=("$(ratio "${cpu[app-xms]}" "${cpu[app-base]}")")
    printf '         base app %.1f s (CPU %.1f s): xms / base wall %.2f, CPU %.2f\n' \
      "${wall[app-base]}" "${cpu[app-base]}" "${base_wall[-1]}" "${base_cpu[-1]}"
  fi
  unset wall cpu
done
summary() {
  local what="$1"; shift
  local -a w=() c=()
  local half=$(( $# / 2 ))
  w=("${@:1:half}"); c=("${@:half+1}")
  printf 'median of %d rounds, %s: wall %.2f (%s), CPU %.2f (%s)\n' "$rounds" "$what" \
    "$(median "${w[@]}")" "$(printf '%s\n' "${w[@]}" | sort -g | paste -sd' ')" \
    "$(median "${c[@]}")" "$(printf '%s\n' "${c[@]}" | sort -g | paste -sd' ')"
}
summary "xms app / reqwest app" "${wall_ratios[@]}" "${cpu_ratios[@]}"
if [[ -n "$base" ]]; then
  summary "xms app / base app" "${base_wall[@]}" "${base_cpu[@]}"
fi
