//! The update protocol inside a run: validate, accept or reject, run the handler, respond.
//!
//! Requests arrive as protocol messages with a live task, or (replaying) are rebuilt from the
//! `WorkflowExecutionUpdateAccepted` events that recorded them. Acceptances and responses are
//! a message plus a `ProtocolMessage` command marking where the event goes in history; a
//! rejection is a message only. Messages of replayed tasks are never sent again.

use futures::future::LocalBoxFuture;
use prost::Message as _;
use prost_wkt_types::Any;

use crate::error::{Failure, WorkflowError, WorkflowResult};
use crate::headers::Headers;
use crate::protos::temporal::api::command::v1::{ProtocolMessageCommandAttributes, command::Attributes as Cmd};
use crate::protos::temporal::api::common::v1::{Payload, Payloads};
use crate::protos::temporal::api::history::v1::{
    WorkflowExecutionUpdateAcceptedEventAttributes, WorkflowExecutionUpdateAdmittedEventAttributes,
};
use crate::protos::temporal::api::protocol::v1::Message;
use crate::protos::temporal::api::update::v1::{Acceptance, Meta, Outcome, Rejection, Request, Response, outcome};
use crate::runtime::context::{Enter, SharedState};
use crate::runtime::hooks::{self, InboundKind};
use crate::runtime::instance::WorkflowInstance;
use crate::runtime::panic::catch_quietly;

const REQUEST_TYPE: &str = "type.googleapis.com/temporal.api.update.v1.Request";

/// One update request, from a message or rebuilt from history.
#[derive(Debug, Clone)]
pub(crate) struct UpdateRequest {
    pub(crate) update_id: String,
    pub(crate) message_id: String,
    pub(crate) sequencing_event_id: i64,
    pub(crate) name: String,
    pub(crate) args: Vec<Payload>,
    /// Validators run only for new requests, never when replaying accepted ones.
    pub(crate) run_validator: bool,
    pub(crate) request: Request,
}

fn from_request(
    request: Request,
    message_id: String,
    sequencing_event_id: i64,
    run_validator: bool,
) -> Option<UpdateRequest> {
    let update_id = request.meta.as_ref()?.update_id.clone();
    let input = request.input.clone().unwrap_or_default();
    Some(UpdateRequest {
        update_id,
        message_id,
        sequencing_event_id,
        name: input.name,
        args: input.args.map(|p| p.payloads).unwrap_or_default(),
        run_validator,
        request,
    })
}

/// A request delivered as a protocol message with the live task.
pub(crate) fn request_from_message(m: &Message) -> Result<UpdateRequest, String> {
    let body = m.body.as_ref().ok_or_else(|| format!("protocol message {} has no body", m.id))?;
    if body.type_url != REQUEST_TYPE {
        return Err(format!("protocol message {} has unsupported type {}", m.id, body.type_url));
    }
    let request = Request::decode(body.value.as_slice())
        .map_err(|e| format!("protocol message {} does not decode: {e}", m.id))?;
    let sequencing = match &m.sequencing_id {
        Some(crate::protos::temporal::api::protocol::v1::message::SequencingId::EventId(id)) => *id,
        _ => 0,
    };
    from_request(request, m.id.clone(), sequencing, true)
        .ok_or_else(|| format!("update request {} has no update id", m.id))
}

/// A request rebuilt from its acceptance event, while replaying.
pub(crate) fn request_from_accepted(a: &WorkflowExecutionUpdateAcceptedEventAttributes) -> Option<UpdateRequest> {
    from_request(
        a.accepted_request.clone()?,
        a.accepted_request_message_id.clone(),
        a.accepted_request_sequencing_event_id,
        false,
    )
}

/// A request the server wrote into history (reset or reapply).
pub(crate) fn request_from_admitted(
    a: &WorkflowExecutionUpdateAdmittedEventAttributes,
    event_id: i64,
) -> Option<UpdateRequest> {
    let request = a.request.clone()?;
    let update_id = request.meta.as_ref()?.update_id.clone();
    from_request(request, format!("{update_id}/request"), event_id, true)
}

fn any<M: prost::Name>(m: &M) -> Option<Any> {
    Some(Any { type_url: M::type_url(), value: m.encode_to_vec() })
}

fn message(update_id: &str, suffix: &str, body: Option<Any>) -> Message {
    Message {
        id: format!("{update_id}/{suffix}"),
        protocol_instance_id: update_id.to_string(),
        body,
        ..Default::default()
    }
}

fn reject(state: &SharedState, req: &UpdateRequest, failure: Failure) {
    let body = Rejection {
        rejected_request_message_id: req.message_id.clone(),
        rejected_request_sequencing_event_id: req.sequencing_event_id,
        rejected_request: Some(req.request.clone()),
        failure: Some(failure.to_proto()),
    };
    state.borrow_mut().messages.push(message(&req.update_id, "reject", any(&body)));
}

fn application(message: String) -> Failure {
    Failure::application(message, None, false)
}

fn push_protocol_command(state: &SharedState, message_id: String) {
    let cmd = Cmd::ProtocolMessageCommandAttributes(ProtocolMessageCommandAttributes { message_id });
    state.borrow_mut().push_command(cmd, 0);
}

/// Validates and accepts (or rejects) an update, returning the handler's task to run.
pub(crate) fn start(
    state: &SharedState,
    instance: &dyn WorkflowInstance,
    req: UpdateRequest,
) -> Option<LocalBoxFuture<'static, WorkflowResult<()>>> {
    let _enter = Enter::new(state);
    let replaying = state.borrow().replaying;
    let handler = match instance.update(&req.name, &req.args) {
        Some(Ok(fut)) => fut,
        Some(Err(e)) => {
            reject(state, &req, application(format!("update {:?}: the input does not decode: {e}", req.name)));
            return None;
        }
        None => {
            let known = instance.update_names();
            reject(
                state,
                &req,
                application(format!("update {:?} is not handled by this workflow; known updates: {known:?}", req.name)),
            );
            return None;
        }
    };
    let mut header = req.request.input.as_ref().and_then(|i| i.header.clone());
    if req.run_validator && !replaying {
        hooks::inbound(state, InboundKind::ValidateUpdate, &req.name, &mut header, &req.args);
        let before = state.borrow().commands.len();
        let headers = std::rc::Rc::new(Headers::of(&header));
        let verdict =
            catch_quietly(|| hooks::with_headers(state, &headers, || instance.validate_update(&req.name, &req.args)));
        // Validators must not change anything: whatever they scheduled is dropped.
        state.borrow_mut().commands.truncate(before);
        let rejection = match verdict {
            Err(message) => Some(application(format!("update validator panicked: {message}"))),
            Ok(None) | Ok(Some(Ok(Ok(())))) => None,
            Ok(Some(Err(e))) => Some(application(format!("update {:?}: the input does not decode: {e}", req.name))),
            Ok(Some(Ok(Err(WorkflowError::Failure(f))))) => Some(*f),
            Ok(Some(Ok(Err(WorkflowError::Task(e))))) => Some(application(e.to_string())),
            Ok(Some(Ok(Err(WorkflowError::ContinueAsNew(_))))) => {
                Some(application("an update validator cannot continue as new".into()))
            }
        };
        if let Some(failure) = rejection {
            reject(state, &req, failure);
            return None;
        }
    }
    hooks::inbound(state, InboundKind::Update, &req.name, &mut header, &req.args);
    let handler = hooks::WithHeaders::new(state, &std::rc::Rc::new(Headers::of(&header)), handler);
    let acceptance = Acceptance {
        accepted_request_message_id: req.message_id.clone(),
        accepted_request_sequencing_event_id: req.sequencing_event_id,
        accepted_request: Some(req.request.clone()),
    };
    state.borrow_mut().messages.push(message(&req.update_id, "accept", any(&acceptance)));
    push_protocol_command(state, format!("{}/accept", req.update_id));

    let state = std::rc::Rc::clone(state);
    Some(Box::pin(async move {
        let outcome = match handler.await {
            Ok(payload) => outcome::Value::Success(Payloads { payloads: vec![payload] }),
            Err(WorkflowError::Failure(f)) => outcome::Value::Failure(f.to_proto()),
            // Like other handlers, a bug fails the workflow task (retried) rather than the update.
            Err(e @ WorkflowError::Task(_)) => return Err(e),
            Err(WorkflowError::ContinueAsNew(_)) => outcome::Value::Failure(
                application("continue-as-new is not allowed in an update handler".into()).to_proto(),
            ),
        };
        let identity = req.request.meta.as_ref().map(|m| m.identity.clone()).unwrap_or_default();
        let response = Response {
            meta: Some(Meta { update_id: req.update_id.clone(), identity }),
            outcome: Some(Outcome { value: Some(outcome) }),
        };
        state.borrow_mut().messages.push(message(&req.update_id, "complete", any(&response)));
        push_protocol_command(&state, format!("{}/complete", req.update_id));
        Ok(())
    }))
}
