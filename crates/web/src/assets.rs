//! Static assets embedded in the binary and served under URLs that contain
//! a hash of their content, so they can be cached forever.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// URL path under `/static/`.
    pub url_name: String,
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes.
    pub body: &'static [u8],
}

fn asset(stem: &str, ext: &str, content_type: &'static str, body: &'static [u8]) -> Asset {
    let hash = hex::encode(&Sha256::digest(body)[..6]);
    Asset {
        url_name: format!("{stem}.{hash}.{ext}"),
        content_type,
        body,
    }
}

/// The stylesheet.
pub static CSS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/app.css"),
    )
});

/// The page script: upload progress and busy bars.
pub static APP_JS: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    )
});

/// htmx 2.0.8 (0BSD licence, `assets/vendor/htmx-LICENSE.txt`).
pub static HTMX: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "htmx-2.0.8",
        "min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/vendor/htmx-2.0.8.min.js"),
    )
});

/// htmx's licence text, served beside it.
pub static HTMX_LICENSE: LazyLock<Asset> = LazyLock::new(|| {
    asset(
        "htmx-LICENSE",
        "txt",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/vendor/htmx-LICENSE.txt"),
    )
});

/// URL of an asset.
pub fn url(a: &Asset) -> String {
    format!("/static/{}", a.url_name)
}

/// `GET /static/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    for a in [&*CSS, &*HTMX, &*HTMX_LICENSE, &*APP_JS] {
        if a.url_name == name {
            return (
                [
                    (header::CONTENT_TYPE, a.content_type),
                    (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                ],
                a.body,
            )
                .into_response();
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
