//! Refusing a callback seen before: [`ReplayCache`], and the bounded
//! in-memory [`MemoryReplayCache`].

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

/// Where a [`Verifier`](super::Verifier) remembers the nonces of the callbacks it accepted,
/// to refuse a second callback with the same one.
///
/// Implement it over a store the instances of a service share, so that a
/// callback replayed to another instance is refused too. `insert` must be
/// atomic: of two concurrent inserts of one nonce, one returns `false`.
///
/// ```
/// use std::{collections::HashSet, sync::Mutex};
/// use xms::callbacks::ReplayCache;
///
/// /// A cache that never forgets (for a test; a real one drops expired nonces).
/// #[derive(Default)]
/// struct Forever(Mutex<HashSet<String>>);
///
/// impl ReplayCache for Forever {
///     fn insert(&self, nonce: &str, _now: i64, _expires_at: i64) -> bool {
///         self.0.lock().unwrap().insert(nonce.to_owned())
///     }
/// }
/// let verifier = xms::callbacks::Verifier::new("s3cret").replay_cache(Forever::default());
/// # let _ = verifier;
/// ```
pub trait ReplayCache: Send + Sync {
    /// Remember `nonce`, seen at `now` (Unix seconds), until `expires_at`.
    /// Returns `false` when it is remembered already (a replay).
    fn insert(&self, nonce: &str, now: i64, expires_at: i64) -> bool;
}

/// One cache shared by several verifiers (each instance's, say).
impl<T: ReplayCache + ?Sized> ReplayCache for Arc<T> {
    fn insert(&self, nonce: &str, now: i64, expires_at: i64) -> bool {
        (**self).insert(nonce, now, expires_at)
    }
}

/// How many nonces [`Verifier::reject_replays`](super::Verifier::reject_replays) remembers at most.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// The default [`ReplayCache`]: in memory, bounded, with a cost per
/// callback that does not grow with the callbacks seen. Nonces wait in
/// arrival order; each insert first drops those that have expired, then,
/// when `capacity` are still held, the oldest (which opens a replay window
/// for it: size the capacity above the callbacks of twice the tolerance).
#[derive(Debug)]
pub struct MemoryReplayCache {
    capacity: usize,
    inner: Mutex<Remembered>,
}

#[derive(Debug, Default)]
struct Remembered {
    /// Nonce → when it expires.
    seen: HashMap<Arc<str>, i64>,
    /// (expiry, nonce), oldest first.
    order: VecDeque<(i64, Arc<str>)>,
}

impl MemoryReplayCache {
    /// A cache holding at most `capacity` nonces (at least one).
    pub fn new(capacity: usize) -> MemoryReplayCache {
        MemoryReplayCache { capacity: capacity.max(1), inner: Mutex::default() }
    }

    /// How many nonces it holds now.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |r| r.seen.len())
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl ReplayCache for MemoryReplayCache {
    fn insert(&self, nonce: &str, now: i64, expires_at: i64) -> bool {
        let mut r = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let Remembered { seen, order } = &mut *r;
        // Each nonce is dropped once, so this costs O(1) per insert overall.
        let forget = |seen: &mut HashMap<Arc<str>, i64>, (at, n): (i64, Arc<str>)| {
            if seen.get(&n) == Some(&at) {
                seen.remove(&n);
            }
        };
        while let Some(front) = order.front() {
            if front.0 > now {
                break;
            }
            let front = order.pop_front().expect("looked at");
            forget(seen, front);
        }
        if seen.get(nonce).is_some_and(|at| *at > now) {
            return false;
        }
        while seen.len() >= self.capacity {
            let Some(oldest) = order.pop_front() else { break };
            forget(seen, oldest);
        }
        let key: Arc<str> = Arc::from(nonce);
        seen.insert(key.clone(), expires_at);
        order.push_back((expires_at, key));
        true
    }
}
