//! How server functions and their errors travel back: JSON, as server_fn's `Json`, but read in the
//! browser from text. Here rather than in `codec.rs` because the error type's own encoding is it.

use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON, read from text (`serde_json::from_str`) like the resources that carry the same values
/// from the server's render (leptos' `JsonSerdeCodec`). server_fn's own decoder reads bytes
/// (`from_slice`), which compiled every wire type's decoder twice into the bundle, once per reader.
pub struct JsonText;

impl ContentType for JsonText {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonText {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonText {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonText {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        // A body that is not UTF-8 is read as an empty one: the same kind of error, by the same reader.
        serde_json::from_str(std::str::from_utf8(&bytes).unwrap_or_default())
    }
}
