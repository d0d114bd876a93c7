//! The replay cache's cost per callback as the nonces it holds grow.
//!
//! `cargo bench --bench replay [-- --rounds 5]`
//!
//! For 1,000, 100,000 and 1,000,000 nonces already held (none expired, no
//! eviction), the time of 100,000 more inserts of fresh nonces, and of
//! 100,000 full verifications (signature included) through a `Verifier`
//! with that cache; per round the sizes are interleaved; the table shows
//! the median per callback with its range, and the ratio to 1,000 held.

use std::{sync::Arc, time::Instant};

use xms::callbacks::{
    MemoryReplayCache, NONCE_HEADER, ReplayCache, SIGNATURE_HEADER, TIMESTAMP_HEADER, Verifier,
    sign,
};

const SIZES: [usize; 3] = [1_000, 100_000, 1_000_000];
const MEASURED: usize = 100_000;
const NOW: i64 = 1_800_000_000;

fn filled(size: usize) -> Arc<MemoryReplayCache> {
    let cache = Arc::new(MemoryReplayCache::new(4_000_000));
    for i in 0..size {
        cache.insert(&format!("held-{i:016x}"), NOW, NOW + 1_000_000);
    }
    cache
}

fn inserts(cache: &MemoryReplayCache, round: usize) -> f64 {
    let nonces: Vec<String> = (0..MEASURED).map(|i| format!("new-{round}-{i:016x}")).collect();
    let started = Instant::now();
    for n in &nonces {
        assert!(cache.insert(n, NOW, NOW + 1_000_000));
    }
    started.elapsed().as_nanos() as f64 / MEASURED as f64
}

fn verifies(cache: Arc<MemoryReplayCache>, round: usize) -> f64 {
    let verifier = Verifier::new("s3cret").replay_cache(cache);
    let body = br#"{"type":"mo_text","id":"1","from":"4670","to":"123","body":"hi","received_at":"2026-01-01T00:00:00Z"}"#;
    let requests: Vec<Vec<(String, String)>> = (0..MEASURED)
        .map(|i| {
            let nonce = format!("verify-{round}-{i:016x}");
            vec![
                (SIGNATURE_HEADER.to_owned(), sign("s3cret", body, &nonce, NOW)),
                (NONCE_HEADER.to_owned(), nonce),
                (TIMESTAMP_HEADER.to_owned(), NOW.to_string()),
            ]
        })
        .collect();
    let started = Instant::now();
    for headers in &requests {
        verifier.verify_at(headers, body, NOW).unwrap();
    }
    started.elapsed().as_nanos() as f64 / MEASURED as f64
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(5usize);
    let mut insert_ns = vec![Vec::new(); SIZES.len()];
    let mut verify_ns = vec![Vec::new(); SIZES.len()];
    for round in 0..rounds {
        for (i, &size) in SIZES.iter().enumerate() {
            // Fresh caches, so each measurement starts from `size` held.
            insert_ns[i].push(inserts(&filled(size), round));
            verify_ns[i].push(verifies(filled(size), round));
        }
    }
    println!("replay cache, {rounds} rounds of {MEASURED} callbacks per size");
    println!(
        "{:>10} {:>28} {:>30}",
        "held", "insert ns (min-max) ratio", "verify ns (min-max) ratio"
    );
    let base = (median(insert_ns[0].clone()).0, median(verify_ns[0].clone()).0);
    for (i, size) in SIZES.iter().enumerate() {
        let ins = median(insert_ns[i].clone());
        let ver = median(verify_ns[i].clone());
        println!(
            "{size:>10} {:>8.0} ({:.0}-{:.0}) x{:.2} {:>10.0} ({:.0}-{:.0}) x{:.2}",
            ins.0,
            ins.1,
            ins.2,
            ins.0 / base.0,
            ver.0,
            ver.1,
            ver.2,
            ver.0 / base.1
        );
    }
}
