//! `GET /_sim/wait` and `Simulator::wait_for`: the one-time-code case.

use super::*;

#[tokio::test]
async fn wait_answers_with_the_match_and_its_groups() {
    let desk = Desk::with(manual());
    let url = |q: &str| format!("/_sim/wait?{q}");
    // Waiting first: the answer comes when the message is sent.
    let waiting = tokio::spawn({
        let http = desk.http.clone();
        let target = format!(
            "{}{}",
            desk.sim.url(),
            url("to=%2B46701234567&match=code%20(%3FP%3Ccode%3E%5Cd%7B6%7D)&timeout=20s")
        );
        async move {
            let response = http.get(target).send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    desk.send(text_batch(&["+46707654321"], "Your code 111111")).await;
    desk.send(text_batch(&["+46701234567"], "Welcome")).await;
    desk.send(text_batch(&["+46701234567"], "Your code 654321")).await;
    let (status, found) = waiting.await.unwrap();
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["captures"], json!(["654321"]));
    assert_eq!(found["named"]["code"], "654321");
    assert_eq!(found["match"], "code 654321");
    assert_eq!(found["message"]["to"], "46701234567");
    assert_eq!(found["message"]["body"], "Your code 654321");

    // Already there: at once. Nothing matching: 408 at the timeout.
    let (status, found) = desk.get(&url("to=46707654321&match=(%5Cd%2B)")).await;
    assert_eq!((status, found["captures"][0].as_str()), (200, Some("111111")));
    let started = std::time::Instant::now();
    let (status, body) = desk.get(&url("to=46700000000&timeout=300ms")).await;
    assert_eq!(status, 408);
    assert_eq!(body["error"], "timeout");
    assert!(started.elapsed() < LIMIT);

    // Bad input: named.
    let (status, body) = desk.get(&url("match=(unclosed")).await;
    assert_eq!(status, 400);
    assert!(body.as_str().unwrap().contains("match is not a valid pattern"), "{body}");
    assert_eq!(desk.get(&url("timeout=1s")).await.0, 400);
    assert_eq!(desk.get(&url("to=1&timeout=soon")).await.0, 400);
    assert_eq!(desk.get(&url("to=1&timeout=3600s")).await.0, 400);
    // A pattern too large to compile is refused, not run.
    let huge = format!("match=%5Cw%7B{}%7D", 100_000);
    assert_eq!(desk.get(&url(&huge)).await.0, 400);
}

#[tokio::test]
async fn many_waiters_each_get_their_own() {
    let desk = Desk::with(manual());
    let numbers: Vec<String> = (0..50).map(|i| format!("4670100{i:04}")).collect();
    let mut waiters = Vec::new();
    for number in &numbers {
        let http = desk.http.clone();
        let target =
            format!("{}/_sim/wait?to={number}&match=code%20(%5Cd%2B)&timeout=20s", desk.sim.url());
        waiters.push(tokio::spawn(async move {
            let response = http.get(target).send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // One batch, a code per recipient.
    let mut parameters = serde_json::Map::new();
    for (i, number) in numbers.iter().enumerate() {
        parameters.insert(number.clone(), json!(format!("{}", 500_000 + i)));
    }
    let to: Vec<&str> = numbers.iter().map(String::as_str).collect();
    desk.send(json!({"from": "12345", "to": to, "body": "code ${code}", "parameters": {"code": parameters}}))
        .await;
    for (i, waiter) in waiters.into_iter().enumerate() {
        let (status, found) = waiter.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(found["captures"][0], format!("{}", 500_000 + i));
    }
}

#[tokio::test]
async fn wait_for_from_rust() {
    let desk = Desk::with(manual());
    let sim = &desk.sim;
    let (found, _) = tokio::join!(
        sim.wait_for(Some("+46701234567"), Some(r"(\d{4})$"), Duration::from_secs(20)),
        async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            desk.send(text_batch(&["46701234567"], "PIN 4321")).await
        }
    );
    let found = found.unwrap();
    assert_eq!(found.captures, [Some("4321".to_string())]);
    assert_eq!(found.matched.as_deref(), Some("4321"));
    assert_eq!(found.message["body"], "PIN 4321");
    let missing = sim.wait_for(Some("+1"), None, Duration::from_millis(200)).await;
    assert!(missing.unwrap_err().contains("no matching message"));
    assert!(sim.wait_for(None, Some("("), Duration::from_millis(1)).await.is_err());
}
