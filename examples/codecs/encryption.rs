//! AES-256-GCM encryption of whole payloads, in the wire format of the Temporal samples'
//! encryption codec (Python `encryption/codec.py`, Go `encryption`, TypeScript
//! `encryption`), so one estate can mix SDKs on encrypted data:
//!
//! - the encrypted payload's metadata is `encoding: binary/encrypted` and
//!   `encryption-key-id: <key id>`;
//! - its data is a random 12-byte nonce followed by the AES-GCM ciphertext (with its tag) of the
//!   original payload's protobuf encoding, metadata included.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use futures::future::BoxFuture;
use prost::Message;
use temporal_sdk::converter::{CodecError, PayloadCodec};
use temporal_sdk::protos::temporal::api::common::v1::Payload;

const ENCODING: &[u8] = b"binary/encrypted";
const KEY_ID: &str = "encryption-key-id";
const NONCE_LEN: usize = 12;

/// Encrypts every payload with one AES-256 key, named by a key id that is stored with each
/// payload (a key rotation adds a key id; decoding refuses ids it does not know).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use examples::codecs::EncryptionCodec;
/// use temporal_sdk::converter::{DataConverter, decode, encode};
///
/// let converter = DataConverter::default().with_codec(EncryptionCodec::samples_test_key());
/// let encrypted = converter.encode(vec![encode("secret").unwrap()]).await.unwrap();
/// assert_eq!(encrypted[0].metadata["encoding"], b"binary/encrypted");
/// assert!(!encrypted[0].data.windows(6).any(|w| w == b"secret"));
/// let clear = converter.decode(encrypted).await.unwrap();
/// assert_eq!(decode::<String>(&clear[0]).unwrap(), "secret");
/// # }
/// ```
pub struct EncryptionCodec {
    key_id: String,
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for EncryptionCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("EncryptionCodec").field("key_id", &self.key_id).finish_non_exhaustive()
    }
}

impl EncryptionCodec {
    /// A codec for a 32-byte key named `key_id`.
    pub fn new(key_id: impl Into<String>, key: &[u8; 32]) -> Self {
        Self { key_id: key_id.into(), cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)) }
    }

    /// The key and key id that the samples of every Temporal SDK use (`test-key-id`), for
    /// tests and demos only: real keys come from a key store.
    pub fn samples_test_key() -> Self {
        Self::new("test-key-id", b"test-key-test-key-test-key-test!")
    }

    fn encrypt(&self, payload: &Payload) -> Result<Payload, CodecError> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload.encode_to_vec().as_slice())
            .map_err(|_| CodecError::new("AES-GCM encryption failed"))?;
        let mut data = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        data.extend_from_slice(&nonce);
        data.extend_from_slice(&ciphertext);
        let metadata =
            [("encoding".to_string(), ENCODING.to_vec()), (KEY_ID.to_string(), self.key_id.as_bytes().to_vec())].into();
        Ok(Payload { metadata, data, ..Default::default() })
    }

    fn decrypt(&self, payload: Payload) -> Result<Payload, CodecError> {
        if super::encoding(&payload) != Some(ENCODING) {
            return Ok(payload); // written before encryption was turned on, or by the SDK itself
        }
        let key_id = payload.metadata.get(KEY_ID).map(|id| String::from_utf8_lossy(id)).unwrap_or_default();
        if key_id != self.key_id {
            return Err(CodecError::new(format!(
                "payload encrypted with unknown key id {key_id:?} (this codec has {:?})",
                self.key_id
            )));
        }
        if payload.data.len() < NONCE_LEN {
            return Err(CodecError::new("encrypted payload shorter than its nonce"));
        }
        let (nonce, ciphertext) = payload.data.split_at(NONCE_LEN);
        let clear = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| CodecError::new("AES-GCM decryption failed: wrong key or tampered payload"))?;
        Payload::decode(clear.as_slice()).map_err(CodecError::from_source)
    }
}

impl PayloadCodec for EncryptionCodec {
    fn encode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(async move { payloads.iter().map(|p| self.encrypt(p)).collect() })
    }

    fn decode(&self, payloads: Vec<Payload>) -> BoxFuture<'_, Result<Vec<Payload>, CodecError>> {
        Box::pin(async move { payloads.into_iter().map(|p| self.decrypt(p)).collect() })
    }
}
