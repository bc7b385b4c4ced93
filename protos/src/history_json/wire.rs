//! Protobuf binary wire format, the little of it that reading and writing history JSON needs.
//!
//! JSON is turned into wire bytes and decoded by prost into the generated types (and the
//! reverse for writing), so that the code only has to know the schema, not each Rust type.

use super::schema::Ty;

pub(super) const VARINT: u8 = 0;
pub(super) const FIXED64: u8 = 1;
pub(super) const LEN: u8 = 2;
pub(super) const FIXED32: u8 = 5;

/// The wire type a field of type `ty` is written with (unpacked).
pub(super) fn wire_type(ty: Ty) -> u8 {
    match ty {
        Ty::Double | Ty::Fixed64 | Ty::Sfixed64 => FIXED64,
        Ty::Float | Ty::Fixed32 | Ty::Sfixed32 => FIXED32,
        Ty::String | Ty::Bytes | Ty::Message(_) => LEN,
        Ty::Int64 | Ty::Uint64 | Ty::Int32 | Ty::Bool | Ty::Uint32 | Ty::Sint32 | Ty::Sint64 | Ty::Enum(_) => VARINT,
    }
}

/// Whether a repeated field of this type may be packed into one length-delimited record.
pub(super) fn packable(ty: Ty) -> bool {
    wire_type(ty) != LEN
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub(super) fn put_tag(out: &mut Vec<u8>, number: u32, wire_type: u8) {
    put_varint(out, (u64::from(number) << 3) | u64::from(wire_type));
}

/// Width of the length prefix [`begin_len`] reserves: 5 varint bytes hold lengths below 2^35.
const LEN_WIDTH: usize = 5;

/// Reserves the length prefix of a length-delimited record whose contents are written next;
/// returns the position to hand to [`end_len`].
///
/// The length is not known until the contents (a nested message, read from JSON in one pass)
/// are written, so the prefix is reserved at full width and later filled in as a varint padded
/// with continuation bytes. Protobuf decoders, prost's included, accept such non-minimal
/// varints; this avoids a copy of every nested message into its parent.
pub(super) fn begin_len(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; LEN_WIDTH]);
    at
}

/// Fills in the length prefix reserved at `at`. Fails for records of 4 GiB or more, which prost
/// would not decode anyway.
pub(super) fn end_len(out: &mut [u8], at: usize) -> Result<(), &'static str> {
    let len = out.len() - at - LEN_WIDTH;
    let mut len = u32::try_from(len).map_err(|_| "a message is larger than 4 GiB")?;
    for byte in &mut out[at..at + LEN_WIDTH - 1] {
        *byte = (len as u8 & 0x7f) | 0x80;
        len >>= 7;
    }
    out[at + LEN_WIDTH - 1] = len as u8;
    Ok(())
}

/// One field record of an encoded message.
#[derive(Debug, Clone, Copy)]
pub(super) enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Len(&'a [u8]),
}

/// Reads the field records of an encoded message, in order.
pub(super) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    pub(super) fn varint(&mut self) -> Result<u64, &'static str> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.rest.split_first().ok_or("truncated varint")?;
            self.rest = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err("varint longer than 10 bytes")
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], &'static str> {
        if self.rest.len() < n {
            return Err("truncated field");
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }

    pub(super) fn fixed64(&mut self) -> Result<u64, &'static str> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(bytes.try_into().map_err(|_| "truncated field")?))
    }

    pub(super) fn fixed32(&mut self) -> Result<u32, &'static str> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes(bytes.try_into().map_err(|_| "truncated field")?))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next record as (field number, value), or `None` at the end.
    pub(super) fn field(&mut self) -> Result<Option<(u32, Value<'a>)>, &'static str> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| "field number out of range")?;
        let value = match (key & 7) as u8 {
            VARINT => Value::Varint(self.varint()?),
            FIXED64 => Value::Fixed64(self.fixed64()?),
            FIXED32 => Value::Fixed32(self.fixed32()?),
            LEN => {
                let len = usize::try_from(self.varint()?).map_err(|_| "length out of range")?;
                Value::Len(self.take(len)?)
            }
            _ => return Err("unsupported wire type (groups)"),
        };
        Ok(Some((number, value)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_lengths_decode_as_lengths() {
        for len in [0usize, 1, 127, 128, 300, 70_000] {
            let mut out = Vec::new();
            put_tag(&mut out, 1, LEN);
            let at = begin_len(&mut out);
            out.extend(std::iter::repeat_n(7u8, len));
            end_len(&mut out, at).unwrap();
            let mut reader = Reader::new(&out);
            let Some((1, Value::Len(body))) = reader.field().unwrap() else { panic!("one LEN field") };
            assert_eq!(body.len(), len);
            assert!(reader.is_empty());
            // prost reads the padded prefix the same way.
            let mut buf = &out[1..];
            assert_eq!(prost::encoding::decode_varint(&mut buf).unwrap(), len as u64);
        }
    }

    #[test]
    fn varints_round_trip() {
        for value in [0u64, 1, 127, 128, 16_384, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            assert_eq!(Reader::new(&out).varint().unwrap(), value);
        }
        assert!(Reader::new(&[0x80]).varint().is_err());
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
    }
}
