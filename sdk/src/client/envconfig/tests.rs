//! The loading rules, as observed from Python's `temporalio.envconfig` 1.35 on the same inputs.

use super::*;

const FILE: &str = r#"
[profile]
  [profile.default]
    address = "localhost:1234"
  [profile.p2]
    [profile.p2.tls]
      disabled = true
  [profile.prod]
    api_key = "k"
    namespace = "ns1"
    [profile.prod.grpc_meta]
      My_Header = "v1"
    [profile.prod.tls]
      client_cert_data = "CERT"
      client_key_data = "KEY"
      disable_host_verification = true
      server_ca_cert_data = "PEM"
      server_name = "srv"
"#;

fn load(profile: Option<&str>, env: &[(&str, &str)]) -> Result<ClientConfigProfile, ConfigError> {
    let mut options = LoadOptions::new().config_data(FILE).env_vars(env.iter().copied());
    options.profile = profile.map(str::to_string);
    ClientConfigProfile::load(options)
}

#[test]
fn the_default_profile_is_read_and_may_be_missing() {
    assert_eq!(load(None, &[]).expect("default").address.as_deref(), Some("localhost:1234"));
    let empty = ClientConfigProfile::load(LoadOptions::new().config_data("").env_vars([("A", "b")])).expect("empty");
    assert_eq!(empty, ClientConfigProfile::default());
    let options = empty.to_client_options().expect("options");
    assert_eq!((options.target.as_str(), options.namespace.as_str()), ("localhost:7233", "default"));
}

#[test]
fn a_named_profile_must_exist() {
    assert!(matches!(load(Some("nope"), &[]), Err(ConfigError::ProfileNotFound(p)) if p == "nope"));
    assert!(matches!(load(None, &[("TEMPORAL_PROFILE", "nope")]), Err(ConfigError::ProfileNotFound(_))));
    let explicit_default = LoadOptions::new().config_data("[profile.x]\n").profile("default").env_vars([("A", "b")]);
    assert!(matches!(ClientConfigProfile::load(explicit_default), Err(ConfigError::ProfileNotFound(_))));
    // The argument wins over the variable.
    let p = load(Some("p2"), &[("TEMPORAL_PROFILE", "prod")]).expect("p2");
    assert_eq!(p.tls.and_then(|t| t.disabled), Some(true));
}

#[test]
fn a_profile_becomes_client_options() {
    let prod = load(Some("prod"), &[]).expect("prod");
    assert_eq!(prod.grpc_meta.get("my-header").map(String::as_str), Some("v1"));
    let options = prod.to_client_options().expect("options");
    assert_eq!(options.namespace, "ns1");
    assert_eq!(options.api_key.as_deref(), Some("k"));
    let tls = options.tls.expect("tls");
    assert_eq!(tls.domain.as_deref(), Some("srv"));
    assert_eq!(tls.server_root_ca_cert.as_deref(), Some(&b"PEM"[..]));
    assert_eq!(tls.client_cert, Some((b"CERT".to_vec(), b"KEY".to_vec())));
    // TLS disabled in the profile stays off with an API key.
    let p2 = load(Some("p2"), &[("TEMPORAL_API_KEY", "z")]).expect("p2").to_client_options().expect("options");
    assert!(p2.tls_disabled && p2.tls.is_none() && p2.api_key.as_deref() == Some("z"));
}

#[test]
fn the_environment_overrides_the_file() {
    let env = [
        ("TEMPORAL_ADDRESS", "a:1"),
        ("TEMPORAL_NAMESPACE", "envns"),
        ("TEMPORAL_GRPC_META_SOME_THING", "x"),
        ("TEMPORAL_GRPC_META_MY_HEADER", ""),
        ("TEMPORAL_TLS", "false"),
    ];
    let p = load(Some("prod"), &env).expect("prod");
    assert_eq!(p.address.as_deref(), Some("a:1"));
    assert_eq!(p.namespace.as_deref(), Some("envns"));
    assert_eq!(p.grpc_meta, HashMap::from([("some-thing".to_string(), "x".to_string())]));
    assert_eq!(p.tls.as_ref().and_then(|t| t.disabled), Some(true));
    assert_eq!(p.tls.and_then(|t| t.server_name).as_deref(), Some("srv"));
    // Nothing from the environment when it is disabled.
    let options = LoadOptions::new().config_data(FILE).disable_env(true).env_vars([("TEMPORAL_ADDRESS", "h:2")]);
    assert_eq!(ClientConfigProfile::load(options).expect("default").address.as_deref(), Some("localhost:1234"));
}

#[test]
fn tls_variables_as_the_other_sdks_read_them() {
    for (value, disabled) in [("TRUE", Some(false)), ("1", Some(false)), ("0", Some(true)), ("yes", None), ("", None)] {
        let p = load(None, &[("TEMPORAL_TLS", value)]).expect("loads");
        assert_eq!(p.tls.expect("a TLS section").disabled, disabled, "{value:?}");
    }
    let both = [("TEMPORAL_TLS_CLIENT_CERT_PATH", "/a"), ("TEMPORAL_TLS_CLIENT_CERT_DATA", "b")];
    assert!(matches!(load(None, &both), Err(ConfigError::Invalid(_))));
    // A path from the environment does not replace data from the file.
    let path = [("TEMPORAL_TLS_CLIENT_CERT_PATH", "/p")];
    assert!(matches!(load(Some("prod"), &path), Err(ConfigError::Invalid(_))));
    let p = load(None, &[("TEMPORAL_TLS_SERVER_NAME", "n")]).expect("loads");
    let options = p.to_client_options().expect("options");
    assert_eq!(options.tls.and_then(|t| t.domain).as_deref(), Some("n"));
}

#[test]
fn strict_reading_refuses_unknown_keys() {
    let extra = "[profile.default]\naddress = \"x\"\nfoo = 1\n";
    assert_eq!(
        ClientConfig::from_toml(extra, false).expect("lenient").profiles["default"].address.as_deref(),
        Some("x")
    );
    assert!(matches!(ClientConfig::from_toml(extra, true), Err(ConfigError::Parse(m)) if m.contains("foo")));
    assert!(ClientConfig::from_toml("[other]\nx = 1\n", true).is_err());
    assert!(ClientConfig::from_toml("[profile.default.tls]\nfoo = 1\n", true).is_err());
    let codec = "[profile.default.codec]\nendpoint = \"http://x\"\nauth = \"a\"\n";
    assert!(ClientConfig::from_toml(codec, true).is_ok());
    assert!(matches!(ClientConfig::from_toml("not toml [", false), Err(ConfigError::Parse(_))));
    let both = "[profile.default.tls]\nclient_cert_path = \"/a\"\nclient_cert_data = \"b\"\n";
    assert!(matches!(ClientConfig::from_toml(both, false), Err(ConfigError::Invalid(_))));
}

#[test]
fn profiles_are_written_back_in_the_same_format() {
    let config = ClientConfig::from_toml(FILE, true).expect("reads");
    let again = ClientConfig::from_toml(&config.to_toml().expect("writes"), true).expect("reads back");
    assert_eq!(again, config);
}

#[test]
fn a_missing_file_is_no_configuration() {
    let options = LoadOptions::new().config_file("/nonexistent/temporal.toml").env_vars([("A", "b")]);
    assert_eq!(ClientConfigProfile::load(options).expect("empty"), ClientConfigProfile::default());
    let env = HashMap::from([("TEMPORAL_CONFIG_FILE".to_string(), "/x/t.toml".to_string())]);
    assert_eq!(default_config_file(&env), Some(PathBuf::from("/x/t.toml")));
}
