//! Reading argument lists: finding out whether the type asked for is an [`Args`](super::Args)
//! list, and handing its elements one payload each.
//!
//! Each element is read by [`decode_seed`], the one place that reads a payload, so an element
//! decodes exactly as the same value alone would.

use serde::de::{self, Deserialize, DeserializeSeed, SeqAccess, Visitor};
use serde::{Deserializer, forward_to_deserialize_any};

use super::args::ARGS_NEWTYPE;
use super::payload::{PayloadError, SerdeError, decode_seed, from_json};
use crate::protos::temporal::api::common::v1::Payload;

/// Whether `T` is an `Args` list. `T`'s `Deserialize` is asked what it wants of a deserializer
/// that answers every request with an error; only `Args` asks for its newtype. Nothing is read,
/// and for a given `T` the answer is a constant the optimizer folds away.
pub(crate) fn is_args<'de, T: Deserialize<'de>>() -> bool {
    matches!(T::deserialize(ArgsProbe), Err(Probed::Args))
}

struct ArgsProbe;

#[derive(Debug)]
enum Probed {
    Args,
    Other,
}

impl std::fmt::Display for Probed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("probing for an argument list")
    }
}

impl std::error::Error for Probed {}

impl de::Error for Probed {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Probed::Other
    }
}

impl<'de> Deserializer<'de> for ArgsProbe {
    type Error = Probed;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Probed> {
        Err(Probed::Other)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, _visitor: V) -> Result<V::Value, Probed> {
        Err(if name == ARGS_NEWTYPE { Probed::Args } else { Probed::Other })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The payloads of a call, as the `Args` list they are read into.
pub(crate) struct ArgsDeserializer<'a> {
    pub(crate) payloads: &'a [Payload],
}

impl<'de> Deserializer<'de> for ArgsDeserializer<'de> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, SerdeError> {
        Err(PayloadError::NotAnArgumentList("only `converter::Args` reads an argument list element by element").into())
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(SpreadDeserializer { payloads: self.payloads })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The inside of an `Args` list: a tuple takes element `i` from payload `i`, a `Vec` takes
/// every payload.
struct SpreadDeserializer<'a> {
    payloads: &'a [Payload],
}

impl<'a> SpreadDeserializer<'a> {
    fn elements(self, expected: Option<usize>) -> Result<Elements<'a>, SerdeError> {
        match expected {
            Some(expected) if self.payloads.len() > expected => {
                Err(PayloadError::TooManyArguments { expected, got: self.payloads.len() }.into())
            }
            _ => Ok(Elements { payloads: self.payloads, next: 0, expected }),
        }
    }
}

impl<'de> Deserializer<'de> for SpreadDeserializer<'de> {
    type Error = SerdeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_seq(self.elements(None)?)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, SerdeError> {
        visitor.visit_seq(self.elements(Some(len))?)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, SerdeError> {
        self.elements(Some(0))?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, SerdeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, SerdeError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        seq map struct enum identifier ignored_any
    }
}

/// The elements of an `Args` list, each decoded from its own payload.
struct Elements<'a> {
    payloads: &'a [Payload],
    next: usize,
    /// The parameter count of a tuple (`None` for a `Vec`, which takes what came).
    expected: Option<usize>,
}

impl<'de> SeqAccess<'de> for Elements<'de> {
    type Error = SerdeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, SerdeError> {
        let index = self.next;
        if let Some(payload) = self.payloads.get(index) {
            self.next += 1;
            return decode_seed(payload, seed).map(Some).map_err(|e| e.at_argument(index).into());
        }
        match self.expected {
            // A missing trailing argument reads as `null`: `None` for an `Option`, as Python
            // passes a parameter's default.
            Some(expected) if index < expected => {
                self.next += 1;
                from_json(b"null", seed).map(Some).map_err(|_| {
                    PayloadError::MissingArgument {
                        index,
                        expected,
                        got: self.payloads.len(),
                        type_name: std::any::type_name::<S::Value>(),
                    }
                    .into()
                })
            }
            _ => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.expected.unwrap_or(self.payloads.len()).saturating_sub(self.next))
    }
}
