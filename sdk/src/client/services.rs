//! Raw gRPC clients of the server's services, for what the typed API does not cover. The
//! client's own calls go through the same transport, so every call, raw or typed, carries the
//! same headers: client name and version, namespace, the options' and the caller's gRPC
//! metadata, and the current API key.

use tonic::codec::CompressionEncoding;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::service::Interceptor;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

use super::{CLIENT_NAME, CLIENT_VERSION, Client};
use crate::protos::temporal::api::operatorservice::v1::operator_service_client::OperatorServiceClient;
use crate::protos::temporal::api::testservice::v1::test_service_client::TestServiceClient;
use crate::protos::temporal::api::workflowservice::v1::workflow_service_client::WorkflowServiceClient;

/// The transport of the raw service clients: the client's connection, with its headers put on
/// every request.
pub type ServiceChannel = InterceptedService<Channel, ClientHeaders>;

/// Puts a [`Client`]'s headers on the requests of its raw service clients. Headers the caller
/// set on a request win over the client's (another `temporal-namespace`, say); a request
/// without a deadline gets the client's RPC timeout, if it has one.
#[derive(Clone)]
pub struct ClientHeaders {
    client: Client,
}

impl std::fmt::Debug for ClientHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientHeaders").field("namespace", &self.client.namespace).finish_non_exhaustive()
    }
}

impl Interceptor for ClientHeaders {
    fn call(&mut self, mut request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let callers = std::mem::take(request.metadata_mut()).into_headers();
        let mut headers = MetadataMap::new();
        self.client.put_headers(&mut headers);
        let mut headers = headers.into_headers();
        // Replaces the client's values of the names the caller set, keeps the rest.
        headers.extend(callers);
        *request.metadata_mut() = MetadataMap::from_headers(headers);
        if let Some(timeout) = self.client.rpc_timeout
            && !request.metadata().contains_key("grpc-timeout")
        {
            request.set_timeout(timeout);
        }
        Ok(request)
    }
}

/// Largest message accepted: a page of a long history is big.
const MAX_DECODING_MESSAGE_SIZE: usize = super::transport::MAX_MESSAGE_SIZE;

/// The `user-agent` of the client's own calls.
const USER_AGENT: &str = concat!("temporal-sdk-rust/", env!("CARGO_PKG_VERSION"));

/// A service client on `$client`'s connection, configured alike for every service. (The
/// generated clients share no trait to be generic over.)
macro_rules! service_client {
    ($service:ident, $client:expr) => {{
        let client: &Client = $client;
        let service = $service::new(client.service_channel())
            .max_decoding_message_size(MAX_DECODING_MESSAGE_SIZE)
            .accept_compressed(CompressionEncoding::Gzip);
        if client.conn.gzip { service.send_compressed(CompressionEncoding::Gzip) } else { service }
    }};
}

impl Client {
    /// The headers of every call of this client.
    fn put_headers(&self, md: &mut MetadataMap) {
        md.insert("client-name", MetadataValue::from_static(CLIENT_NAME));
        md.insert("client-version", MetadataValue::from_static(CLIENT_VERSION));
        if let Ok(ns) = MetadataValue::try_from(self.namespace.as_str()) {
            md.insert("temporal-namespace", ns);
        }
        for entry in self.conn.metadata.iter().chain(self.call_metadata.iter().flat_map(|extra| extra.iter())) {
            if let tonic::metadata::KeyAndValueRef::Ascii(k, v) = entry {
                md.insert(k.clone(), v.clone());
            }
        }
        if let Some(key) = self.conn.api_key.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
            md.insert("authorization", key.clone());
        }
    }

    /// The headers of a call on the client's own transport: gRPC's, then the client's.
    pub(super) fn call_headers(&self) -> http::HeaderMap {
        use http::HeaderValue;
        let mut md = MetadataMap::with_capacity(12);
        self.put_headers(&mut md);
        let mut headers = md.into_headers();
        headers.insert("content-type", HeaderValue::from_static("application/grpc"));
        headers.insert("te", HeaderValue::from_static("trailers"));
        headers.insert("grpc-accept-encoding", HeaderValue::from_static("gzip"));
        headers.insert("user-agent", HeaderValue::from_static(USER_AGENT));
        headers
    }

    fn service_channel(&self) -> ServiceChannel {
        InterceptedService::new(self.conn.channel.clone(), ClientHeaders { client: self.clone() })
    }

    /// The raw gRPC client of the workflow service, for calls this SDK does not wrap. Its
    /// requests carry this client's headers (namespace, metadata, API key) and RPC timeout.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use temporal_sdk::protos::temporal::api::workflowservice::v1::DescribeNamespaceRequest;
    ///
    /// let request = DescribeNamespaceRequest { namespace: client.namespace().into(), ..Default::default() };
    /// let namespace = client.workflow_service().describe_namespace(request).await?.into_inner();
    /// # let _ = namespace; Ok(()) }
    /// ```
    pub fn workflow_service(&self) -> WorkflowServiceClient<ServiceChannel> {
        service_client!(WorkflowServiceClient, self)
    }

    /// The raw gRPC client of the operator service (search attributes, namespaces, Nexus
    /// endpoints, remote clusters), with this client's headers and RPC timeout.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use temporal_sdk::protos::temporal::api::operatorservice::v1::ListSearchAttributesRequest;
    ///
    /// let request = ListSearchAttributesRequest { namespace: client.namespace().into() };
    /// let attributes = client.operator_service().list_search_attributes(request).await?.into_inner();
    /// println!("{:?}", attributes.custom_attributes.keys());
    /// # Ok(()) }
    /// ```
    pub fn operator_service(&self) -> OperatorServiceClient<ServiceChannel> {
        service_client!(OperatorServiceClient, self)
    }

    /// The raw gRPC client of the time-skipping test server's test service (its clock and
    /// time-skipping lock), with this client's headers and RPC timeout. Other servers do not
    /// offer it.
    ///
    /// ```no_run
    /// # async fn demo(client: temporal_sdk::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let now = client.test_service().get_current_time(()).await?.into_inner().time;
    /// # let _ = now; Ok(()) }
    /// ```
    pub fn test_service(&self) -> TestServiceClient<ServiceChannel> {
        service_client!(TestServiceClient, self)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::client::RetryConfig;
    use crate::client::call::tests::offline_client;

    fn intercepted(client: &Client, request: tonic::Request<()>) -> MetadataMap {
        let mut headers = ClientHeaders { client: client.clone() };
        headers.call(request).expect("never refused").metadata().clone()
    }

    fn header(md: &MetadataMap, name: &str) -> Option<String> {
        md.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    #[tokio::test]
    async fn calls_carry_the_callers_metadata_and_the_current_api_key() {
        let client = offline_client(RetryConfig::default()).with_rpc_metadata([("X-Origin", "job")]).expect("valid");
        client.set_api_key(Some("first")).expect("valid");
        client.set_api_key(Some("second")).expect("valid");
        let md = intercepted(&client, tonic::Request::new(()));
        assert_eq!(header(&md, "x-origin").as_deref(), Some("job"));
        assert_eq!(header(&md, "authorization").as_deref(), Some("Bearer second"));
        assert_eq!(header(&md, "temporal-namespace").as_deref(), Some("default"));
        assert_eq!(header(&md, "client-name").as_deref(), Some(CLIENT_NAME));
        client.set_api_key(None).expect("no key");
        assert!(intercepted(&client, tonic::Request::new(())).get("authorization").is_none());
    }

    #[tokio::test]
    async fn headers_and_a_deadline_the_caller_set_win_over_the_clients() {
        let client = offline_client(RetryConfig::default()).with_rpc_timeout(Duration::from_secs(3));
        let mut request = tonic::Request::new(());
        request.metadata_mut().insert("temporal-namespace", MetadataValue::from_static("other"));
        request.set_timeout(Duration::from_millis(250));
        let md = intercepted(&client, request);
        assert_eq!(header(&md, "temporal-namespace").as_deref(), Some("other"));
        assert_eq!(header(&md, "grpc-timeout").as_deref(), Some("250000u"));
        // Without the caller's deadline, the client's RPC timeout applies.
        let md = intercepted(&client, tonic::Request::new(()));
        assert_eq!(header(&md, "grpc-timeout").as_deref(), Some("3000000u"));
    }
}
