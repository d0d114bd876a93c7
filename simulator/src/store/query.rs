//! The query of a listing: paging, time window and filters.

use super::*;

/// The query string of a listing.
#[derive(Debug, Default)]
pub struct ListQuery {
    pub raw: HashMap<String, String>,
    pub page: usize,
    pub page_size: usize,
    pub start_date: Option<DateTime<Utc>>,
    pub end_date: Option<DateTime<Utc>>,
    pub client_reference: Option<String>,
}

impl ListQuery {
    pub fn parse(raw: HashMap<String, String>) -> Res<Self> {
        let int = |key: &str| -> Res<Option<usize>> {
            raw.get(key)
                .map(|v| {
                    v.parse::<usize>().map_err(|_| {
                        ApiError::format(format!("Parameter '{key}' must be a number"))
                    })
                })
                .transpose()
        };
        let date = |key: &str| -> Res<Option<DateTime<Utc>>> {
            raw.get(key)
                .map(|v| {
                    parse_time(v).ok_or_else(|| {
                        ApiError::format(format!("Parameter '{key}' must be ISO-8601"))
                    })
                })
                .transpose()
        };
        let page_size = int("page_size")?.unwrap_or(30);
        if page_size == 0 || page_size > limits::MAX_PAGE_SIZE {
            return Err(ApiError::constraint(format!(
                "Parameter 'page_size' must be between 1 and {}",
                limits::MAX_PAGE_SIZE
            )));
        }
        Ok(ListQuery {
            page: int("page")?.unwrap_or(0),
            page_size,
            start_date: date("start_date")?,
            end_date: date("end_date")?,
            client_reference: raw.get("client_reference").cloned(),
            raw,
        })
    }

    pub(super) fn get(&self, key: &str) -> Option<String> {
        self.raw.get(key).cloned()
    }

    /// A comma-separated list parameter.
    pub(super) fn list(&self, key: &str) -> Vec<String> {
        self.raw
            .get(key)
            .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default()
    }

    pub(super) fn codes(&self) -> Res<Vec<i64>> {
        self.list("code")
            .iter()
            .map(|c| c.parse().map_err(|_| ApiError::format(format!("Code '{c}' is not a number"))))
            .collect()
    }
}

pub(super) fn paged<T>(
    items: Vec<T>,
    q: &ListQuery,
    key: &str,
    to_json: impl Fn(T) -> Value,
) -> Value {
    let count = items.len();
    let page: Vec<Value> =
        // A page past the end (however large its number) is empty.
        items.into_iter().skip(q.page.saturating_mul(q.page_size)).take(q.page_size).map(to_json).collect();
    json!({"page": q.page, "page_size": page.len(), "count": count, key: page})
}
