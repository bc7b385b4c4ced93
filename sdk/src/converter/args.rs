//! Argument lists: the payloads of a call, one per argument.

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, Visitor};
use serde::ser::{self, Impossible};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::de::{ArgsDeserializer, is_args};
use super::payload::{PayloadError, SerdeError, decode, encode, encode_classified, from_json};
use super::top_level::{TopLevel, classify};
use crate::protos::temporal::api::common::v1::Payload;

/// The newtype name by which the converter recognises [`Args`] (as serde_json recognises its
/// `RawValue`): nothing else is named so.
pub(crate) const ARGS_NEWTYPE: &str = "$temporal_sdk::converter::Args";

/// Several arguments for a by-name call, one payload each, as Python's `*args`: a tuple, an
/// array, a `Vec` or `()` inside.
///
/// By-name calls (`start_workflow_by_name`, `signal_by_name`, `execute_activity_by_name` ...)
/// and heartbeat details take one serializable value, which is one payload; wrap the values in
/// `Args` to send each as its own payload:
///
/// ```
/// use temporal_sdk::converter::{Args, decode_args, encode_args};
///
/// let two = encode_args(&Args(("Hello", 2))).unwrap();
/// assert_eq!(two.len(), 2);
/// assert_eq!(two[0].data, br#""Hello""#);
/// // Without `Args`, a tuple is one value: one payload holding a JSON array.
/// let one = encode_args(&("Hello", 2)).unwrap();
/// assert_eq!(one.len(), 1);
/// assert_eq!(one[0].data, br#"["Hello",2]"#);
/// // Read back the same way.
/// let Args((greeting, n)): Args<(String, u32)> = decode_args(&two).unwrap();
/// assert_eq!((greeting.as_str(), n), ("Hello", 2));
/// ```
///
/// Inside another value (a field of a struct), `Args` is just the value it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Args<T>(pub T);

impl<T: Serialize> Serialize for Args<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(ARGS_NEWTYPE, &self.0)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Args<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ArgsVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ArgsVisitor<T> {
            type Value = Args<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list of arguments")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Args<T>, D::Error> {
                T::deserialize(d).map(Args)
            }
        }
        deserializer.deserialize_newtype_struct(ARGS_NEWTYPE, ArgsVisitor(std::marker::PhantomData))
    }
}

/// How the input of a workflow, activity or handler maps onto payloads: what the typed markers
/// and traits say about their `Input`.
///
/// A function with two or more parameters has the tuple of their types as its `Input`, sent
/// one payload per parameter ([`ArgShape::Spread`]). A function with one parameter sends it as
/// one payload, even a tuple (one JSON array); with none, its `Input` is `()` and it sends no
/// payload ([`ArgShape::Single`] both).
///
/// ```
/// use temporal_sdk::converter::ArgShape;
///
/// let input = ("Ada".to_string(), 36u32);
/// assert_eq!(ArgShape::Spread.encode(&input).unwrap().len(), 2);
/// assert_eq!(ArgShape::Single.encode(&input).unwrap().len(), 1);
/// let payloads = ArgShape::Spread.encode(&input).unwrap();
/// assert_eq!(ArgShape::Spread.decode::<(String, u32)>(&payloads).unwrap(), input);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ArgShape {
    /// One value, one payload (none for `()`): zero or one parameter.
    #[default]
    Single,
    /// A tuple, one payload per element: two or more parameters.
    Spread,
}

impl ArgShape {
    /// Encodes an input of this shape as its argument list.
    pub fn encode<T: Serialize + ?Sized>(self, input: &T) -> Result<Vec<Payload>, PayloadError> {
        match self {
            ArgShape::Single => encode_args(input),
            ArgShape::Spread => encode_args(&Args(input)),
        }
    }

    /// Decodes an argument list into an input of this shape.
    pub fn decode<T: DeserializeOwned>(self, payloads: &[Payload]) -> Result<T, PayloadError> {
        match self {
            ArgShape::Single => decode_args(payloads),
            ArgShape::Spread => decode_args::<Args<T>>(payloads).map(|args| args.0),
        }
    }
}

/// Encodes the arguments of a call: one value as one payload, `()` as none (as Python sends
/// for a function without parameters), and an [`Args`] list as one payload per element.
///
/// ```
/// use temporal_sdk::converter::{Args, encode_args};
///
/// assert!(encode_args(&()).unwrap().is_empty());
/// assert_eq!(encode_args(&"one").unwrap().len(), 1);
/// assert_eq!(encode_args(&Args(["a", "b", "c"])).unwrap().len(), 3);
/// ```
pub fn encode_args<T: Serialize + ?Sized>(value: &T) -> Result<Vec<Payload>, PayloadError> {
    match classify(value) {
        TopLevel::Args(payloads) => payloads,
        TopLevel::Null if is_unit::<T>() => Ok(Vec::new()),
        top => Ok(vec![encode_classified(value, top)?]),
    }
}

/// Decodes the arguments of a call: one payload into one value (no payload reads as JSON
/// `null`, which `()` and `Option` accept), or, for an [`Args`] list, payload `i` into
/// element `i`.
///
/// For a tuple inside `Args`, counts follow Python: a missing trailing argument whose type is
/// an `Option` is `None`, any other missing argument is an error naming its index, and more
/// payloads than elements is an error naming both counts. A `Vec` takes every payload.
///
/// ```
/// use temporal_sdk::converter::{Args, decode_args, encode_args};
///
/// let one = encode_args(&Args(("Ada",))).unwrap();
/// let Args((name, age)): Args<(String, Option<u32>)> = decode_args(&one).unwrap();
/// assert_eq!((name.as_str(), age), ("Ada", None));
///
/// let three = encode_args(&Args(("Ada", 36, true))).unwrap();
/// let error = decode_args::<Args<(String, u32)>>(&three).unwrap_err();
/// assert_eq!(error.to_string(), "expected 2 arguments, got 3");
/// ```
pub fn decode_args<T: DeserializeOwned>(payloads: &[Payload]) -> Result<T, PayloadError> {
    if is_args::<T>() {
        return T::deserialize(ArgsDeserializer { payloads })
            .map_err(|e| e.into_payload_error(std::any::type_name::<T>()));
    }
    match payloads {
        [] => from_json(b"null", PhantomData::<T>).map_err(|e| PayloadError::Decode {
            encoding: "(no payload)".into(),
            type_name: std::any::type_name::<T>(),
            message: format!("no argument was sent: {e}"),
        }),
        [one] => decode(one),
        many => Err(PayloadError::TooManyArguments { expected: usize::from(!is_unit::<T>()), got: many.len() }),
    }
}

fn is_unit<T: ?Sized>() -> bool {
    std::any::type_name::<T>() == "()"
}

/// Serializes the inside of an `Args` list: each element of a tuple or sequence becomes its own
/// payload, encoded like any single value.
#[derive(Default)]
pub(crate) struct SpreadSerializer {
    payloads: Vec<Payload>,
}

const NOT_A_LIST: &str = "`converter::Args` holds the arguments as a tuple, an array, a `Vec` or `()`";

fn not_a_list<T>() -> Result<T, SerdeError> {
    Err(SerdeError(PayloadError::NotAnArgumentList(NOT_A_LIST)))
}

macro_rules! not_a_list {
    ($($name:ident($($arg:ty),*);)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<Vec<Payload>, SerdeError> { not_a_list() })*
    };
}

impl Serializer for SpreadSerializer {
    type Ok = Vec<Payload>;
    type Error = SerdeError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Impossible<Vec<Payload>, SerdeError>;
    type SerializeMap = Impossible<Vec<Payload>, SerdeError>;
    type SerializeStruct = Impossible<Vec<Payload>, SerdeError>;
    type SerializeStructVariant = Impossible<Vec<Payload>, SerdeError>;

    fn serialize_unit(self) -> Result<Vec<Payload>, SerdeError> {
        Ok(Vec::new())
    }
    fn serialize_seq(mut self, len: Option<usize>) -> Result<Self, SerdeError> {
        self.payloads.reserve(len.unwrap_or(0));
        Ok(self)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Self, SerdeError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<Vec<Payload>, SerdeError> {
        value.serialize(self)
    }
    not_a_list! {
        serialize_bool(bool); serialize_i8(i8); serialize_i16(i16); serialize_i32(i32);
        serialize_i64(i64); serialize_u8(u8); serialize_u16(u16); serialize_u32(u32);
        serialize_u64(u64); serialize_f32(f32); serialize_f64(f64); serialize_char(char);
        serialize_str(&str); serialize_bytes(&[u8]); serialize_none(); serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Vec<Payload>, SerdeError> {
        not_a_list()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Vec<Payload>, SerdeError> {
        not_a_list()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SerdeError> {
        not_a_list()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, SerdeError> {
        not_a_list()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, SerdeError> {
        not_a_list()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SerdeError> {
        not_a_list()
    }
}

impl SpreadSerializer {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        let index = self.payloads.len();
        self.payloads.push(encode(value).map_err(|e| SerdeError(e.at_argument(index)))?);
        Ok(())
    }
}

impl ser::SerializeSeq for SpreadSerializer {
    type Ok = Vec<Payload>;
    type Error = SerdeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }
    fn end(self) -> Result<Vec<Payload>, SerdeError> {
        Ok(self.payloads)
    }
}

impl ser::SerializeTuple for SpreadSerializer {
    type Ok = Vec<Payload>;
    type Error = SerdeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }
    fn end(self) -> Result<Vec<Payload>, SerdeError> {
        Ok(self.payloads)
    }
}

impl ser::SerializeTupleStruct for SpreadSerializer {
    type Ok = Vec<Payload>;
    type Error = SerdeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), SerdeError> {
        self.push(value)
    }
    fn end(self) -> Result<Vec<Payload>, SerdeError> {
        Ok(self.payloads)
    }
}
