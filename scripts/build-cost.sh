#!/usr/bin/env bash
# The cost of xms to a downstream app's build: two tiny apps, one sending an
# SMS with xms (default features), one doing the same with reqwest +
# serde_json + tokio, each built clean in a target dir of its own, in
# interleaved rounds. Prints each build's wall and CPU time, and the median
# of the per-round ratios with all of them.
#
#   scripts/build-cost.sh [ROUNDS]      (3 rounds by default)
#
# Uses the registry like any build; builds nothing of this workspace's
# target dir.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-3}"
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

# Fetch once so that downloads are not timed.
for app in app-xms app-reqwest; do
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
for round in $(seq 1 "$rounds"); do
  # Interleave, alternating which goes first.
  if (( round % 2 )); then
    x=$(build app-xms); r=$(build app-reqwest)
  else
    r=$(build app-reqwest); x=$(build app-xms)
  fi
  read -r xw xc <<<"$x"; read -r rw rc <<<"$r"
  wall_ratios+=("$(ratio "$xw" "$rw")"); cpu_ratios+=("$(ratio "$xc" "$rc")")
  printf 'round %d: xms app %.1f s (CPU %.1f s), reqwest app %.1f s (CPU %.1f s): wall %.2f, CPU %.2f\n' \
    "$round" "$xw" "$xc" "$rw" "$rc" "${wall_ratios[-1]}" "${cpu_ratios[-1]}"
done
printf 'median of %d rounds, xms app / reqwest app: wall %.2f (%s), CPU %.2f (%s)\n' "$rounds" \
  "$(median "${wall_ratios[@]}")" "$(printf '%s\n' "${wall_ratios[@]}" | sort -g | paste -sd' ')" \
  "$(median "${cpu_ratios[@]}")" "$(printf '%s\n' "${cpu_ratios[@]}" | sort -g | paste -sd' ')"
