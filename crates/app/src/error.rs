use grassroots_core::FieldError;
use grassroots_store::StoreError;

/// The one error type of the services. The web layer renders it as an
/// HTML page or as JSON `{"error", "message", "field"}`.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in, or the credentials are wrong.
    #[error("authentication required")]
    Unauthorized,
    /// Signed in, but the policy refuses.
    #[error("you are not allowed to do this")]
    Forbidden,
    /// No such record within the caller's scope.
    #[error("not found")]
    NotFound,
    /// Invalid input; names the field.
    #[error("{0}")]
    Invalid(FieldError),
    /// The change conflicts with existing data; names the field.
    #[error("{field} is already taken")]
    Conflict {
        /// The field at fault.
        field: &'static str,
    },
    /// Too many failed attempts; try again later.
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    Throttled {
        /// Seconds until the window ends.
        retry_after_secs: i64,
    },
    /// The request is malformed in a way not tied to one field.
    #[error("{0}")]
    BadRequest(String),
    /// The request body is larger than accepted; says what the limit is.
    #[error("{0}")]
    TooLarge(String),
    /// Something broke on our side; details are in the log.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// A field whose value could not be understood at all (not a number,
    /// not one of the choices).
    pub fn invalid(field: &'static str) -> AppError {
        AppError::Invalid(FieldError::new(field, "invalid", "is not valid"))
    }

    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict { .. } => "conflict",
            AppError::Throttled { .. } => "throttled",
            AppError::BadRequest(_) => "bad_request",
            AppError::TooLarge(_) => "too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// The field at fault, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Invalid(f) => Some(f.field),
            AppError::Conflict { field } => Some(field),
            _ => None,
        }
    }
}

impl From<FieldError> for AppError {
    fn from(e: FieldError) -> Self {
        AppError::Invalid(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict { field } => AppError::Conflict { field },
            StoreError::Placement {
                level,
                parent_level,
                allowed,
            } => AppError::Invalid(FieldError::new(
                "level",
                "placement",
                placement_message(&level, &parent_level, &allowed),
            )),
            other => {
                tracing::error!(error = %other, "storage error");
                AppError::Internal(other.to_string())
            }
        }
    }
}

/// Why a unit of `level` cannot sit under one of `parent_level`, and where
/// it may.
pub fn placement_message(level: &str, parent_level: &str, allowed: &[String]) -> String {
    let where_ = if allowed.is_empty() {
        "it can only be the organization itself".to_string()
    } else {
        format!("it may sit under: {}", allowed.join(", "))
    };
    format!("a unit of level `{level}` cannot sit under a unit of level `{parent_level}`; {where_}")
}

/// [`placement_message`] for a unit of `level` under one of `parent_level`
/// in the profile `all`.
pub fn placement_reason(
    all: &[grassroots_store::profiles::Level],
    level: &str,
    parent_level: &str,
) -> String {
    let allowed = grassroots_store::profiles::allowed_parents_of(all, level);
    placement_message(level, parent_level, &allowed)
}

/// The refusal of something the caller may not change: `Forbidden` when
/// they may at least read it, `NotFound` otherwise (so its existence is
/// not revealed).
pub fn refusal(readable: bool) -> AppError {
    if readable {
        AppError::Forbidden
    } else {
        AppError::NotFound
    }
}

/// Result of a service call.
pub type AppResult<T> = Result<T, AppError>;
