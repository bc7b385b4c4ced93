//! Worker deployment versioning: which version of a worker deployment a worker belongs to,
//! how workflows move (or not) between versions, and how a start overrides that.
//!
//! A worker opts in with [`WorkerOptions::deployment`](crate::WorkerOptions::deployment); each
//! workflow type says whether its runs stay on the version they started on
//! ([`VersioningBehavior::Pinned`]) or move to the deployment's current version at their next
//! task ([`VersioningBehavior::AutoUpgrade`]), with `#[workflow(versioning_behavior = "pinned")]`
//! or the worker's default. The deployment's current version is set outside the worker (the
//! `temporal worker deployment set-current-version` command, or the
//! `SetWorkerDeploymentCurrentVersion` call).
//!
//! ```
//! use temporal_sdk::prelude::*;
//! use temporal_sdk::versioning::{VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion};
//!
//! #[derive(Default)]
//! struct Order;
//!
//! #[workflow(versioning_behavior = "pinned")]
//! impl Order {
//!     #[run]
//!     async fn run(&self) -> WorkflowResult<()> {
//!         Ok(())
//!     }
//! }
//!
//! let options = WorkerOptions::new("orders").workflow::<Order>().deployment(
//!     WorkerDeploymentOptions::new(WorkerDeploymentVersion::new("order-service", "2024.06.1"))
//!         .default_versioning_behavior(VersioningBehavior::AutoUpgrade),
//! );
//! # let _ = options;
//! ```

use std::fmt;
use std::str::FromStr;

use crate::protos::temporal::api::deployment::v1 as deployment;
use crate::protos::temporal::api::enums::v1 as enums;
use crate::protos::temporal::api::workflow::v1::{VersioningOverride as ProtoOverride, versioning_override};

/// One version of a worker deployment: the deployment's name and the build id of the code
/// (Python's `WorkerDeploymentVersion`).
///
/// ```
/// use temporal_sdk::versioning::WorkerDeploymentVersion;
///
/// let version = WorkerDeploymentVersion::new("order-service", "v2");
/// assert_eq!(version.to_string(), "order-service.v2");
/// assert_eq!("order-service.v2".parse::<WorkerDeploymentVersion>()?, version);
/// # Ok::<(), temporal_sdk::versioning::ParseVersionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkerDeploymentVersion {
    /// The worker deployment (the service the workers make up).
    pub deployment_name: String,
    /// The build of the code the workers run.
    pub build_id: String,
}

impl WorkerDeploymentVersion {
    /// The version `build_id` of deployment `deployment_name`.
    pub fn new(deployment_name: impl Into<String>, build_id: impl Into<String>) -> Self {
        Self { deployment_name: deployment_name.into(), build_id: build_id.into() }
    }

    pub(crate) fn to_proto(&self) -> deployment::WorkerDeploymentVersion {
        deployment::WorkerDeploymentVersion {
            deployment_name: self.deployment_name.clone(),
            build_id: self.build_id.clone(),
        }
    }
}

/// The canonical form `<deployment_name>.<build_id>`, as the server and the CLI write it.
impl fmt::Display for WorkerDeploymentVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.deployment_name, self.build_id)
    }
}

/// A version string that is not `<deployment_name>.<build_id>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse worker deployment version {0:?}: the form is <deployment_name>.<build_id>")]
pub struct ParseVersionError(String);

/// Parses `<deployment_name>.<build_id>`; the deployment name has no `.` (the build id may).
impl FromStr for WorkerDeploymentVersion {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('.') {
            Some((name, build)) if !name.is_empty() && !build.is_empty() => Ok(Self::new(name, build)),
            _ => Err(ParseVersionError(s.to_string())),
        }
    }
}

/// When a workflow run may move from the workers of one deployment version to another's.
///
/// ```
/// use temporal_sdk::versioning::VersioningBehavior;
/// assert_eq!(VersioningBehavior::default(), VersioningBehavior::Unspecified);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VersioningBehavior {
    /// Not said: the worker's default applies. A worker that uses worker versioning needs a
    /// behaviour for every workflow type, from the type or from the worker's default.
    #[default]
    Unspecified,
    /// The run stays on the version it started on (until an override moves it).
    Pinned,
    /// The run moves to the deployment's current version at its next workflow task.
    AutoUpgrade,
}

impl VersioningBehavior {
    pub(crate) fn to_proto(self) -> enums::VersioningBehavior {
        match self {
            Self::Unspecified => enums::VersioningBehavior::Unspecified,
            Self::Pinned => enums::VersioningBehavior::Pinned,
            Self::AutoUpgrade => enums::VersioningBehavior::AutoUpgrade,
        }
    }

    /// The behaviour of the proto enum value (describe calls report it); unknown values are
    /// `Unspecified`.
    ///
    /// ```
    /// use temporal_sdk::versioning::VersioningBehavior;
    /// use temporal_sdk::protos::temporal::api::enums::v1::VersioningBehavior as Proto;
    /// assert_eq!(VersioningBehavior::from_proto(Proto::Pinned as i32), VersioningBehavior::Pinned);
    /// ```
    pub fn from_proto(value: i32) -> Self {
        match enums::VersioningBehavior::try_from(value) {
            Ok(enums::VersioningBehavior::Pinned) => Self::Pinned,
            Ok(enums::VersioningBehavior::AutoUpgrade) => Self::AutoUpgrade,
            _ => Self::Unspecified,
        }
    }

    /// The behaviour a run of a workflow type reports: its own, else the worker's default.
    pub(crate) fn or(self, default: VersioningBehavior) -> VersioningBehavior {
        if self == Self::Unspecified { default } else { self }
    }
}

/// A worker's place in a worker deployment (Python's `WorkerDeploymentConfig`).
///
/// [`WorkerDeploymentOptions::new`] opts into worker versioning: the server then routes the
/// tasks of each run to the version its behaviour says, and every workflow type needs a
/// behaviour (its own, or [`default_versioning_behavior`](Self::default_versioning_behavior)).
/// With `use_worker_versioning(false)` the worker only reports its version.
///
/// ```
/// use temporal_sdk::versioning::{VersioningBehavior, WorkerDeploymentOptions, WorkerDeploymentVersion};
///
/// let options = WorkerDeploymentOptions::new(WorkerDeploymentVersion::new("billing", "v7"))
///     .default_versioning_behavior(VersioningBehavior::Pinned);
/// assert!(options.use_worker_versioning);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerDeploymentOptions {
    /// The deployment version of the worker.
    pub version: WorkerDeploymentVersion,
    /// Whether the worker takes part in worker versioning (true from [`new`](Self::new)).
    pub use_worker_versioning: bool,
    /// The behaviour of the workflow types that do not say theirs.
    pub default_versioning_behavior: VersioningBehavior,
}

impl WorkerDeploymentOptions {
    /// A versioned worker of `version`, with no default behaviour.
    pub fn new(version: WorkerDeploymentVersion) -> Self {
        Self { version, use_worker_versioning: true, default_versioning_behavior: VersioningBehavior::Unspecified }
    }

    /// Sets whether the worker takes part in worker versioning.
    pub fn use_worker_versioning(mut self, on: bool) -> Self {
        self.use_worker_versioning = on;
        self
    }

    /// Sets the behaviour of the workflow types that do not say theirs.
    pub fn default_versioning_behavior(mut self, behavior: VersioningBehavior) -> Self {
        self.default_versioning_behavior = behavior;
        self
    }

    /// The checks Python and sdk-core make when a worker is created.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let WorkerDeploymentVersion { deployment_name, build_id } = &self.version;
        if self.use_worker_versioning && (deployment_name.is_empty() || build_id.is_empty()) {
            return Err("a worker that uses worker versioning needs a deployment name and a build id".into());
        }
        if !self.use_worker_versioning && self.default_versioning_behavior != VersioningBehavior::Unspecified {
            return Err("default_versioning_behavior must be Unspecified when use_worker_versioning is false".into());
        }
        Ok(())
    }

    /// What polls and task completions carry.
    pub(crate) fn to_proto(&self) -> deployment::WorkerDeploymentOptions {
        let mode = if self.use_worker_versioning {
            enums::WorkerVersioningMode::Versioned
        } else {
            enums::WorkerVersioningMode::Unversioned
        };
        deployment::WorkerDeploymentOptions {
            deployment_name: self.version.deployment_name.clone(),
            build_id: self.version.build_id.clone(),
            worker_versioning_mode: mode as i32,
        }
    }
}

/// Overrides, at start, the versioning behaviour a workflow's workers would give it (Python's
/// `PinnedVersioningOverride` / `AutoUpgradeVersioningOverride`).
///
/// ```
/// use temporal_sdk::WorkflowOptions;
/// use temporal_sdk::versioning::{VersioningOverride, WorkerDeploymentVersion};
///
/// let options = WorkflowOptions::new("order-1", "orders")
///     .versioning_override(VersioningOverride::Pinned { version: WorkerDeploymentVersion::new("orders", "v1") });
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersioningOverride {
    /// The run is pinned to `version`, whatever its workers say.
    Pinned {
        /// The version the run's tasks go to.
        version: WorkerDeploymentVersion,
    },
    /// The run moves to the deployment's current version at each task.
    AutoUpgrade,
}

impl VersioningOverride {
    /// The wire form, with the deprecated fields filled as Python fills them so that older
    /// servers understand it too.
    #[allow(deprecated)]
    pub(crate) fn to_proto(&self) -> ProtoOverride {
        match self {
            Self::Pinned { version } => ProtoOverride {
                behavior: enums::VersioningBehavior::Pinned as i32,
                pinned_version: version.to_string(),
                r#override: Some(versioning_override::Override::Pinned(versioning_override::PinnedOverride {
                    behavior: versioning_override::PinnedOverrideBehavior::Pinned as i32,
                    version: Some(version.to_proto()),
                })),
                ..Default::default()
            },
            Self::AutoUpgrade => ProtoOverride {
                behavior: enums::VersioningBehavior::AutoUpgrade as i32,
                r#override: Some(versioning_override::Override::AutoUpgrade(true)),
                ..Default::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_strings_round_trip() {
        let v: WorkerDeploymentVersion = "svc.build.1".parse().unwrap();
        assert_eq!(v, WorkerDeploymentVersion::new("svc", "build.1"));
        assert_eq!(v.to_string(), "svc.build.1");
        assert!("nodot".parse::<WorkerDeploymentVersion>().is_err());
        assert!(".b".parse::<WorkerDeploymentVersion>().is_err());
    }

    #[test]
    fn options_are_checked_as_python_checks_them() {
        let version = WorkerDeploymentVersion::new("svc", "v1");
        assert!(WorkerDeploymentOptions::new(version.clone()).validate().is_ok());
        let unversioned_with_default = WorkerDeploymentOptions::new(version)
            .use_worker_versioning(false)
            .default_versioning_behavior(VersioningBehavior::Pinned);
        assert!(unversioned_with_default.validate().is_err());
        let no_build = WorkerDeploymentOptions::new(WorkerDeploymentVersion::new("svc", ""));
        assert!(no_build.validate().is_err());
    }

    #[test]
    fn overrides_fill_the_new_and_the_deprecated_fields() {
        let pinned = VersioningOverride::Pinned { version: WorkerDeploymentVersion::new("svc", "v1") }.to_proto();
        #[allow(deprecated)]
        {
            assert_eq!(pinned.pinned_version, "svc.v1");
            assert_eq!(pinned.behavior, enums::VersioningBehavior::Pinned as i32);
        }
        assert!(matches!(pinned.r#override, Some(versioning_override::Override::Pinned(_))));
        let auto = VersioningOverride::AutoUpgrade.to_proto();
        assert_eq!(auto.r#override, Some(versioning_override::Override::AutoUpgrade(true)));
    }
}
