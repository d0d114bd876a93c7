//! What happens in the simulator, as a log of events with increasing ids:
//! batches created, changed and canceled, message statuses, callback
//! attempts, inbound messages, the clock, resets. The last
//! [`EVENT_BUFFER`] are kept, so a client that reconnects with the id of
//! the last event it saw gets what it missed (or, when that is gone, a gap
//! to refetch after). Listeners wait on a watch of the newest id.

use super::*;

/// How many events are kept for clients that resume.
pub const EVENT_BUFFER: usize = 10_000;

/// One event: its id and its JSON (`{"id", "type", "plan", "at", ...}`).
#[derive(Clone, Debug)]
pub struct LoggedEvent {
    pub id: u64,
    pub plan: Option<Arc<str>>,
    pub json: Value,
}

/// The event log.
#[derive(Debug)]
pub struct Events {
    buffer: VecDeque<LoggedEvent>,
    next: u64,
    newest: tokio::sync::watch::Sender<u64>,
}

/// What a reader asking for the events after an id gets.
#[derive(Debug)]
pub enum Since {
    /// The events after it (possibly none yet).
    Events(Vec<LoggedEvent>),
    /// Some were dropped from the buffer since: refetch, then go on from
    /// `newest`.
    Gap { newest: u64 },
}

impl Default for Events {
    fn default() -> Self {
        Events { buffer: VecDeque::new(), next: 1, newest: tokio::sync::watch::channel(0).0 }
    }
}

impl Events {
    /// The id of the newest event (0 when there is none).
    pub fn newest(&self) -> u64 {
        self.next - 1
    }

    /// Woken whenever an event is logged.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.newest.subscribe()
    }

    /// Go on numbering from `next` (a loaded state's), so a client that
    /// saw ids before a restart resumes from them.
    pub fn continue_from(&mut self, next: u64) {
        if next > self.next {
            self.buffer.clear();
            self.next = next;
            self.newest.send_replace(next - 1);
        }
    }

    fn push(&mut self, plan: Option<Arc<str>>, mut json: Value) {
        let id = self.next;
        self.next += 1;
        json["id"] = id.into();
        if self.buffer.len() == EVENT_BUFFER {
            self.buffer.pop_front();
        }
        self.buffer.push_back(LoggedEvent { id, plan, json });
        self.newest.send_replace(id);
    }

    /// At most `max` events after `after`, of `plan` (or of every plan),
    /// oldest first.
    pub fn since(&self, after: u64, plan: Option<&str>, max: usize) -> Since {
        let oldest = self.buffer.front().map_or(self.next, |e| e.id);
        // Ids from before (another run of the simulator): refetch.
        if after > self.newest() {
            return Since::Gap { newest: self.newest() };
        }
        if after + 1 < oldest && after < self.newest() {
            return Since::Gap { newest: self.newest() };
        }
        let start = self.buffer.partition_point(|e| e.id <= after);
        let events = self
            .buffer
            .range(start..)
            .filter(|e| plan.is_none() || e.plan.is_none() || e.plan.as_deref() == plan)
            .take(max)
            .cloned()
            .collect();
        Since::Events(events)
    }
}

impl State {
    /// Log an event of `kind` about `plan` (none: about the whole
    /// simulator), at the simulated time.
    pub(super) fn emit(&mut self, kind: &str, plan: Option<&str>, mut details: Value) {
        self.revision += 1;
        details["type"] = kind.into();
        details["at"] = time(self.clock.now());
        let key = plan.and_then(|p| self.plans.get(p)).map(|p| p.key.clone());
        if let Some(plan) = plan {
            details["plan"] = plan.into();
        }
        self.events.push(key, details);
    }

    /// Log an event about the whole simulator (a reset, the clock).
    pub fn emit_global(&mut self, kind: &str, details: Value) {
        self.emit(kind, None, details);
    }
}
