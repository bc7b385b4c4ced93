//! Traits naming the roles a payload type plays (the argument of a signal, the result of an
//! activity ...), so that a type without serde derives is reported as "`Order` cannot be the
//! argument of a `#[signal]` handler" instead of as a bare missing `Deserialize<'de>` bound.
//! Every owned serde type has them all (`Send` ones for activities); code never implements them.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Declares one role. `do_not_recommend` keeps the compiler from looking through the blanket
/// impl to the serde traits, so that the role's own message is the one reported.
macro_rules! payload_role {
    ($(#[$doc:meta])* $name:ident: $($bound:path),+; $message:literal, $label:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("fn takes<T: temporal_sdk::converter::", stringify!($name), ">() {}")]
        /// takes::<Vec<String>>();
        /// ```
        #[diagnostic::on_unimplemented(
            message = $message,
            label = $label,
            note = "arguments and results cross the wire as payloads: derive serde's `Serialize` and `Deserialize` for the type (and the types inside it; for a function with several parameters, for each parameter's type)"
        )]
        pub trait $name: $($bound +)+ 'static {}

        #[diagnostic::do_not_recommend]
        impl<T: $($bound +)+ 'static> $name for T {}
    };
}

payload_role!(
    /// A type that can be the argument of a signal handler: any owned serde type.
    SignalInput: Serialize, DeserializeOwned;
    "`{Self}` cannot be the argument of a `#[signal]` handler", "not a payload type"
);
payload_role!(
    /// A type that can be the argument of a query handler: any owned serde type.
    QueryInput: Serialize, DeserializeOwned;
    "`{Self}` cannot be the argument of a `#[query]` handler", "not a payload type"
);
payload_role!(
    /// A type that can be the result of a query handler: any owned serde type.
    QueryOutput: Serialize, DeserializeOwned;
    "`{Self}` cannot be the result of a `#[query]` handler", "not a payload type"
);
payload_role!(
    /// A type that can be the argument of an update handler: any owned serde type.
    UpdateInput: Serialize, DeserializeOwned;
    "`{Self}` cannot be the argument of an `#[update]` handler", "not a payload type"
);
payload_role!(
    /// A type that can be the result of an update handler: any owned serde type.
    UpdateOutput: Serialize, DeserializeOwned;
    "`{Self}` cannot be the result of an `#[update]` handler", "not a payload type"
);
payload_role!(
    /// A type that can be the argument of an activity: any owned, `Send` serde type (activities
    /// run on worker threads).
    ActivityInput: Serialize, DeserializeOwned, Send;
    "`{Self}` cannot be the argument of an activity", "not a payload type, or not `Send`"
);
payload_role!(
    /// A type that can be the result of an activity: any owned, `Send` serde type.
    ActivityOutput: Serialize, DeserializeOwned, Send;
    "`{Self}` cannot be the result of an activity", "not a payload type, or not `Send`"
);
