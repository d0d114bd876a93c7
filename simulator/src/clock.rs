//! The simulated clock. Time moves only when told to (manual), or with real
//! time at a chosen speed (real time).

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};

/// How simulated time moves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ClockMode {
    /// Only [`crate::Simulator::advance`] (or `POST /_sim/clock/advance`) moves it.
    Manual,
    /// It follows real time, `speed` times as fast.
    Realtime {
        /// 1.0 is real time; 10.0 makes the 3 s delivery take 0.3 s.
        speed: f64,
    },
}

/// The fastest a real-time clock may run: a million times real time.
pub const MAX_SPEED: f64 = 1e6;

#[derive(Debug)]
pub struct Clock {
    mode: ClockMode,
    /// The simulated time when `since` was taken.
    at: DateTime<Utc>,
    since: Instant,
}

impl Clock {
    pub fn new(mode: ClockMode) -> Self {
        Clock { mode, at: Utc::now(), since: Instant::now() }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self.mode {
            ClockMode::Manual => self.at,
            ClockMode::Realtime { speed } => {
                // Checked all the way: no speed and no elapsed time can
                // overflow the clock (it stops at the last instant instead).
                let seconds = self.since.elapsed().as_secs_f64() * speed.clamp(0.0, MAX_SPEED);
                Duration::try_from_secs_f64(seconds)
                    .ok()
                    .and_then(|real| TimeDelta::from_std(real).ok())
                    .and_then(|real| self.at.checked_add_signed(real))
                    .unwrap_or(DateTime::<Utc>::MAX_UTC)
            }
        }
    }

    pub fn advance(&mut self, by: Duration) {
        self.rebase();
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::zero());
        self.at = self.at.checked_add_signed(by).unwrap_or(DateTime::<Utc>::MAX_UTC);
    }

    /// Set the simulated time (a loaded state's).
    pub fn set_now(&mut self, at: DateTime<Utc>) {
        self.at = at;
        self.since = Instant::now();
    }

    pub fn set_mode(&mut self, mode: ClockMode) {
        self.rebase();
        self.mode = mode;
    }

    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// Fold elapsed real time into `at`, so a change of mode or an advance
    /// starts from the current simulated time.
    fn rebase(&mut self) {
        self.at = self.now();
        self.since = Instant::now();
    }
}
