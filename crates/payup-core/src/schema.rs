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
    /// A JSON string.
    String,
    /// A JSON integer.
    Integer,
    /// true or false.
    Boolean,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
}

/// One request or result field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The field's name in the request document.
    pub name: String,
    /// Its JSON type.
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Request fields: must be present. (Result fields carry `optional` instead.)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Result fields: may be absent or null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub optional: Option<bool>,
    /// The most UTF-8 bytes it may hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<usize>,
    /// The smallest value allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    /// The largest value allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
    /// Exactly this many digits, or `[min, max]` digits.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digits: Option<[usize; 2]>,
    /// A regular expression it must match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The values allowed.
    #[serde(rename = "enum", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<String>>,
    /// What it is and where the spec says so.
    pub description: String,
}

impl Field {
    fn blank(name: &str, ty: FieldType) -> Field {
        Field {
            name: name.to_string(),
            ty,
            required: None,
            optional: None,
            max_bytes: None,
            min: None,
            max: None,
            digits: None,
            pattern: None,
            one_of: None,
            description: String::new(),
        }
    }

    pub(crate) fn request(name: &str, ty: FieldType, required: bool) -> Field {
        Field { required: Some(required), ..Field::blank(name, ty) }
    }

    fn result(name: &str, ty: FieldType, optional: bool) -> Field {
        Field { optional: Some(optional), ..Field::blank(name, ty) }
    }
}

/// One operation of the catalogue.
#[derive(Clone, Debug, Serialize)]
pub struct OperationSchema {
    /// The catalogue name.
    pub name: &'static str,
    /// The gateway (`payup`, `payple`, `kcp`).
    pub gateway: &'static str,
    /// `mutating`, `read_only` or `pure`.
    pub class: &'static str,
    /// One sentence: what the operation does, citing the spec.
    pub description: &'static str,
    /// The request document's fields.
    pub request: Vec<Field>,
    /// The result type's name in the bindings (several operations share one: `PayplePayment`, `PayupCancelled`).
    pub result_type: &'static str,
    /// For a result with variants (KakaoPay's KAKAO_CARD / KAKAO_MONEY): the field that tells them apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_tag: Option<&'static str>,
    /// result: success (payple-card.txt 파트너 인증)
    pub result: Vec<Field>,
    /// Per variant (`result_tag` value → its fields, each optional or not within that variant), for a result
    /// with variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_variants: Option<serde_json::Map<String, Value>>,
}

/// The class's name in the schema (`mutating`, `read_only`, `pure`).
pub fn class_name(c: OperationClass) -> &'static str {
    match c {
        OperationClass::Pure => "pure",
        OperationClass::ReadOnly => "read_only",
        OperationClass::Mutating => "mutating",
    }
}

/// Every operation's schema, in catalogue order.
pub fn operations() -> Vec<OperationSchema> {
    Operation::ALL.iter().map(|&op| operation(op)).collect()
}

/// One operation's schema.
pub fn operation(op: Operation) -> OperationSchema {
    let mut request = crate::fields::describe(|| {
        let _ = crate::catalog::Request::from_json(op, &Value::Object(Default::default()));
    });
    for f in &mut request {
        f.description = crate::descriptions::request(op, &f.name).to_string();
    }
    let (result_type, schema) = op.result_schema();
    let describe = |fields: &mut Vec<Field>| {
        for f in fields {
            f.description = crate::descriptions::result(op, &f.name).to_string();
        }
    };
    let variants = result_variants(&schema, &describe);
    let mut result = result_fields(schema);
    describe(&mut result);
    OperationSchema {
        name: op.name(),
        gateway: op.gateway().as_str(),
        class: class_name(op.class()),
        description: crate::descriptions::operation(op),
        request,
        result_type,
        result_tag: variants.as_ref().map(|_| "type"),
        result,
        result_variants: variants,
    }
}

/// A tagged enum's variants: tag value → its fields (optional as they are in that variant).
fn result_variants(
    schema: &schemars::Schema,
    describe: &dyn Fn(&mut Vec<Field>),
) -> Option<serde_json::Map<String, Value>> {
    let variants = schema.as_value().get("oneOf")?.as_array()?;
    let mut out = serde_json::Map::new();
    for v in variants {
        let tag = v.get("properties")?.get("type")?.get("const")?.as_str()?;
        let mut fields = fields_of(&[v]);
        describe(&mut fields);
        out.insert(tag.to_string(), serde_json::to_value(fields).ok()?);
    }
    Some(out)
}

/// The result fields of a result type's JSON Schema (schemars): its properties, and for a tagged enum
/// (KakaoPay's KAKAO_CARD / KAKAO_MONEY) the union of its variants' (optional unless in every variant).
fn result_fields(schema: schemars::Schema) -> Vec<Field> {
    let root = schema.as_value();
    let variants: Vec<&Value> = match root.get("oneOf").and_then(Value::as_array) {
        Some(vs) => vs.iter().collect(),
        None => vec![root],
    };
    fields_of(&variants)
}

/// The union of some object schemas' properties (optional unless present and required in every one).
fn fields_of(variants: &[&Value]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for v in variants {
        let required: Vec<&str> = v
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let Some(props) = v.get("properties").and_then(Value::as_object) else { continue };
        for (name, p) in props {
            let (ty, nullable) = json_type(p);
            let optional = nullable || !required.contains(&name.as_str());
            let constant = p.get("const").and_then(Value::as_str).map(str::to_string);
            match out.iter_mut().find(|f| &f.name == name) {
                Some(f) => {
                    f.optional = Some(f.optional == Some(true) || optional);
                    if let (Some(c), Some(values)) = (constant, f.one_of.as_mut()) {
                        values.push(c);
                    }
                }
                None => {
                    let mut f = Field::result(name, ty, optional);
                    f.one_of = constant.map(|c| vec![c]);
                    out.push(f);
                }
            }
        }
    }
    // A field missing from some variant is optional.
    for f in &mut out {
        let in_all = variants.iter().all(|v| v.get("properties").and_then(|p| p.get(&f.name)).is_some());
        if !in_all {
            f.optional = Some(true);
        }
    }
    out
}

fn json_type(p: &Value) -> (FieldType, bool) {
    let names: Vec<&str> = match p.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec!["string"],
    };
    let nullable = names.contains(&"null");
    let ty = match names.iter().find(|n| **n != "null").copied().unwrap_or("string") {
        "integer" | "number" => FieldType::Integer,
        "boolean" => FieldType::Boolean,
        "object" => FieldType::Object,
        "array" => FieldType::Array,
        _ => FieldType::String,
    };
    (ty, nullable)
}

/// The schema document: `{"operations": [{"name", "gateway", "class", "request": [...], "result": [...]}]}`.
pub fn operations_schema() -> Value {
    serde_json::json!({ "version": crate::VERSION, "operations": operations() })
}
