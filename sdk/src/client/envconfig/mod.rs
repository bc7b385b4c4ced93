//! Client configuration from the environment and from `temporal.toml` profiles, shared with
//! the `temporal` CLI (`temporal config set ...` writes them) and the other SDKs (Python's
//! `temporalio.envconfig`).
//!
//! A profile is read from the TOML file, then environment variables override it:
//! `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
//! `TEMPORAL_TLS_CLIENT_CERT_PATH`/`_DATA`, `TEMPORAL_TLS_CLIENT_KEY_PATH`/`_DATA`,
//! `TEMPORAL_TLS_SERVER_CA_CERT_PATH`/`_DATA`, `TEMPORAL_TLS_SERVER_NAME`,
//! `TEMPORAL_TLS_DISABLE_HOST_VERIFICATION` and `TEMPORAL_GRPC_META_<NAME>`. The profile is
//! the one asked for, else `TEMPORAL_PROFILE`, else `default`; the file is
//! `TEMPORAL_CONFIG_FILE`, else `temporalio/temporal.toml` in the user's configuration folder
//! (`$XDG_CONFIG_HOME` or `~/.config` on Linux).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use temporal_sdk::Client;
//! use temporal_sdk::client::ClientOptions;
//!
//! let client = Client::connect(ClientOptions::from_env()?).await?;
//! # let _ = client; Ok(()) }
//! ```

mod file;

use std::collections::HashMap;
use std::path::PathBuf;

use super::{ClientOptions, TlsOptions};

pub use file::ClientConfig;

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or not in the format of `temporal.toml`.
    #[error("invalid configuration file: {0}")]
    Parse(String),
    /// A profile asked for by name does not exist.
    #[error("profile {0:?} not found")]
    ProfileNotFound(String),
    /// Settings contradict each other (a certificate given both as a path and as data).
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Certificate material: a file to read, or the PEM itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// A file, read when the options are made.
    Path(PathBuf),
    /// The content.
    Data(Vec<u8>),
}

impl DataSource {
    fn read(&self) -> Result<Vec<u8>, ConfigError> {
        match self {
            DataSource::Path(path) => {
                std::fs::read(path).map_err(|source| ConfigError::Io { path: path.clone(), source })
            }
            DataSource::Data(data) => Ok(data.clone()),
        }
    }
}

/// The TLS part of a profile, as Python's `ClientConfigTLS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientConfigTls {
    /// `Some(true)`: TLS off, even with an API key; `Some(false)`: on; `None`: not said
    /// (a TLS section turns it on).
    pub disabled: Option<bool>,
    /// The server name to verify (SNI).
    pub server_name: Option<String>,
    /// The CA to trust.
    pub server_root_ca_cert: Option<DataSource>,
    /// The client certificate, for mutual TLS.
    pub client_cert: Option<DataSource>,
    /// The client certificate's private key.
    pub client_private_key: Option<DataSource>,
    /// Skip verifying the server's name (read for compatibility; this SDK always verifies).
    pub disable_host_verification: Option<bool>,
}

/// One profile, as Python's `ClientConfigProfile`: what it sets, unset fields left `None`.
///
/// ```no_run
/// use temporal_sdk::client::envconfig::{ClientConfigProfile, LoadOptions};
///
/// let profile = ClientConfigProfile::load(LoadOptions::new().profile("prod"))?;
/// let options = profile.to_client_options()?;
/// # let _ = options; Ok::<(), temporal_sdk::client::envconfig::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientConfigProfile {
    /// `host:port` of the server.
    pub address: Option<String>,
    /// The namespace.
    pub namespace: Option<String>,
    /// The API key.
    pub api_key: Option<String>,
    /// TLS settings.
    pub tls: Option<ClientConfigTls>,
    /// gRPC metadata sent with every call (names lower-case, `-` for `_`).
    pub grpc_meta: HashMap<String, String>,
}

/// Where a profile is loaded from, as the arguments of Python's `ClientConfigProfile.load`.
///
/// ```
/// use temporal_sdk::client::envconfig::{ClientConfigProfile, LoadOptions};
///
/// let toml = "[profile.default]\naddress = \"localhost:7233\"\nnamespace = \"dev\"\n";
/// let profile = ClientConfigProfile::load(LoadOptions::new().config_data(toml).disable_env(true))?;
/// assert_eq!(profile.namespace.as_deref(), Some("dev"));
/// # Ok::<(), temporal_sdk::client::envconfig::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The profile (default: `TEMPORAL_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The file or its content (default: `TEMPORAL_CONFIG_FILE`, else the user's file).
    pub config_source: Option<DataSource>,
    /// Do not read a file (unless `config_source` names one).
    pub disable_file: bool,
    /// Do not read environment variables.
    pub disable_env: bool,
    /// Refuse keys the format does not know.
    pub config_file_strict: bool,
    /// The environment to read instead of the process's.
    pub env_vars: Option<HashMap<String, String>>,
}

impl LoadOptions {
    /// Defaults: the process's environment and the user's file.
    pub fn new() -> Self {
        Self::default()
    }
    /// Loads this profile.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }
    /// Reads this file.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_source = Some(DataSource::Path(path.into()));
        self
    }
    /// Reads this TOML text instead of a file.
    pub fn config_data(mut self, toml: impl Into<String>) -> Self {
        self.config_source = Some(DataSource::Data(toml.into().into_bytes()));
        self
    }
    /// Reads no file.
    pub fn disable_file(mut self, disable: bool) -> Self {
        self.disable_file = disable;
        self
    }
    /// Reads no environment variable.
    pub fn disable_env(mut self, disable: bool) -> Self {
        self.disable_env = disable;
        self
    }
    /// Refuses unknown keys.
    pub fn strict(mut self, strict: bool) -> Self {
        self.config_file_strict = strict;
        self
    }
    /// Reads these variables instead of the process's environment.
    pub fn env_vars<K: Into<String>, V: Into<String>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        self.env_vars = Some(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        self
    }

    fn env(&self) -> HashMap<String, String> {
        match &self.env_vars {
            Some(vars) => vars.clone(),
            None => std::env::vars().collect(),
        }
    }
}

impl ClientConfigProfile {
    /// Loads one profile: from the file, then overridden by the environment.
    ///
    /// A profile named (here or by `TEMPORAL_PROFILE`) must exist; the default one may be
    /// missing, and is then empty.
    pub fn load(options: LoadOptions) -> Result<Self, ConfigError> {
        let env = if options.disable_env { HashMap::new() } else { options.env() };
        let named = options.profile.clone().or_else(|| env.get("TEMPORAL_PROFILE").cloned().filter(|p| !p.is_empty()));
        let name = named.clone().unwrap_or_else(|| DEFAULT_PROFILE.to_string());
        let source = match &options.config_source {
            Some(source) => Some(source.clone()),
            None if options.disable_file => None,
            None => default_config_file(&env).map(DataSource::Path),
        };
        let mut profiles = match source {
            Some(source) => ClientConfig::load(&source, options.config_file_strict)?.profiles,
            None => HashMap::new(),
        };
        let mut profile = match (profiles.remove(&name), named) {
            (Some(profile), _) => profile,
            (None, Some(name)) => return Err(ConfigError::ProfileNotFound(name)),
            (None, None) => ClientConfigProfile::default(),
        };
        if !options.disable_env {
            profile.apply_env(&env)?;
        }
        Ok(profile)
    }

    fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let var = |name: &str| env.get(name).cloned();
        if let Some(v) = var("TEMPORAL_ADDRESS") {
            self.address = Some(v);
        }
        if let Some(v) = var("TEMPORAL_NAMESPACE") {
            self.namespace = Some(v);
        }
        if let Some(v) = var("TEMPORAL_API_KEY") {
            self.api_key = Some(v);
        }
        let tls_vars = [
            "TEMPORAL_TLS",
            "TEMPORAL_TLS_CLIENT_CERT_PATH",
            "TEMPORAL_TLS_CLIENT_CERT_DATA",
            "TEMPORAL_TLS_CLIENT_KEY_PATH",
            "TEMPORAL_TLS_CLIENT_KEY_DATA",
            "TEMPORAL_TLS_SERVER_CA_CERT_PATH",
            "TEMPORAL_TLS_SERVER_CA_CERT_DATA",
            "TEMPORAL_TLS_SERVER_NAME",
            "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION",
        ];
        if tls_vars.iter().any(|v| env.contains_key(*v)) {
            let tls = self.tls.get_or_insert_with(Default::default);
            if let Some(v) = var("TEMPORAL_TLS") {
                // As the other SDKs: a value that is not a boolean leaves the choice open.
                tls.disabled = parse_bool(&v).map(|enabled| !enabled);
            }
            let sources = [
                ("CLIENT_CERT", "cert", &mut tls.client_cert),
                ("CLIENT_KEY", "key", &mut tls.client_private_key),
                ("SERVER_CA_CERT", "server CA cert", &mut tls.server_root_ca_cert),
            ];
            for (var_part, what, slot) in sources {
                let path = var(&format!("TEMPORAL_TLS_{var_part}_PATH"));
                let data = var(&format!("TEMPORAL_TLS_{var_part}_DATA"));
                env_source(var_part, what, path, data, slot)?;
            }
            if let Some(v) = var("TEMPORAL_TLS_SERVER_NAME") {
                tls.server_name = Some(v);
            }
            if let Some(v) = var("TEMPORAL_TLS_DISABLE_HOST_VERIFICATION") {
                tls.disable_host_verification = parse_bool(&v);
            }
        }
        for (key, value) in env {
            if let Some(name) = key.strip_prefix("TEMPORAL_GRPC_META_") {
                let name = normalize_meta_key(name);
                // An empty value removes an entry of the file.
                if value.is_empty() {
                    self.grpc_meta.remove(&name);
                } else {
                    self.grpc_meta.insert(name, value.clone());
                }
            }
        }
        Ok(())
    }

    /// The client options of this profile: unset address `localhost:7233`, unset namespace
    /// `default`; an API key turns TLS on unless the profile disables it. Certificate files
    /// are read here.
    pub fn to_client_options(&self) -> Result<ClientOptions, ConfigError> {
        let address = self.address.clone().filter(|a| !a.is_empty()).unwrap_or_else(|| "localhost:7233".into());
        let mut options = ClientOptions::new(address);
        if let Some(ns) = &self.namespace {
            options.namespace = ns.clone();
        }
        options.api_key = self.api_key.clone();
        options.rpc_metadata = self.grpc_meta.clone();
        if let Some(tls) = &self.tls {
            if tls.disabled == Some(true) {
                options.tls_disabled = true;
            } else {
                if tls.disable_host_verification == Some(true) {
                    tracing::warn!("disable_host_verification is not supported: the server's name is verified");
                }
                let client_cert = match (&tls.client_cert, &tls.client_private_key) {
                    (Some(cert), Some(key)) => Some((cert.read()?, key.read()?)),
                    (None, None) => None,
                    _ => {
                        return Err(ConfigError::Invalid(
                            "a client certificate needs its key, and a key its certificate".into(),
                        ));
                    }
                };
                options.tls = Some(TlsOptions {
                    server_root_ca_cert: tls.server_root_ca_cert.as_ref().map(DataSource::read).transpose()?,
                    domain: tls.server_name.clone(),
                    client_cert,
                });
            }
        }
        Ok(options)
    }
}

impl ClientOptions {
    /// The options of the environment: the profile `TEMPORAL_PROFILE` (else `default`) of
    /// the configuration file, overridden by `TEMPORAL_*` variables (see
    /// [`envconfig`](crate::client::envconfig)).
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = temporal_sdk::Client::connect(temporal_sdk::ClientOptions::from_env()?).await?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn from_env() -> Result<ClientOptions, ConfigError> {
        ClientConfigProfile::load(LoadOptions::new())?.to_client_options()
    }

    /// The options of a named profile, overridden by the environment.
    ///
    /// ```no_run
    /// let options = temporal_sdk::ClientOptions::from_profile("staging")?;
    /// # let _ = options; Ok::<(), temporal_sdk::client::envconfig::ConfigError>(())
    /// ```
    pub fn from_profile(profile: &str) -> Result<ClientOptions, ConfigError> {
        ClientConfigProfile::load(LoadOptions::new().profile(profile))?.to_client_options()
    }
}

fn env_source(
    var_part: &str,
    what: &str,
    path: Option<String>,
    data: Option<String>,
    slot: &mut Option<DataSource>,
) -> Result<(), ConfigError> {
    match (path, data) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid(format!(
            "cannot specify both TEMPORAL_TLS_{var_part}_PATH and TEMPORAL_TLS_{var_part}_DATA"
        ))),
        (Some(path), None) => {
            if matches!(slot, Some(DataSource::Data(_))) {
                return Err(ConfigError::Invalid(format!(
                    "cannot specify {what} path via TEMPORAL_TLS_{var_part}_PATH when {what} data is already specified"
                )));
            }
            *slot = Some(DataSource::Path(path.into()));
            Ok(())
        }
        (None, Some(data)) => {
            if matches!(slot, Some(DataSource::Path(_))) {
                return Err(ConfigError::Invalid(format!(
                    "cannot specify {what} data via TEMPORAL_TLS_{var_part}_DATA when {what} path is already specified"
                )));
            }
            *slot = Some(DataSource::Data(data.into_bytes()));
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// gRPC metadata names as the other SDKs write them from a TOML key or a variable suffix.
fn normalize_meta_key(key: &str) -> String {
    key.to_ascii_lowercase().replace('_', "-")
}

/// The file the CLI writes: `TEMPORAL_CONFIG_FILE`, else `temporalio/temporal.toml` in the
/// user's configuration folder (Go's `os.UserConfigDir`).
fn default_config_file(env: &HashMap<String, String>) -> Option<PathBuf> {
    if let Some(path) = env.get("TEMPORAL_CONFIG_FILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    user_config_dir().map(|dir| dir.join("temporalio").join("temporal.toml"))
}

fn user_config_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        var("APPDATA")
    } else if cfg!(target_os = "macos") {
        var("HOME").map(|h| h.join("Library").join("Application Support"))
    } else {
        var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()).or_else(|| var("HOME").map(|h| h.join(".config")))
    }
}

#[cfg(test)]
mod tests;
