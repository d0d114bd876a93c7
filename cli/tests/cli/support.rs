//! Running the real `xms` binary as a user would, against a simulator of
//! its own, with a config directory of its own and nothing of the
//! caller's environment.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use serde_json::Value;
use xms_simulator::{ClockMode, Simulator};

/// How long any one run of the binary may take before the test fails.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

/// A finished run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}):\n{}\n{}", self.stdout, self.stderr)
        })
    }

    /// Assert the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A simulator, a config directory, and the binary.
pub struct Desk {
    pub sim: Simulator,
    pub dir: PathBuf,
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty directory under the system's temporary directory.
pub fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "xms-cli-test-{}-{}-{what}",
        std::process::id(),
        DIRS.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Desk {
    /// A simulator on a manual clock.
    pub fn new() -> Desk {
        Desk::with(Simulator::builder().record_answers())
    }

    /// A simulator whose time runs `speed` times real time.
    pub fn fast(speed: f64) -> Desk {
        Desk::with(Simulator::builder().record_answers().clock(ClockMode::Realtime { speed }))
    }

    pub fn with(builder: xms_simulator::SimulatorBuilder) -> Desk {
        Desk { sim: builder.start(), dir: temp_dir("config") }
    }

    /// `xms` with only the config directory set: no credentials.
    pub fn bare(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_xms"));
        command
            .env_clear()
            .env("XMS_CONFIG_DIR", &self.dir)
            .env("XMS_NO_KEYRING", "1")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        command
    }

    /// `xms` with the simulator's credentials in the environment.
    pub fn xms(&self) -> Command {
        let mut command = self.bare();
        command
            .env("XMS_ENDPOINT", self.sim.url())
            .env("XMS_SERVICE_PLAN_ID", self.sim.service_plan_id())
            .env("XMS_API_TOKEN", self.sim.api_token())
            .env("XMS_SENDER", "12345");
        command
    }

    /// Run `xms ARGS` with the simulator's credentials.
    pub fn run(&self, args: &[&str]) -> Run {
        run(self.xms().args(args), None)
    }

    /// The simulator's outbox.
    pub fn outbox(&self) -> Vec<Value> {
        self.sim.outbox().as_array().cloned().unwrap_or_default()
    }

    /// How many XMS requests the simulator answered.
    pub fn requests(&self) -> usize {
        self.sim.answers().len()
    }

    /// Move simulated time on.
    pub fn advance(&self, seconds: u64) {
        block_on(self.sim.advance(Duration::from_secs(seconds)));
    }

    /// Write a file in the test's directory.
    pub fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Run a future to its end on a small runtime of the test's own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
}

/// Run a command to its end, with `stdin` written to it, within
/// [`RUN_LIMIT`].
pub fn run(command: &mut Command, stdin: Option<&str>) -> Run {
    if stdin.is_some() {
        command.stdin(Stdio::piped());
    }
    let mut child = command.spawn().expect("the xms binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(text.as_bytes()).unwrap();
    }
    finish(child)
}

/// Wait for a started command within [`RUN_LIMIT`] and collect its output.
pub fn finish(mut child: Child) -> Run {
    let stdout = child.stdout.take().map(reader);
    let stderr = child.stderr.take().map(reader);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            panic!("xms ran for more than {RUN_LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let text = |r: Option<std::thread::JoinHandle<String>>| {
        r.map(|r| r.join().unwrap()).unwrap_or_default()
    };
    Run { code: status.code().unwrap_or(-1), stdout: text(stdout), stderr: text(stderr) }
}

/// Read a pipe to its end on a thread (so a full pipe never blocks the
/// child).
pub fn reader(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Wait until `done` holds, checking every 20 ms, for at most `limit`.
#[track_caller]
pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The mode bits of a file.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
