//! One line per field for the schema (crate::schema): what it is and where the spec says so. Fields are
//! matched by name; an operation may override a shared name. A test checks that every field of every
//! operation has a line and that no line is left without a field.

use crate::catalog::Operation;

pub(crate) fn request(op: Operation, field: &str) -> &'static str {
    lookup(REQUEST, op, field)
}

pub(crate) fn result(op: Operation, field: &str) -> &'static str {
    lookup(RESULT, op, field)
}

fn lookup(table: &[(&str, &str, &'static str)], op: Operation, field: &str) -> &'static str {
    table
        .iter()
        .find(|(o, f, _)| *o == op.name() && *f == field)
        .or_else(|| table.iter().find(|(o, f, _)| o.is_empty() && *f == field))
        .map(|(_, _, d)| *d)
        .unwrap_or("")
}

/// (operation or "" for every operation, field, description)
pub(crate) const REQUEST: &[(&str, &str, &str)] = &[];

pub(crate) const RESULT: &[(&str, &str, &str)] = &[];
