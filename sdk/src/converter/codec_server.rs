//! A codec server: the HTTP endpoint the Temporal Web UI and CLI call to show payloads that a
//! codec encrypted or compressed (`temporal workflow show --codec-endpoint URL`, or the Web UI's
//! "Codec Server" setting), so that the keys stay with the team that owns them.
//!
//! `POST {prefix}/encode` and `POST {prefix}/decode` take and return the proto-JSON of
//! `Payloads` (`{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`);
//! `OPTIONS` answers CORS preflights for the allowed origins.

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, StatusCode};
use tokio::net::TcpListener;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};

use super::DataConverter;
use crate::http_server::{self, HttpResponse, text};
use crate::protos::temporal::api::common::v1::Payload;

/// The codec server: the codecs of a [`DataConverter`] over HTTP.
///
/// ```no_run
/// use temporal_sdk::converter::DataConverter;
/// use temporal_sdk::converter::codec_server::CodecServer;
///
/// # async fn demo(converter: DataConverter) -> std::io::Result<()> {
/// let server = CodecServer::new(converter).allow_origin("http://localhost:8233").bind("127.0.0.1:8081".parse().unwrap()).await?;
/// println!("temporal workflow show -w my-id --codec-endpoint {}", server.url());
/// server.serve_forever().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CodecServer {
    converter: DataConverter,
    allowed_origins: Vec<String>,
    prefix: String,
}

impl CodecServer {
    /// A server for `converter`'s codecs, allowing the Temporal Web UI of a local dev server
    /// (`http://localhost:8233`) and `https://cloud.temporal.io` as CORS origins.
    pub fn new(converter: DataConverter) -> Self {
        Self {
            converter,
            allowed_origins: vec!["http://localhost:8233".into(), "https://cloud.temporal.io".into()],
            prefix: String::new(),
        }
    }

    /// Allows another origin (the address of your Web UI) to call the server from a browser;
    /// `"*"` allows any.
    pub fn allow_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// Serves under a path prefix (`/codec` gives `/codec/encode` and `/codec/decode`).
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into().trim_end_matches('/').to_string();
        self
    }

    /// Listens on `address` (port 0 picks a free one) and starts serving in the background.
    pub async fn bind(self, address: SocketAddr) -> std::io::Result<RunningCodecServer> {
        let prefix = self.prefix.clone();
        let server = Arc::new(self);
        let running = http_server::spawn(address, move |request| {
            let server = Arc::clone(&server);
            async move { server.handle(request).await }
        })
        .await?;
        Ok(RunningCodecServer { prefix, running })
    }

    /// Serves the connections `listener` accepts, until the future is dropped.
    pub async fn serve(self, listener: TcpListener) {
        let server = Arc::new(self);
        http_server::serve(listener, move |request| {
            let server = Arc::clone(&server);
            async move { server.handle(request).await }
        })
        .await;
    }

    async fn handle(&self, request: Request<Incoming>) -> HttpResponse {
        let origin = request.headers().get(header::ORIGIN).cloned();
        let mut response = self.route(request).await;
        self.add_cors(origin, response.headers_mut());
        response
    }

    async fn route(&self, request: Request<Incoming>) -> HttpResponse {
        let path = request.uri().path().strip_prefix(self.prefix.as_str()).unwrap_or_default().to_string();
        let encode = match path.as_str() {
            "/encode" => true,
            "/decode" => false,
            _ => return text(StatusCode::NOT_FOUND, "not found: POST to /encode or /decode"),
        };
        match *request.method() {
            Method::OPTIONS => return text(StatusCode::OK, ""),
            Method::POST => {}
            _ => return text(StatusCode::METHOD_NOT_ALLOWED, "use POST"),
        }
        let body = match request.into_body().collect().await {
            Ok(body) => body.to_bytes(),
            Err(e) => return text(StatusCode::BAD_REQUEST, &format!("cannot read the request body: {e}")),
        };
        let payloads = match serde_json::from_slice::<JsonPayloads>(&body)
            .map_err(|e| e.to_string())
            .and_then(JsonPayloads::into_payloads)
        {
            Ok(payloads) => payloads,
            Err(e) => {
                let message = format!("the body is not the JSON of Payloads ({{\"payloads\": [..]}}): {e}");
                return text(StatusCode::BAD_REQUEST, &message);
            }
        };
        let converted =
            if encode { self.converter.encode(payloads).await } else { self.converter.decode(payloads).await };
        match converted.map(|payloads| serde_json::to_vec(&JsonPayloads::from_payloads(payloads))) {
            Ok(Ok(json)) => http_server::respond(StatusCode::OK, "application/json", json),
            Ok(Err(e)) => text(StatusCode::INTERNAL_SERVER_ERROR, &format!("cannot write the payloads: {e}")),
            Err(e) => text(StatusCode::BAD_REQUEST, &e.to_string()),
        }
    }

    fn add_cors(&self, origin: Option<HeaderValue>, headers: &mut hyper::HeaderMap) {
        let Some(origin) = origin else { return };
        let any = self.allowed_origins.iter().any(|o| o == "*");
        let allowed = any || origin.to_str().is_ok_and(|o| self.allowed_origins.iter().any(|a| a == o));
        if !allowed {
            return;
        }
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, x-namespace, authorization"),
        );
        // The Web UI sends cookies and the user's token when told to include credentials.
        headers.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        headers.insert(header::VARY, HeaderValue::from_static("origin"));
    }
}

/// The proto3 JSON form of `temporal.api.common.v1.Payloads`: bytes as base64.
#[derive(Serialize, Deserialize)]
struct JsonPayloads {
    #[serde(default)]
    payloads: Vec<JsonPayload>,
}

#[derive(Serialize, Deserialize)]
struct JsonPayload {
    #[serde(default)]
    metadata: std::collections::BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    data: String,
}

impl JsonPayloads {
    fn into_payloads(self) -> Result<Vec<Payload>, String> {
        self.payloads
            .into_iter()
            .map(|p| {
                let metadata = p
                    .metadata
                    .into_iter()
                    .map(|(key, value)| base64_decode(&value).map(|value| (key, value)))
                    .collect::<Result<_, _>>()?;
                Ok(Payload { metadata, data: base64_decode(&p.data)?, ..Default::default() })
            })
            .collect()
    }

    fn from_payloads(payloads: Vec<Payload>) -> Self {
        let payloads = payloads
            .into_iter()
            .map(|p| JsonPayload {
                metadata: p.metadata.into_iter().map(|(key, value)| (key, STANDARD.encode(value))).collect(),
                data: STANDARD.encode(p.data),
            })
            .collect();
        Self { payloads }
    }
}

/// Proto3 JSON readers accept standard and URL-safe base64, padded or not.
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .ok_or_else(|| format!("{text:?} is not base64"))
}

/// A codec server serving in the background; dropping it stops it.
#[derive(Debug)]
pub struct RunningCodecServer {
    prefix: String,
    running: http_server::RunningServer,
}

impl RunningCodecServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr
    }

    /// The URL to give the CLI's `--codec-endpoint` or the Web UI.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.running.local_addr, self.prefix)
    }

    /// Serves until the process ends.
    pub async fn serve_forever(mut self) {
        self.running.wait().await;
    }
}
