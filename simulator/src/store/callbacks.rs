//! Callbacks waiting to be posted: queued on a status change, due at
//! their attempt time, retried after a failed attempt.

use super::*;

/// A callback to deliver, being delivered, or delivered.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    pub id: u64,
    /// The plan it is of.
    #[serde(default)]
    pub plan: String,
    /// The batch and recipient it is about, when it is a delivery report.
    #[serde(default)]
    pub batch_id: Option<String>,
    #[serde(default)]
    pub recipient: Option<String>,
    pub url: String,
    pub kind: String,
    pub body: Vec<u8>,
    pub secret: Option<String>,
    pub attempts: u32,
    pub next_at: Option<DateTime<Utc>>,
    pub delivered: bool,
    pub last_status: Option<u16>,
    /// Set while a delivery attempt is on its way, so it is not sent twice.
    #[serde(skip)]
    pub in_flight: bool,
    /// Each attempt: when (simulated), the headers sent, the answer.
    #[serde(default)]
    pub log: Vec<Attempt>,
}

/// One attempt at delivering a callback.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    pub at: Option<DateTime<Utc>>,
    /// The signature headers sent.
    pub headers: Vec<(String, String)>,
    /// The receiver's status; none when it could not be reached.
    pub status: Option<u16>,
    /// Why it could not be reached, or the start of its answer.
    pub answer: String,
}

/// How much of a receiver's answer is kept per attempt.
pub const MAX_ANSWER_BYTES: usize = 2048;

impl State {
    pub(super) fn queue(&mut self, plan_id: &str, url: String, body: &Value) {
        let id = self.delivery_base + self.deliveries.len() as u64;
        let kind = body["type"].as_str().unwrap_or("").to_string();
        let secret = self.plans[plan_id].config.signing_secret.clone();
        let now = self.clock.now();
        self.waiting.insert((now, id));
        let batch_id = body["batch_id"].as_str().map(str::to_owned);
        let recipient = body["recipient"].as_str().map(str::to_owned);
        self.deliveries.push(Delivery {
            id,
            plan: plan_id.to_string(),
            batch_id,
            recipient,
            url,
            kind,
            body: body.to_string().into_bytes(),
            secret,
            attempts: 0,
            next_at: Some(now),
            delivered: false,
            last_status: None,
            in_flight: false,
            log: Vec::new(),
        });
    }

    /// Send the callback `id` again now, whatever became of it.
    pub fn resend(&mut self, id: u64) -> bool {
        let now = self.clock.now();
        let Some(index) = self.delivery_index(id) else { return false };
        let d = &mut self.deliveries[index];
        if d.in_flight {
            return true;
        }
        if let Some(at) = d.next_at {
            self.waiting.remove(&(at, id));
        }
        d.next_at = Some(now);
        d.delivered = false;
        self.waiting.insert((now, id));
        true
    }

    /// The callbacks due now, marked in flight.
    pub fn due_deliveries(&mut self) -> Vec<Delivery> {
        let now = self.clock.now();
        let mut due = Vec::new();
        while let Some(&(at, id)) = self.waiting.first() {
            if at > now {
                break;
            }
            self.waiting.pop_first();
            if let Some(index) = self.delivery_index(id) {
                let d = &mut self.deliveries[index];
                d.in_flight = true;
                self.in_flight += 1;
                due.push(d.clone());
            }
        }
        due
    }

    /// Record how a delivery attempt went, and schedule a retry on a 5xx, a
    /// 429 or a failed connection: 5 s after the first try, doubling, the last
    /// at most 81,920 s after it.
    pub fn delivered(&mut self, id: u64, mut attempt: Attempt) {
        let now = self.clock.now();
        let status = attempt.status;
        let Some(index) = self.delivery_index(id).filter(|&i| self.deliveries[i].in_flight) else {
            return;
        };
        self.in_flight -= 1;
        let d = &mut self.deliveries[index];
        d.in_flight = false;
        d.attempts += 1;
        d.last_status = status;
        attempt.at = Some(now);
        d.log.push(attempt);
        let details = json!({
            "delivery": id, "kind": d.kind, "url": d.url, "status": status,
            "attempts": d.attempts, "batch_id": d.batch_id, "recipient": d.recipient,
        });
        let plan = d.plan.clone();
        match status {
            Some(200..=299) => {
                d.delivered = true;
                d.next_at = None;
            }
            None | Some(429) | Some(500..=599) => {
                let wait = 5i64 << (d.attempts - 1).min(20);
                d.next_at = (wait <= 81_920).then(|| now + TimeDelta::seconds(wait));
                if let Some(at) = d.next_at {
                    self.waiting.insert((at, id));
                }
            }
            Some(_) => d.next_at = None,
        }
        self.emit("callback_attempted", Some(&plan), details);
    }

    /// Where the delivery with this id is in the log, if it is of the
    /// current one.
    pub(super) fn delivery_index(&self, id: u64) -> Option<usize> {
        let index = usize::try_from(id.checked_sub(self.delivery_base)?).ok()?;
        (index < self.deliveries.len()).then_some(index)
    }

    /// When the first delivery attempt due after `after` is due.
    pub fn next_delivery_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.waiting.range((after, u64::MAX)..).find(|(at, _)| *at > after).map(|(at, _)| *at)
    }

    /// Whether a delivery attempt is on its way.
    pub fn delivering(&self) -> bool {
        self.in_flight > 0
    }

    // ------------------------------------------------- delivery reports
}
