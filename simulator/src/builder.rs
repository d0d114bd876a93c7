//! [`SimulatorBuilder`]: the settings of a simulator, and starting one on
//! a thread of its own (its runtime, the ticker of real time, retention
//! and the state file's saves, the HTTP server).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use axum::serve::ListenerExt;

use crate::{
    ClockMode, DEFAULT_API_TOKEN, DEFAULT_SERVICE_PLAN_ID, DeskOptions, PlanConfig, Retention,
    SAVE_EVERY_SECONDS, Simulator, http, http::Shared, save, store,
};

/// Settings for a [`Simulator`].
#[derive(Clone, Debug)]
pub struct SimulatorBuilder {
    plans: Vec<PlanConfig>,
    addr: SocketAddr,
    clock: ClockMode,
    record: bool,
    token_lifetime: Duration,
    token_limit: Option<(u32, f64)>,
    desk: DeskOptions,
    state_file: Option<PathBuf>,
    retention: Retention,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        SimulatorBuilder {
            plans: Vec::new(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            clock: ClockMode::Manual,
            record: false,
            token_lifetime: Duration::from_secs(3600),
            token_limit: None,
            desk: DeskOptions::default(),
            state_file: None,
            retention: Retention::default(),
        }
    }
}

impl SimulatorBuilder {
    /// Add a service plan (the first one added replaces the default plan).
    pub fn service_plan(mut self, id: impl Into<String>, token: impl Into<String>) -> Self {
        self.plans.push(PlanConfig::new(id, token));
        self
    }

    /// Add a plan with every setting given (the first one added replaces
    /// the default plan).
    pub fn plan(mut self, config: PlanConfig) -> Self {
        self.plans.push(config);
        self
    }

    /// Add a project: its paths (`/xms/v1/{project_id}/...`) take OAuth2
    /// access tokens from [`Simulator::token_url`] fetched with this key id
    /// and secret.
    ///
    /// ```
    /// let sim = xms_simulator::Simulator::builder().project("proj", "key-id", "key-secret").start();
    /// assert!(sim.token_url().ends_with("/oauth2/token"));
    /// ```
    pub fn project(
        mut self,
        project_id: impl Into<String>,
        key_id: impl Into<String>,
        key_secret: impl Into<String>,
    ) -> Self {
        self.plans.push(PlanConfig::project(project_id, key_id, key_secret));
        self
    }

    /// Dispatch the last plan's messages at this many per second (parts
    /// counted), batch after batch in the order they fall due.
    pub fn throughput(mut self, messages_per_second: f64) -> Self {
        self.last().throughput = Some(messages_per_second);
        self
    }

    /// Answer the last plan's requests beyond this many per second with 429
    /// and `Retry-After`.
    pub fn rate_limit(mut self, requests_per_second: f64) -> Self {
        self.last().rate_limit = Some(requests_per_second);
        self
    }

    /// Limit the token endpoint to a bucket of `burst` requests refilled at
    /// `per_second`, answering 429 with `Retry-After` beyond it (Sinch's
    /// is about 30 and 10). No limit by default.
    pub fn token_rate_limit(mut self, burst: u32, per_second: f64) -> Self {
        self.token_limit = Some((burst, per_second));
        self
    }

    /// How long the access tokens of the token endpoint live (an hour by
    /// default).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The plan the per-plan settings apply to: the last one added, or the
    /// default plan when none was.
    fn last(&mut self) -> &mut PlanConfig {
        if self.plans.is_empty() {
            self.plans.push(PlanConfig::new(DEFAULT_SERVICE_PLAN_ID, DEFAULT_API_TOKEN));
        }
        self.plans.last_mut().expect("one plan at least")
    }

    /// The default delivery report callback URL of the last plan added.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.last().callback_url = Some(url.into());
        self
    }

    /// The inbound message callback URL of the last plan added.
    pub fn inbound_url(mut self, url: impl Into<String>) -> Self {
        self.last().inbound_url = Some(url.into());
        self
    }

    /// Sign the callbacks of the last plan added with this secret.
    pub fn signing_secret(mut self, secret: impl Into<String>) -> Self {
        self.last().signing_secret = Some(secret.into());
        self
    }

    /// Where to listen (127.0.0.1 on a free port by default).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// How simulated time moves (manual by default).
    pub fn clock(mut self, mode: ClockMode) -> Self {
        self.clock = mode;
        self
    }

    /// Record every answer to an XMS request (the last
    /// [`MAX_RECORDED_ANSWERS`](crate::MAX_RECORDED_ANSWERS)), for [`Simulator::answers`]: a test can
    /// check them against the API's schemas.
    ///
    /// ```
    /// let sim = xms_simulator::Simulator::builder().record_answers().start();
    /// assert!(sim.answers().is_empty());
    /// ```
    pub fn record_answers(mut self) -> Self {
        self.record = true;
        self
    }

    /// Serve the developer's desk, the web UI, at `/` (the JSON it reads
    /// under `/_sim` is always served).
    pub fn ui(mut self, on: bool) -> Self {
        self.desk.ui = on;
        self
    }

    /// Require HTTP Basic credentials for the UI and the control API under
    /// `/_sim` (needed to serve them off loopback; see
    /// [the guard](crate#safe-by-default)).
    pub fn control_credentials(
        mut self,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        self.desk.auth = Some((user.into(), password.into()));
        self
    }

    /// Keep the state in this file: loaded at start when it exists, saved
    /// every few seconds while something changes and when the simulator
    /// stops.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Drop the oldest finished batches and inbound messages beyond these
    /// bounds (checked every second).
    pub fn retention(mut self, retention: Retention) -> Self {
        self.retention = retention;
        self
    }

    /// Start the server on a thread of its own. Panics if the address
    /// cannot be bound; see [`SimulatorBuilder::try_start`].
    pub fn start(self) -> Simulator {
        self.try_start().expect("the simulator could not start")
    }

    /// Start the server on a thread of its own, from any context (a plain
    /// thread or a task of another runtime).
    pub fn try_start(mut self) -> std::io::Result<Simulator> {
        if self.plans.is_empty() {
            self = self.service_plan(DEFAULT_SERVICE_PLAN_ID, DEFAULT_API_TOKEN);
        }
        let listener = std::net::TcpListener::bind(self.addr)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let mut state = store::State::new(self.plans.clone(), self.clock);
        if self.record {
            state.start_recording();
        }
        state.token_lifetime = self.token_lifetime;
        if let Some(path) = &self.state_file {
            match std::fs::read(path) {
                Ok(bytes) => state.load(&bytes).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{}: {e}", path.display()),
                    )
                })?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(std::io::Error::new(e.kind(), format!("{}: {e}", path.display())));
                }
            }
        }
        if let Some((burst, rate)) = self.token_limit {
            state.limit_tokens(burst, rate);
        }
        let shared = Shared::new(state, self.desk.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, started) = std::sync::mpsc::channel();
        let served = shared.clone();
        let (keep_for, file_for) = (self.retention, self.state_file.clone());
        let thread = std::thread::Builder::new().name("xms-simulator".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(e) => return ready.send(Err(e)).unwrap_or(()),
            };
            let listener =
                match runtime.block_on(async { tokio::net::TcpListener::from_std(listener) }) {
                    Ok(listener) => listener,
                    Err(e) => return ready.send(Err(e)).unwrap_or(()),
                };
            let _ = ready.send(Ok(runtime.handle().clone()));
            // In real time, things fall due without requests: look every 20 ms.
            let ticker = served.clone();
            runtime.spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    if matches!(ticker.lock().clock.mode(), ClockMode::Realtime { .. }) {
                        ticker.deliver_due().await;
                    }
                }
            });
            // Retention once a second; the state file every few seconds
            // while something changes.
            let keeper = served.clone();
            let (retention, state_file) = (keep_for, file_for);
            runtime.spawn(async move {
                let mut saved = keeper.lock().revision;
                let mut tick = 0u64;
                loop {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    tick += 1;
                    keeper.lock().enforce_retention(retention);
                    if let Some(path) = &state_file
                        && tick.is_multiple_of(SAVE_EVERY_SECONDS)
                    {
                        let revision = keeper.lock().revision;
                        if revision != saved && save(&keeper, path).is_ok() {
                            saved = revision;
                        }
                    }
                }
            });
            let app = http::router(served);
            runtime.block_on(async move {
                // Small writes (an event, a long poll's answer) go out at
                // once instead of waiting for the previous one's ACK.
                let listener = listener.tap_io(|tcp| {
                    let _ = tcp.set_nodelay(true);
                });
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
            runtime.shutdown_timeout(Duration::from_secs(1));
        })?;
        let handle =
            started.recv().map_err(|_| std::io::Error::other("the simulator thread stopped"))??;
        Ok(Simulator {
            url: format!("http://{addr}"),
            state_file: self.state_file,
            plans: self.plans,
            shared,
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}
