//! The `temporal.toml` format: `[profile.NAME]` tables with `address`, `namespace`,
//! `api_key`, a `tls` table (`disabled`, `server_name`, `client_cert_path`/`_data`,
//! `client_key_path`/`_data`, `server_ca_cert_path`/`_data`, `disable_host_verification`),
//! a `grpc_meta` table and a `codec` table (read, unused here).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{ClientConfigProfile, ClientConfigTls, ConfigError, DataSource, normalize_meta_key};

/// Every profile of a configuration file, as Python's `ClientConfig` (no environment
/// overrides: see [`ClientConfigProfile::load`] for those).
///
/// ```
/// use temporal_sdk::client::envconfig::ClientConfig;
///
/// let config = ClientConfig::from_toml("[profile.prod]\naddress = \"prod.example:7233\"\n", true)?;
/// assert_eq!(config.profiles["prod"].address.as_deref(), Some("prod.example:7233"));
/// let text = config.to_toml()?;
/// assert_eq!(ClientConfig::from_toml(&text, true)?, config);
/// # Ok::<(), temporal_sdk::client::envconfig::ConfigError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientConfig {
    /// The profiles by name.
    pub profiles: HashMap<String, ClientConfigProfile>,
}

#[derive(Serialize, Deserialize, Default)]
struct FileDoc {
    #[serde(default)]
    profile: BTreeMap<String, FileProfile>,
}

#[derive(Serialize, Deserialize, Default)]
struct FileProfile {
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<FileTls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    codec: Option<toml::Table>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    grpc_meta: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize, Default)]
struct FileTls {
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_cert_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_cert_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_key_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_ca_cert_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_ca_cert_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disable_host_verification: Option<bool>,
}

const PROFILE_KEYS: &[&str] = &["address", "namespace", "api_key", "tls", "codec", "grpc_meta"];
const TLS_KEYS: &[&str] = &[
    "disabled",
    "client_cert_path",
    "client_cert_data",
    "client_key_path",
    "client_key_data",
    "server_ca_cert_path",
    "server_ca_cert_data",
    "server_name",
    "disable_host_verification",
];
const CODEC_KEYS: &[&str] = &["endpoint", "auth"];

impl ClientConfig {
    /// Reads the profiles of a `temporal.toml` text; `strict` refuses keys the format does
    /// not know (the other SDKs' `config_file_strict`).
    pub fn from_toml(text: &str, strict: bool) -> Result<Self, ConfigError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Parse(e.to_string()))?;
        if strict {
            check_keys(&table)?;
        }
        let doc: FileDoc = table.try_into().map_err(|e: toml::de::Error| ConfigError::Parse(e.to_string()))?;
        let mut profiles = HashMap::new();
        for (name, p) in doc.profile {
            profiles.insert(name, p.into_profile()?);
        }
        Ok(Self { profiles })
    }

    /// Reads a file (or the text of one) and its profiles.
    pub fn load(source: &DataSource, strict: bool) -> Result<Self, ConfigError> {
        let bytes = match source {
            // A missing file is no configuration, as for the other SDKs.
            DataSource::Path(path) if !path.exists() => return Ok(Self::default()),
            source => source.read()?,
        };
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Parse("the file is not UTF-8".into()))?;
        Self::from_toml(&text, strict)
    }

    /// The profiles as `temporal.toml` text, the format the CLI writes.
    pub fn to_toml(&self) -> Result<String, ConfigError> {
        let mut doc = FileDoc::default();
        for (name, profile) in &self.profiles {
            doc.profile.insert(name.clone(), FileProfile::from_profile(profile));
        }
        toml::to_string(&doc).map_err(|e| ConfigError::Invalid(e.to_string()))
    }
}

fn check_keys(table: &toml::Table) -> Result<(), ConfigError> {
    let unknown = |key: &str, expected: &[&str]| {
        ConfigError::Parse(format!("unknown field `{key}`, expected one of {}", expected.join(", ")))
    };
    for (key, value) in table {
        if key != "profile" {
            return Err(unknown(key, &["profile"]));
        }
        for profile in value.as_table().into_iter().flat_map(|t| t.values()) {
            for (key, value) in profile.as_table().into_iter().flatten() {
                let nested = match key.as_str() {
                    "tls" => TLS_KEYS,
                    "codec" => CODEC_KEYS,
                    k if PROFILE_KEYS.contains(&k) => continue,
                    k => return Err(unknown(k, PROFILE_KEYS)),
                };
                if let Some(k) = value.as_table().and_then(|t| t.keys().find(|k| !nested.contains(&k.as_str()))) {
                    return Err(unknown(k, nested));
                }
            }
        }
    }
    Ok(())
}

fn source(what: &str, path: Option<String>, data: Option<String>) -> Result<Option<DataSource>, ConfigError> {
    match (path, data) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid(format!("cannot specify both {what}_path and {what}_data"))),
        (Some(path), None) => Ok(Some(DataSource::Path(path.into()))),
        (None, Some(data)) => Ok(Some(DataSource::Data(data.into_bytes()))),
        (None, None) => Ok(None),
    }
}

fn split(source: &Option<DataSource>) -> (Option<String>, Option<String>) {
    match source {
        Some(DataSource::Path(p)) => (Some(p.to_string_lossy().into_owned()), None),
        Some(DataSource::Data(d)) => (None, Some(String::from_utf8_lossy(d).into_owned())),
        None => (None, None),
    }
}

impl FileProfile {
    fn into_profile(self) -> Result<ClientConfigProfile, ConfigError> {
        let tls = match self.tls {
            Some(t) => Some(ClientConfigTls {
                disabled: t.disabled,
                server_name: t.server_name,
                server_root_ca_cert: source("server_ca_cert", t.server_ca_cert_path, t.server_ca_cert_data)?,
                client_cert: source("client_cert", t.client_cert_path, t.client_cert_data)?,
                client_private_key: source("client_key", t.client_key_path, t.client_key_data)?,
                disable_host_verification: t.disable_host_verification,
            }),
            None => None,
        };
        Ok(ClientConfigProfile {
            address: self.address,
            namespace: self.namespace,
            api_key: self.api_key,
            tls,
            grpc_meta: self.grpc_meta.into_iter().map(|(k, v)| (normalize_meta_key(&k), v)).collect(),
        })
    }

    fn from_profile(p: &ClientConfigProfile) -> Self {
        let tls = p.tls.as_ref().map(|t| {
            let (client_cert_path, client_cert_data) = split(&t.client_cert);
            let (client_key_path, client_key_data) = split(&t.client_private_key);
            let (server_ca_cert_path, server_ca_cert_data) = split(&t.server_root_ca_cert);
            FileTls {
                disabled: t.disabled,
                client_cert_path,
                client_cert_data,
                client_key_path,
                client_key_data,
                server_ca_cert_path,
                server_ca_cert_data,
                server_name: t.server_name.clone(),
                disable_host_verification: t.disable_host_verification,
            }
        });
        Self {
            address: p.address.clone(),
            namespace: p.namespace.clone(),
            api_key: p.api_key.clone(),
            tls,
            codec: None,
            grpc_meta: p.grpc_meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}
