//! Finding the user payloads and failures inside the wire messages, so that codecs and the
//! failure converter reach every one of them at the process boundary.
//!
//! What is visited follows the other SDKs: inputs, results, signal, query and update arguments,
//! heartbeat and failure details, failures' encoded attributes, memos, user metadata (summaries),
//! local activity results in markers. Never visited: search attributes (the server indexes
//! them), headers (interceptors own them), and the SDK's own marker data (patch ids, local
//! activity bookkeeping), which every SDK writes in the clear.

mod history;
mod service;

use std::collections::HashMap;

use crate::protos::temporal::api::common::v1::{Memo, Payload, Payloads};
use crate::protos::temporal::api::failure::v1::Failure;
use crate::protos::temporal::api::failure::v1::failure::FailureInfo;
use crate::protos::temporal::api::sdk::v1::UserMetadata;

/// What a walk over a message does with each payload and failure it meets.
pub(crate) trait PayloadVisitor {
    /// Called for every user payload, in a fixed order for an unchanged message.
    fn payload(&mut self, payload: &mut Payload);
    /// Called for every failure (each level of a cause chain), before its payloads.
    fn failure(&mut self, _failure: &mut Failure) {}
}

/// A wire message whose user payloads can be walked.
pub(crate) trait Visit {
    fn visit(&mut self, v: &mut dyn PayloadVisitor);
}

impl Visit for Payload {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        v.payload(self);
    }
}

impl Visit for Payloads {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        self.payloads.iter_mut().for_each(|p| v.payload(p));
    }
}

impl Visit for Memo {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        // A map iterates in the same order twice when left unchanged, which is all the
        // take-then-put-back walks need.
        self.fields.values_mut().for_each(|p| v.payload(p));
    }
}

impl Visit for UserMetadata {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        self.summary.visit(v);
        self.details.visit(v);
    }
}

impl Visit for Failure {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        v.failure(self);
        self.encoded_attributes.visit(v);
        match &mut self.failure_info {
            Some(FailureInfo::ApplicationFailureInfo(i)) => i.details.visit(v),
            Some(FailureInfo::TimeoutFailureInfo(i)) => i.last_heartbeat_details.visit(v),
            Some(FailureInfo::CanceledFailureInfo(i)) => i.details.visit(v),
            Some(FailureInfo::ResetWorkflowFailureInfo(i)) => i.last_heartbeat_details.visit(v),
            _ => {}
        }
        self.cause.visit(v);
    }
}

impl<T: Visit> Visit for Option<T> {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        if let Some(inner) = self {
            inner.visit(v);
        }
    }
}

impl<T: Visit + ?Sized> Visit for Box<T> {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        (**self).visit(v);
    }
}

impl<T: Visit> Visit for Vec<T> {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        self.iter_mut().for_each(|item| item.visit(v));
    }
}

impl<T: Visit> Visit for HashMap<String, T> {
    fn visit(&mut self, v: &mut dyn PayloadVisitor) {
        self.values_mut().for_each(|item| item.visit(v));
    }
}

/// `impl Visit` for messages by the fields that hold payloads.
macro_rules! visit_fields {
    ($($ty:ty { $($field:ident),* $(,)? })*) => {
        $(impl $crate::converter::visit::Visit for $ty {
            // Deprecated fields (a continue-as-new's `failure`) still arrive from old writers.
            #[allow(deprecated)]
            fn visit(&mut self, _v: &mut dyn $crate::converter::visit::PayloadVisitor) {
                $($crate::converter::visit::Visit::visit(&mut self.$field, _v);)*
            }
        })*
    };
}
pub(crate) use visit_fields;

/// Takes every payload out of a message, leaving empty ones in their places.
pub(crate) struct TakePayloads(pub(crate) Vec<Payload>);

impl PayloadVisitor for TakePayloads {
    fn payload(&mut self, payload: &mut Payload) {
        self.0.push(std::mem::take(payload));
    }
}

/// Puts payloads back in the order [`TakePayloads`] took them.
pub(crate) struct PutPayloads(pub(crate) std::vec::IntoIter<Payload>);

impl PayloadVisitor for PutPayloads {
    fn payload(&mut self, payload: &mut Payload) {
        if let Some(next) = self.0.next() {
            *payload = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protos::temporal::api::failure::v1::ApplicationFailureInfo;

    fn payload(text: &str) -> Payload {
        Payload { data: text.as_bytes().to_vec(), ..Default::default() }
    }

    #[test]
    fn walks_failure_chains_and_puts_back_in_order() {
        let cause =
            Failure { message: "inner".into(), encoded_attributes: Some(payload("attrs")), ..Default::default() };
        let mut failure = Failure {
            message: "outer".into(),
            failure_info: Some(FailureInfo::ApplicationFailureInfo(ApplicationFailureInfo {
                details: Some(Payloads { payloads: vec![payload("d1"), payload("d2")] }),
                ..Default::default()
            })),
            cause: Some(Box::new(cause)),
            ..Default::default()
        };
        let mut taken = TakePayloads(Vec::new());
        failure.visit(&mut taken);
        let texts: Vec<_> = taken.0.iter().map(|p| String::from_utf8_lossy(&p.data).into_owned()).collect();
        assert_eq!(texts, ["d1", "d2", "attrs"]);
        let upper = taken.0.into_iter().map(|p| payload(&String::from_utf8_lossy(&p.data).to_uppercase()));
        failure.visit(&mut PutPayloads(upper.collect::<Vec<_>>().into_iter()));
        let mut again = TakePayloads(Vec::new());
        failure.visit(&mut again);
        let texts: Vec<_> = again.0.iter().map(|p| String::from_utf8_lossy(&p.data).into_owned()).collect();
        assert_eq!(texts, ["D1", "D2", "ATTRS"]);
    }
}
