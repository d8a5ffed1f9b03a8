//! `/app/admin/categories`: the admin's list of categories, in the order people are offered them,
//! with a form to add one and, on each, moving, editing and (de)activating. Every control is a
//! form that also works without JavaScript.

use leptos::either::Either;
use leptos::prelude::*;

use super::api::{CreateCategory, MoveCategory, SetCategoryActive, UpdateCategory, list_categories};
use crate::admin::api::list_users;
use crate::domain::account::User;
use crate::domain::category::{Category, DEFAULT_MESSAGE_MAX_CHARS, DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS};
use crate::error::AppError;
use crate::i18n::{error_message, t};
use crate::ui::flash::{Flash, Outcome};
use crate::ui::{FieldError, FormError, LoadError, Loading, PageTitle, ServerForm, SubmitButton, aria_invalid};

/// Each form posts through its action (or, without JavaScript, as a plain form, and the page
/// comes back with the outcome).
#[component]
pub fn AdminCategoriesPage() -> impl IntoView {
    let t = &t().admin;
    let create = ServerAction::<CreateCategory>::new();
    let update = ServerAction::<UpdateCategory>::new();
    let set_active = ServerAction::<SetCategoryActive>::new();
    let move_one = ServerAction::<MoveCategory>::new();
    // A change refused on a row; the form of a new one shows its own errors. Each success loads
    // the list again.
    let rows = Outcome::fresh().follow(update, |_| None).follow(set_active, |_| None).follow(move_one, |_| None);
    let added = Outcome::new().follow(create, |_| None);
    let categories = Resource::new(move || (rows.saved.get(), added.saved.get()), |_| list_categories());
    let agents = Resource::new(|| (), |_| async {
        let page = list_users(Some("agent".into()), None, Some(100), None).await?;
        Ok::<_, AppError>(page.items.into_iter().map(|account| account.user).filter(|agent| agent.is_active).collect::<Vec<_>>())
    });
    // What was typed into a new category that was refused (a plain post).
    let typed = crate::ui::flash::current();
    view! {
        <PageTitle text=t.categories />
        <div class="page-head"><h1>{t.categories}</h1></div>
        <p class="muted">{t.categories_intro}</p>
        {move || rows.error.get().map(|error| view! { <p class="form-error" role="alert">{error_message(&error)}</p> })}
        <Transition fallback=Loading>
            {move || {
                let typed = typed.clone();
                Suspend::new(async move {
                    let agents = agents.await.unwrap_or_default();
                    match categories.await {
                        Ok(list) => {
                            let last = list.len().saturating_sub(1);
                            let rows = (!list.is_empty()).then(|| {
                                let rows = list.into_iter().enumerate().map(|(index, category)| {
                                    let agents = agents.clone();
                                    view! { <CategoryRow category first=index == 0 last=index == last agents update set_active move_one /> }
                                }).collect_view();
                                view! { <ol class="category-list" aria-label=t.categories>{rows}</ol> }
                            });
                            Either::Left(view! {
                                {rows.is_none().then(|| view! { <div class="empty-state"><p>{t.no_categories}</p></div> })}
                                {rows}
                                <NewCategory action=create error=added.refusal() agents typed />
                            })
                        }
                        Err(error) => Either::Right(view! { <LoadError error retry=move |_| categories.refetch() /> }),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
fn CategoryRow(
    category: Category,
    first: bool,
    last: bool,
    agents: Vec<User>,
    update: ServerAction<UpdateCategory>,
    set_active: ServerAction<SetCategoryActive>,
    move_one: ServerAction<MoveCategory>,
) -> impl IntoView {
    let t = &t().admin;
    let id = category.id.to_string();
    let step = move |direction: &'static str, label: &'static str, arrow: &'static str, disabled: bool| {
        let id = id.clone();
        view! {
            <ServerForm action=move_one attr:class="inline-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="direction" value=direction />
                <button type="submit" class="button subtle" aria-label=label title=label disabled=disabled>{arrow}</button>
            </ServerForm>
        }
    };
    let (toggle_value, toggle_label) = if category.is_active { ("false", t.deactivate) } else { ("true", t.reactivate) };
    let (category_id, editable) = (category.id, category.clone());
    view! {
        <li class="category-row" class:inactive=!category.is_active data-category=category.name.clone()>
            <div class="category-main">
                <h2>{category.name.clone()} {(!category.is_active).then(|| view! { <span class="state state-off">{t.deactivated}</span> })}</h2>
                {(!category.description.is_empty()).then(|| view! { <p class="muted">{category.description.clone()}</p> })}
                <dl class="category-facts">
                    <dt>{t.first_message}</dt>
                    <dd>{if category.default_message.is_empty() { t.no_first_message.to_owned() } else { category.default_message.clone() }}</dd>
                    <dt>{t.default_agent}</dt>
                    <dd>{category.default_agent_name.clone().unwrap_or_else(|| t.no_default_agent.to_owned())}</dd>
                </dl>
            </div>
            <div class="category-actions">
                {step("up", t.move_up, "↑", first)}
                {step("down", t.move_down, "↓", last)}
                <ServerForm action=set_active attr:class="inline-form">
                    <input type="hidden" name="id" value=category_id />
                    <input type="hidden" name="active" value=toggle_value />
                    <button type="submit" class="button subtle">{toggle_label}</button>
                </ServerForm>
                <details class="edit-category">
                    <summary class="button subtle">{t.edit}</summary>
                    <ServerForm action=update attr:class="form">
                        <input type="hidden" name="id" value=category_id />
                        <CategoryFields prefix=format!("edit-{category_id}") category=Some(editable) agents error=Signal::stored(None) />
                        <button type="submit" class="button primary">{t.save}</button>
                    </ServerForm>
                </details>
            </div>
        </li>
    }
}

#[component]
fn NewCategory(action: ServerAction<CreateCategory>, error: Signal<Option<AppError>>, agents: Vec<User>, typed: Flash) -> impl IntoView {
    let t = &t().admin;
    // Empty after each category added; a refused one comes back with what was typed.
    let again = typed.typed("name").map(|name| Category {
        id: 0,
        name,
        description: typed.typed("description").unwrap_or_default(),
        default_message: typed.typed("default_message").unwrap_or_default(),
        default_agent_id: typed.typed("default_agent_id").and_then(|id| id.parse().ok()),
        default_agent_name: None,
        is_active: true,
        position: 0,
    });
    view! {
        <section class="new-category" aria-labelledby="new-category">
            <h2 id="new-category">{t.new_category}</h2>
            <ServerForm action attr:class="form wide">
                <FormError error />
                <CategoryFields prefix="new".to_owned() category=again agents error />
                <SubmitButton pending=action.pending() label=t.add_category busy_label=t.adding_category />
            </ServerForm>
        </section>
    }
}

/// The inputs of a category, empty or holding `category`'s values; ids start with `prefix`.
#[component]
fn CategoryFields(prefix: String, category: Option<Category>, agents: Vec<User>, error: Signal<Option<AppError>>) -> impl IntoView {
    let t = &t().admin;
    let id = |field: &str| format!("{prefix}-{field}");
    let current = category.clone().unwrap_or(Category {
        id: 0,
        name: String::new(),
        description: String::new(),
        default_message: String::new(),
        default_agent_id: None,
        default_agent_name: None,
        is_active: true,
        position: 0,
    });
    let options = agents
        .into_iter()
        .map(|agent| view! { <option value=agent.id selected=current.default_agent_id == Some(agent.id)>{agent.display_name}</option> })
        .collect_view();
    view! {
        <label for=id("name")>{t.category_name}</label>
        <input id=id("name") name="name" type="text" required maxlength=NAME_MAX_CHARS value=current.name.clone()
            aria-invalid=aria_invalid(error, "name") />
        <FieldError error field="name" />
        <label for=id("description")>{t.category_description}</label>
        <input id=id("description") name="description" type="text" maxlength=DESCRIPTION_MAX_CHARS value=current.description.clone() />
        <label for=id("default_message")>{t.first_message}</label>
        <textarea id=id("default_message") name="default_message" rows="3" maxlength=DEFAULT_MESSAGE_MAX_CHARS
            aria-describedby=id("default_message-hint")>{current.default_message.clone()}</textarea>
        <p class="hint" id=id("default_message-hint")>{t.first_message_hint}</p>
        <label for=id("default_agent_id")>{t.default_agent}</label>
        <select id=id("default_agent_id") name="default_agent_id" aria-invalid=aria_invalid(error, "default_agent_id")>
            <option value="" selected=current.default_agent_id.is_none()>{t.no_default_agent}</option>
            {options}
        </select>
        <FieldError error field="default_agent_id" />
    }
}
