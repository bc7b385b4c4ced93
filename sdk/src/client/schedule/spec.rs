//! When a schedule acts (spec), how it handles overlaps and misses (policy), and its state.

use std::time::{Duration, SystemTime};

use crate::common::{duration_from_proto, duration_to_proto, time_from_proto, time_to_proto};
use crate::protos::temporal::api::enums::v1::ScheduleOverlapPolicy;
use crate::protos::temporal::api::schedule::v1 as proto;

/// An inclusive range of values with a step, as Python's `ScheduleRange`: `start..=end`
/// every `step` (an `end` below `start` means `start` alone).
///
/// ```
/// use temporal_sdk::client::schedule::ScheduleRange;
/// let weekdays = ScheduleRange::new(1, 5);
/// let every_quarter_hour = ScheduleRange::new(0, 59).step(15);
/// # let _ = (weekdays, every_quarter_hour);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleRange {
    /// First value.
    pub start: i32,
    /// Last value (inclusive).
    pub end: i32,
    /// Step (1 for every value).
    pub step: i32,
}

impl ScheduleRange {
    /// The values `start..=end`.
    pub fn new(start: i32, end: i32) -> Self {
        Self { start, end, step: 1 }
    }
    /// One value.
    pub fn single(value: i32) -> Self {
        Self { start: value, end: value, step: 1 }
    }
    /// Sets the step.
    pub fn step(mut self, step: i32) -> Self {
        self.step = step;
        self
    }
    fn to_proto(self) -> proto::Range {
        proto::Range { start: self.start, end: self.end, step: self.step }
    }
    fn from_proto(r: &proto::Range) -> Self {
        Self { start: r.start, end: r.end.max(r.start), step: r.step.max(1) }
    }
}

/// Calendar times, as Python's `ScheduleCalendarSpec`: every combination of the listed
/// values. The defaults are midnight (second, minute, hour 0) of every day.
///
/// ```
/// use temporal_sdk::client::schedule::{ScheduleCalendarSpec, ScheduleRange};
/// // 9:30 on weekdays.
/// let spec = ScheduleCalendarSpec {
///     hour: vec![ScheduleRange::single(9)],
///     minute: vec![ScheduleRange::single(30)],
///     day_of_week: vec![ScheduleRange::new(1, 5)],
///     ..ScheduleCalendarSpec::default()
/// };
/// # let _ = spec;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleCalendarSpec {
    /// Seconds, 0-59.
    pub second: Vec<ScheduleRange>,
    /// Minutes, 0-59.
    pub minute: Vec<ScheduleRange>,
    /// Hours, 0-23.
    pub hour: Vec<ScheduleRange>,
    /// Days of the month, 1-31.
    pub day_of_month: Vec<ScheduleRange>,
    /// Months, 1-12.
    pub month: Vec<ScheduleRange>,
    /// Years (empty: every year).
    pub year: Vec<ScheduleRange>,
    /// Days of the week, 0 (Sunday) to 6.
    pub day_of_week: Vec<ScheduleRange>,
    /// A note.
    pub comment: Option<String>,
}

impl Default for ScheduleCalendarSpec {
    fn default() -> Self {
        Self {
            second: vec![ScheduleRange::single(0)],
            minute: vec![ScheduleRange::single(0)],
            hour: vec![ScheduleRange::single(0)],
            day_of_month: vec![ScheduleRange::new(1, 31)],
            month: vec![ScheduleRange::new(1, 12)],
            year: Vec::new(),
            day_of_week: vec![ScheduleRange::new(0, 6)],
            comment: None,
        }
    }
}

fn ranges(r: &[ScheduleRange]) -> Vec<proto::Range> {
    r.iter().map(|r| r.to_proto()).collect()
}

fn from_ranges(r: &[proto::Range]) -> Vec<ScheduleRange> {
    r.iter().map(ScheduleRange::from_proto).collect()
}

impl ScheduleCalendarSpec {
    fn to_proto(&self) -> proto::StructuredCalendarSpec {
        proto::StructuredCalendarSpec {
            second: ranges(&self.second),
            minute: ranges(&self.minute),
            hour: ranges(&self.hour),
            day_of_month: ranges(&self.day_of_month),
            month: ranges(&self.month),
            year: ranges(&self.year),
            day_of_week: ranges(&self.day_of_week),
            comment: self.comment.clone().unwrap_or_default(),
        }
    }
    fn from_proto(c: &proto::StructuredCalendarSpec) -> Self {
        Self {
            second: from_ranges(&c.second),
            minute: from_ranges(&c.minute),
            hour: from_ranges(&c.hour),
            day_of_month: from_ranges(&c.day_of_month),
            month: from_ranges(&c.month),
            year: from_ranges(&c.year),
            day_of_week: from_ranges(&c.day_of_week),
            comment: Some(c.comment.clone()).filter(|c| !c.is_empty()),
        }
    }
}

/// Every `every`, shifted by `offset`, as Python's `ScheduleIntervalSpec` (counted from the
/// Unix epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleIntervalSpec {
    /// The period.
    pub every: Duration,
    /// The shift within the period.
    pub offset: Option<Duration>,
}

impl ScheduleIntervalSpec {
    /// Every `every`.
    pub fn every(every: Duration) -> Self {
        Self { every, offset: None }
    }
}

/// When a schedule acts, as Python's `ScheduleSpec`: the union of its calendars, intervals
/// and cron strings, minus the skipped times, between `start_at` and `end_at`.
///
/// ```
/// use std::time::Duration;
/// use temporal_sdk::client::schedule::{ScheduleIntervalSpec, ScheduleSpec};
///
/// let spec = ScheduleSpec {
///     intervals: vec![ScheduleIntervalSpec::every(Duration::from_secs(3600))],
///     cron_expressions: vec!["0 12 * * MON".into()],
///     jitter: Some(Duration::from_secs(30)),
///     time_zone_name: Some("Europe/Paris".into()),
///     ..ScheduleSpec::default()
/// };
/// # let _ = spec;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleSpec {
    /// Calendar times.
    pub calendars: Vec<ScheduleCalendarSpec>,
    /// Fixed intervals.
    pub intervals: Vec<ScheduleIntervalSpec>,
    /// Cron strings (`"0 12 * * MON-FRI"`, also `@daily`, `@every 10m`); the server turns
    /// them into calendars and intervals, so a description lists those instead.
    pub cron_expressions: Vec<String>,
    /// Times that match a calendar here are skipped.
    pub skip: Vec<ScheduleCalendarSpec>,
    /// No action before.
    pub start_at: Option<SystemTime>,
    /// No action after.
    pub end_at: Option<SystemTime>,
    /// Each action is delayed by a random time up to this.
    pub jitter: Option<Duration>,
    /// The IANA time zone of the calendars (default UTC).
    pub time_zone_name: Option<String>,
}

impl ScheduleSpec {
    pub(crate) fn to_proto(&self) -> proto::ScheduleSpec {
        proto::ScheduleSpec {
            structured_calendar: self.calendars.iter().map(ScheduleCalendarSpec::to_proto).collect(),
            cron_string: self.cron_expressions.clone(),
            interval: self
                .intervals
                .iter()
                .map(|i| proto::IntervalSpec {
                    interval: Some(duration_to_proto(i.every)),
                    phase: i.offset.map(duration_to_proto),
                })
                .collect(),
            exclude_structured_calendar: self.skip.iter().map(ScheduleCalendarSpec::to_proto).collect(),
            start_time: self.start_at.map(time_to_proto),
            end_time: self.end_at.map(time_to_proto),
            jitter: self.jitter.map(duration_to_proto),
            timezone_name: self.time_zone_name.clone().unwrap_or_default(),
            ..Default::default()
        }
    }

    pub(crate) fn from_proto(s: &proto::ScheduleSpec) -> Self {
        Self {
            calendars: s.structured_calendar.iter().map(ScheduleCalendarSpec::from_proto).collect(),
            intervals: s
                .interval
                .iter()
                .map(|i| ScheduleIntervalSpec {
                    every: i.interval.as_ref().map(duration_from_proto).unwrap_or_default(),
                    offset: i.phase.as_ref().map(duration_from_proto).filter(|d| !d.is_zero()),
                })
                .collect(),
            cron_expressions: s.cron_string.clone(),
            skip: s.exclude_structured_calendar.iter().map(ScheduleCalendarSpec::from_proto).collect(),
            start_at: s.start_time.as_ref().map(time_from_proto),
            end_at: s.end_time.as_ref().map(time_from_proto),
            jitter: s.jitter.as_ref().map(duration_from_proto).filter(|d| !d.is_zero()),
            time_zone_name: Some(s.timezone_name.clone()).filter(|t| !t.is_empty()),
        }
    }
}

/// How a schedule handles overlapping runs and missed times, as Python's `SchedulePolicy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchedulePolicy {
    /// What to do when an action is due while the previous workflow still runs (default:
    /// skip).
    pub overlap: ScheduleOverlapPolicy,
    /// How late a missed action (server down) may still run (server default one year).
    pub catchup_window: Option<Duration>,
    /// Pause the schedule when a workflow it started fails.
    pub pause_on_failure: bool,
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        Self { overlap: ScheduleOverlapPolicy::Skip, catchup_window: None, pause_on_failure: false }
    }
}

impl SchedulePolicy {
    pub(crate) fn to_proto(&self) -> proto::SchedulePolicies {
        proto::SchedulePolicies {
            overlap_policy: self.overlap as i32,
            catchup_window: self.catchup_window.map(duration_to_proto),
            pause_on_failure: self.pause_on_failure,
            ..Default::default()
        }
    }
    pub(crate) fn from_proto(p: &proto::SchedulePolicies) -> Self {
        Self {
            overlap: ScheduleOverlapPolicy::try_from(p.overlap_policy).unwrap_or(ScheduleOverlapPolicy::Skip),
            catchup_window: p.catchup_window.as_ref().map(duration_from_proto),
            pause_on_failure: p.pause_on_failure,
        }
    }
}

/// A schedule's state, as Python's `ScheduleState`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScheduleState {
    /// A note on the state (why it is paused).
    pub note: Option<String>,
    /// Whether it is paused.
    pub paused: bool,
    /// Whether only `remaining_actions` more actions run.
    pub limited_actions: bool,
    /// The actions left when limited.
    pub remaining_actions: u64,
}

impl ScheduleState {
    pub(crate) fn to_proto(&self) -> proto::ScheduleState {
        proto::ScheduleState {
            notes: self.note.clone().unwrap_or_default(),
            paused: self.paused,
            limited_actions: self.limited_actions,
            remaining_actions: i64::try_from(self.remaining_actions).unwrap_or(i64::MAX),
        }
    }
    pub(crate) fn from_proto(s: &proto::ScheduleState) -> Self {
        Self {
            note: Some(s.notes.clone()).filter(|n| !n.is_empty()),
            paused: s.paused,
            limited_actions: s.limited_actions,
            remaining_actions: u64::try_from(s.remaining_actions).unwrap_or(0),
        }
    }
}

/// Run the actions a schedule would have run between two times, as Python's
/// `ScheduleBackfill`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleBackfill {
    /// From (inclusive).
    pub start_at: SystemTime,
    /// To (inclusive).
    pub end_at: SystemTime,
    /// The overlap policy of these actions (`AllowAll` runs them all).
    pub overlap: ScheduleOverlapPolicy,
}

impl ScheduleBackfill {
    pub(crate) fn to_proto(&self) -> proto::BackfillRequest {
        proto::BackfillRequest {
            start_time: Some(time_to_proto(self.start_at)),
            end_time: Some(time_to_proto(self.end_at)),
            overlap_policy: self.overlap as i32,
        }
    }
}
