//! Argument lists: spreading, counts, and the difference between a tuple parameter and several.

use serde::{Deserialize, Serialize};

use super::*;

fn encoding(p: &crate::protos::temporal::api::common::v1::Payload) -> &[u8] {
    &p.metadata[ENCODING_KEY]
}

#[test]
fn args_spread_one_payload_per_element_with_each_elements_encoding() {
    let payloads = encode_args(&Args(("Ada", 36, (), Option::<u8>::None, RawBytes(vec![1, 2])))).unwrap();
    assert_eq!(payloads.len(), 5);
    assert_eq!(payloads[0].data, br#""Ada""#);
    assert_eq!(payloads[1].data, b"36");
    assert_eq!(encoding(&payloads[2]), b"binary/null");
    assert_eq!(encoding(&payloads[3]), b"binary/null");
    assert_eq!(encoding(&payloads[4]), b"binary/plain");
    assert_eq!(payloads[4].data, vec![1, 2]);
    // Arrays, slices, vectors and `()` are lists too.
    assert_eq!(encode_args(&Args([1, 2, 3])).unwrap().len(), 3);
    assert_eq!(encode_args(&Args(&["a", "b"][..])).unwrap().len(), 2);
    assert_eq!(encode_args(&Args(vec!["a"])).unwrap().len(), 1);
    assert!(encode_args(&Args(())).unwrap().is_empty());
}

#[test]
fn a_tuple_parameter_is_one_payload_and_two_parameters_are_two() {
    let input = ("Ada".to_string(), 36u32);
    let one = ArgShape::Single.encode(&input).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].data, br#"["Ada",36]"#);
    let two = ArgShape::Spread.encode(&input).unwrap();
    assert_eq!(two.iter().map(|p| p.data.as_slice()).collect::<Vec<_>>(), [&br#""Ada""#[..], b"36"]);
    assert_eq!(ArgShape::Single.decode::<(String, u32)>(&one).unwrap(), input);
    assert_eq!(ArgShape::Spread.decode::<(String, u32)>(&two).unwrap(), input);
    // Each side reads only its own shape, with the counts in the message.
    assert_eq!(ArgShape::Single.decode::<(String, u32)>(&two).unwrap_err().to_string(), "expected 1 argument, got 2");
    let e = ArgShape::Spread.decode::<(String, u32)>(&one).unwrap_err().to_string();
    assert!(e.contains("argument at index 0") && e.contains("String"), "{e}");
}

#[test]
fn missing_trailing_options_are_none() {
    let one = encode_args(&Args(("Ada",))).unwrap();
    let Args((name, age, nick)): Args<(String, Option<u32>, Option<String>)> = decode_args(&one).unwrap();
    assert_eq!((name.as_str(), age, nick), ("Ada", None, None));
    let Args(nothing): Args<(Option<u8>, Option<u8>)> = decode_args(&[]).unwrap();
    assert_eq!(nothing, (None, None));
}

#[test]
fn a_missing_argument_that_is_not_an_option_names_index_and_counts() {
    let one = encode_args(&Args(("Ada",))).unwrap();
    let e = decode_args::<Args<(String, u32)>>(&one).unwrap_err();
    assert!(matches!(e, PayloadError::MissingArgument { index: 1, expected: 2, got: 1, type_name: "u32" }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "expected 2 arguments, got 1: the argument at index 1 (`u32`) is missing and is not an `Option`"
    );
}

#[test]
fn more_payloads_than_parameters_is_an_error_naming_both_counts() {
    let three = encode_args(&Args(("a", 2, true))).unwrap();
    let e = decode_args::<Args<(String, u32)>>(&three).unwrap_err();
    assert!(matches!(e, PayloadError::TooManyArguments { expected: 2, got: 3 }), "{e:?}");
    assert_eq!(e.to_string(), "expected 2 arguments, got 3");
    assert_eq!(decode_args::<String>(&three).unwrap_err().to_string(), "expected 1 argument, got 3");
    assert_eq!(decode_args::<()>(&three).unwrap_err().to_string(), "expected 0 arguments, got 3");
    // A `Vec` takes whatever came.
    let Args(all): Args<Vec<RawValue>> = decode_args(&three).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all[2].decode::<bool>().unwrap());
}

#[test]
fn an_argument_that_does_not_decode_is_named_with_its_type() {
    let payloads = encode_args(&Args((1, "two"))).unwrap();
    let e = decode_args::<Args<(u32, u32)>>(&payloads).unwrap_err();
    let PayloadError::Argument { index: 1, error } = &e else { panic!("{e:?}") };
    assert!(matches!(**error, PayloadError::Decode { type_name: "u32", .. }), "{error:?}");
    let text = e.to_string();
    assert!(text.starts_with("argument at index 1: cannot decode json/plain payload into `u32`"), "{text}");
    let mut unknown = payloads;
    unknown[0].metadata.insert(ENCODING_KEY.into(), b"binary/encrypted".to_vec());
    let e = decode_args::<Args<(u32, String)>>(&unknown).unwrap_err();
    assert!(e.to_string().contains("argument at index 0: unknown payload encoding"), "{e}");
}

#[test]
fn elements_decode_from_every_encoding() {
    let payloads = encode_args(&Args((RawBytes(vec![9]), Option::<u8>::None, ()))).unwrap();
    let Args((bytes, none, unit)): Args<(RawBytes, Option<u8>, ())> = decode_args(&payloads).unwrap();
    assert_eq!((bytes.0, none, unit), (vec![9], None, ()));
}

#[test]
fn the_single_value_path_is_unchanged() {
    assert!(encode_args(&()).unwrap().is_empty());
    assert_eq!(encode_args(&Option::<u8>::None).unwrap().len(), 1);
    // JSON `null` is a value, not "no arguments".
    assert_eq!(encode_args(&serde_json::Value::Null).unwrap().len(), 1);
    let () = decode_args(&[]).unwrap();
    assert_eq!(decode_args::<Option<u32>>(&[]).unwrap(), None);
    let e = decode_args::<u32>(&[]).unwrap_err().to_string();
    assert!(e.contains("(no payload)") && e.contains("u32"), "{e}");
    let p = encode_args(&"x").unwrap();
    let e = decode_args::<u32>(&p).unwrap_err();
    assert!(matches!(e, PayloadError::Decode { type_name: "u32", ref encoding, .. } if encoding == "json/plain"));
    assert_eq!(decode_args::<RawBytes>(&encode_args(&RawBytes(vec![4])).unwrap()).unwrap().0, vec![4]);
}

#[test]
fn args_is_not_one_payload_and_holds_only_lists() {
    assert!(matches!(encode(&Args((1, 2))), Err(PayloadError::NotAnArgumentList(_))));
    assert!(RawValue::new(&Args((1, 2))).is_err());
    assert!(matches!(encode_args(&Args(5)), Err(PayloadError::NotAnArgumentList(_))));
    assert!(matches!(
        encode_args(&Args(std::collections::BTreeMap::from([(1, 2)]))),
        Err(PayloadError::NotAnArgumentList(_))
    ));
    // An element that cannot be encoded is named.
    let e = encode_args(&Args((1, Args((2, 3))))).unwrap_err().to_string();
    assert!(e.starts_with("argument at index 1: `converter::Args`"), "{e}");
}

#[test]
fn args_inside_a_value_is_the_value_it_holds() {
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Call {
        args: Args<(u8, String)>,
    }
    let call = Call { args: Args((1, "a".into())) };
    let p = encode(&call).unwrap();
    assert_eq!(p.data, br#"{"args":[1,"a"]}"#);
    assert_eq!(decode::<Call>(&p).unwrap(), call);
}

#[test]
fn raw_values_pass_through_an_args_list_unchanged() {
    let sent = encode_args(&Args(("a", RawBytes(vec![1]), ()))).unwrap();
    let raw = RawValue::from_payloads(&sent);
    assert_eq!(encode_args(&Args(&raw)).unwrap(), sent);
}
