//! The hash of the open-addressing tables that map JSON keys to fields and names to enum
//! values. `build.rs` includes this file too, so both sides hash alike.
//!
//! Looking keys up is most of the work of reading history JSON besides the parsing itself, and
//! a binary search over a message's names compares many strings that share long prefixes
//! (`EVENT_TYPE_...`, `workflowExecution...`); this hash reads only the length and four bytes,
//! and a single string comparison confirms the slot.
//!
//! A table is a slice of `(name, value)` slots, a power of two long and at most half full; an
//! empty slot has the name `""` (no key of the schema is empty).

#[inline]
pub(crate) fn key_hash(key: &[u8]) -> u32 {
    let len = key.len();
    let byte = |i: usize| u32::from(key.get(i).copied().unwrap_or(0));
    let mut h = (len as u32).wrapping_mul(0x9e37_79b9)
        ^ byte(0).wrapping_mul(0x85eb_ca6b)
        ^ byte(len / 2).wrapping_mul(0xc2b2_ae35)
        ^ byte(len.wrapping_sub(1)).wrapping_mul(0x27d4_eb2f)
        ^ byte(len.wrapping_sub(3)).wrapping_mul(0x1656_67b1);
    h ^= h >> 15;
    h = h.wrapping_mul(0x2c1b_3c6d);
    h ^ (h >> 12)
}

/// Lays out `names` in a table: the index of the name in each slot, `None` for empty slots.
#[allow(dead_code, reason = "used by build.rs only")]
pub(crate) fn build_slots(names: &[&str]) -> Vec<Option<usize>> {
    let size = (names.len() * 2).next_power_of_two().max(2);
    let mut slots = vec![None; size];
    for (index, name) in names.iter().enumerate() {
        let mut at = key_hash(name.as_bytes()) as usize & (size - 1);
        while slots[at].is_some() {
            at = (at + 1) & (size - 1);
        }
        slots[at] = Some(index);
    }
    slots
}

/// The value of `key` in a table laid out by [`build_slots`].
#[allow(dead_code, reason = "used by the library only")]
#[inline]
pub(crate) fn find<T: Copy>(slots: &[(&str, T)], key: &str) -> Option<T> {
    if key.is_empty() {
        return None; // would match an empty slot
    }
    let mask = slots.len().checked_sub(1)?;
    let mut at = key_hash(key.as_bytes()) as usize & mask;
    // An empty slot ends every probe; the bound is only a guard.
    for _ in 0..slots.len() {
        let (name, value) = *slots.get(at)?;
        if name == key {
            return Some(value);
        }
        if name.is_empty() {
            return None;
        }
        at = (at + 1) & mask;
    }
    None
}
