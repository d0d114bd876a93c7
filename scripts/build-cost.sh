#!/usr/bin/env bash
# The cost of xms to a downstream app's build: two tiny apps, one sending an
# SMS with xms (default features), one doing the same with reqwest +
# serde_json + tokio, each built clean in a target dir of its own, in
# interleaved rounds. Prints each build's wall time and the median ratio.
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
  local app="$1" target="$work/target-$1"
  rm -rf "$target"
  local start end
  start=$(date +%s.%N)
  (cd "$work/$app" && CARGO_TARGET_DIR="$target" cargo build --quiet)
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f\n", b - a }'
}

xms_times=()
reqwest_times=()
for round in $(seq 1 "$rounds"); do
  # Interleave, alternating which goes first.
  if (( round % 2 )); then
    x=$(build app-xms); r=$(build app-reqwest)
  else
    r=$(build app-reqwest); x=$(build app-xms)
  fi
  xms_times+=("$x"); reqwest_times+=("$r")
  printf 'round %d: xms app %.1f s, reqwest app %.1f s, ratio %.2f\n' "$round" "$x" "$r" \
    "$(awk -v a="$x" -v b="$r" 'BEGIN { print a / b }')"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mx=$(median "${xms_times[@]}"); mr=$(median "${reqwest_times[@]}")
ratios=()
for i in "${!xms_times[@]}"; do
  ratios+=("$(awk -v a="${xms_times[$i]}" -v b="${reqwest_times[$i]}" 'BEGIN { print a / b }')")
done
printf 'median: xms app %.1f s, reqwest app %.1f s, ratio %.2f (rounds: %s)\n' \
  "$mx" "$mr" "$(awk -v a="$mx" -v b="$mr" 'BEGIN { print a / b }')" "${ratios[*]}"
