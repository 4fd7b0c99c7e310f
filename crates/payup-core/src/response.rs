//! Reading gateway responses: what counts as an answer, and what leaves the outcome unknown.

use crate::codes::Gateway;
use crate::error::Error;
use crate::http::HttpResponse;
use serde_json::{Map, Value};

/// The response body as a JSON object.
///
/// - HTTP 5xx, or a 2xx whose body is not a JSON object: the gateway may have acted and we cannot
///   tell, so the outcome is `ambiguous` (DESIGN §3).
/// - HTTP 4xx without a JSON body: the gateway refused the request before processing it (wrong path or
///   host, usually a wrong base URL), a `config` error.
pub fn json_object(gateway: Gateway, resp: &HttpResponse) -> Result<Map<String, Value>, Error> {
    if resp.status >= 500 {
        return Err(Error::ambiguous(
            gateway,
            format!("the gateway answered HTTP {}; the operation may or may not have taken effect", resp.status),
        ));
    }
    match serde_json::from_slice::<Value>(&resp.body) {
        Ok(Value::Object(map)) => Ok(map),
        _ if (400..500).contains(&resp.status) => Err(Error::config(format!(
            "the gateway answered HTTP {} without a gateway response; check the base URL and credentials",
            resp.status
        ))
        .with_gateway(gateway)),
        _ => Err(unreadable(gateway, resp, "it is not a JSON object")),
    }
}

/// An answer we cannot read: the outcome is unknown. The message never quotes the body (it may echo
/// request fields).
pub fn unreadable(gateway: Gateway, resp: &HttpResponse, why: &str) -> Error {
    Error::ambiguous(
        gateway,
        format!(
            "the gateway's response (HTTP {}, {} bytes) could not be read: {why}; the operation may or may not have taken effect",
            resp.status,
            resp.body.len()
        ),
    )
}
