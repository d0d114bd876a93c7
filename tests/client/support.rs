//! A local HTTP server (httpmock) that answers with a canned response and
//! records every request, so a test can assert exactly what was sent.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use httpmock::{Mock, MockServer};
use serde_json::Value;

pub const PLAN: &str = "plan123";
pub const TOKEN: &str = "tok-5ecr3t";

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!("request body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body))
        })
    }

    /// The method, path and query, exactly.
    pub fn assert_line(&self, method: &str, path: &str, query: Option<&str>) {
        assert_eq!(
            (self.method.as_str(), self.path.as_str(), self.query.as_deref()),
            (method, path, query),
            "request line"
        );
    }

    /// The headers every request of the service plan client carries.
    pub fn assert_headers(&self, with_body: bool) {
        assert_eq!(self.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
        assert_eq!(self.header("accept"), Some("application/json"));
        assert_eq!(
            self.header("user-agent"),
            Some(concat!("xms-rust/", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(
            self.header("api-version"),
            None,
            "progenitor's api-version header must not be sent"
        );
        if with_body {
            assert_eq!(self.header("content-type"), Some("application/json"));
        } else {
            assert!(
                self.body.is_empty(),
                "unexpected body {:?}",
                String::from_utf8_lossy(&self.body)
            );
        }
    }
}

pub struct Server {
    pub mock: MockServer,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub async fn start() -> Self {
        Server { mock: MockServer::start_async().await, seen: Arc::default() }
    }

    /// Answer every request with `status` and this JSON body.
    pub async fn respond(&self, status: u16, body: Value) -> Mock<'_> {
        self.respond_with(
            status,
            &[("content-type", "application/json")],
            body.to_string().into_bytes(),
            None,
        )
        .await
    }

    /// Answer every request with `status`, headers and raw body, after an
    /// optional delay.
    pub async fn respond_with(
        &self,
        status: u16,
        headers: &[(&str, &str)],
        body: Vec<u8>,
        delay: Option<Duration>,
    ) -> Mock<'_> {
        let seen = self.seen.clone();
        let headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.mock
            .mock_async(move |when, then| {
                when.is_true(move |req| {
                    let uri = req.uri();
                    seen.lock().unwrap().push(Seen {
                        method: req.method_str().to_string(),
                        path: uri.path().to_string(),
                        query: uri.query().map(str::to_string),
                        headers: req.headers_vec().clone(),
                        body: req.body_vec(),
                    });
                    true
                });
                let mut then = then.status(status).body(body);
                for (k, v) in headers {
                    then = then.header(k, v);
                }
                if let Some(delay) = delay {
                    then.delay(delay);
                }
            })
            .await
    }

    pub fn url(&self) -> String {
        self.mock.base_url()
    }

    /// A client of plan `PLAN` with token `TOKEN` talking to this server,
    /// without retries.
    pub fn client(&self) -> xms::Client {
        xms::Client::builder()
            .service_plan(PLAN, TOKEN)
            .endpoint(self.url())
            .retry(xms::RetryPolicy::none())
            .build()
            .expect("client builds")
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The one request the server got.
    pub fn only_request(&self) -> Seen {
        let seen = self.requests();
        assert_eq!(seen.len(), 1, "expected exactly one request, got {seen:#?}");
        seen.into_iter().next().unwrap()
    }
}

pub fn path(rest: &str) -> String {
    format!("/xms/v1/{PLAN}{rest}")
}

/// What the scripted server does with one request.
#[derive(Clone, Debug)]
pub enum Step {
    /// Answer with this status, headers and body.
    Reply(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Announce `Content-Length: declared` but send only `body`, then close.
    Truncate(u16, usize, Vec<u8>),
    /// Close the connection without answering.
    Hang,
}

impl Step {
    pub fn json(status: u16, body: Value) -> Step {
        Step::Reply(
            status,
            vec![("content-type", "application/json".into())],
            body.to_string().into_bytes(),
        )
    }

    pub fn empty(status: u16) -> Step {
        Step::Reply(status, vec![], Vec::new())
    }
}

/// A raw HTTP/1.1 server on 127.0.0.1 that answers request N with step N
/// (the last step repeats), one request per connection, and records what it
/// was sent. For what httpmock cannot do: answers that change from one
/// request to the next, truncated bodies and dropped connections.
pub struct Scripted {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    pub async fn start(steps: Vec<Step>) -> Scripted {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let record = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let record = record.clone();
                let steps = steps.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, content_length) = loop {
                        let Ok(n) = socket.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (end + 4, length);
                        }
                    };
                    while buf.len() < head_end + content_length {
                        let Ok(n) = socket.read(&mut chunk).await else {
                            return;
                        };
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end - 4]).to_string();
                    let mut lines = head.split("\r\n");
                    let mut request_line = lines.next().unwrap_or("").split(' ');
                    let method = request_line.next().unwrap_or("").to_string();
                    let target = request_line.next().unwrap_or("").to_string();
                    let (path, query) = match target.split_once('?') {
                        Some((p, q)) => (p.to_string(), Some(q.to_string())),
                        None => (target, None),
                    };
                    let headers = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_string()))
                        .collect();
                    let body = buf[head_end..].to_vec();
                    let index = {
                        let mut seen = record.lock().unwrap();
                        seen.push(Seen { method, path, query, headers, body });
                        seen.len() - 1
                    };
                    let step = steps[index.min(steps.len() - 1)].clone();
                    let reply = |status: u16, headers: &[(&str, String)], length: usize| {
                        let mut text = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: {length}\r\nconnection: close\r\n"
                        );
                        for (k, v) in headers {
                            text.push_str(&format!("{k}: {v}\r\n"));
                        }
                        text.push_str("\r\n");
                        text.into_bytes()
                    };
                    let out = match step {
                        Step::Reply(status, headers, body) => {
                            [reply(status, &headers, body.len()), body].concat()
                        }
                        Step::Truncate(status, declared, body) => {
                            [reply(status, &[], declared), body].concat()
                        }
                        Step::Hang => Vec::new(),
                    };
                    let _ = socket.write_all(&out).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Scripted { url, seen }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// A client of this server with the given retry policy.
    pub fn client(&self, retry: xms::RetryPolicy) -> xms::Client {
        xms::Client::builder()
            .service_plan(PLAN, TOKEN)
            .endpoint(&self.url)
            .retry(retry)
            .build()
            .unwrap()
    }
}

/// Retries without waiting long.
pub fn fast_retries(max: u32) -> xms::RetryPolicy {
    xms::RetryPolicy::default()
        .max_retries(max)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50))
}
