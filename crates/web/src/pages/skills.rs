//! The skills catalogue.

use askama::Template;
use axum::Form;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::{FormError, Layout, Page, render};
use crate::AppState;
use crate::error::WebResult;
use crate::middleware::redirect_with_flash;

/// The skills catalogue page.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/admin/skills", get(skills).post(create_skill))
}

#[derive(Template)]
#[template(path = "skills/skills.html")]
struct SkillsPage {
    l: Layout,
    skills: Vec<grassroots_store::skills::Skill>,
    err: Option<FormError>,
}

async fn skills_page(p: &Page, status: StatusCode, err: Option<FormError>) -> WebResult<Response> {
    super::administrators_only(p)?;
    let skills = grassroots_app::skills::catalogue(&p.state.app).await?;
    let l = p.layout(p.tr.t("skills-title"), Vec::new());
    Ok(render(status, &SkillsPage { l, skills, err }))
}

/// `GET /admin/skills`.
pub async fn skills(p: Page) -> WebResult<Response> {
    skills_page(&p, StatusCode::OK, None).await
}

/// New skill form.
#[derive(Deserialize)]
pub struct SkillForm {
    name: String,
    category: String,
}

/// `POST /admin/skills`.
pub async fn create_skill(p: Page, Form(f): Form<SkillForm>) -> WebResult<Response> {
    match grassroots_app::skills::create(&p.state.app, &p.auth.actor, &f.name, &f.category).await {
        Ok(_) => Ok(redirect_with_flash(
            &p.state,
            "/admin/skills",
            "flash-skill-created",
        )),
        Err(e) => {
            let err = FormError::from_app(&p.tr, e)?;
            skills_page(&p, StatusCode::UNPROCESSABLE_ENTITY, Some(err)).await
        }
    }
}
