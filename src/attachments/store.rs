//! The object store holding attachments' bytes: a folder under the data directory, or an
//! S3-compatible bucket (README, "Configuration"). Content-addressed: `blobs/<sha256>`, the
//! thumbnail `thumbs/<sha256>.png`; an upload is staged under `uploads/` while it streams in.

use std::io::Cursor;
use std::sync::Arc;

use axum::body::Body;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};

use super::sniff;
use crate::error::{AppError, AppResult, ErrorCode, Problem};
use crate::server::config::Config;

pub type Files = Arc<dyn ObjectStore>;

/// Longest edge of a thumbnail, in pixels.
const THUMBNAIL_EDGE: u32 = 320;
/// Multipart pieces: what one upload holds in memory at most (S3 wants at least 5 MiB).
const PART_BYTES: usize = 5 * 1024 * 1024;

pub fn open(config: &Config) -> Result<Files, String> {
    match &config.s3_bucket {
        Some(bucket) => object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map(|store| Arc::new(store) as Files)
            .map_err(|e| format!("S3 storage: {e}")),
        None => {
            let dir = config.data_dir.join("files");
            std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            object_store::local::LocalFileSystem::new_with_prefix(&dir)
                .map(|store| Arc::new(store) as Files)
                .map_err(|e| format!("file storage in {}: {e}", dir.display()))
        }
    }
}

pub fn blob_path(sha256: &str) -> Path {
    Path::from(format!("blobs/{sha256}"))
}

pub fn thumbnail_path(sha256: &str) -> Path {
    Path::from(format!("thumbs/{sha256}.png"))
}

/// What an upload turned out to be.
pub struct Stored {
    pub sha256: String,
    pub size_bytes: u64,
    pub content_type: &'static str,
}

pub fn too_large(limit: u64) -> AppError {
    AppError::new(ErrorCode::PayloadTooLarge, Problem::FileTooLarge { limit: crate::domain::attachment::human_size(limit as i64) })
}

/// Streams a request body into the store (never whole in memory), hashing it on the way; stops at
/// `limit` bytes with `payload_too_large`, leaving nothing behind.
pub async fn store_body(files: &Files, body: Body, limit: u64) -> AppResult<Stored> {
    let staging = Path::from(format!("uploads/{}", hex::encode(rand::random::<[u8; 16]>())));
    let mut writer = WriteMultipart::new_with_chunk_size(files.put_multipart(&staging).await?, PART_BYTES);
    let (mut hasher, mut size, mut head) = (Sha256::new(), 0u64, Vec::with_capacity(sniff::HEAD_BYTES));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let refusal = match chunk {
            Ok(chunk) if size + chunk.len() as u64 <= limit => {
                size += chunk.len() as u64;
                hasher.update(&chunk);
                let wanted = sniff::HEAD_BYTES.saturating_sub(head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..wanted]);
                if let Err(err) = writer.wait_for_capacity(1).await {
                    return Err(err.into());
                }
                writer.write(&chunk);
                continue;
            }
            Ok(_) => too_large(limit),
            Err(_) => AppError::invalid("file", Problem::UploadInterrupted),
        };
        writer.abort().await.ok();
        return Err(refusal);
    }
    if size == 0 {
        writer.abort().await.ok();
        return Err(AppError::invalid("file", Problem::FileEmpty));
    }
    writer.finish().await?;
    let sha256 = hex::encode(hasher.finalize());
    let blob = blob_path(&sha256);
    match files.head(&blob).await {
        // The same bytes are stored already.
        Ok(_) => files.delete(&staging).await?,
        Err(object_store::Error::NotFound { .. }) => files.rename(&staging, &blob).await?,
        Err(err) => return Err(err.into()),
    }
    Ok(Stored { sha256, size_bytes: size, content_type: sniff::content_type(&head) })
}

/// One image decoded at a time: decoding needs the whole picture in memory.
static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// Makes (once per content) a PNG thumbnail of an image, re-encoded so none of the original's
/// metadata survives. False when the bytes are not a picture the decoder accepts.
pub async fn make_thumbnail(files: &Files, sha256: &str) -> AppResult<bool> {
    let thumbnail = thumbnail_path(sha256);
    if files.head(&thumbnail).await.is_ok() {
        return Ok(true);
    }
    let _turn = DECODING.acquire().await.map_err(|_| AppError::internal())?;
    let bytes = files.get(&blob_path(sha256)).await?.bytes().await?;
    let png = tokio::task::spawn_blocking(move || -> Option<Vec<u8>> {
        let mut reader = image::ImageReader::new(Cursor::new(bytes)).with_guessed_format().ok()?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(12_000);
        limits.max_image_height = Some(12_000);
        limits.max_alloc = Some(256 * 1024 * 1024);
        reader.limits(limits);
        let small = reader.decode().ok()?.thumbnail(THUMBNAIL_EDGE, THUMBNAIL_EDGE);
        let mut png = Vec::new();
        small.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png).ok()?;
        Some(png)
    })
    .await
    .map_err(|_| AppError::internal())?;
    match png {
        Some(png) => {
            files.put(&thumbnail, png.into()).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}
