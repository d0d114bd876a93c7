//! The XMS API: the table of operations the router is built from, and one
//! handler per operation, named after the spec's operation id.

use super::*;

/// The XMS API's base path; the service plan (or project) id follows.
pub(super) const BASE: &str = "/xms/v1/";

/// A handler of one XMS operation: the state, locked, and the request.
pub(super) type Handler = fn(&mut State, &Call) -> Response;

/// What a handler gets: the method, the plan, the path's other parameters in order, the
/// query, and the JSON object of the body (empty without a body).
pub(super) struct Call {
    pub(super) method: Method,
    pub(super) plan: String,
    pub(super) params: Vec<String>,
    pub(super) query: HashMap<String, String>,
    pub(super) body: Map<String, Value>,
}

impl Call {
    fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }
}

/// Every XMS operation the simulator serves: method, path as the spec
/// writes it, handler (named after the spec's operation id). The router is built from this table alone, so what
/// [`operations`] reports is what is served.
pub(super) const OPERATIONS: &[(Method, &str, Handler)] = &[
    (Method::POST, "/xms/v1/{service_plan_id}/batches", send_batch),
    (Method::GET, "/xms/v1/{service_plan_id}/batches", list_batches),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/dry_run", dry_run_batch),
    (Method::GET, "/xms/v1/{service_plan_id}/batches/{batch_id}", get_batch),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/{batch_id}", update_batch),
    (Method::PUT, "/xms/v1/{service_plan_id}/batches/{batch_id}", replace_batch),
    (Method::DELETE, "/xms/v1/{service_plan_id}/batches/{batch_id}", cancel_batch),
    (
        Method::POST,
        "/xms/v1/{service_plan_id}/batches/{batch_id}/delivery_feedback",
        send_delivery_feedback,
    ),
    (
        Method::GET,
        "/xms/v1/{service_plan_id}/batches/{batch_id}/delivery_report",
        get_batch_delivery_report,
    ),
    (
        Method::GET,
        "/xms/v1/{service_plan_id}/batches/{batch_id}/delivery_report/{recipient_msisdn}",
        get_recipient_delivery_report,
    ),
    (Method::GET, "/xms/v1/{service_plan_id}/batches/{batch_id}/tags", get_batch_tags),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/{batch_id}/tags", update_batch_tags),
    (Method::PUT, "/xms/v1/{service_plan_id}/batches/{batch_id}/tags", replace_batch_tags),
    (Method::GET, "/xms/v1/{service_plan_id}/delivery_reports", list_delivery_reports),
    (Method::POST, "/xms/v1/{service_plan_id}/groups", create_group),
    (Method::GET, "/xms/v1/{service_plan_id}/groups", list_groups),
    (Method::GET, "/xms/v1/{service_plan_id}/groups/{group_id}", get_group),
    (Method::POST, "/xms/v1/{service_plan_id}/groups/{group_id}", update_group),
    (Method::PUT, "/xms/v1/{service_plan_id}/groups/{group_id}", replace_group),
    (Method::DELETE, "/xms/v1/{service_plan_id}/groups/{group_id}", delete_group),
    (Method::GET, "/xms/v1/{service_plan_id}/groups/{group_id}/members", list_group_members),
    (Method::GET, "/xms/v1/{service_plan_id}/groups/{group_id}/tags", get_group_tags),
    (Method::POST, "/xms/v1/{service_plan_id}/groups/{group_id}/tags", update_group_tags),
    (Method::PUT, "/xms/v1/{service_plan_id}/groups/{group_id}/tags", replace_group_tags),
    (Method::GET, "/xms/v1/{service_plan_id}/inbounds", list_inbounds),
    (Method::GET, "/xms/v1/{service_plan_id}/inbounds/{inbound_id}", get_inbound),
];

/// The XMS operations the simulator serves, as (method, path template with
/// the spec's parameter names). Its router is built from the same table.
///
/// ```
/// let ops: Vec<_> = xms_simulator::operations().collect();
/// assert!(ops.contains(&("POST", "/xms/v1/{service_plan_id}/batches")));
/// ```
pub fn operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    OPERATIONS.iter().map(|(method, path, _)| (method.as_str(), *path))
}

/// The XMS routes: one method router per path, from [`OPERATIONS`].
/// A path's other methods get 405 with `Allow` from axum.
pub(super) fn xms_routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    let mut paths: BTreeMap<&str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for (method, path, handler) in OPERATIONS {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        let handler = *handler;
        let route = paths.remove(path).unwrap_or_default();
        paths.insert(
            path,
            route.on(
                filter,
                move |method: Method,
                      AxumState(shared): AxumState<Arc<Shared>>,
                      Path(params): Path<Vec<(String, String)>>,
                      RawQuery(query): RawQuery,
                      JsonObject(body): JsonObject| async move {
                    let mut params = params.into_iter().map(|(_, v)| v);
                    let call = Call {
                        method,
                        plan: params.next().unwrap_or_default(),
                        params: params.collect(),
                        query: parse_query(query.as_deref()),
                        body,
                    };
                    let response = handler(&mut shared.lock(), &call);
                    // Whatever the request changed may have queued callbacks.
                    tokio::spawn(async move { shared.deliver_queued().await });
                    response
                },
            ),
        );
    }
    paths
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .route_layer(middleware::from_fn_with_state(shared, record))
}

fn send_batch(state: &mut State, call: &Call) -> Response {
    respond(state.send_batch(&call.plan, &call.body).map(Some), StatusCode::CREATED)
}

fn list_batches(state: &mut State, call: &Call) -> Response {
    listing(call, |q| Ok(Some(state.list_batches(&call.plan, q))))
}

fn dry_run_batch(state: &mut State, call: &Call) -> Response {
    // Booleans in a query are read in any case (`True`, as the Python SDK
    // sends it); anything else is refused, never ignored.
    let per_recipient = match call.query.get("per_recipient").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return api_error(ApiError::format(format!(
                "Parameter 'per_recipient' must be true or false, not '{v}'"
            )));
        }
    };
    let max = match call.query.get("number_of_recipients").map(|v| v.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if n <= crate::limits::MAX_DRY_RUN_RECIPIENTS => n,
        Some(_) => {
            return api_error(ApiError::constraint(format!(
                "Parameter 'number_of_recipients' must be at most {}",
                crate::limits::MAX_DRY_RUN_RECIPIENTS
            )));
        }
    };
    respond(state.dry_run(&call.plan, &call.body, per_recipient, max).map(Some), StatusCode::OK)
}

fn get_batch(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.get_batch(&call.plan, call.param(0))), StatusCode::OK)
}

fn update_batch(state: &mut State, call: &Call) -> Response {
    respond(state.update_batch(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn replace_batch(state: &mut State, call: &Call) -> Response {
    respond(state.replace_batch(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn cancel_batch(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.cancel_batch(&call.plan, call.param(0))), StatusCode::OK)
}

fn send_delivery_feedback(state: &mut State, call: &Call) -> Response {
    match state.delivery_feedback(&call.plan, call.param(0), &call.body) {
        Ok(Some(())) => empty(StatusCode::ACCEPTED),
        Ok(None) => not_found(),
        Err(e) => api_error(e),
    }
}

fn get_batch_delivery_report(state: &mut State, call: &Call) -> Response {
    listing(call, |q| state.batch_report(&call.plan, call.param(0), q))
}

fn get_recipient_delivery_report(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.recipient_report(&call.plan, call.param(0), call.param(1))), StatusCode::OK)
}

fn list_delivery_reports(state: &mut State, call: &Call) -> Response {
    listing(call, |q| state.list_reports(&call.plan, q).map(Some))
}

fn create_group(state: &mut State, call: &Call) -> Response {
    respond(state.create_group(&call.plan, &call.body).map(Some), StatusCode::CREATED)
}

fn list_groups(state: &mut State, call: &Call) -> Response {
    listing(call, |q| Ok(Some(state.list_groups(&call.plan, q))))
}

fn get_group(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.get_group(&call.plan, call.param(0))), StatusCode::OK)
}

fn update_group(state: &mut State, call: &Call) -> Response {
    respond(state.update_group(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn replace_group(state: &mut State, call: &Call) -> Response {
    respond(state.replace_group(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn delete_group(state: &mut State, call: &Call) -> Response {
    if state.delete_group(&call.plan, call.param(0)) { empty(StatusCode::OK) } else { not_found() }
}

fn list_group_members(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.group_members(&call.plan, call.param(0))), StatusCode::OK)
}

fn list_inbounds(state: &mut State, call: &Call) -> Response {
    listing(call, |q| Ok(Some(state.list_inbounds(&call.plan, q))))
}

fn get_inbound(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.get_inbound(&call.plan, call.param(0))), StatusCode::OK)
}

fn get_batch_tags(state: &mut State, call: &Call) -> Response {
    tags(state, call)
}

fn replace_batch_tags(state: &mut State, call: &Call) -> Response {
    tags(state, call)
}

fn update_batch_tags(state: &mut State, call: &Call) -> Response {
    tags(state, call)
}

fn get_group_tags(state: &mut State, call: &Call) -> Response {
    tags(state, call)
}

fn replace_group_tags(state: &mut State, call: &Call) -> Response {
    tags(state, call)
}

fn update_group_tags(state: &mut State, call: &Call) -> Response {
    tags(state, call)
}

/// The tags of a batch or a group: GET reads, PUT replaces, POST adds and
/// removes.
fn tags(state: &mut State, call: &Call) -> Response {
    let f = Fields(&call.body);
    let change = match call.method {
        Method::GET => Ok(TagChange::Get),
        Method::PUT => f
            .strings("tags")
            .and_then(|t| t.ok_or_else(|| ApiError::constraint("Field 'tags' is required")))
            .map(TagChange::Replace),
        _ => f.strings("add").and_then(|add| {
            Ok(TagChange::Update {
                add: add.unwrap_or_default(),
                remove: f.strings("remove")?.unwrap_or_default(),
            })
        }),
    };
    match change {
        Ok(change) => respond(state.tags(&call.plan, call.param(0), change), StatusCode::OK),
        Err(e) => api_error(e),
    }
}
