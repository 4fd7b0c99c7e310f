//! A typed result straight to a JS value, for the typed methods' hot path (issue 21): the value that
//! `JSON.parse` of the result's camelCase text (`camel_text` in lib.rs) gives, without the text. Names are
//! camelCased as `index.js`'s `toCamel` does, except inside a `details` member (kept as the gateway wrote them).
//!
//! A struct's object is made by a JS function per list of names (index.js's `shapeOf`, asked once per list
//! and kept): one call with the values as its arguments, instead of one napi call per member, which costs
//! more than `JSON.parse` does (V8's generic property store each time). Maps (`serde_json::Value` objects)
//! are built member by member.

use std::cell::RefCell;
use std::ptr;

use napi::sys;
use serde::ser::{self, Serialize};

thread_local! {
    /// This thread's factories, one set per `index.js` that gave them (`setFactories`; a module registry that
    /// loads index.js again, as jest's does, gives another set, and each client settles with its own copy's
    /// `PayupError`), by their number.
    static FACTORIES: RefCell<Vec<Factories>> = const { RefCell::new(Vec::new()) };
}

/// One `index.js`'s `shapeOf`, `errorOf` and `JSON.parse`, and the object makers its `shapeOf` made.
struct Factories {
    shape_of: sys::napi_ref,
    error_of: sys::napi_ref,
    parse: sys::napi_ref,
    /// By the list of a struct's names (their addresses: serde's derived code passes the same `&'static str`s
    /// every time) and whether they are kept raw.
    shapes: Vec<Shape>,
}

struct Shape {
    keys: Vec<(usize, usize)>,
    make: sys::napi_ref,
}

/// Keeps index.js's `shapeOf` (names → a function making an object of them from its arguments), `errorOf`
/// (an error document's text → the `PayupError` a typed call rejects with) and `JSON.parse` (for a result
/// `to_js` could not build) for this thread's environment; their number, or `None` if one is no function.
///
/// # Safety
/// On the JS thread of `env`, with values of that environment.
pub unsafe fn set_factories(
    env: sys::napi_env,
    shape_of: sys::napi_value,
    error_of: sys::napi_value,
    parse: sys::napi_value,
) -> Option<u32> {
    let mut refs = [ptr::null_mut(); 3];
    // SAFETY: as the caller promises.
    unsafe {
        for (v, r) in [shape_of, error_of, parse].into_iter().zip(refs.iter_mut()) {
            let mut t = 0;
            if sys::napi_typeof(env, v, &mut t) != sys::Status::napi_ok
                || t != sys::ValueType::napi_function
                || sys::napi_create_reference(env, v, 1, r) != sys::Status::napi_ok
            {
                return None;
            }
        }
    }
    let [shape_of, error_of, parse] = refs;
    FACTORIES.with(|f| {
        let mut f = f.borrow_mut();
        f.push(Factories { shape_of, error_of, parse, shapes: Vec::new() });
        u32::try_from(f.len() - 1).ok()
    })
}

/// Whether `factories` is the number of a set of this thread's.
pub fn known(factories: u32) -> bool {
    FACTORIES.with(|f| (factories as usize) < f.borrow().len())
}

fn factory(factories: u32, pick: impl Fn(&Factories) -> sys::napi_ref) -> sys::napi_ref {
    FACTORIES.with(|f| f.borrow().get(factories as usize).map(pick).unwrap_or(ptr::null_mut()))
}

/// Calls the function `f` refers to with `args`; `None` (the exception cleared) if that fails.
unsafe fn call(env: sys::napi_env, f: sys::napi_ref, args: &[sys::napi_value]) -> Option<sys::napi_value> {
    let (mut function, mut undefined, mut out) = (ptr::null_mut(), ptr::null_mut(), ptr::null_mut());
    // SAFETY: napi on the JS thread (the callers'); `args` outlives the call.
    unsafe {
        if f.is_null()
            || sys::napi_get_reference_value(env, f, &mut function) != sys::Status::napi_ok
            || function.is_null()
            || sys::napi_get_undefined(env, &mut undefined) != sys::Status::napi_ok
        {
            return None;
        }
        if sys::napi_call_function(env, undefined, function, args.len(), args.as_ptr(), &mut out)
            != sys::Status::napi_ok
        {
            clear_exception(env);
            return None;
        }
        Some(out)
    }
}

/// The rejection of a typed call: `errorOf(text)` of the call's `factories`; `None` when that fails (the caller
/// rejects with a plain `Error` then).
///
/// # Safety
/// On the JS thread of `env`, inside a handle scope.
pub unsafe fn typed_error(env: sys::napi_env, factories: u32, text: &str) -> Option<sys::napi_value> {
    // SAFETY: as the caller promises.
    unsafe {
        let arg = js_string(env, text)?;
        call(env, factory(factories, |f| f.error_of), &[arg])
    }
}

/// `s` as a JS string (ASCII is Latin-1 too, and V8 copies that without decoding UTF-8).
///
/// # Safety
/// On the JS thread of `env`.
pub unsafe fn js_string(env: sys::napi_env, s: &str) -> Option<sys::napi_value> {
    let mut v = ptr::null_mut();
    // SAFETY: as the caller promises; `s` outlives the call.
    let status = unsafe {
        if s.is_ascii() {
            sys::napi_create_string_latin1(env, s.as_ptr().cast(), s.len() as isize, &mut v)
        } else {
            sys::napi_create_string_utf8(env, s.as_ptr().cast(), s.len() as isize, &mut v)
        }
    };
    (status == sys::Status::napi_ok).then_some(v)
}

/// `value` as a JS value (see the module's comment), else `JSON.parse` of its camelCase text; `None` if neither
/// could be made (the caller rejects then).
///
/// # Safety
/// On the JS thread of `env`, inside a handle scope.
pub unsafe fn to_js(env: sys::napi_env, factories: u32, value: &impl Serialize) -> Option<sys::napi_value> {
    match value.serialize(Ser { env, raw: false, factories }) {
        Ok(v) => Some(v),
        Err(_) => {
            // SAFETY: as the caller promises.
            unsafe {
                clear_exception(env);
                // What the document path would give: JSON.parse of the camelCase text.
                let arg = js_string(env, &crate::camel_text(value))?;
                call(env, factory(factories, |f| f.parse), &[arg])
            }
        }
    }
}

unsafe fn clear_exception(env: sys::napi_env) {
    let mut pending = false;
    // SAFETY: napi calls on the JS thread.
    unsafe {
        if sys::napi_is_exception_pending(env, &mut pending) == sys::Status::napi_ok && pending {
            let mut e = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut e);
        }
    }
}

#[derive(Debug)]
pub struct Failed;

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a napi call failed")
    }
}

impl std::error::Error for Failed {}

impl ser::Error for Failed {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Failed
    }
}

type Out = Result<sys::napi_value, Failed>;

fn ok(status: sys::napi_status, v: sys::napi_value) -> Out {
    if status == sys::Status::napi_ok { Ok(v) } else { Err(Failed) }
}

/// Serializes into a napi value. `raw`: inside a `details` member (names kept as they are); `factories`: whose
/// `shapeOf` makes the objects.
#[derive(Clone, Copy)]
struct Ser {
    env: sys::napi_env,
    raw: bool,
    factories: u32,
}

impl Ser {
    fn string(self, s: &str) -> Out {
        // SAFETY: napi on the JS thread (every `Ser` is made by `to_js`, whose caller promises it).
        unsafe { js_string(self.env, s) }.ok_or(Failed)
    }
    fn number(self, n: f64) -> Out {
        let mut v = ptr::null_mut();
        // SAFETY: as in `string`.
        ok(unsafe { sys::napi_create_double(self.env, n, &mut v) }, v)
    }
    fn null(self) -> Out {
        let mut v = ptr::null_mut();
        // SAFETY: as in `string`.
        ok(unsafe { sys::napi_get_null(self.env, &mut v) }, v)
    }
    fn object(self) -> Out {
        let mut v = ptr::null_mut();
        // SAFETY: as in `string`.
        ok(unsafe { sys::napi_create_object(self.env, &mut v) }, v)
    }
    /// `object[name] = value` as JSON.parse makes it: an own data property, also for `__proto__`.
    fn define(self, object: sys::napi_value, name: &str, value: sys::napi_value) -> Result<(), Failed> {
        let key = self.string(name)?;
        // SAFETY: as in `string`; the descriptor lives across the call.
        let status = unsafe {
            if name == "__proto__" {
                let d = sys::napi_property_descriptor {
                    utf8name: ptr::null(),
                    name: key,
                    method: None,
                    getter: None,
                    setter: None,
                    value,
                    attributes: sys::PropertyAttributes::writable
                        | sys::PropertyAttributes::enumerable
                        | sys::PropertyAttributes::configurable,
                    data: ptr::null_mut(),
                };
                sys::napi_define_properties(self.env, object, 1, &d)
            } else {
                sys::napi_set_property(self.env, object, key, value)
            }
        };
        ok(status, ptr::null_mut()).map(|_| ())
    }
    /// A member's name as written: camelCase outside `details`, and not one that JSON escapes (`CamelKeys`
    /// keeps those as they are).
    fn name(self, name: &str) -> std::borrow::Cow<'_, str> {
        if self.raw || name.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            std::borrow::Cow::Borrowed(name)
        } else {
            crate::camel_key(name)
        }
    }
    /// The serializer of member `name`'s value: raw from a `details` member on.
    fn member(self, name: &str) -> Ser {
        Ser { env: self.env, raw: self.raw || name == "details", factories: self.factories }
    }
    /// `{variant: value}`, serde_json's form of a non-unit enum variant.
    fn tagged(self, variant: &str, value: sys::napi_value) -> Out {
        let o = self.object()?;
        self.define(o, &self.name(variant), value)?;
        Ok(o)
    }
}

impl ser::Serializer for Ser {
    type Ok = sys::napi_value;
    type Error = Failed;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Tagged<Seq>;
    type SerializeMap = Map;
    type SerializeStruct = Struct;
    type SerializeStructVariant = Tagged<Struct>;

    fn serialize_bool(self, b: bool) -> Out {
        let mut v = ptr::null_mut();
        // SAFETY: as in `string`.
        ok(unsafe { sys::napi_get_boolean(self.env, b, &mut v) }, v)
    }
    fn serialize_i8(self, n: i8) -> Out {
        self.number(n.into())
    }
    fn serialize_i16(self, n: i16) -> Out {
        self.number(n.into())
    }
    fn serialize_i32(self, n: i32) -> Out {
        self.number(n.into())
    }
    fn serialize_i64(self, n: i64) -> Out {
        // What JSON.parse makes of the digits: the nearest double.
        self.number(n as f64)
    }
    fn serialize_u8(self, n: u8) -> Out {
        self.number(n.into())
    }
    fn serialize_u16(self, n: u16) -> Out {
        self.number(n.into())
    }
    fn serialize_u32(self, n: u32) -> Out {
        self.number(n.into())
    }
    fn serialize_u64(self, n: u64) -> Out {
        self.number(n as f64)
    }
    fn serialize_f32(self, n: f32) -> Out {
        self.serialize_f64(n.into())
    }
    fn serialize_f64(self, n: f64) -> Out {
        // serde_json writes a non-finite number as null.
        if n.is_finite() { self.number(n) } else { self.null() }
    }
    fn serialize_char(self, c: char) -> Out {
        self.string(c.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, s: &str) -> Out {
        self.string(s)
    }
    fn serialize_bytes(self, b: &[u8]) -> Out {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(b.len()))?;
        for x in b {
            seq.serialize_element(x)?;
        }
        seq.end()
    }
    fn serialize_none(self) -> Out {
        self.null()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Out {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Out {
        self.null()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Out {
        self.null()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Out {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Out {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Out {
        let inner = v.serialize(self.member(variant))?;
        self.tagged(variant, inner)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Failed> {
        let mut v = ptr::null_mut();
        // SAFETY: as in `string`.
        let status = unsafe { sys::napi_create_array_with_length(self.env, len.unwrap_or(0), &mut v) };
        ok(status, v).map(|array| Seq { ser: self, array, next: 0 })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq, Failed> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, Failed> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Tagged<Seq>, Failed> {
        Ok(Tagged { outer: self, variant, inner: self.member(variant).serialize_seq(Some(len))? })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Map, Failed> {
        Ok(Map { ser: self, object: self.object()?, key: None })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Struct, Failed> {
        Ok(Struct { ser: self, keys: Vec::with_capacity(len), values: Vec::with_capacity(len) })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Tagged<Struct>, Failed> {
        Ok(Tagged { outer: self, variant, inner: self.member(variant).serialize_struct(name, len)? })
    }
}

pub struct Seq {
    ser: Ser,
    array: sys::napi_value,
    next: u32,
}

impl Seq {
    fn push<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Failed> {
        let value = v.serialize(self.ser)?;
        // SAFETY: as in `Ser::string`.
        let status = unsafe { sys::napi_set_element(self.ser.env, self.array, self.next, value) };
        self.next += 1;
        ok(status, ptr::null_mut()).map(|_| ())
    }
}

/// An array's serde traits (their methods differ only in name).
macro_rules! array_like {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Seq {
            type Ok = sys::napi_value;
            type Error = Failed;
            fn $method<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Failed> {
                self.push(v)
            }
            fn end(self) -> Out {
                Ok(self.array)
            }
        }
    )*};
}

array_like!(SerializeSeq::serialize_element, SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field);

pub struct Map {
    ser: Ser,
    object: sys::napi_value,
    key: Option<String>,
}

impl ser::SerializeMap for Map {
    type Ok = sys::napi_value;
    type Error = Failed;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), Failed> {
        self.key = Some(k.serialize(KeyText)?);
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Failed> {
        let key = self.key.take().ok_or(Failed)?;
        let value = v.serialize(self.ser.member(&key))?;
        self.ser.define(self.object, &self.ser.name(&key), value)
    }
    fn end(self) -> Out {
        Ok(self.object)
    }
}

pub struct Struct {
    ser: Ser,
    keys: Vec<&'static str>,
    values: Vec<sys::napi_value>,
}

impl ser::SerializeStruct for Struct {
    type Ok = sys::napi_value;
    type Error = Failed;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<(), Failed> {
        self.values.push(v.serialize(self.ser.member(key))?);
        self.keys.push(key);
        Ok(())
    }
    fn end(self) -> Out {
        let make = shape(self.ser, &self.keys)?;
        // SAFETY: as in `Ser::string`.
        unsafe { call(self.ser.env, make, &self.values) }.ok_or(Failed)
    }
}

/// The maker of objects with `keys` (as written by `ser`), made at its first use by its factories' `shapeOf`.
fn shape(ser: Ser, keys: &[&'static str]) -> Result<sys::napi_ref, Failed> {
    let id = |k: &&'static str| (k.as_ptr() as usize, k.len() | usize::from(ser.raw) << 63);
    let known = FACTORIES.with(|f| {
        f.borrow()
            .get(ser.factories as usize)
            .and_then(|f| f.shapes.iter().find(|s| s.keys.iter().copied().eq(keys.iter().map(id))).map(|s| s.make))
    });
    if let Some(make) = known {
        return Ok(make);
    }
    let env = ser.env;
    let (mut names, mut reference) = (ptr::null_mut(), ptr::null_mut());
    // SAFETY: as in `Ser::string`.
    unsafe {
        if sys::napi_create_array_with_length(env, keys.len(), &mut names) != sys::Status::napi_ok {
            return Err(Failed);
        }
        for (i, k) in keys.iter().enumerate() {
            let name = ser.string(&ser.name(k))?;
            if sys::napi_set_element(env, names, i as u32, name) != sys::Status::napi_ok {
                return Err(Failed);
            }
        }
        let make = call(env, factory(ser.factories, |f| f.shape_of), &[names]).ok_or(Failed)?;
        if sys::napi_create_reference(env, make, 1, &mut reference) != sys::Status::napi_ok {
            return Err(Failed);
        }
    }
    FACTORIES.with(|f| {
        if let Some(f) = f.borrow_mut().get_mut(ser.factories as usize) {
            f.shapes.push(Shape { keys: keys.iter().map(id).collect(), make: reference });
        }
    });
    Ok(reference)
}

pub struct Tagged<S> {
    outer: Ser,
    variant: &'static str,
    inner: S,
}

impl ser::SerializeTupleVariant for Tagged<Seq> {
    type Ok = sys::napi_value;
    type Error = Failed;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Failed> {
        self.inner.push(v)
    }
    fn end(self) -> Out {
        self.outer.tagged(self.variant, self.inner.array)
    }
}

impl ser::SerializeStructVariant for Tagged<Struct> {
    type Ok = sys::napi_value;
    type Error = Failed;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, key: &'static str, v: &T) -> Result<(), Failed> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, v)
    }
    fn end(self) -> Out {
        let (outer, variant) = (self.outer, self.variant);
        let inner = ser::SerializeStruct::end(self.inner)?;
        outer.tagged(variant, inner)
    }
}

/// A map key as text (serde_json's rule: strings, and numbers and booleans written as text).
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Failed;
    type SerializeSeq = ser::Impossible<String, Failed>;
    type SerializeTuple = ser::Impossible<String, Failed>;
    type SerializeTupleStruct = ser::Impossible<String, Failed>;
    type SerializeTupleVariant = ser::Impossible<String, Failed>;
    type SerializeMap = ser::Impossible<String, Failed>;
    type SerializeStruct = ser::Impossible<String, Failed>;
    type SerializeStructVariant = ser::Impossible<String, Failed>;

    fn serialize_bool(self, b: bool) -> Result<String, Failed> {
        Ok(b.to_string())
    }
    fn serialize_i8(self, n: i8) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_i16(self, n: i16) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_i32(self, n: i32) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_i64(self, n: i64) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_u8(self, n: u8) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_u16(self, n: u16) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_u32(self, n: u32) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_u64(self, n: u64) -> Result<String, Failed> {
        Ok(n.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_f64(self, _: f64) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_char(self, c: char) -> Result<String, Failed> {
        Ok(c.to_string())
    }
    fn serialize_str(self, s: &str) -> Result<String, Failed> {
        Ok(s.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_none(self) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_unit(self) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String, Failed> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(self, _: &'static str, v: &T) -> Result<String, Failed> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Failed> {
        Err(Failed)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Failed> {
        Err(Failed)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Failed> {
        Err(Failed)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Failed> {
        Err(Failed)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Failed> {
        Err(Failed)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Failed> {
        Err(Failed)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Failed> {
        Err(Failed)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Failed> {
        Err(Failed)
    }
}
