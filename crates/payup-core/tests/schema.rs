//! Tests driven by the catalogue schema itself (issue 15): whatever the schema says of a request field,
//! validation does — so neither can drift from the other.

use payup_core::schema::{self, FieldType};
use payup_core::{ErrorKind, Operation, Request};
use serde_json::{Value, json};

fn minimal(op: Operation) -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/minimal_requests.json"))
            .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["requests"][op.name()].clone()
}

#[test]
fn every_operation_has_a_schema_with_typed_fields() {
    let ops = schema::operations();
    assert_eq!(ops.len(), Operation::ALL.len());
    for (o, op) in ops.iter().zip(Operation::ALL) {
        assert_eq!(o.name, op.name());
        assert!(!o.result.is_empty(), "{}: result fields", o.name);
        for f in o.request.iter().chain(&o.result) {
            assert!(!f.name.is_empty());
            assert!(!f.description.is_empty(), "{}.{}: no description", o.name, f.name);
        }
    }
}

#[test]
fn the_minimal_request_of_every_operation_is_valid() {
    for &op in Operation::ALL {
        Request::from_json(op, &minimal(op)).unwrap_or_else(|e| panic!("{op}: {e}"));
    }
}

#[test]
fn every_required_field_is_refused_when_missing_naming_it() {
    for o in schema::operations() {
        let op = Operation::from_name(o.name).unwrap();
        let base = minimal(op);
        for f in o.request.iter().filter(|f| f.required == Some(true)) {
            let mut doc = base.clone();
            assert!(
                doc.as_object_mut().unwrap().remove(&f.name).is_some(),
                "{}: minimal request lacks {}",
                o.name,
                f.name
            );
            let e = Request::from_json(op, &doc).expect_err(&format!("{}: {} missing was accepted", o.name, f.name));
            assert_eq!(e.kind(), ErrorKind::Invalid);
            assert!(e.fields().iter().any(|x| x.field == f.name), "{}: {} missing: {e}", o.name, f.name);
        }
    }
}

#[test]
fn an_unknown_field_is_refused_and_every_field_of_the_schema_is_known() {
    for o in schema::operations() {
        let op = Operation::from_name(o.name).unwrap();
        let mut doc = minimal(op);
        doc["not_a_field"] = json!("x");
        let e = Request::from_json(op, &doc).unwrap_err();
        assert_eq!(e.field(), Some("not_a_field"), "{}: {e}", o.name);
        // A field the schema names is never "not a field of this request".
        for f in &o.request {
            let mut doc = minimal(op);
            doc[&f.name] = match f.ty {
                FieldType::String => json!(""),
                FieldType::Integer => json!(1),
                FieldType::Boolean => json!(false),
                FieldType::Object => json!({}),
                FieldType::Array => json!([]),
            };
            if let Err(e) = Request::from_json(op, &doc) {
                assert!(
                    !e.fields().iter().any(|x| x.field == f.name && x.rule.contains("not a field")),
                    "{}: {} is in the schema but unknown to validation",
                    o.name,
                    f.name
                );
            }
        }
    }
}

#[test]
fn limits_in_the_schema_are_enforced() {
    for o in schema::operations() {
        let op = Operation::from_name(o.name).unwrap();
        for f in &o.request {
            let mut doc = minimal(op);
            let too_long = match (f.ty, f.max_bytes, f.max) {
                (FieldType::String, Some(max), _)
                    if f.digits.is_none() && f.pattern.is_none() && f.one_of.is_none() =>
                {
                    json!("가".repeat(max / 3 + 1))
                }
                (FieldType::Integer, _, Some(max)) => json!(max + 1),
                _ => continue,
            };
            doc[&f.name] = too_long;
            let e =
                Request::from_json(op, &doc).expect_err(&format!("{}: {} over its limit was accepted", o.name, f.name));
            assert!(e.fields().iter().any(|x| x.field == f.name), "{}.{}: {e}", o.name, f.name);
        }
    }
}
