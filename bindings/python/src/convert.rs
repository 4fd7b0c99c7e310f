//! Python objects ⇄ `serde_json::Value`, with no JSON text in between (issue 21: `json.dumps` of the request
//! and `json.loads` of the result were ~65,000 of the binding's ~150,000 instructions per approval above the
//! Rust client's, and the native side's text parsing and printing another ~38,000).
//!
//! The request side accepts exactly what `json.JSONEncoder(allow_nan=False)` accepted before, and refuses
//! the rest with the same error: `dict` (keys `str`, `int`, `float`, `bool`, `None`), `list`, `tuple`, `str`,
//! `int`, `float` (finite), `bool`, `None`, subclasses included. What core used to refuse while parsing that
//! text is refused here as core's own `invalid` error: text with a lone surrogate (now naming the field) and
//! nesting deeper than serde_json's limit of 128. No error carries a value: only field names and types.

use payup_core::Error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// serde_json's recursion limit, which bounded the documents the text path accepted.
const MAX_DEPTH: usize = 128;

/// Why a Python object is not a request document.
pub enum Refused {
    /// What `json.JSONEncoder` raised before (a `TypeError` or `ValueError` message): the binding reported it
    /// as `InvalidRequestError("the request is not a JSON document: …", field="request")`.
    Encoder(String),
    /// What core refused when it parsed the text: its error document.
    Core(Error),
}

impl Refused {
    /// The error document (`{"error": {...}}` or the inner object) that `payup._errors.error_from_document`
    /// turns into the exception, as a Python dict.
    pub fn to_py<'py>(&self, py: Python<'py>, what: &str) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Refused::Encoder(msg) => {
                let d = PyDict::new(py);
                d.set_item("kind", "invalid")?;
                d.set_item("message", format!("the {what} is not a JSON document: {msg}"))?;
                d.set_item("field", what)?;
                Ok(d.into_any())
            }
            Refused::Core(e) => to_py(py, &e.to_json()),
        }
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".to_string())
}

unsafe extern "C" {
    /// In every CPython since 3.3 with this signature, and in the limited API since 3.10; pyo3 declares it only
    /// for 3.10+ abi3 builds, and this wheel is abi3-py39. It reads the UTF-8 that a compact ASCII `str` already
    /// is (no copy), where pyo3's 3.9 fallback `to_cow` builds a `bytes` object per string.
    fn PyUnicode_AsUTF8AndSize(unicode: *mut pyo3::ffi::PyObject, size: *mut pyo3::ffi::Py_ssize_t) -> *const u8;
}

/// The UTF-8 text of a `str`, or core's `invalid` error naming `field` (a lone surrogate cannot be encoded).
/// The `UnicodeEncodeError` is dropped here: its `.object` would carry the whole text (a card number, a key).
fn text(s: &Bound<'_, PyString>, field: &str) -> Result<String, Refused> {
    let refused = || Refused::Core(Error::invalid_field(field, "must be valid UTF-8 text (it holds a lone surrogate)"));
    utf8(s).map(str::to_owned).ok_or_else(refused)
}

/// The UTF-8 that CPython keeps for `s` (borrowed from it), or `None` for a lone surrogate.
fn utf8<'a>(s: &'a Bound<'_, PyString>) -> Option<&'a str> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live `str` and the GIL is held; the buffer belongs to `s`.
    let data = unsafe { PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size) };
    if data.is_null() {
        drop(PyErr::take(s.py()));
        return None;
    }
    // SAFETY: CPython returns `size` bytes that live as long as `s` (borrowed for `'a`).
    let bytes = unsafe { std::slice::from_raw_parts(data, size as usize) };
    std::str::from_utf8(bytes).ok()
}

/// The typed methods' fields as core's scalars, for `Request::scalar_reader` (issue 21: no `Value` for a plain
/// keyin approval): `None` as soon as a name or value is not a plain `str`, `int` ≥ 0 or `bool` — then
/// [`fields`] builds the document and core's reader names whatever is wrong, as always.
pub fn scalars<'a>(
    names: &'a [Bound<'a, PyString>],
    values: &Bound<'_, PyTuple>,
) -> Option<Vec<(&'a str, payup_core::payup::Scalar)>> {
    use payup_core::payup::Scalar;
    let mut out = Vec::with_capacity(names.len());
    for (n, v) in names.iter().zip(values.iter()) {
        if v.is_none() {
            continue;
        }
        // bool before int: Python's bool is an int.
        let value = if let Ok(b) = v.cast::<PyBool>() {
            Scalar::Bool(b.is_true())
        } else if let Ok(i) = v.cast::<PyInt>() {
            Scalar::U64(i.extract::<u64>().ok()?)
        } else if let Ok(s) = v.cast::<PyString>() {
            Scalar::Str(utf8(s)?.to_owned())
        } else {
            return None;
        };
        out.push((utf8(n)?, value));
    }
    Some(out)
}

fn number_of_int(i: &Bound<'_, PyInt>) -> Result<Number, Refused> {
    if let Ok(v) = i.extract::<i64>() {
        return Ok(Number::from(v));
    }
    if let Ok(v) = i.extract::<u64>() {
        return Ok(Number::from(v));
    }
    // serde_json read an integer beyond 64 bits as the nearest f64, and refused one beyond f64.
    match i.extract::<f64>().ok().and_then(Number::from_f64) {
        Some(n) => Ok(n),
        None => Err(Refused::Core(Error::invalid_field("request", "is not a JSON document (number out of range)"))),
    }
}

/// A dict key as `json` wrote it: `str` as is, `True`/`False`/`None` as `true`/`false`/`null`, numbers
/// as their Python text.
fn key(k: &Bound<'_, PyAny>, field: &str) -> Result<String, Refused> {
    if let Ok(s) = k.cast::<PyString>() {
        return text(s, field);
    }
    if k.is_none() {
        return Ok("null".to_string());
    }
    if let Ok(b) = k.cast::<PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.to_string());
    }
    if k.cast::<PyInt>().is_ok() || k.cast::<PyFloat>().is_ok() {
        if let Ok(f) = k.cast::<PyFloat>()
            && !f.value().is_finite()
        {
            return Err(Refused::Encoder("Out of range float values are not JSON compliant".to_string()));
        }
        // int.__str__ / float.__repr__: what json.dumps writes for a numeric key.
        let s = if k.cast::<PyInt>().is_ok() { k.str() } else { k.repr() };
        return match s {
            Ok(s) => text(&s, field),
            Err(_) => {
                Err(Refused::Encoder(format!("keys must be str, int, float, bool or None, not {}", type_name(k))))
            }
        };
    }
    Err(Refused::Encoder(format!("keys must be str, int, float, bool or None, not {}", type_name(k))))
}

fn object(d: &Bound<'_, PyDict>, depth: usize, field: Option<&str>) -> Result<Value, Refused> {
    if depth > MAX_DEPTH {
        return Err(Refused::Core(Error::invalid_field(
            "request",
            format!("is not a JSON document (nested deeper than {MAX_DEPTH} levels)"),
        )));
    }
    let mut m = Map::with_capacity(d.len());
    for (k, v) in d.iter() {
        let name = key(&k, field.unwrap_or("request"))?;
        // A top-level key names the field for the errors below it.
        let value = value(&v, depth, Some(field.unwrap_or(&name)))?;
        m.insert(name, value);
    }
    Ok(Value::Object(m))
}

fn array<'py>(
    items: impl ExactSizeIterator<Item = Bound<'py, PyAny>>,
    depth: usize,
    field: &str,
) -> Result<Value, Refused> {
    if depth > MAX_DEPTH {
        return Err(Refused::Core(Error::invalid_field(
            "request",
            format!("is not a JSON document (nested deeper than {MAX_DEPTH} levels)"),
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(value(&item, depth, Some(field))?);
    }
    Ok(Value::Array(out))
}

/// One value of a request document, in `json`'s order of checks (`bool` before `int`: it is one).
/// `depth` counts the objects and arrays around it; `field` is the top-level field it belongs to.
fn value(obj: &Bound<'_, PyAny>, depth: usize, field: Option<&str>) -> Result<Value, Refused> {
    let name = field.unwrap_or("request");
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return text(s, name).map(Value::String);
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        return number_of_int(i).map(Value::Number);
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return match Number::from_f64(f.value()) {
            Some(n) => Ok(Value::Number(n)),
            None => Err(Refused::Encoder("Out of range float values are not JSON compliant".to_string())),
        };
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return array(l.iter(), depth + 1, name);
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        return array(t.iter(), depth + 1, name);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return object(d, depth + 1, field);
    }
    Err(Refused::Encoder(format!("Object of type {} is not JSON serializable", type_name(obj))))
}

/// A request document from a Python object: only a `dict` is an object to `json`, as before (another
/// Mapping is refused the way `json` refused it).
pub fn dict_document(obj: &Bound<'_, PyAny>) -> Result<Value, Refused> {
    if obj.cast::<pyo3::types::PyDict>().is_err() {
        return Err(Refused::Encoder(format!("Object of type {} is not JSON serializable", type_name(obj))));
    }
    value(obj, 0, None)
}

/// A request document from the typed methods' two tuples: field names and their values, `None` meaning "not
/// given" (left out, as `_doc(**kwargs)` did).
pub fn fields(names: &Bound<'_, PyTuple>, values: &Bound<'_, PyTuple>) -> Result<Value, Refused> {
    if names.len() != values.len() {
        return Err(Refused::Encoder(format!("{} field names for {} values", names.len(), values.len())));
    }
    let mut m = Map::with_capacity(names.len());
    for (n, v) in names.iter().zip(values.iter()) {
        if v.is_none() {
            continue;
        }
        let name = match n.cast::<PyString>() {
            Ok(s) => text(s, "request")?,
            Err(_) => return Err(Refused::Encoder(format!("keys must be str, not {}", type_name(&n)))),
        };
        let value = value(&v, 1, Some(&name))?;
        m.insert(name, value);
    }
    Ok(Value::Object(m))
}

/// A result (or error, or event) document as Python objects: `dict`, `list`, `str`, `int`, `float`, `bool`,
/// `None` — what `json.loads` of its text gave.
pub fn to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let l = PyList::empty(py);
            for item in items {
                l.append(to_py(py, item)?)?;
            }
            l.into_any()
        }
        Value::Object(m) => {
            let d = PyDict::new(py);
            for (k, item) in m {
                d.set_item(PyString::new(py, k), to_py(py, item)?)?;
            }
            d.into_any()
        }
    })
}
