//! Callback payloads and signatures: every payload family, every way a
//! signature is refused, property tests over arbitrary and mutated input,
//! and the example receiver serving real posts.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use xms::{
    Channel, DeliveryCode, DeliveryStatus, Encoding, MediaUploadStatus,
    callbacks::{self, Callback, CallbackError, Verifier},
    inbounds::Inbound,
};

// ------------------------------------------------------------------ parsing
// Bodies written from the XMS reference's descriptions of each callback.

#[test]
fn inbound_text_with_nulls_and_no_fraction() {
    let body = br#"{"id": "01FC66621VHDBN119Z8PMV1AHY", "from": "123456789", "to": "12345", "body": "Help",
        "type": "mo_text", "operator_id": null, "sent_at": null, "received_at": "2016-07-19T13:09:02Z",
        "something_new": {"nested": true}}"#;
    let Callback::Inbound(Inbound::Text(mo)) = callbacks::parse(body).unwrap() else { panic!() };
    assert_eq!(
        (mo.sender.as_str(), mo.recipient.as_str(), mo.body.as_str()),
        ("123456789", "12345", "Help")
    );
    assert_eq!((mo.operator_id, mo.sent_at), (None, None));
    assert_eq!(mo.received_at, Utc.with_ymd_and_hms(2016, 7, 19, 13, 9, 2).unwrap());
}

#[test]
fn inbound_binary_and_media() {
    let body = br#"{"type": "mo_binary", "id": "i2", "from": "46701234567", "to": "12345", "body": "AAECAw==",
        "udh": "050003cc0201", "sent_at": "2026-02-28T11:12:01+02:00", "received_at": "2026-02-28T09:12:02.1"}"#;
    let Callback::Inbound(Inbound::Binary(mo)) = callbacks::parse(body).unwrap() else { panic!() };
    assert_eq!(
        mo.sent_at,
        Some(Utc.with_ymd_and_hms(2026, 2, 28, 9, 12, 1).unwrap()),
        "offsets are applied"
    );
    assert_eq!(
        mo.received_at,
        Utc.with_ymd_and_hms(2026, 2, 28, 9, 12, 2).unwrap() + chrono::TimeDelta::milliseconds(100),
        "no offset means UTC"
    );

    let body = br#"{"type": "mo_media", "id": "i3", "from": "15551231234", "to": "15559876543",
        "body": {"subject": "Dinner", "message": null, "media": [
            {"url": "https://mms.example.com/1.jpg", "content_type": "image/jpeg", "status": "Uploaded", "code": 0},
            {"content_type": "video/mp4", "status": "Quarantined", "code": 7}]},
        "received_at": "2026-02-28T09:12:02.123456Z", "client_reference": "spring-7"}"#;
    let Callback::Inbound(Inbound::Media(mo)) = callbacks::parse(body).unwrap() else { panic!() };
    assert_eq!(mo.body.media[0].status, MediaUploadStatus::Uploaded);
    assert_eq!(
        mo.body.media[1].status,
        MediaUploadStatus::Other("Quarantined".into()),
        "unknown values are kept"
    );
    assert_eq!((mo.body.message, mo.client_reference.as_deref()), (None, Some("spring-7")));
}

#[test]
fn batch_reports_summary_and_full() {
    let summary = br#"{"type": "delivery_report_sms", "batch_id": "01FC66621XXXXX119Z8PMV1QPQ", "total_message_count": 3,
        "statuses": [{"code": 400, "status": "Queued", "count": 1}, {"code": 0, "status": "Delivered", "count": 2}]}"#;
    let Callback::BatchDeliveryReport(r) = callbacks::parse(summary).unwrap() else { panic!() };
    assert_eq!(
        (r.channel.clone(), r.total_message_count, r.count(&DeliveryStatus::Delivered)),
        (Channel::Sms, 3, 2)
    );
    assert!(r.statuses.iter().all(|s| s.recipients.is_empty()));

    let full = br#"{"type": "delivery_report_mms", "batch_id": "b2", "total_message_count": 2, "client_reference": null,
        "statuses": [{"code": 0, "status": "Delivered", "count": 1, "recipients": ["15551231234"]},
                     {"code": 414, "status": "Bounced", "count": 1, "recipients": ["15559999999"]}]}"#;
    let Callback::BatchDeliveryReport(r) = callbacks::parse(full).unwrap() else { panic!() };
    assert_eq!(r.channel, Channel::Mms);
    assert_eq!(r.statuses[1].status, DeliveryStatus::Other("Bounced".into()));
    assert_eq!(r.statuses[1].code.name(), Some("Bad media"));
}

#[test]
fn recipient_reports_per_recipient_and_final() {
    let dispatched =
        br#"{"type": "recipient_delivery_report_sms", "batch_id": "b1", "recipient": "46701234567",
        "code": 401, "status": "Dispatched", "at": "2026-02-28T08:00:01.000Z"}"#;
    let Callback::RecipientDeliveryReport(r) = callbacks::parse(dispatched).unwrap() else {
        panic!()
    };
    assert_eq!((r.code, r.status.is_final()), (DeliveryCode::DISPATCHED, Some(false)));

    let delivered = br#"{"type": "recipient_delivery_report_mms", "batch_id": "b1", "recipient": "15551231234",
        "code": 0, "status": "Delivered", "at": "2026-02-28T08:00:05.25Z", "operator_status_at": "2026-02-28T08:00:04",
        "encoding": "UNICODE", "number_of_message_parts": 2, "operator": "310260", "applied_originator": null}"#;
    let Callback::RecipientDeliveryReport(r) = callbacks::parse(delivered).unwrap() else {
        panic!()
    };
    assert_eq!(
        (r.channel, r.status.is_final(), r.encoding),
        (Channel::Mms, Some(true), Some(Encoding::Unicode))
    );
    assert_eq!(r.operator_status_at, Some(Utc.with_ymd_and_hms(2026, 2, 28, 8, 0, 4).unwrap()));
}

#[test]
fn bodies_that_are_not_known_callbacks_say_why() {
    assert!(matches!(callbacks::parse(b"not json"), Err(CallbackError::NotJson { .. })));
    assert!(matches!(callbacks::parse(b"[1, 2]"), Err(CallbackError::NotJson { .. })));
    assert!(matches!(callbacks::parse(br#"{"id": "x"}"#), Err(CallbackError::MissingType)));
    match callbacks::parse(br#"{"type": "chat_event", "id": "x"}"#) {
        Err(e @ CallbackError::UnknownType { .. }) => {
            assert!(e.to_string().contains("\"chat_event\""), "{e}")
        }
        other => panic!("{other:?}"),
    }
    // Inbound messages and delivery reports of types added later are read,
    // and keep what they are.
    match callbacks::parse(br#"{"type": "mo_rcs", "id": "x", "card": {}}"#) {
        Ok(Callback::Inbound(xms::inbounds::Inbound::Other(unknown))) => {
            assert_eq!(unknown.inbound_type.as_str(), "mo_rcs");
            assert_eq!(unknown.raw["card"], serde_json::json!({}));
        }
        other => panic!("{other:?}"),
    }
    match callbacks::parse(
        br#"{"type": "delivery_report_rcs", "batch_id": "b1", "total_message_count": 1, "statuses": []}"#,
    ) {
        Ok(Callback::BatchDeliveryReport(report)) => {
            assert_eq!(report.channel, Channel::Other("delivery_report_rcs".into()))
        }
        other => panic!("{other:?}"),
    }
    match callbacks::parse(br#"{"type": "recipient_delivery_report_sms", "batch_id": "b1"}"#) {
        Err(e @ CallbackError::Invalid { .. }) => {
            assert!(e.to_string().contains("recipient_delivery_report_sms"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

// ---------------------------------------------------------------- signatures

/// A delivery report callback body as the platform signed it.
const SIGNED_BODY: &str = r#"{"at":"2025-01-13T09:22:40.914Z","batch_id":"01JHFFHQ0P99JPPNQPJDV7JTBP","client_reference":"a client reference","code":0,"operator_status_at":"2025-01-13T09:22:00Z","recipient":"33662162466","status":"Delivered","type":"recipient_delivery_report_sms"}"#;
const SECRET: &str = "SMSWebhooksSecret";
const NONCE: &str = "01JHFFHWYY7HSS4FWTMDTQEK8V";
const TIMESTAMP: i64 = 1736760161;
/// Computed independently of this crate, with Python's standard library:
/// `base64.b64encode(hmac.new(b"SMSWebhooksSecret", (SIGNED_BODY + ".01JHFFHWYY7HSS4FWTMDTQEK8V.1736760161").encode(), hashlib.sha256).digest())`.
/// It is also the value the official Sinch SDKs check in their own tests.
const SIGNATURE: &str = "ZoHei66PPN/kZjw7hFVfGhJOnml3iGNCMWoyQVcE5o0=";

fn headers(signature: &str, nonce: &str, timestamp: &str) -> Vec<(&'static str, String)> {
    vec![
        ("x-sinch-webhook-signature", signature.to_string()),
        ("x-sinch-webhook-signature-nonce", nonce.to_string()),
        ("x-sinch-webhook-signature-timestamp", timestamp.to_string()),
        ("x-sinch-webhook-signature-algorithm", "HmacSHA256".to_string()),
    ]
}

fn good() -> Vec<(&'static str, String)> {
    headers(SIGNATURE, NONCE, &TIMESTAMP.to_string())
}

#[test]
fn known_answer() {
    assert_eq!(callbacks::sign(SECRET, SIGNED_BODY.as_bytes(), NONCE, TIMESTAMP), SIGNATURE);
    let verifier = Verifier::new(SECRET);
    verifier.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP + 10).unwrap();
    let Callback::RecipientDeliveryReport(r) = callbacks::parse(SIGNED_BODY.as_bytes()).unwrap()
    else {
        panic!()
    };
    assert_eq!(r.recipient, "33662162466");
}

#[test]
fn more_known_answers() {
    // Both computed with Python's standard library, as
    // base64.b64encode(hmac.new(SECRET, BODY + b"." + NONCE + b"." + TIMESTAMP, hashlib.sha256).digest()):
    // a short secret with a non-JSON body, and the generic vector the
    // official SDKs use for all their webhooks.
    assert_eq!(
        callbacks::sign("Jefe", b"what do ya want", "for nothing?", 1),
        "QUnOwjYJdz2fEXTQXUy/Kvyo3XguVVSPqqa8BwFxz90="
    );
    assert_eq!(
        callbacks::sign("my_secret_key", br#"{"event":"test"}"#, NONCE, TIMESTAMP),
        "ehhrg9MUuhpJUCo2drsI3zoqWViaojp8d6RahfBY3cg="
    );
}

#[test]
fn each_kind_of_bad_signature_is_refused_with_its_own_error() {
    let v = Verifier::new(SECRET);
    let body = SIGNED_BODY.as_bytes();
    let now = TIMESTAMP + 10;

    let wrong_secret = Verifier::new("NotTheSecret").verify_at(&good(), body, now);
    assert!(matches!(wrong_secret, Err(CallbackError::SignatureMismatch)), "{wrong_secret:?}");

    let mut changed = body.to_vec();
    changed[10] ^= 1;
    assert!(matches!(v.verify_at(&good(), &changed, now), Err(CallbackError::SignatureMismatch)));

    let other_nonce = headers(SIGNATURE, "01JHFFHWYY7HSS4FWTMDTQEK8W", &TIMESTAMP.to_string());
    assert!(matches!(v.verify_at(&other_nonce, body, now), Err(CallbackError::SignatureMismatch)));

    let stale = v.verify_at(&good(), body, TIMESTAMP + 301);
    assert!(
        matches!(stale, Err(CallbackError::Stale { age }) if age == Duration::from_secs(301)),
        "{stale:?}"
    );
    let future = v.verify_at(&good(), body, TIMESTAMP - 301);
    assert!(
        matches!(future, Err(CallbackError::FromTheFuture { ahead }) if ahead == Duration::from_secs(301)),
        "{future:?}"
    );
    assert!(
        Verifier::new(SECRET)
            .tolerance(Duration::from_secs(600))
            .verify_at(&good(), body, TIMESTAMP + 301)
            .is_ok()
    );

    for (missing, name) in [
        (0, "x-sinch-webhook-signature"),
        (1, "x-sinch-webhook-signature-nonce"),
        (2, "x-sinch-webhook-signature-timestamp"),
    ] {
        let mut h = good();
        h.remove(missing);
        let result = v.verify_at(&h, body, now);
        assert!(
            matches!(result, Err(CallbackError::MissingHeader { name: n }) if n == name),
            "{result:?}"
        );
    }

    // A second value of any signature header is refused, whichever comes
    // first and however it is spelled; with a HeaderMap as with pairs.
    for (index, name, extra) in [
        (0, "x-sinch-webhook-signature", "AAAA"),
        (1, "x-sinch-webhook-signature-nonce", "other-nonce"),
        (2, "x-sinch-webhook-signature-timestamp", "1"),
        (3, "x-sinch-webhook-signature-algorithm", "HmacSHA1"),
    ] {
        let mut h: Vec<(String, String)> =
            good().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        h.push((name.to_ascii_uppercase(), extra.to_string()));
        let result = v.verify_at(&h, body, now);
        assert!(
            matches!(result, Err(CallbackError::DuplicateHeader { name: n }) if n == name),
            "{name}: {result:?}"
        );
        let mut map = reqwest::header::HeaderMap::new();
        for (k, value) in good() {
            map.append(
                reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map.append(
            reqwest::header::HeaderName::from_static(name),
            good()[index].1.parse().unwrap(),
        );
        let result = v.verify_at(&map, body, now);
        assert!(
            matches!(result, Err(CallbackError::DuplicateHeader { name: n }) if n == name),
            "{name} twice with the same value: {result:?}"
        );
    }

    let not_base64 = headers("not base64 at all!", NONCE, &TIMESTAMP.to_string());
    assert!(matches!(v.verify_at(&not_base64, body, now), Err(CallbackError::SignatureNotBase64)));

    let bad_time = headers(SIGNATURE, NONCE, "yesterday");
    assert!(matches!(v.verify_at(&bad_time, body, now), Err(CallbackError::BadTimestamp { .. })));

    let mut sha1 = good();
    sha1[3].1 = "HmacSHA1".into();
    assert!(matches!(
        v.verify_at(&sha1, body, now),
        Err(CallbackError::UnsupportedAlgorithm { .. })
    ));
    // No algorithm header: still checked with HMAC-SHA256.
    let mut none = good();
    none.remove(3);
    assert!(v.verify_at(&none, body, now).is_ok());
}

#[test]
fn headers_are_found_whatever_their_case_and_container() {
    let v = Verifier::new(SECRET);
    let body = SIGNED_BODY.as_bytes();
    let upper: Vec<(String, String)> =
        good().into_iter().map(|(k, v)| (k.to_uppercase(), v)).collect();
    v.verify_at(&upper, body, TIMESTAMP).unwrap();

    let mut map = reqwest::header::HeaderMap::new();
    for (k, value) in good() {
        map.insert(reqwest::header::HeaderName::from_static(k), value.parse().unwrap());
    }
    v.verify_at(&map, body, TIMESTAMP).unwrap();

    let hash: std::collections::HashMap<String, String> =
        good().into_iter().map(|(k, v)| (k.replace("sinch", "Sinch"), v)).collect();
    v.verify_at(&hash, body, TIMESTAMP).unwrap();
}

#[test]
fn replays_are_refused_when_asked() {
    let v = Verifier::new(SECRET).reject_replays();
    v.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP).unwrap();
    let again = v.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP + 1);
    assert!(
        matches!(&again, Err(CallbackError::Replayed { nonce }) if nonce == NONCE),
        "{again:?}"
    );
    // Without the option, the same callback twice is accepted.
    let plain = Verifier::new(SECRET);
    plain.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP).unwrap();
    plain.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP).unwrap();
}

#[test]
fn a_shared_replay_cache_refuses_replays_across_verifiers() {
    // Two instances of a service, one store.
    let shared = std::sync::Arc::new(callbacks::MemoryReplayCache::new(100));
    let first = Verifier::new(SECRET).replay_cache(shared.clone());
    let second = Verifier::new(SECRET).replay_cache(shared.clone());
    first.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP).unwrap();
    let again = second.verify_at(&good(), SIGNED_BODY.as_bytes(), TIMESTAMP + 1);
    assert!(matches!(again, Err(CallbackError::Replayed { .. })), "{again:?}");
    assert_eq!(shared.len(), 1);
}

#[test]
fn the_memory_replay_cache_forgets_expired_nonces_and_stays_bounded() {
    use callbacks::ReplayCache;
    let cache = callbacks::MemoryReplayCache::new(3);
    assert!(cache.insert("a", 100, 200));
    assert!(!cache.insert("a", 150, 250), "a replay within its time");
    // Past its expiry it is forgotten as the next nonce comes in.
    assert!(cache.insert("b", 200, 300));
    assert_eq!(cache.len(), 1);
    assert!(cache.insert("a", 201, 301), "expired, so new again");
    // Beyond capacity, the oldest goes first.
    assert!(cache.insert("c", 202, 302));
    assert!(cache.insert("d", 203, 303));
    assert_eq!(cache.len(), 3);
    assert!(cache.insert("b", 204, 304), "b was the oldest, forgotten for d");
    assert!(!cache.insert("d", 205, 305));
    // Bounded however many come.
    for i in 0..10_000 {
        assert!(cache.insert(&format!("n{i}"), 300 + i, 1_000_000));
    }
    assert_eq!(cache.len(), 3);
}

#[test]
fn the_signing_helper_signs_as_xms_does() {
    let headers = callbacks::signature_headers("s3cret", SIGNED_BODY.as_bytes());
    Verifier::new("s3cret").verify(&headers, SIGNED_BODY.as_bytes()).unwrap();
    let again = callbacks::signature_headers("s3cret", SIGNED_BODY.as_bytes());
    assert_ne!(headers[1].1, again[1].1, "each call has a fresh nonce");
    assert!(!format!("{:?}", Verifier::new("s3cret")).contains("s3cret"));
}

// ------------------------------------------------------------ property tests

const VALID: &[&str] = &[
    r#"{"type":"mo_text","id":"i1","from":"46701234567","to":"12345","body":"Hi","received_at":"2026-02-28T09:12:02.972Z"}"#,
    r#"{"type":"mo_media","id":"i3","from":"1555","to":"1555","body":{"media":[{"content_type":"image/png","status":"Uploaded","code":0}]},"received_at":"2026-02-28T09:12:02Z"}"#,
    r#"{"type":"delivery_report_sms","batch_id":"b1","total_message_count":1,"statuses":[{"code":0,"status":"Delivered","count":1}]}"#,
    SIGNED_BODY,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = callbacks::parse(&bytes);
    }

    #[test]
    fn parse_never_panics_on_mutated_valid_bodies(
        which in 0..VALID.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut body = VALID[which].as_bytes().to_vec();
        for (at, byte, op) in edits {
            let at = at % (body.len() + 1);
            match op {
                0 if at < body.len() => body[at] = byte,
                1 => body.insert(at, byte),
                _ if at < body.len() => { body.remove(at); }
                _ => {}
            }
        }
        let _ = callbacks::parse(&body);
    }

    #[test]
    fn any_change_to_a_signed_body_is_refused(at in 0..SIGNED_BODY.len(), flip in 1u8..=255) {
        let mut body = SIGNED_BODY.as_bytes().to_vec();
        body[at] ^= flip;
        let result = Verifier::new(SECRET).verify_at(&good(), &body, TIMESTAMP);
        prop_assert!(matches!(result, Err(CallbackError::SignatureMismatch)), "{:?}", result);
    }

    #[test]
    fn the_verifier_never_panics_on_arbitrary_headers(
        signature in ".{0,64}", nonce in ".{0,40}", timestamp in ".{0,24}", algorithm in ".{0,16}",
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let h = vec![
            ("x-sinch-webhook-signature", signature),
            ("x-sinch-webhook-signature-nonce", nonce),
            ("x-sinch-webhook-signature-timestamp", timestamp),
            ("x-sinch-webhook-signature-algorithm", algorithm),
        ];
        let _ = Verifier::new(SECRET).reject_replays().verify_at(&h, &body, TIMESTAMP);
    }

    #[test]
    fn extreme_timestamps_never_overflow(signed_at in any::<i64>(), now in any::<i64>()) {
        let body = b"{}";
        let h = headers(&callbacks::sign(SECRET, body, NONCE, signed_at), NONCE, &signed_at.to_string());
        let _ = Verifier::new(SECRET).verify_at(&h, body, now);
    }
}

// --------------------------------------------------- the example, for real

/// The example receiver (built with `--all-features`), driven over HTTP.
#[cfg(feature = "axum")]
mod example_receiver {
    use std::{
        io::{BufRead, BufReader},
        process::{Child, Command, Stdio},
    };

    use super::*;

    struct Receiver {
        child: Child,
        url: String,
        lines: std::sync::mpsc::Receiver<String>,
    }

    impl Drop for Receiver {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Start `examples/webhook_receiver` (built by `cargo test --all-features`
    /// with the other examples) on a free port of 127.0.0.1; without a secret,
    /// with `--insecure-accept-unsigned`.
    fn start_receiver(secret: Option<&str>) -> Receiver {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap();
        let binary =
            dir.join("examples").join(format!("webhook_receiver{}", std::env::consts::EXE_SUFFIX));
        assert!(
            binary.exists(),
            "{} is missing: run `cargo test --workspace --all-features`, which builds the examples",
            binary.display()
        );
        let mut command = Command::new(binary);
        command.args(["--port", "0"]).stdout(Stdio::piped());
        match secret {
            Some(s) => command.env("XMS_WEBHOOK_SECRET", s),
            None => command.env_remove("XMS_WEBHOOK_SECRET").arg("--insecure-accept-unsigned"),
        };
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let first =
            lines.recv_timeout(Duration::from_secs(20)).expect("the receiver prints its URL");
        let url =
            first.split_whitespace().find(|w| w.starts_with("http://")).expect("a URL").to_string();
        Receiver { child, url, lines }
    }

    impl Receiver {
        fn post(&self, body: &str, headers: &[(String, String)]) -> u16 {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut request = reqwest::Client::new().post(&self.url).body(body.to_string());
                for (k, v) in headers {
                    request = request.header(k, v);
                }
                request.send().await.unwrap().status().as_u16()
            })
        }

        fn line(&self) -> String {
            self.lines
                .recv_timeout(Duration::from_secs(10))
                .expect("the receiver prints a line per callback")
        }
    }

    #[test]
    fn the_example_receiver_verifies_and_parses_real_posts() {
        let receiver = start_receiver(Some("s3cret"));
        for (body, expect) in [
            (VALID[0], "inbound i1 from 46701234567 to 12345"),
            (VALID[2], "batch report b1: Delivered=1 of 1"),
            (
                SIGNED_BODY,
                "recipient report 01JHFFHQ0P99JPPNQPJDV7JTBP 33662162466: Delivered code 0 (Delivered)",
            ),
        ] {
            let headers = callbacks::signature_headers("s3cret", body.as_bytes());
            assert_eq!(receiver.post(body, &headers), 200);
            let line = receiver.line();
            assert!(line.starts_with(expect), "{line:?} should start with {expect:?}");
        }
        // Wrong secret: refused, and said why.
        let headers = callbacks::signature_headers("guess", VALID[0].as_bytes());
        assert_eq!(receiver.post(VALID[0], &headers), 401);
        assert!(receiver.line().contains("does not match"));
        // The same signed post twice: the second is a replay.
        let headers = callbacks::signature_headers("s3cret", VALID[2].as_bytes());
        assert_eq!(receiver.post(VALID[2], &headers), 200);
        receiver.line();
        assert_eq!(receiver.post(VALID[2], &headers), 401);
        assert!(receiver.line().contains("already accepted"));
        // Signed but not a callback.
        let body = r#"{"type":"chat_event"}"#;
        assert_eq!(
            receiver.post(body, &callbacks::signature_headers("s3cret", body.as_bytes())),
            400
        );
        assert!(receiver.line().contains("chat_event"));
    }

    #[test]
    fn the_example_receiver_accepts_unsigned_posts_only_when_told() {
        let receiver = start_receiver(None);
        assert_eq!(receiver.post(VALID[1], &[]), 200);
        assert!(receiver.line().starts_with("inbound i3 from 1555"));
    }
}
