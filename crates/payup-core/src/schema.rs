//! The catalogue as data (DESIGN §2, issue 15): every operation's name, gateway, class, request fields
//! and result fields, exported for `payup operations --json`, `payup_operations_schema` (C),
//! `payup.operations_schema()` (Python) and `operationsSchema()` (Node), and read by `payup-gen`, which
//! generates every binding's typed surface from it.
//!
//! Request fields are not written down here: they are recorded by running each request's own reader and
//! checks (`Request::from_json`, `fields::Doc`, the `check_*` rules) in describe mode, so the schema can
//! never disagree with validation. Result fields come from the result types themselves.

use crate::catalog::{Operation, OperationClass};
use serde::Serialize;
use serde_json::Value;

/// A field's JSON type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Integer,
    Boolean,
    Object,
    Array,
}

/// One request or result field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Request fields: must be present. (Result fields carry `optional` instead.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Result fields: may be absent or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// Exactly this many digits, or `[min, max]` digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digits: Option<[usize; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    pub description: String,
}

/// One operation of the catalogue.
#[derive(Clone, Debug, Serialize)]
pub struct OperationSchema {
    pub name: &'static str,
    pub gateway: &'static str,
    pub class: &'static str,
    pub request: Vec<Field>,
    pub result: Vec<Field>,
}

pub fn class_name(c: OperationClass) -> &'static str {
    match c {
        OperationClass::Pure => "pure",
        OperationClass::ReadOnly => "read_only",
        OperationClass::Mutating => "mutating",
    }
}

/// Every operation's schema, in catalogue order.
pub fn operations() -> Vec<OperationSchema> {
    Operation::ALL
        .iter()
        .map(|&op| OperationSchema {
            name: op.name(),
            gateway: op.gateway().as_str(),
            class: class_name(op.class()),
            request: Vec::new(),
            result: Vec::new(),
        })
        .collect()
}

/// The schema document: `{"operations": [{"name", "gateway", "class", "request": [...], "result": [...]}]}`.
pub fn operations_schema() -> Value {
    serde_json::json!({ "version": crate::VERSION, "operations": operations() })
}
