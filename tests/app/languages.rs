//! The interface's language: chosen from the browser's `Accept-Language` until the person picks
//! one with the switch (`POST /language`), then kept in a cookie; pages carry it in `<html lang>`.

use crate::common::{error_body, location, spawn_app};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, ORIGIN, SET_COOKIE};

#[tokio::test]
async fn pages_follow_the_browsers_language_until_one_is_chosen() {
    let app = spawn_app().await;
    let browser = app.browser();
    let page = |language: &'static str| {
        browser.client.get(format!("{}/login", app.base_url)).header(ACCEPT, "text/html").header(ACCEPT_LANGUAGE, language).send()
    };

    let english = page("de-DE,de;q=0.9,en;q=0.5").await.unwrap().text().await.unwrap();
    assert!(english.contains(r#"<html lang="en""#), "{english}");
    assert!(english.contains("Sign in"));
    let spanish = page("es-MX,es;q=0.9").await.unwrap().text().await.unwrap();
    assert!(spanish.contains(r#"<html lang="es""#));
    assert!(spanish.contains("Iniciar sesión") && spanish.contains("Correo electrónico"));

    // The switch: a plain form post, answered with the cookie and a way back to the page.
    let response = browser.post_form("/language", &[("lang", "en"), ("next", "/login?next=/app")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(response.headers()), Some("/login?next=/app"));
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("myrelay_lang=en;") && cookie.contains("Path=/"), "{cookie}");
    // The choice wins over the browser's preference.
    let chosen = page("es-MX,es;q=0.9").await.unwrap().text().await.unwrap();
    assert!(chosen.contains(r#"<html lang="en""#));
}

#[tokio::test]
async fn the_switch_refuses_unknown_languages_and_foreign_destinations() {
    let app = spawn_app().await;
    let browser = app.browser();

    let body = error_body(browser.post_form("/language", &[("lang", "xx")]).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["field"], "lang", "{body}");
    let body = error_body(browser.post_form("/language", &[("next", "/")]).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(body["field"], "lang", "{body}");

    for foreign in ["//evil.example/", "https://evil.example/", "\\\\evil.example"] {
        let response = browser.post_form("/language", &[("lang", "es"), ("next", foreign)]).await;
        assert_eq!(location(response.headers()), Some("/"), "{foreign}");
    }

    // Another site cannot change someone's language.
    let response = browser
        .client
        .post(format!("{}/language", app.base_url))
        .header(ORIGIN, "http://evil.example")
        .form(&[("lang", "es")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!response.headers().contains_key(SET_COOKIE));
}
