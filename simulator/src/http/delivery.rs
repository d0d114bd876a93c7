//! Posting callbacks: due ones delivered after each request and as
//! simulated time moves, signed as XMS signs them.

use super::*;

impl Shared {
    /// Move what simulated time has made due, then deliver the callbacks
    /// that are due; returns how many delivery attempts were made.
    pub async fn deliver_due(self: &Arc<Self>) -> usize {
        self.lock().process();
        self.deliver_queued().await
    }

    /// Deliver the callbacks already due, once each, without processing
    /// (for right after a request, whose handler has just processed).
    pub async fn deliver_queued(self: &Arc<Self>) -> usize {
        let due = self.lock().due_deliveries();
        let count = due.len();
        let attempts = due.into_iter().map(|d| {
            let shared = self.clone();
            async move {
                let attempt = shared.post(&d).await;
                shared.lock().delivered(d.id, attempt);
            }
        });
        futures_util::future::join_all(attempts).await;
        count
    }

    /// Process and deliver until nothing is due or on its way.
    pub async fn settle(self: &Arc<Self>) {
        loop {
            if self.deliver_due().await > 0 {
                continue;
            }
            let busy = self.lock().delivering();
            if !busy {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn post(&self, d: &Delivery) -> Attempt {
        let mut sent = Vec::new();
        let mut request = self
            .http
            .post(&d.url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(d.body.clone());
        if let Some(secret) = &d.secret {
            // Signed with the real time of sending, as XMS does: the
            // receiver checks it against its own clock.
            let timestamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|t| t.as_secs())
                .unwrap_or(0)
                .to_string();
            let nonce = nonce();
            let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
                .expect("any key length");
            mac.update(&d.body);
            mac.update(format!(".{nonce}.{timestamp}").as_bytes());
            let signature =
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            sent = vec![
                ("x-sinch-webhook-signature".to_string(), signature),
                ("x-sinch-webhook-signature-nonce".to_string(), nonce),
                ("x-sinch-webhook-signature-timestamp".to_string(), timestamp),
                ("x-sinch-webhook-signature-algorithm".to_string(), "HmacSHA256".to_string()),
            ];
            for (name, value) in &sent {
                request = request.header(name.as_str(), value.as_str());
            }
        }
        match request.send().await {
            Ok(mut response) => {
                let status = Some(response.status().as_u16());
                // The start of the answer, read in chunks up to the bound.
                let mut answer = Vec::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    let room = crate::store::MAX_ANSWER_BYTES.saturating_sub(answer.len());
                    answer.extend_from_slice(&chunk[..chunk.len().min(room)]);
                    if room <= chunk.len() {
                        break;
                    }
                }
                let answer = String::from_utf8_lossy(&answer).into_owned();
                Attempt { at: None, headers: sent, status, answer }
            }
            Err(e) => {
                let reason = if e.is_connect() {
                    "could not connect"
                } else if e.is_timeout() {
                    "timed out"
                } else {
                    "failed"
                };
                Attempt { at: None, headers: sent, status: None, answer: reason.to_string() }
            }
        }
    }
}

fn nonce() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|t| t.as_nanos()).unwrap_or(0));
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(h.finish());
    format!("{:016X}{:010X}", h.finish(), h2.finish() & 0xFF_FFFF_FFFF)
}
