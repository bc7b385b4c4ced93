//! Durable timers: `StartTimer` with the sequence number as timer id, resolved by `TimerFired`,
//! cancelled with `CancelTimer` (or forgotten if the start never left the worker).

use std::collections::HashMap;
use std::task::{Context, Poll};
use std::time::Duration;

use super::{Commands, Op, OpKind, Slot};
use crate::common::duration_to_proto;
use crate::error::Failure;
use crate::protos::temporal::api::command::v1::{CancelTimerCommandAttributes, StartTimerCommandAttributes, command};
use crate::runtime::state::RunState;

/// The run's timers by sequence number.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    last_seq: u32,
    slots: HashMap<u32, Slot<Result<(), Failure>>>,
}

impl Timers {
    /// Issues `StartTimer` and returns the timer's sequence number.
    pub(crate) fn start(&mut self, commands: &mut Commands, duration: Duration) -> u32 {
        self.last_seq += 1;
        let seq = self.last_seq;
        let attrs = StartTimerCommandAttributes {
            timer_id: seq.to_string(),
            start_to_fire_timeout: Some(duration_to_proto(duration)),
        };
        commands.push(command::Attributes::StartTimerCommandAttributes(attrs), seq);
        self.slots.insert(seq, Slot::default());
        seq
    }

    /// History says the timer fired.
    pub(crate) fn fire(&mut self, seq: u32) {
        if let Some(slot) = self.slots.get_mut(&seq) {
            slot.resolve(Ok(()));
        }
    }

    /// Cancels a pending timer: forgets it if its start never left the worker, else sends a
    /// cancel command; either way the timer resolves as cancelled. A fired timer stays fired.
    pub(crate) fn cancel(&mut self, commands: &mut Commands, seq: u32) {
        let Some(slot) = self.slots.get_mut(&seq).filter(|s| s.is_open()) else { return };
        let id = seq.to_string();
        let unsent = commands.remove_unsent(|c| {
            matches!(&c.command.attributes, Some(command::Attributes::StartTimerCommandAttributes(a)) if a.timer_id == id)
        });
        if !unsent {
            let cancel = CancelTimerCommandAttributes { timer_id: id };
            commands.push(command::Attributes::CancelTimerCommandAttributes(cancel), seq);
        }
        slot.resolve(Err(Failure::cancelled("Timer cancelled")));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// [`OpFuture`](super::OpFuture) over a timer.
pub(crate) struct TimerOp;

impl Op for TimerOp {
    const KIND: OpKind = OpKind::Timer;
    const WHAT: &'static str = "Timer";
    type Output = ();

    fn take(st: &mut RunState, seq: u32, cx: &Context<'_>) -> Poll<Option<Result<(), Box<Failure>>>> {
        match st.timers.slots.get_mut(&seq) {
            Some(slot) => slot.take(cx).map(|r| Some(r.map_err(Box::new))),
            None => Poll::Ready(None),
        }
    }

    fn is_open(st: &RunState, seq: u32) -> bool {
        st.timers.slots.get(&seq).is_some_and(Slot::is_open)
    }

    fn done(st: &mut RunState, seq: u32) {
        st.timers.slots.remove(&seq);
    }
}
