//! What the simulator's benches share: its binary running as a child
//! process on a free port of 127.0.0.1.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A simulator binary that is killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `command` (the simulator binary, or a wrapper of it) with `args` on a
/// free port and a manual clock, once it listens.
pub fn start(mut command: Command, args: &[&str]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = command
        .args(["--port", &port.to_string(), "--clock", "manual"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the simulator binary starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the simulator did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server { child, url: format!("http://127.0.0.1:{port}") }
}
