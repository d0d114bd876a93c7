//! `xms api METHOD PATH`: any request to the API with the credentials
//! filled in, through the SDK's `Client::request` (its retries, limits and
//! error handling), like `gh api`.

use serde_json::{Map, Value};

use crate::{
    args::{ApiArgs, Format, Global},
    config::Resolved,
    exit::Failure,
    output::{Output, pretty, write_stdout},
};

/// Pages `--paginate` reads at most.
const MAX_PAGES: u32 = 10_000;
/// A request body read from a file or stdin is at most this long.
const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

fn method(text: &str) -> Result<reqwest::Method, Failure> {
    match text.to_ascii_uppercase().as_str() {
        "GET" => Ok(reqwest::Method::GET),
        "POST" => Ok(reqwest::Method::POST),
        "PUT" => Ok(reqwest::Method::PUT),
        "DELETE" => Ok(reqwest::Method::DELETE),
        "PATCH" => Ok(reqwest::Method::PATCH),
        "HEAD" => Ok(reqwest::Method::HEAD),
        _ => Err(Failure::usage(format!(
            "METHOD `{text}`: one of GET, POST, PUT, DELETE, PATCH, HEAD"
        ))),
    }
}

/// The request body: `--input`, or the fields, or none.
fn body(args: &ApiArgs, reads: bool) -> Result<Option<Value>, Failure> {
    if let Some(path) = &args.input {
        use std::io::Read;
        let mut bytes = Vec::new();
        let what = format!("--input {}", path.display());
        let read = if path.as_os_str() == "-" {
            std::io::stdin().lock().take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)
        } else {
            std::fs::File::open(path)
                .and_then(|f| f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes))
        };
        read.map_err(|e| Failure::usage(format!("{what}: cannot read it: {e}")))?;
        if bytes.len() as u64 > MAX_INPUT_BYTES {
            return Err(Failure::usage(format!("{what}: over {MAX_INPUT_BYTES} bytes")));
        }
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| Failure::usage(format!("{what}: not JSON: {e}")))?;
        return Ok(Some(value));
    }
    if reads || (args.fields.is_empty() && args.raw_fields.is_empty()) {
        if reads && !args.raw_fields.is_empty() {
            return Err(Failure::usage(
                "-F/--raw-field makes a body, which GET and DELETE do not take; use -q",
            ));
        }
        return Ok(None);
    }
    let mut object = Map::new();
    for (key, value) in &args.fields {
        object.insert(key.clone(), Value::String(value.clone()));
    }
    for (key, text) in &args.raw_fields {
        let value = serde_json::from_str(text).map_err(|e| {
            Failure::usage(format!("-F {key}={text}: the value is not JSON ({e}); quote strings"))
        })?;
        object.insert(key.clone(), value);
    }
    Ok(Some(Value::Object(object)))
}

pub async fn run(global: &Global, args: ApiArgs) -> Result<(), Failure> {
    let method = method(&args.method)?;
    let reads =
        matches!(method, reqwest::Method::GET | reqwest::Method::HEAD | reqwest::Method::DELETE);
    if args.paginate && method != reqwest::Method::GET {
        return Err(Failure::usage("--paginate reads listings: only with GET"));
    }
    let body = body(&args, reads)?;
    let mut query: Vec<(String, String)> = args.query.clone();
    if reads {
        // `-f` on a read is a query parameter, as with gh.
        query.extend(args.fields.iter().cloned());
    }
    let settings = Resolved::load(global, None)?;
    let client = settings.client()?;
    let output = Output::new(global);
    if !args.paginate {
        let pairs: Vec<(&str, &str)> =
            query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = client.request(method, &args.path, &pairs, body.as_ref()).await?;
        if answer.is_null() {
            return Ok(());
        }
        let text = match output.format {
            Format::Jsonl => answer.to_string(),
            _ => pretty(&answer),
        };
        return write_stdout(format!("{text}\n").as_bytes());
    }
    paginate(&client, &output, &args.path, query).await
}

/// Read every page of a listing and print its items: one JSON array, or
/// one item a line with `-o jsonl`.
async fn paginate(
    client: &xms::Client,
    output: &Output,
    path: &str,
    mut query: Vec<(String, String)>,
) -> Result<(), Failure> {
    query.retain(|(k, _)| k != "page");
    let start: u32 = 0;
    // An API answer has no columns: JSON, or one item a line.
    let jsonl = output.format == Format::Jsonl;
    let mut listing = Output { format: Format::Json }.listing(&[("item", "")]);
    let mut seen = 0u64;
    for page in start..MAX_PAGES {
        let page_text = page.to_string();
        let mut pairs: Vec<(&str, &str)> =
            query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        pairs.push(("page", &page_text));
        let answer = client.request(reqwest::Method::GET, path, &pairs, None).await?;
        let Some(object) = answer.as_object() else {
            return Err(Failure::usage(format!("{path} answers no listing to --paginate")));
        };
        let arrays: Vec<&Vec<Value>> = object.values().filter_map(Value::as_array).collect();
        let [items] = arrays.as_slice() else {
            return Err(Failure::usage(format!("{path} answers no listing to --paginate")));
        };
        for item in *items {
            if jsonl {
                write_stdout(format!("{item}\n").as_bytes())?;
            } else {
                listing.push_value(item)?;
            }
        }
        seen += items.len() as u64;
        let count = object.get("count").and_then(Value::as_u64);
        if items.is_empty() || count.is_some_and(|count| seen >= count) {
            break;
        }
    }
    if jsonl { Ok(()) } else { listing.finish() }
}
